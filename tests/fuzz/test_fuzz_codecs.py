"""Property tests of both wires' decoders: random valid and invalid event sequences, random JSON.

The guarantee users get is at the stream driver (``core.stream``) and at ``Endpoint``: whatever the
server sends, only our typed errors (:class:`~chat_openrouter.errors.ChatOpenRouterError`) escape, a
stream ends with exactly one ``Done`` or raises, and an error carries the partial response. The codecs
hold the same line on their own (the tests that call them directly); the driver's conversion of stray
``TypeError``/``KeyError`` into ``DecodeError`` is a second safety net, not the first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_openrouter.core.events import Done, StreamEvent
from chat_openrouter.core.stream import ChatStream, StreamState
from chat_openrouter.errors import ChatOpenRouterError, StreamError
from chat_openrouter.transport.flows import _decode_safely
from chat_openrouter.wire.completions import codec as completions
from chat_openrouter.wire.responses import codec as responses

from ._budget import BUDGETS, QUICK, fuzz_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openrouter"


def _fixture_payloads(prefixes: tuple[str, ...]) -> list[str]:
    payloads: list[str] = []
    for path in sorted(FIXTURES.glob("*.sse")):
        if path.name.startswith(prefixes):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
                    payloads.append(line[5:].strip())
    return payloads


# -- strategies -----------------------------------------------------------------------------------------
# Numbers include what a hostile server can send and json.loads accepts: NaN, infinities (`1e999`) and
# integers far beyond a float's range (issue 13, item 3).
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 2**40)
    | st.floats()
    | st.sampled_from([10**400, -(10**400), 2**63])
    | st.text(max_size=12)
)
any_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right shape, sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, any_json)


def objects(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={name: maybe(value) for name, value in fields.items()})


small_int = st.integers(0, 3)
token_logprob = objects(
    {
        "token": st.text(max_size=4),
        "logprob": st.floats(-20, 0),
        "bytes": st.lists(st.integers(-1, 300), max_size=3),
        "top_logprobs": st.lists(objects({"token": st.text(max_size=4), "logprob": st.floats(-20, 0)}), max_size=2),
    }
)
short_text = st.text(max_size=8)
codes = st.sampled_from([400, 429, 502, "server_error", "rate_limit_exceeded", None])
error_object = objects({"code": codes, "message": short_text, "metadata": any_json})

tool_call = objects(
    {
        "index": small_int,
        "id": st.sampled_from(["call_1", "call_2"]),
        "type": st.just("function"),
        "function": objects(
            {"name": st.sampled_from(["f", "g"]), "arguments": st.sampled_from(["", "{", '"a":1}', "{}"])}
        ),
    }
)
chat_delta = objects(
    {
        "role": st.just("assistant"),
        "content": short_text,
        "refusal": short_text,
        "reasoning": short_text,
        "reasoning_details": st.lists(
            objects(
                {
                    "type": st.sampled_from(["reasoning.text", "reasoning.encrypted"]),
                    "text": short_text,
                    "index": small_int,
                    "data": short_text,
                }
            ),
            max_size=2,
        ),
        "tool_calls": st.lists(tool_call, max_size=2),
        "annotations": st.lists(any_json, max_size=2),
        "images": st.lists(objects({"image_url": objects({"url": short_text})}), max_size=1),
    }
)
chat_chunk = objects(
    {
        "id": short_text,
        "model": short_text,
        "provider": short_text,
        "created": st.integers(),
        "choices": st.lists(
            objects(
                {
                    "index": st.sampled_from([0, 0, 1]),
                    "delta": chat_delta,
                    "logprobs": objects({"content": st.lists(token_logprob, max_size=2), "refusal": any_json}),
                    "finish_reason": st.sampled_from([None, "stop", "tool_calls", "length", "error"]),
                }
            ),
            max_size=2,
        ),
        "usage": objects(
            {"prompt_tokens": small_int, "completion_tokens": small_int, "cost": st.floats(0, 1)}
        ),
        "error": error_object,
    }
)

RESPONSES_TYPES = [
    "response.created",
    "response.in_progress",
    "response.completed",
    "response.incomplete",
    "response.failed",
    "error",
    "response.error",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.refusal.delta",
    "response.refusal.done",
    "response.output_text.annotation.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_text.delta",
    "response.reasoning_text.delta",
    "response.keep_alive",
]
item = objects(
    {
        "id": st.sampled_from(["msg_1", "fc_1", "rs_1"]),
        "type": st.sampled_from(["message", "function_call", "reasoning"]),
        "call_id": st.just("call_1"),
        "name": st.just("f"),
        "arguments": short_text,
        "role": st.just("assistant"),
        "content": st.lists(
            objects(
                {
                    "type": st.sampled_from(["output_text", "refusal"]),
                    "text": short_text,
                    "refusal": short_text,
                    "logprobs": st.lists(token_logprob, max_size=2),
                }
            ),
            max_size=2,
        ),
        "summary": st.lists(objects({"type": st.just("summary_text"), "text": short_text}), max_size=2),
    }
)
responses_event = objects(
    {
        "type": st.sampled_from(RESPONSES_TYPES),
        "output_index": small_int,
        "content_index": small_int,
        "summary_index": small_int,
        "item_id": st.sampled_from(["msg_1", "fc_1", "rs_1"]),
        "delta": short_text,
        "logprobs": st.lists(token_logprob, max_size=2),
        "refusal": short_text,
        "text": short_text,
        "arguments": short_text,
        "item": item,
        "part": any_json,
        "annotation": any_json,
        "response": objects(
            {
                "id": short_text,
                "status": st.sampled_from(["completed", "incomplete", "failed", "in_progress"]),
                "output": st.lists(item, max_size=2),
                "usage": any_json,
                "error": error_object,
                "incomplete_details": any_json,
            }
        ),
        "error": error_object,
        "code": codes,
        "message": short_text,
    }
)


def pick(items: list[str]) -> st.SearchStrategy[str]:
    """One of ``items``, drawn by index (a strategy over a long list has an expensive repr)."""
    return st.integers(0, len(items) - 1).map(items.__getitem__)


@st.composite
def mutated(draw: st.DrawFn, fixtures: list[str]) -> str:
    """A real payload with one value somewhere inside replaced by a value of another type."""
    value = json.loads(draw(pick(fixtures)))
    node = value
    for _ in range(draw(st.integers(0, 6))):
        children = (
            list(node.items())
            if isinstance(node, dict)
            else list(enumerate(node))
            if isinstance(node, list)
            else []
        )
        if not children:
            break
        key, child = draw(st.sampled_from(children))
        if not isinstance(child, dict | list) or draw(st.booleans()):
            node[key] = draw(scalars | st.just([]) | st.just({}) | st.lists(scalars, max_size=2))
            break
        node = child
    return json.dumps(value)


def payload(events: st.SearchStrategy[dict[str, Any]], fixtures: list[str]) -> st.SearchStrategy[str]:
    """One SSE data payload: a generated event, a real one (fixture) intact or mutated, or broken text."""
    return st.one_of(
        events.map(json.dumps),
        events.map(json.dumps),
        pick(fixtures),
        mutated(fixtures),
        mutated(fixtures),
        any_json.map(json.dumps),
        st.text(max_size=20),
        pick(fixtures).map(lambda p: p[: len(p) // 2]),  # cut mid-way
    )


WIRES: dict[str, tuple[Callable[[], StreamState], st.SearchStrategy[str]]] = {
    "completions": (
        completions.CompletionsStreamState,
        payload(chat_chunk, _fixture_payloads(("chat-stream", "doc-chat"))),
    ),
    "responses": (
        responses.ResponsesStreamState,
        payload(responses_event, _fixture_payloads(("responses-stream", "doc-responses"))),
    ),
}
DECODERS: dict[str, Callable[..., Any]] = {
    "completions": completions.decode_response,
    "responses": responses.decode_response,
}
wires = pytest.mark.parametrize("wire", list(WIRES))


def _drive(new_state: Callable[[], StreamState], datas: list[str]) -> list[StreamEvent]:
    @contextmanager
    def source() -> Iterator[Iterator[str]]:
        yield iter(datas)

    return list(ChatStream(new_state(), source))


# -- the guarantee: the stream driver ---------------------------------------------------------------------
@wires
@pytest.mark.parametrize("examples", BUDGETS)
def test_streams_end_in_done_or_a_typed_error(wire: str, examples: int) -> None:
    new_state, payloads = WIRES[wire]

    @fuzz_settings(examples)
    @given(st.lists(payloads, max_size=12))
    def prop(datas: list[str]) -> None:
        try:
            events = _drive(new_state, datas)
        except ChatOpenRouterError as error:
            partial = getattr(error, "partial", None)
            assert partial is None or partial.content is not None
        else:
            assert isinstance(events[-1], Done)
            assert sum(isinstance(e, Done) for e in events) == 1

    prop()


@wires
@pytest.mark.parametrize("examples", BUDGETS)
def test_real_streams_survive_reordering_and_truncation(wire: str, examples: int) -> None:
    # Valid events in a wrong order, repeated or missing: lenient on read, but never a crash.
    real = _fixture_payloads(("chat-stream",) if wire == "completions" else ("responses-stream",))
    new_state = WIRES[wire][0]

    @fuzz_settings(examples)
    @given(st.lists(pick(real), max_size=25))
    def prop(datas: list[str]) -> None:
        try:
            events = _drive(new_state, datas)
        except ChatOpenRouterError:
            return
        assert isinstance(events[-1], Done)

    prop()


@wires
@pytest.mark.parametrize("examples", BUDGETS)
def test_non_streamed_bodies_only_raise_typed_errors(wire: str, examples: int) -> None:
    decode = DECODERS[wire]
    bodies = st.one_of(
        chat_chunk if wire == "completions" else responses_event.map(lambda e: e.get("response", e)), any_json
    )

    @fuzz_settings(examples)
    @given(bodies)
    def prop(body: Any) -> None:
        try:
            _decode_safely(lambda data, headers: decode(data), body, {})
        except ChatOpenRouterError:
            pass

    prop()


# -- the codecs on their own ----------------------------------------------------------------------------


@wires
def test_codec_stream_states_raise_only_typed_errors(wire: str) -> None:
    new_state, payloads = WIRES[wire]

    @fuzz_settings(QUICK * 5)
    @given(st.lists(payloads, max_size=12))
    def prop(datas: list[str]) -> None:
        state = new_state()
        try:
            for data in datas:
                state.handle(data)
            state.finish()
        except ChatOpenRouterError:
            pass

    prop()


@wires
def test_codec_decode_response_raises_only_typed_errors(wire: str) -> None:
    decode = DECODERS[wire]

    @fuzz_settings(QUICK * 5)
    @given(st.one_of(chat_chunk, responses_event, any_json))
    def prop(body: Any) -> None:
        try:
            decode(body)
        except ChatOpenRouterError:
            pass

    prop()


def test_an_error_event_first_is_a_stream_error_on_both_wires() -> None:
    # The in-band error shapes the retry layer depends on (reference §5.5, §8.5).
    chat = json.dumps({"error": {"code": 502, "message": "x"}, "choices": []})
    resp = json.dumps({"type": "error", "error": {"code": 502, "message": "x"}})
    for new_state, data in (
        (completions.CompletionsStreamState, chat),
        (responses.ResponsesStreamState, resp),
    ):
        with pytest.raises(StreamError) as raised:
            _drive(new_state, [data])
        assert raised.value.code == 502 and raised.value.retryable


# Wrongly-typed fields found by these properties. Each must end in a typed error (or be ignored), both
# through the driver and in the codec on its own.
WRONG_TYPES = [
    ("completions", '{"choices": 5}'),
    ("completions", '{"choices": [{"index": 0, "delta": {"tool_calls": 5}}]}'),
    ("completions", '{"choices": [{"index": 0, "delta": {"reasoning_details": 3}}]}'),
    ("completions", '{"choices": [{"index": 0, "delta": {"annotations": 3}}]}'),
    ("responses", '{"type": []}'),
    (
        "responses",
        '{"type": "response.output_text.delta", "output_index": "x", "content_index": [], "delta": "a"}',
    ),
    (
        "responses",
        '{"type": "response.completed", "response": {"status": "completed", "output": 5, "usage": 5}}',
    ),
]


@pytest.mark.parametrize(("wire", "data"), WRONG_TYPES)
def test_wrongly_typed_fields_end_in_a_typed_error_at_the_driver(wire: str, data: str) -> None:
    try:
        _drive(WIRES[wire][0], [data])
    except ChatOpenRouterError:
        pass


@pytest.mark.parametrize(("wire", "data"), WRONG_TYPES)
def test_wrongly_typed_fields_end_in_a_typed_error_in_the_codec(wire: str, data: str) -> None:
    state = WIRES[wire][0]()
    try:
        state.handle(data)
        state.finish()
    except ChatOpenRouterError:
        pass
