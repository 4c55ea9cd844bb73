"""SSE framing: ``transport.sse.SSEDecoder`` must not care how the bytes were chunked.

Real fixtures are split at every byte offset (two pieces) and fed byte by byte; the events (and the
Chat Completions response decoded from them) must be identical every time. That covers a multi-byte
UTF-8 character cut in half, a ``\\r\\n`` cut between its two bytes, and comments cut mid-line.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from _spec import load_fixture
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.errors import DecodeError
from chat_openrouter.transport.sse import ServerSentEvent, SSEDecoder
from chat_openrouter.wire.completions.codec import CompletionsStreamState

STREAMS = [
    "chat-stream-keepalive-preamble.sse",  # "亚": a 3-byte UTF-8 character
    "chat-stream-text.sse",
    "chat-stream-tool-call.sse",
    "chat-stream-reasoning-anthropic-signature.sse",  # comments between data events
]


def decode(
    pieces: Iterable[bytes], *, max_event_bytes: int | None = None
) -> tuple[list[ServerSentEvent], int]:
    decoder = SSEDecoder(max_event_bytes) if max_event_bytes else SSEDecoder()
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events, decoder.comments


def two_pieces(data: bytes) -> Iterable[list[bytes]]:
    for offset in range(len(data) + 1):
        yield [data[:offset], data[offset:]]


def byte_by_byte(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


@pytest.mark.parametrize("name", STREAMS)
def test_fixture_split_anywhere_gives_the_same_events(name: str) -> None:
    data, _ = load_fixture(name)
    whole, comments = decode([data])
    assert whole  # the fixture has events
    assert comments == data.count(b"\n:") + data.startswith(b":")
    assert all(e.event == "message" for e in whole)
    for pieces in two_pieces(data):
        assert decode(pieces) == (whole, comments), f"split at {len(pieces[0])}"
    assert decode(byte_by_byte(data)) == (whole, comments)


def test_keepalive_preamble_events_are_exact() -> None:
    data, _ = load_fixture("chat-stream-keepalive-preamble.sse")
    events, comments = decode([data])
    assert comments == 2  # two ": OPENROUTER PROCESSING" lines, counted and not surfaced
    assert len(events) == 2
    assert '"content":"\u4e9a"' in events[1].data


@pytest.mark.parametrize("line_ending", [b"\r\n", b"\r", b"\n"])
def test_crlf_cr_and_lf_line_endings_are_equivalent(line_ending: bytes) -> None:
    data, _ = load_fixture("chat-stream-tool-call.sse")
    expected = decode([data])
    converted = data.replace(b"\n", line_ending)
    for pieces in two_pieces(converted):
        assert decode(pieces) == expected, f"split at {len(pieces[0])}"


def test_multibyte_utf8_split_across_chunks_survives() -> None:
    data = 'data: {"t": "pelican \U0001f426 \u00e9t\u00e9 \u4e9a"}\n\n'.encode()
    for pieces in two_pieces(data):
        events, _ = decode(pieces)
        assert [e.data for e in events] == ['{"t": "pelican \U0001f426 \u00e9t\u00e9 \u4e9a"}']


def test_comments_are_counted_and_ignored() -> None:
    data = b": OPENROUTER PROCESSING\n\n:\n: \ndata: x\n: mid-event comment\ndata: y\n\n"
    events, comments = decode([data])
    assert comments == 4
    assert [e.data for e in events] == ["x\ny"]


def test_multi_line_data_is_joined_with_newlines() -> None:
    events, _ = decode([b"data: first\ndata:second\ndata:  third\n\n"])
    assert [e.data for e in events] == ["first\nsecond\n third"]  # one optional space is stripped


def test_event_id_and_retry_fields() -> None:
    events, _ = decode([b"event: ping\nid: 7\nretry: 1500\ndata: {}\n\n"])
    assert events == [ServerSentEvent(event="ping", data="{}", id="7", retry=1500)]


def test_invalid_utf8_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="invalid UTF-8"):
        decode([b'data: {"t": "\xff\xfe"}\n\n'])


def test_invalid_utf8_split_across_chunks_is_still_an_error() -> None:
    with pytest.raises(DecodeError, match="invalid UTF-8"):
        decode([b'data: "\xe4\xba', b'x"\n\n'])  # a 3-byte sequence missing its last byte


def test_oversize_event_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="exceeds the 64-byte limit"):
        decode([b"data: " + b"x" * 100 + b"\n\n"], max_event_bytes=64)
    # ...also when no line ending ever arrives (a hostile endless line)
    decoder = SSEDecoder(64)
    assert decoder.feed(b"data: " + b"y" * 50) == []
    with pytest.raises(DecodeError, match="exceeds"):
        decoder.feed(b"y" * 20)
    # an event of many small lines counts as a whole
    with pytest.raises(DecodeError, match="exceeds"):
        decode([b"data: 0123456789\n" * 10 + b"\n"], max_event_bytes=64)


def test_events_under_the_limit_pass_and_the_limit_resets_per_event() -> None:
    events, _ = decode([b"data: " + b"x" * 50 + b"\n\n"] * 5, max_event_bytes=64)
    assert len(events) == 5


def test_flush_dispatches_an_unterminated_last_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"a": 1}\n\ndata: {"b"') == [ServerSentEvent(data='{"a": 1}')]
    assert decoder.has_pending
    assert decoder.feed(b": 2}") == []
    assert decoder.flush() == [ServerSentEvent(data='{"b": 2}')]
    assert not decoder.has_pending
    assert decoder.flush() == []


def test_flush_after_a_complete_line_without_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: [DONE]\n") == []
    assert decoder.flush() == [ServerSentEvent(data="[DONE]")]


# -- the whole Chat Completions pipeline: bytes -> SSE -> CompletionsStreamState ---------------------------


def pipeline(pieces: Iterable[bytes]) -> tuple[ChatResponse, list[object]]:
    """What ``Endpoint`` does (skip empty data, stop at ``[DONE]``), then the codec's stream state."""
    decoder = SSEDecoder()
    state = CompletionsStreamState()
    events: list[object] = []

    def payloads() -> Iterable[str]:
        for piece in pieces:
            for event in decoder.feed(piece):
                if event.data == "[DONE]":
                    return
                if event.data:
                    yield event.data
        for event in decoder.flush():
            if event.data and event.data != "[DONE]":
                yield event.data

    for data in payloads():
        events.extend(state.handle(data))
    return state.finish(), events


@pytest.mark.parametrize(
    "name",
    [
        "chat-stream-tool-call.sse",
        "chat-stream-reasoning-anthropic-signature.sse",
        "chat-stream-server-tool-usage.sse",
    ],
)
def test_completions_pipeline_split_anywhere_gives_the_same_response(name: str) -> None:
    data, _ = load_fixture(name)
    expected_response, expected_events = pipeline([data])
    assert expected_response.finish_reason is not None
    assert expected_response.usage.cost is not None
    for pieces in two_pieces(data):
        response, events = pipeline(pieces)
        assert response == expected_response, f"split at {len(pieces[0])}"
        assert events == expected_events
    assert pipeline(byte_by_byte(data))[0] == expected_response
