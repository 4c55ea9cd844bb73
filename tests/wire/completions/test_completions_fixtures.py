"""Every Chat Completions fixture replayed through the real ``CompletionsClient`` on a mock transport.

Each fixture (``tests/fixtures/openrouter``: ``chat-*``, ``doc-chat-*``, ``error-*``, ``doc-error-*``)
is served with its recorded status and headers; the client runs sync and async, streaming for ``.sse``
bodies and non-streaming for ``.json`` ones. Where the fixture's meta holds the recorded request, the
conversation is rebuilt from it and the request our encoder sends is compared with the recorded one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from _spec import FIXTURES, assert_valid_request, load_fixture
from chat_openrouter import messages
from chat_openrouter.core.events import Done, ReasoningChunk, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from chat_openrouter.core.messages import Content, Messages
from chat_openrouter.core.options import ChatOptions, Reasoning
from chat_openrouter.core.parts import FilePart, Part, ReasoningPart, Role, TextPart, ToolPart, ToolStatus
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.tools import ToolLike, ToolSpec
from chat_openrouter.errors import (
    AuthenticationError,
    BadRequestError,
    ChatOpenRouterError,
    DecodeError,
    IncompleteStreamError,
    InsufficientCreditsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
)
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.completions.codec import decode_response, encode_request

from .._replay import MODES, Call, Replay, complete, serve, serve_fixture, stream

PREFIXES = ("chat-", "doc-chat-", "error-", "doc-error-")


# -- plumbing -------------------------------------------------------------------------------------------


def replay(name: str, *, model: str = "openai/gpt-4o", extra_headers: dict[str, str] | None = None) -> Replay:
    """A client whose transport answers every request with fixture ``name`` (its meta status/headers)."""
    return serve_fixture(OpenRouterBuilder().with_completions(), name, model=model, extra_headers=extra_headers)


def run(name: str, mode: str, events: list[StreamEvent] | None = None) -> tuple[ChatResponse, Replay]:
    """Replay ``name`` with the conversation of its recorded request (or a stand-in), checking the request."""
    _, meta = load_fixture(name)
    recorded = (meta.get("request") or {}).get("body")
    call = conversation_from_recorded(recorded) if recorded else (messages.from_user("Hello"), None, None)
    r = replay(name, model=recorded["model"] if recorded else "openai/gpt-4o")
    try:
        if name.endswith(".sse"):
            response = stream(r, mode, call, events if events is not None else [])
        else:
            response = complete(r, mode, call)
    finally:
        check_request(r, recorded, streaming=name.endswith(".sse"))
    return response, r


def check_request(r: Replay, recorded: dict[str, Any] | None, *, streaming: bool) -> None:
    """What we sent is spec-valid, authenticated, and (when the meta has it) equivalent to the recording."""
    body = r.sent_body()
    assert_valid_request(body, "ChatRequest")
    request = r.requests[0]
    assert request.url.path == "/api/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-or-test-key"
    assert body.get("stream") is (True if streaming else None)
    if recorded is not None:
        assert normalise(body) == normalise(recorded)


def normalise(body: dict[str, Any]) -> dict[str, Any]:
    """Drop what legitimately differs from the recordings: `stream` flags (we send `stream` only when
    streaming, and not the deprecated `stream_options`, reference §3.1) and a null `content` on assistant
    messages with tool calls (some recorders omit the key, fixture chat-stream-tool-result-followup)."""
    out = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    out["messages"] = [
        {k: v for k, v in m.items() if not (k == "content" and v is None and m.get("role") == "assistant")}
        for m in body["messages"]
    ]
    return json.loads(json.dumps(out, sort_keys=True))


# The request fields ChatOptions models; everything else in a recording is sent through `extra_body`.
_MODELLED = {
    "model",
    "messages",
    "tools",
    "tool_choice",
    "max_completion_tokens",
    "reasoning",
    "stream",
    "stream_options",
}


def conversation_from_recorded(body: dict[str, Any]) -> Call:
    """Rebuild the provider-neutral conversation a recorded Chat request was made from."""
    msgs = Messages()
    for message in body["messages"]:
        role, content = message["role"], message.get("content")
        if role == "tool":
            turn = msgs[len(msgs) - 1]
            call = next(p for p in turn.tool_calls if p.id == message["tool_call_id"])
            call.status, call.result = ToolStatus.COMPLETED, content
            continue
        parts: list[Part] = []
        if role == "assistant":
            if message.get("reasoning_details"):
                parts.append(ReasoningPart(details=message["reasoning_details"]))
            if content:
                parts.append(TextPart(content))
            for tc in message.get("tool_calls", []):
                parts.append(
                    ToolPart(tc["id"], tc["function"]["name"], raw_arguments=tc["function"]["arguments"])
                )
            msgs.push(Content(Role.MODEL, parts))
            continue
        for item in [{"type": "text", "text": content}] if isinstance(content, str) else content:
            if item["type"] == "text":
                parts.append(TextPart(item["text"], cache_control=item.get("cache_control")))
            elif item["type"] == "image_url":
                parts.append(FilePart.from_url(item["image_url"]["url"]))
            elif item["type"] == "file":
                parts.append(
                    FilePart.from_url(item["file"]["file_data"], filename=item["file"].get("filename"))
                )
            else:
                raise AssertionError(f"no fixture uses {item['type']} yet")
        msgs.push(Content(Role.SYSTEM if role == "system" else Role.USER, parts))
    tools: list[ToolLike] = []
    for tool in body.get("tools", []):
        if tool["type"] == "function":
            fn = tool["function"]
            tools.append(ToolSpec(fn["name"], fn.get("description"), fn["parameters"], fn.get("strict")))
        else:
            tools.append(tool)  # server tools travel verbatim
    options = ChatOptions(
        max_tokens=body.get("max_completion_tokens"),
        tool_choice=body.get("tool_choice"),
        reasoning=Reasoning(**body["reasoning"]) if "reasoning" in body else None,
        extra_body={k: v for k, v in body.items() if k not in _MODELLED},
    )
    return msgs, tools or None, options


# -- expectations ---------------------------------------------------------------------------------------


@dataclass
class Ok:
    """What a successful replay must decode to. ``text``/``reasoning`` are prefixes; ``None`` = unchecked."""

    text: str
    text_len: int | None = None
    reasoning: str = ""
    detail_types: list[str] = field(default_factory=list)
    tools: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    finish: str | None = "stop"
    native: str | None = None
    model: str | None = None
    provider: str | None = None
    id: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    extra: Callable[[ChatResponse], None] | None = None


@dataclass
class Fails:
    """What a failing replay must raise."""

    error: type[ChatOpenRouterError]
    status: int | None
    code: int | str | None
    message: str
    attrs: dict[str, Any] = field(default_factory=dict)
    partial_text: str | None = None


def _u(i: int, o: int, t: int, cost: float | None, **more: Any) -> dict[str, Any]:
    return {"input_tokens": i, "output_tokens": o, "total_tokens": t, "cost": cost, **more}


def _metadata(r: ChatResponse, **expected: Any) -> None:
    for attr, value in expected.items():
        assert getattr(r, attr) == value, attr


def _annotations(r: ChatResponse) -> None:
    urls = [a["url_citation"]["url"] for a in r.annotations]
    assert len(urls) == 5
    assert urls[0] == "https://github.com/pydantic/pydantic-ai"


def _file_annotation(r: ChatResponse) -> None:
    assert [a["type"] for a in r.annotations] == ["file"]
    assert r.annotations[0]["file"]["name"] == "filename.pdf"


def _server_tool_usage(r: ChatResponse) -> None:
    assert r.usage.raw["server_tool_use_details"]["web_search_requests"] == 1


EXPECTED: dict[str, Ok | Fails] = {
    # -- non-stream successes
    "chat-nonstream-advisor-server-tool.json": Ok(
        "Consider naming your Python retry library",
        159,
        native="stop",
        model="openai/gpt-4o-mini",
        provider="OpenAI",
        id="gen-1784878106-cv1uPhnXxL6Fwc7jmglL",
        usage=_u(900, 69, 969, 0.0160614),
    ),
    "chat-nonstream-fallback-models-provider-only.json": Ok(
        "I'm Grok, a helpful",
        328,
        native="stop",
        model="x-ai/grok-4",
        provider="xAI",
        usage=_u(687, 240, 927, None, reasoning_tokens=165, cached_tokens=682, is_byok=None),
    ),
    "chat-nonstream-file-annotations.json": Ok(
        "The PDF appears to be a dummy placeholder file.",
        47,
        reasoning="**Assessing dummy PDF file**",
        detail_types=["reasoning.summary", "reasoning.encrypted"],
        native="completed",
        model="openai/gpt-5.1-codex-mini",
        usage=_u(31, 80, 111, 0.00216775, reasoning_tokens=64, is_byok=False),
        extra=_file_annotation,
    ),
    "chat-nonstream-file-pdf-url.json": Ok(
        "The main content of this document", 248, native="completed", usage=_u(23, 48, 71, 8.6e-05)
    ),
    "chat-nonstream-multiturn-assistant-history.json": Ok(
        "Short answer: Very large.",
        3868,
        reasoning="**Structuring Voltaire\u2019s Impact**",
        detail_types=["reasoning.summary", "reasoning.encrypted"],
        native="completed",
        usage=_u(41, 1457, 1498, None, reasoning_tokens=704),
    ),
    "chat-nonstream-native-finish-completed.json": Ok(
        "Hello! How can I help you today?",
        32,
        native="completed",
        model="openai/gpt-5-mini",
        usage=_u(8, 15, 23, None),
    ),
    "chat-nonstream-preset.json": Ok(
        "Why did the train break up with the track?",
        102,
        native="STOP",
        provider="Google",
        usage=_u(31, 21, 52, None),
    ),
    "chat-nonstream-prompt-cache-write.json": Ok(
        "# Architectural Patterns",
        407,
        finish="length",
        native="length",
        model="anthropic/claude-4.6-sonnet-20260217",  # as reported, not the requested slug
        usage=_u(3214, 100, 3314, 0.01355025, cache_write_tokens=3211, cached_tokens=0),
    ),
    "chat-nonstream-reasoning-effort-high.json": Ok(
        "ok",
        2,
        reasoning="The user is asking me to reply with the single word",
        detail_types=["reasoning.text"],
        native="end_turn",
        model="anthropic/claude-4.5-sonnet-20250929",
        provider="Amazon Bedrock",
        usage=_u(43, 53, 96, 0.000924, reasoning_tokens=48),
        extra=lambda r: _signature(r, "EugCCkgIDRAB"),
    ),
    "chat-nonstream-reasoning-effort-none.json": Ok(
        "ok", 2, native="end_turn", usage=_u(14, 4, 18, 0.000102)
    ),
    "chat-nonstream-reasoning-summary-encrypted.json": Ok(
        "Hello! How can I help you today?",
        32,
        reasoning="**Crafting a friendly greeting**",
        detail_types=["reasoning.summary", "reasoning.encrypted"],
        native="completed",
        model="openai/gpt-5-mini-2025-08-07",
        usage=_u(37, 92, 129, 0.00019325, reasoning_tokens=64),
    ),
    "chat-nonstream-server-tool-usage.json": Ok(
        "https://github.com/pydantic/pydantic-ai ",
        40,
        native="completed",
        usage=_u(8174, 30, 8204, 0.0133176),
        extra=_server_tool_usage,
    ),
    "chat-nonstream-text-basic.json": Ok(
        "Brief summary\n- Venus",
        3554,
        reasoning="**Exploring Venus**",
        detail_types=["reasoning.summary", "reasoning.encrypted"],
        native="completed",
        usage=_u(17, 1515, 1532, None, reasoning_tokens=704),
    ),
    "chat-nonstream-tool-call-reasoning-roundtrip-turn1.json": Ok(
        "",
        0,
        reasoning="**Using the color tool**",
        detail_types=["reasoning.summary", "reasoning.encrypted"],
        tools=[("call_HWAt8NUDHnW5TSUN1ztrL7lK", "get_color", {})],
        finish="tool_calls",
        native="completed",
        usage=_u(386, 80, 466, 0.001125, reasoning_tokens=64),
    ),
    "chat-nonstream-tool-call-reasoning-roundtrip-turn2.json": Ok(
        "The color is: orange.", 21, native="completed", usage=_u(530, 10, 540, 0.001345)
    ),
    "chat-nonstream-tool-call-single.json": Ok(
        "",
        0,
        tools=[("3sniiMddS", "divide", {"numerator": 123, "denominator": 456, "on_inf": "infinity"})],
        finish="tool_calls",
        native="tool_calls",
        provider="Mistral",
        usage=_u(134, 43, 177, None),
    ),
    "chat-nonstream-tool-call-empty-arguments.json": Ok(
        "I'll search for education content for you.",
        tools=[("toolu_01HDrihMKz5npKoC6xoaXjmF", "find_education_content", {})],
        finish="tool_calls",
        native="tool_calls",
        provider="Anthropic",
        usage=_u(575, 48, 623, 0, is_byok=True),
    ),
    "chat-nonstream-reasoning-system-fingerprint.json": Ok(
        "4",
        1,
        reasoning="The user is asking for the answer to 2+2.",
        detail_types=["reasoning.text"],
        native="stop",
        provider="Moonshot AI",
        usage=_u(20, 48, 68, 0.000156, reasoning_tokens=42, is_byok=False),
        extra=lambda r: _metadata(r, system_fingerprint="fpv0_30fe32e5"),
    ),
    "chat-nonstream-usage-include-deprecated.json": Ok(
        "Here\u2019s a concise but thorough overview of Mars",
        5380,
        reasoning="**Exploring Mars Overview**",
        detail_types=["reasoning.summary", "reasoning.encrypted"],
        native="completed",
        usage=_u(17, 2177, 2194, 0.00435825, reasoning_tokens=960, is_byok=False),
        extra=lambda r: _cost_details(r, {"upstream_inference_completions_cost": 0.004354}),
    ),
    "chat-nonstream-web-search-annotations.json": Ok(
        "https://github.com/pydantic/pydantic-ai",
        39,
        native="stop",
        model="deepseek/deepseek-chat",
        usage=_u(2315, 40, 2355, 0.007637029),
        extra=_annotations,
    ),
    # -- streams
    "chat-stream-image-input.sse": Ok(
        "Red green geometric shapes",
        26,
        native="stop",
        model="anthropic/claude-3.5-sonnet",
        provider="Amazon Bedrock",
        id="gen-1754441344-pyQnLz9c6qI7tV48Fjp4",
        usage=_u(82, 7, 89, 0.000351),
    ),
    "chat-stream-reasoning-anthropic-signature.sse": Ok(
        "2 + 2 = 4",
        9,
        reasoning="This is a simple arithmetic question. 2+2 equals 4.",
        detail_types=["reasoning.text"],
        native="stop",
        provider="Google",
        usage=_u(43, 36, 79, 0.000669, reasoning_tokens=13),
        extra=lambda r: _signature(r, "Et0BCkgIChAC"),
    ),
    "chat-stream-server-tool-usage.sse": Ok(
        "https://github.com/pydantic/pydantic-ai ",
        40,
        native="completed",
        id="gen-1786465029-CAkqUciXgQW34RmFaTck",
        usage=_u(8174, 30, 8204, 0.0133176),
        extra=_server_tool_usage,
    ),
    "chat-stream-text.sse": Ok(
        "Pebbles and Skipper.",
        20,
        native="stop",
        model="openai/gpt-4o",
        usage=_u(17, 6, 23, 0.0001025, is_byok=False),
    ),
    "chat-stream-tool-call.sse": Ok(
        "",
        0,
        tools=[("call_o4OCgtJrNoZTmoCRvmlfoHfj", "llm_version", {})],
        finish="tool_calls",
        native="tool_calls",
        usage=_u(48, 11, 59, 0.0000368),
    ),
    "chat-stream-tool-result-followup.sse": Ok(
        "The current LLM version is 0.0+test.", 36, native="stop", usage=_u(73, 14, 87, 0.0000516)
    ),
    # -- streams that end badly
    "chat-stream-keepalive-preamble.sse": Fails(
        IncompleteStreamError, 200, None, "the stream ended before the model finished", partial_text="\u4e9a"
    ),
    "doc-chat-stream-debug-chunk.sse": Fails(
        IncompleteStreamError, 200, None, "the stream ended before the model finished", partial_text=""
    ),
    "doc-chat-midstream-error-string-code.sse": Fails(
        StreamError,
        200,
        "server_error",
        "Provider disconnected unexpectedly",
        {"retryable": True},
        partial_text="",
    ),
    "doc-chat-midstream-error-typed.sse": Fails(
        StreamError,
        200,
        429,
        "Rate limit exceeded",
        {"error_type": "rate_limit_exceeded", "retryable": True},
        partial_text="",
    ),
    # -- errors inside a 200 JSON body
    "chat-nonstream-malformed-function-call.json": Fails(
        StreamError,
        200,
        None,
        "the model call failed (finish_reason 'error', native_finish_reason 'MALFORMED_FUNCTION_CALL')",
        partial_text="",
    ),
    "doc-chat-nonstream-error-in-choice.json": Fails(
        StreamError,
        200,
        502,
        "Provider disconnected mid-stream",
        {"error_type": "provider_unavailable"},
        partial_text="partial output...",
    ),
    "chat-stream-midstream-error-token-limit.sse": Fails(
        StreamError, 200, 400, "Token limit reached", {"provider_name": None}, partial_text=""
    ),
    "error-in-200-body-provider-429.json": Fails(
        StreamError,
        200,
        429,
        "Provider returned error",
        {"provider_name": "Kluster", "retryable": True},
        partial_text="",
    ),
    # -- HTTP errors
    "chat-error-400-provider-unsupported-value.json": Fails(
        BadRequestError, 400, 400, "Provider returned error", {"provider_name": "OpenAI", "retryable": False}
    ),
    "error-400-gemini-reasoning-details-required.json": Fails(
        BadRequestError, 400, 400, "Provider returned error", {"provider_name": "Google AI Studio"}
    ),
    "doc-error-400-model-not-found.json": Fails(
        BadRequestError, 400, 400, "acme/fake-1.0 is not a valid model ID", {"error_type": "invalid_request"}
    ),
    "error-401-no-auth-credentials.json": Fails(AuthenticationError, 401, 401, "No auth credentials found"),
    "error-402-credits-max-tokens.json": Fails(
        InsufficientCreditsError,
        402,
        402,
        "This request requires more credits, or fewer max_tokens.",
        {"retryable": False, "retry_after": None},
    ),
    "doc-error-403-guardrail.json": Fails(
        PermissionDeniedError, 403, 403, "Request blocked: prompt injection patterns detected"
    ),
    "doc-error-404-model-deprecated.json": Fails(
        NotFoundError,
        404,
        404,
        "Quasar Alpha was a stealth model",
        {"error_type": "not_found", "retryable": False},
    ),
    "doc-error-429-capacity-exhausted.json": Fails(
        RateLimitError,
        429,
        429,
        "All providers for anthropic/claude-sonnet-4.5 are at capacity.",
        {"retry_after": 40.0, "error_type": "rate_limit_exceeded", "retryable": True},
    ),
}


def _signature(r: ChatResponse, prefix: str) -> None:
    part = r.content.parts[0]
    assert isinstance(part, ReasoningPart)
    assert part.signature is not None
    assert part.signature.startswith(prefix)
    assert part.details[-1]["signature"] == part.signature


def _cost_details(r: ChatResponse, subset: dict[str, Any]) -> None:
    assert subset.items() <= r.usage.cost_details.items()


# -- the tests ------------------------------------------------------------------------------------------


def fixture_names() -> list[str]:
    return sorted(
        p.name
        for p in FIXTURES.iterdir()
        if p.name.startswith(PREFIXES) and not p.name.endswith(".meta.json") and p.suffix in (".json", ".sse")
    )


def test_every_chat_and_error_fixture_is_covered() -> None:
    names = fixture_names()
    assert len(names) >= 38  # the directory was found and read
    assert sorted(EXPECTED) == names


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if isinstance(v, Ok)))
def test_successful_replay(name: str, mode: str) -> None:
    expected = EXPECTED[name]
    assert isinstance(expected, Ok)
    events: list[StreamEvent] = []
    r, _ = run(name, mode, events)
    assert r.text.startswith(expected.text)
    if expected.text_len is not None:
        assert len(r.text) == expected.text_len
    assert r.reasoning.startswith(expected.reasoning)
    assert bool(r.reasoning) == bool(expected.reasoning)
    reasoning_parts = [p for p in r.content.parts if isinstance(p, ReasoningPart)]
    assert [d["type"] for p in reasoning_parts for d in p.details] == expected.detail_types
    assert [(t.id, t.name, t.arguments) for t in r.tool_calls] == expected.tools
    assert (r.finish_reason, r.native_finish_reason) == (expected.finish, expected.native)
    for attr in ("model", "provider", "id"):
        if getattr(expected, attr) is not None:
            assert getattr(r, attr) == getattr(expected, attr)
    assert r.id is not None
    assert r.id.startswith("gen-")
    for attr, value in expected.usage.items():
        if attr == "cost" and value is not None:
            value = Decimal(repr(value))  # costs are exact Decimals of what the wire wrote
        assert getattr(r.usage, attr) == value, attr
    if expected.extra is not None:
        expected.extra(r)
    if name.endswith(".sse"):
        # The events tell the same story as the final response.
        assert "".join(e.text for e in events if isinstance(e, TextChunk)) == r.text
        assert "".join(e.text for e in events if isinstance(e, ReasoningChunk)) == r.reasoning
        assert [e.part for e in events if isinstance(e, ToolCall)] == r.tool_calls
        assert all(e.name for e in events if isinstance(e, ToolCallChunk))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if isinstance(v, Fails)))
def test_failing_replay(name: str, mode: str) -> None:
    expected = EXPECTED[name]
    assert isinstance(expected, Fails)
    events: list[StreamEvent] = []
    with pytest.raises(expected.error) as info:
        run(name, mode, events)
    err = info.value
    assert type(err) is expected.error
    assert not any(isinstance(e, Done) for e in events)  # never a Done that looks like success
    assert err.message.startswith(expected.message)
    assert getattr(err, "status", None) == expected.status
    assert getattr(err, "code", None) == expected.code
    for attr, value in expected.attrs.items():
        assert getattr(err, attr) == value, attr
    if expected.partial_text is not None:
        partial = getattr(err, "partial", None)
        assert partial is not None
        assert partial.text == expected.partial_text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "name", sorted(k for k, v in EXPECTED.items() if isinstance(v, Fails) and k.endswith(".json"))
)
def test_error_bodies_also_fail_a_stream_request(name: str, mode: str) -> None:
    # An error answers a stream request with plain JSON (reference §5.1): same error class as non-stream.
    expected = EXPECTED[name]
    assert isinstance(expected, Fails)
    r = replay(name)
    events: list[StreamEvent] = []
    if name.startswith(("chat-nonstream", "doc-chat-nonstream")):
        # A whole completion (no top-level `error`) where an event stream was asked for: the server
        # ignored `stream: true`, which the transport reports as a decode error, never as a success.
        with pytest.raises(DecodeError, match="expected an event stream"):
            stream(r, mode, (messages.from_user("Hello"), None, None), events)
        assert events == []
        return
    with pytest.raises(expected.error) as info:
        stream(r, mode, (messages.from_user("Hello"), None, None), events)
    assert events == []
    assert type(info.value) is expected.error
    assert info.value.message.startswith(expected.message)


# -- focused replays ------------------------------------------------------------------------------------


def test_reasoning_round_trip_matches_the_recorded_turn2_request() -> None:
    """Decode turn 1, run the tool, encode turn 2: reasoning_details go back exactly as received."""
    turn1_body, turn1_meta = load_fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json")
    _, turn2_meta = load_fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn2.json")
    received = json.loads(turn1_body)["choices"][0]["message"]
    recorded = turn2_meta["request"]["body"]["messages"][1]

    response = decode_response(json.loads(turn1_body))
    (call,) = response.tool_calls
    call.status, call.result = ToolStatus.COMPLETED, "orange"
    msgs = messages.from_user(turn1_meta["request"]["body"]["messages"][0]["content"]).push(response.content)

    r = replay("chat-nonstream-tool-call-reasoning-roundtrip-turn2.json", model="openai/gpt-5-image-mini")
    complete(r, "sync", (msgs, None, None))
    body = r.sent_body()
    assert_valid_request(body, "ChatRequest")
    assistant, tool = body["messages"][1], body["messages"][2]

    # Byte for byte what turn 1 returned: same entries, same order, same key order, same values.
    assert json.dumps(assistant["reasoning_details"]) == json.dumps(received["reasoning_details"])
    # The recorder (pydantic-ai) re-serialised its copy with sorted keys and added `"id": null` to the
    # summary entry; apart from that the recorded turn 2 request carries the very same bytes.
    recorded_details = [{k: v for k, v in d.items() if v is not None} for d in recorded["reasoning_details"]]
    assert json.dumps(assistant["reasoning_details"], sort_keys=True) == json.dumps(
        recorded_details, sort_keys=True
    )
    assert assistant["tool_calls"] == recorded["tool_calls"]
    assert assistant["content"] is None
    assert recorded["content"] is None
    assert (
        tool
        == turn2_meta["request"]["body"]["messages"][2]
        == {
            "content": "orange",
            "role": "tool",
            "tool_call_id": "call_HWAt8NUDHnW5TSUN1ztrL7lK",
        }
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "error_fixture", ["doc-chat-midstream-error-typed.sse", "doc-chat-midstream-error-string-code.sse"]
)
def test_mid_stream_error_after_output_keeps_the_partial(error_fixture: str, mode: str) -> None:
    """Real text chunks, then the documented error chunk: StreamError with the text so far, no Done."""
    text_stream, _ = load_fixture("chat-stream-text.sse")
    error_chunk, _ = load_fixture(error_fixture)
    before_finish = text_stream[: text_stream.index(b'"finish_reason":"stop"')]
    before_finish = before_finish[: before_finish.rindex(b"data: ")]
    body = before_finish + error_chunk

    r = serve(OpenRouterBuilder().with_completions(), body, headers={"content-type": "text/event-stream"})
    events: list[StreamEvent] = []
    with pytest.raises(StreamError) as info:
        stream(r, mode, (messages.from_user("Two names for a pet pelican"), None, None), events)
    assert [e.text for e in events if isinstance(e, TextChunk)] == [
        "Peb",
        "bles",
        " and",
        " Sk",
        "ipper",
        ".",
    ]
    assert not any(isinstance(e, Done) for e in events)
    partial = info.value.partial
    assert partial is not None
    assert partial.text == "Pebbles and Skipper."
    assert partial.finish_reason == "error"
    assert info.value.received_output


def test_generation_id_header_fills_a_body_without_id() -> None:
    r = replay(
        "doc-chat-nonstream-error-in-choice.json", extra_headers={"X-Generation-Id": "gen-from-header"}
    )
    with pytest.raises(StreamError) as info:
        complete(r, "sync", (messages.from_user("Hello"), None, None))
    assert info.value.generation_id == "gen-from-header"
    assert info.value.partial is not None
    assert info.value.partial.id == "gen-from-header"


def test_unknown_fields_and_finish_reasons_in_a_real_body_never_crash() -> None:
    content, _ = load_fixture("chat-nonstream-tool-call-single.json")
    body = json.loads(content)
    body["hologram"] = {"x": 1}
    body["choices"][0]["finish_reason"] = "cosmic_ray"
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = None
    body["usage"]["prompt_tokens_details"] = None
    r = decode_response(body)
    assert r.finish_reason == "cosmic_ray"
    assert [(t.id, t.arguments) for t in r.tool_calls] == [("3sniiMddS", {})]
    assert r.usage.input_tokens == 134


@pytest.mark.parametrize("mode", MODES)
def test_a_real_mid_stream_error_keeps_the_reasoning_and_usage_that_came_before(mode: str) -> None:
    """Fixture chat-stream-midstream-error-token-limit: finish "length" twice, then an error chunk with a
    null finish_reason that also carries usage. The error wins; nothing already received is lost."""
    events: list[StreamEvent] = []
    with pytest.raises(StreamError) as info:
        run("chat-stream-midstream-error-token-limit.sse", mode, events)
    partial = info.value.partial
    assert partial is not None
    assert partial.reasoning == "We need to respond to a greeting. The user"
    assert "".join(e.text for e in events if isinstance(e, ReasoningChunk)) == partial.reasoning
    assert [p.details for p in partial.content.parts if isinstance(p, ReasoningPart)] == [
        [{"type": "reasoning.text", "text": partial.reasoning, "index": 0, "format": None}]
    ]
    assert (partial.usage.output_tokens, partial.usage.reasoning_tokens, partial.usage.cost) == (10, 11, 0)
    assert partial.finish_reason == "length"
    assert not any(isinstance(e, Done) for e in events)


def test_an_empty_argument_string_is_no_arguments_and_goes_back_as_an_object() -> None:
    """Fixture chat-nonstream-tool-call-empty-arguments: Claude sent `arguments: ""`."""
    content, _ = load_fixture("chat-nonstream-tool-call-empty-arguments.json")
    r = decode_response(json.loads(content))
    (call,) = r.tool_calls
    assert (call.raw_arguments, call.arguments) == ("", {})
    body = encode_request(
        Messages([Content.user("Can you find me any education content?"), r.content]),
        model="anthropic/claude-sonnet-4.5", tools=None, options=ChatOptions(), output=None, stream=False,
    )
    assert_valid_request(body, "ChatRequest")
    assert body["messages"][1]["tool_calls"][0]["function"]["arguments"] == "{}"
