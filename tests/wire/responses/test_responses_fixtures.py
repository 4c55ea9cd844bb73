"""Every Responses API fixture replayed through the real ``ResponsesClient`` on a mock transport.

Each fixture (``tests/fixtures/openrouter``: ``responses-*``, ``doc-responses-*``, ``spec-responses-*``)
is served with its recorded status and headers; the client runs sync and async, streaming for ``.sse``
bodies and non-streaming for ``.json`` ones. Where the fixture's meta holds the recorded request, the
conversation is rebuilt from it and the request our encoder sends is compared with the recorded one.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from _spec import FIXTURES, assert_valid_request, load_fixture
from chat_openrouter import messages
from chat_openrouter.core.events import Done, ReasoningChunk, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from chat_openrouter.core.messages import Content, Messages
from chat_openrouter.core.options import ChatOptions, Reasoning
from chat_openrouter.core.parts import Part, ReasoningPart, Role, TextPart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.tools import ToolLike, ToolSpec
from chat_openrouter.errors import ChatOpenRouterError, StreamError
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.transport.sse import SSEDecoder
from chat_openrouter.wire.responses.codec import ResponsesStreamState

from .. import _replay
from .._replay import MODES, Call, Replay, comparable, complete, serve_fixture, stream

PREFIXES = ("responses-", "doc-responses-", "spec-responses-")


# -- plumbing -------------------------------------------------------------------------------------------


def serve(content: bytes, *, headers: dict[str, str] | None = None) -> Replay:
    """A client whose transport answers every request with ``content`` (status 200)."""
    return _replay.serve(OpenRouterBuilder(), content, headers=headers)


def replay(name: str, *, model: str) -> Replay:
    """A client whose transport answers every request with fixture ``name`` (its meta status/headers)."""
    return serve_fixture(OpenRouterBuilder(), name, model=model)


def run(name: str, mode: str, events: list[StreamEvent]) -> ChatResponse:
    """Replay ``name`` with the conversation of its recorded request (or a stand-in), checking the request."""
    _, meta = load_fixture(name)
    recorded = (meta.get("request") or {}).get("body")
    call = conversation_from_recorded(recorded) if recorded else (messages.from_user("Hello"), None, None)
    r = replay(name, model=recorded["model"] if recorded else "openai/gpt-4o")
    try:
        if name.endswith(".sse"):
            return stream(r, mode, call, events)
        return complete(r, mode, call)
    finally:
        check_request(r, recorded, streaming=name.endswith(".sse"))


def check_request(r: Replay, recorded: dict[str, Any] | None, *, streaming: bool) -> None:
    """What we sent is spec-valid, stateless, authenticated, and equivalent to the recording (if any)."""
    body = r.sent_body()
    assert_valid_request(body, "ResponsesRequest")
    assert body["store"] is False and "previous_response_id" not in body
    request = r.requests[0]
    assert request.url.path == "/api/v1/responses"
    assert request.headers["authorization"] == "Bearer sk-or-test-key"
    assert body.get("stream") is (True if streaming else None)
    if recorded is not None:
        assert normalise(body) == normalise(recorded)


def normalise(body: dict[str, Any]) -> dict[str, Any]:
    """Drop what legitimately differs from the recordings: ``stream``/``store`` flags (recorders sent them
    or not), ``include`` (we always ask for encrypted reasoning, §6.1) and the optional ``type: "message"``
    on easy input messages."""
    out = {k: v for k, v in body.items() if k not in ("stream", "store", "include")}
    out["input"] = [{k: v for k, v in i.items() if (k, v) != ("type", "message")} for i in body["input"]]
    normalised: dict[str, Any] = json.loads(json.dumps(out, sort_keys=True))
    return normalised


_MODELLED = {"model", "input", "tools", "max_output_tokens", "reasoning", "include", "store", "stream"}


def conversation_from_recorded(body: dict[str, Any]) -> Call:
    """Rebuild the provider-neutral conversation a recorded Responses request was made from."""
    msgs = Messages()
    for item in body["input"]:
        content = item["content"]
        parts: list[Part] = []
        for entry in [{"type": "input_text", "text": content}] if isinstance(content, str) else content:
            assert entry["type"] == "input_text", f"no fixture uses {entry['type']} yet"
            cache = {"type": "ephemeral"} if entry.get("prompt_cache_breakpoint") else None
            parts.append(TextPart(entry["text"], cache_control=cache))
        msgs.push(Content(Role.SYSTEM if item["role"] == "system" else Role.USER, parts))
    tools: list[ToolLike] = [
        ToolSpec(t["name"], t.get("description"), t["parameters"], t.get("strict"))
        if t["type"] == "function"
        else t
        for t in body.get("tools", [])
    ]
    options = ChatOptions(
        max_tokens=body.get("max_output_tokens"),
        reasoning=Reasoning(**body["reasoning"]) if "reasoning" in body else None,
        extra_body={k: v for k, v in body.items() if k not in _MODELLED},
    )
    return msgs, tools or None, options


# -- expectations ---------------------------------------------------------------------------------------


@dataclass
class Ok:
    text: str
    id: str
    model: str
    usage: tuple[int, int, int, float | None]  # input, output, total tokens; cost
    reasoning: str = ""
    tools: list[tuple[str, str, dict[str, Any], str]] = field(
        default_factory=list
    )  # call id, name, args, item id
    finish: str = "stop"
    detail_types: list[str] = field(default_factory=list)
    usage_more: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fails:
    code: int | str | None
    message: str
    error_type: str | None
    partial_text: str = ""


EXPECTATIONS: dict[str, Ok | Fails] = {
    "responses-nonstream-prompt-cache-write.json": Ok(
        "OK",
        "gen-1784286312-3R0SU4Mb8ucOpEJ79d2o",
        "openai/gpt-5.6-sol",
        (4020, 5, 4025, 0.025265),
        usage_more={
            "cache_write_tokens": 4012,
            "cached_tokens": 0,
            "reasoning_tokens": 0,
            "is_byok": False,
            "cost_details": {
                "upstream_inference_cost": 0.025265,
                "upstream_inference_input_cost": 0.025115,
                "upstream_inference_output_cost": 0.00015,
            },
        },
    ),
    "responses-stream-text.sse": Ok(
        "Skipper or Sundance",
        "gen-1785882264-Dc8eXAHSnjmKOswYtXdR",
        "openai/gpt-4o",
        (17, 4, 21, 0.0000825),
        usage_more={"is_byok": False, "cached_tokens": 0},
    ),
    "responses-stream-tool-call.sse": Ok(
        "",
        "gen-1785882271-2B3yJ6vpOkI3nf9dZb6k",
        "openai/gpt-4.1-mini",
        (42, 12, 54, 0.000036),
        tools=[("call_faKQ4JI18zZQE2oynAbvwip4", "llm_version", {}, "fc_tmp_blm40ohabq8")],
        finish="tool_calls",
    ),
    "responses-stream-reasoning-encrypted.sse": Ok(
        "4",
        "gen-1785882693-G0Ba9AGVEVeNhHohmw0g",
        "openai/gpt-5-nano",
        (20, 19, 39, 0.0000086),
        detail_types=["reasoning.encrypted"],
    ),
    "spec-responses-nonstream.json": Ok(
        "Why did the chicken cross the road? To get to the other side!",
        "resp_abc123",
        "openai/gpt-4o",
        (10, 20, 30, None),
    ),
    "doc-responses-failed-body.json": Fails("server_error", "Invalid credentials", "authentication"),
    # The documented error events, served as one stream: the first (response.failed) ends it.
    "doc-responses-stream-error-events.sse": Fails("server_error", "Internal server error", "server"),
}


def fixture_names() -> list[str]:
    return sorted(
        p.name
        for p in FIXTURES.iterdir()
        if p.name.startswith(PREFIXES) and not p.name.endswith(".meta.json")
    )


def test_every_responses_fixture_has_an_expectation() -> None:
    names = fixture_names()
    assert len(names) == 7
    assert sorted(EXPECTATIONS) == names


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_fixture_replays_through_the_client(name: str, mode: str) -> None:
    expected = EXPECTATIONS[name]
    events: list[StreamEvent] = []
    if isinstance(expected, Fails):
        with pytest.raises(StreamError) as info:
            run(name, mode, events)
        error = info.value
        assert type(error) is StreamError
        assert (error.status, error.code, error.message, error.error_type) == (
            200,
            expected.code,
            expected.message,
            expected.error_type,
        )
        assert error.partial is not None
        assert (error.partial.text, error.partial.finish_reason) == (expected.partial_text, "error")
        assert not any(isinstance(e, Done) for e in events)
        return

    response = run(name, mode, events)
    assert (response.text, response.reasoning, response.finish_reason) == (
        expected.text,
        expected.reasoning,
        expected.finish,
    )
    assert (response.id, response.model) == (expected.id, expected.model)
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == expected.usage[:3]
    assert usage.cost == (Decimal(repr(expected.usage[3])) if expected.usage[3] is not None else None)
    for key, value in expected.usage_more.items():
        assert getattr(usage, key) == value, key
    assert [
        (p.id, p.name, p.arguments, p.provider_data.get("item_id")) for p in response.tool_calls
    ] == expected.tools
    reasoning_parts = [p for p in response.content.parts if isinstance(p, ReasoningPart)]
    assert [d["type"] for p in reasoning_parts for d in p.details] == expected.detail_types
    if events:  # streamed: the chunks add up to the response
        assert "".join(e.text for e in events if isinstance(e, TextChunk)) == response.text
        assert "".join(e.text for e in events if isinstance(e, ReasoningChunk)) == response.reasoning
        handed_out = [e.part for e in events if isinstance(e, ToolCall)]
        assert len(handed_out) == len(response.tool_calls)
        assert all(
            a is b for a, b in zip(handed_out, response.tool_calls, strict=True)
        )  # one object per call


def test_tool_call_stream_events_in_order() -> None:
    events: list[StreamEvent] = []
    run("responses-stream-tool-call.sse", "sync", events)
    assert [type(e) for e in events] == [ToolCallChunk, ToolCallChunk, ToolCall, Done]
    first, second = events[0], events[1]
    assert isinstance(first, ToolCallChunk) and isinstance(second, ToolCallChunk)
    assert (first.index, first.id, first.name, first.arguments_delta) == (
        0,
        "call_faKQ4JI18zZQE2oynAbvwip4",
        "llm_version",
        "",
    )
    assert second.arguments_delta == "{}"


def test_encrypted_reasoning_item_is_kept_verbatim_for_replay() -> None:
    body, _ = load_fixture("responses-stream-reasoning-encrypted.sse")
    done = next(
        json.loads(line[6:])["item"]
        for line in body.decode().splitlines()
        if '"response.output_item.done"' in line and '"reasoning"' in line
    )
    response = run("responses-stream-reasoning-encrypted.sse", "sync", [])
    (part,) = [p for p in response.content.parts if isinstance(p, ReasoningPart)]
    assert part.item == done
    assert part.details == [
        {
            "type": "reasoning.encrypted",
            "data": done["encrypted_content"],
            "id": done["id"],
            "format": "openai-responses-v1",
            "index": 0,
        }
    ]
    assert [p.kind for p in response.content.parts] == ["reasoning", "text"]


def documented_error_events() -> list[str]:
    body, _ = load_fixture("doc-responses-stream-error-events.sse")
    return [line[6:] for line in body.decode().splitlines() if line.startswith("data: ")]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("index", "code", "message"),
    [
        (0, "server_error", "Internal server error"),
        (1, "rate_limit_exceeded", "Rate limit exceeded"),
        (2, "invalid_api_key", "Invalid API key provided"),
    ],
)
def test_each_documented_error_event_alone_raises(index: int, code: str, message: str, mode: str) -> None:
    event = documented_error_events()[index]
    r = serve(f"data: {event}\n\n".encode(), headers={"content-type": "text/event-stream"})
    events: list[StreamEvent] = []
    with pytest.raises(StreamError) as info:
        stream(r, mode, (messages.from_user("Hello"), None, None), events)
    assert (info.value.code, info.value.message) == (code, message)
    assert events == []


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_cut_before_its_terminal_event_raises_with_the_partial(mode: str) -> None:
    body, _ = load_fixture("responses-stream-text.sse")
    cut = body[: body.index(b'data: {"type":"response.output_text.done"')]
    r = serve(cut, headers={"content-type": "text/event-stream"})
    events: list[StreamEvent] = []
    with pytest.raises(ChatOpenRouterError) as info:
        stream(r, mode, (messages.from_user("Hello"), None, None), events)
    assert type(info.value).__name__ == "IncompleteStreamError"
    partial = info.value.partial  # type: ignore[attr-defined]
    assert partial.text == "Skipper or Sundance"
    assert "".join(e.text for e in events if isinstance(e, TextChunk)) == "Skipper or Sundance"


# -- SSE framing ------------------------------------------------------------------------------------------


def decode_in_pieces(body: bytes, *cuts: int) -> ChatResponse:
    decoder, state = SSEDecoder(), ResponsesStreamState()
    bounds = [0, *cuts, len(body)]
    for start, end in itertools.pairwise(bounds):
        for event in decoder.feed(body[start:end]):
            if event.data and event.data != "[DONE]":
                state.handle(event.data)
    for event in decoder.flush():
        if event.data and event.data != "[DONE]":
            state.handle(event.data)
    return state.finish()


def test_split_at_every_byte_offset_gives_the_same_response() -> None:
    body, _ = load_fixture(
        "responses-stream-reasoning-encrypted.sse"
    )  # starts with a ": " keep-alive comment
    whole = decode_in_pieces(body)
    assert whole.text == "4" and whole.content.parts[0].kind == "reasoning"
    for offset in range(1, len(body)):
        assert decode_in_pieces(body, offset) == whole, offset


def test_multibyte_text_split_at_every_byte_offset() -> None:
    text = "Grüße, 世界 🌍!"
    events = [
        {"type": "response.created", "response": {"id": "gen-u", "status": "in_progress", "output": []}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"id": "m", "type": "message", "content": []},
        },
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "item_id": "m",
            "content_index": 0,
            "delta": text,
        },
        {"type": "response.completed", "response": {"id": "gen-u", "status": "completed", "output": []}},
    ]
    body = b"".join(b"data: " + json.dumps(e, ensure_ascii=False).encode() + b"\r\n\r\n" for e in events)
    for offset in range(1, len(body)):
        assert decode_in_pieces(body, offset).text == text, offset


def _terminal_response(sse: bytes) -> dict[str, Any]:
    for line in sse.decode().splitlines():
        if line.startswith("data: {"):
            event = json.loads(line[6:])
            if event.get("type") in ("response.completed", "response.incomplete"):
                response: dict[str, Any] = event["response"]
                return response
    raise AssertionError("no terminal event")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("responses-stream-*.sse")))
def test_a_recorded_stream_equals_the_non_streamed_decode_of_its_terminal_response(name: str, mode: str) -> None:
    """Every real stream, replayed through the client, gives exactly what the same response fetched
    without streaming gives (its terminal `response` object served as the JSON body)."""
    events: list[StreamEvent] = []
    streamed = stream(replay(name, model="openai/gpt-4o"), mode, (messages.from_user("Hello"), None, None), events)
    content, _ = load_fixture(name)
    body = json.dumps(_terminal_response(content)).encode()
    plain = complete(serve(body, headers={"content-type": "application/json"}), mode, (messages.from_user("Hello"), None, None))
    assert comparable(streamed) == comparable(plain)
    assert streamed.raw == plain.raw
    assert [e.part for e in events if isinstance(e, ToolCall)] == streamed.tool_calls
