"""Property tests of the SSE layer: framing never depends on how bytes were split, and hostile bytes only
ever raise our typed ``DecodeError``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_openrouter.errors import DecodeError
from chat_openrouter.transport.payloads import _PayloadReader
from chat_openrouter.transport.sse import ServerSentEvent, SSEDecoder

from ._budget import BUDGETS, fuzz_settings

# Field values: any text without line breaks (a line break inside a value would end the field).
values = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=40)
line_endings = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def sse_streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """A well-formed stream (random fields, comments, line endings) and the events it must decode to."""
    out: list[bytes] = []
    expected: list[ServerSentEvent] = []
    for _ in range(draw(st.integers(0, 6))):
        nl = draw(line_endings)
        if draw(st.booleans()):
            out.append(b": " + draw(values).encode() + nl)  # a keep-alive comment
        name = draw(st.sampled_from(["", "response.output_text.delta", "message"]))
        data_lines = draw(st.lists(values, min_size=1, max_size=3))
        if name:
            out.append(b"event: " + name.encode() + nl)
        for line in data_lines:
            # "data:value" and "data: value" are the same field; a leading space beyond one is data.
            space = draw(st.booleans()) or line.startswith(" ")  # the first space is a separator
            out.append(b"data:" + (b" " if space else b"") + line.encode() + nl)
        out.append(nl)
        expected.append(ServerSentEvent(name or "message", "\n".join(data_lines)))
    return b"".join(out), expected


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(data[start:point])
        start = point
    pieces.append(data[start:])
    return pieces


def decode(pieces: list[bytes], limit: int | None = None) -> list[ServerSentEvent]:
    decoder = SSEDecoder(limit)
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events += decoder.feed(piece)
    return events + decoder.flush()


@pytest.mark.parametrize("examples", BUDGETS)
def test_framing_does_not_depend_on_the_split(examples: int) -> None:
    @fuzz_settings(examples)
    @given(sse_streams(), st.lists(st.integers(0, 10_000), max_size=12))
    def prop(stream: tuple[bytes, list[ServerSentEvent]], cuts: list[int]) -> None:
        data, expected = stream
        assert decode([data]) == expected
        assert decode(split(data, cuts)) == expected
        assert decode([data[i : i + 1] for i in range(len(data))]) == expected

    prop()


@pytest.mark.parametrize("examples", BUDGETS)
def test_random_bytes_only_raise_decode_error(examples: int) -> None:
    alphabet = st.sampled_from(
        [b"data:", b"event:", b"id:", b"retry:", b":", b" ", b"\n", b"\r", b"\xff", b"\xc3", b"{"]
    )
    noise = st.lists(st.one_of(st.binary(max_size=12), alphabet), max_size=30).map(b"".join)

    @fuzz_settings(examples)
    @given(noise, st.lists(st.integers(0, 400), max_size=8), st.sampled_from([None, 16, 4096]))
    def prop(data: bytes, cuts: list[int], limit: int | None) -> None:
        try:
            events = decode(split(data, cuts), limit)
        except DecodeError:
            return  # the one error allowed
        assert all(isinstance(e.data, str) and isinstance(e.event, str) for e in events)

    prop()


@pytest.mark.parametrize("examples", BUDGETS)
def test_event_size_limit_holds_however_bytes_arrive(examples: int) -> None:
    @fuzz_settings(examples)
    @given(st.integers(1, 300), st.integers(8, 128), st.lists(st.integers(0, 400), max_size=6))
    def prop(size: int, limit: int, cuts: list[int]) -> None:
        data = b"data: " + b"x" * size + b"\n\n"
        over = len(b"data: ") + size > limit
        try:
            events = decode(split(data, cuts), limit)
        except DecodeError:
            assert over
        else:
            assert not over and events == [ServerSentEvent(data="x" * size)]

    prop()


@pytest.mark.parametrize("examples", BUDGETS)
def test_payload_reader_stops_at_done_and_skips_empty_data(examples: int) -> None:
    @fuzz_settings(examples)
    @given(
        st.lists(st.sampled_from(["a", "", "[DONE]", "b c"]), max_size=8),
        st.lists(st.integers(0, 200), max_size=5),
    )
    def prop(datas: list[str], cuts: list[int]) -> None:
        body = b"".join(b"data: " + d.encode() + b"\n\n" for d in datas)
        reader = _PayloadReader(1024)
        got: list[str] = []
        for piece in split(body, cuts):
            got += reader.feed(piece)
        got += reader.end()
        stop = datas.index("[DONE]") if "[DONE]" in datas else len(datas)
        assert got == [d for d in datas[:stop] if d]

    prop()
