"""One contract, two wires: the same scenarios through ``CompletionsClient`` and ``ResponsesClient``.

Each scenario is described once, wire-neutrally (:class:`Turn`), and rendered into what OpenRouter sends
on each wire -- non-stream bodies and SSE streams shaped like the recorded fixtures (chat-*, responses-*).
Both real clients run on ``httpx2.MockTransport`` and must produce equal :class:`ChatResponse` results:
text, reasoning, tool calls, finish reason, usage numbers, cost; and, for failures, the same error class
and partial text. A user switching wires changes one builder call and nothing else.

The last tests carry one conversation -- reasoning, a tool call and its result -- from each wire to the
other: what one wire decoded, the other re-encodes without loss, in bodies the spec accepts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx2
import pytest

from _spec import assert_valid_request
from chat_openrouter import messages
from chat_openrouter.core.events import Done, ReasoningChunk, StreamEvent, TextChunk, ToolCall
from chat_openrouter.core.messages import Messages
from chat_openrouter.core.options import ChatOptions, OutputSchema, Reasoning
from chat_openrouter.core.parts import ReasoningPart, ToolStatus
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.tools import ToolSpec
from chat_openrouter.errors import ChatOpenRouterError, StreamError
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.base import WireClient

WIRES = ("completions", "responses")
SCHEMA = {"completions": "ChatRequest", "responses": "ResponsesRequest"}
PATH = {"completions": "/api/v1/chat/completions", "responses": "/api/v1/responses"}
MODEL = "openai/gpt-5-mini"
WEATHER = ToolSpec(
    "get_weather", "Weather for a city", {"type": "object", "properties": {"city": {"type": "string"}}}
)
ENCRYPTED = "gAAAAABqFPxl-9OL1xGx.eyJlbmRwb2ludF9zbHVnIjoib3BlbmFpL2dwdC01LW1pbmkifQ"


# -- one scenario, described once ------------------------------------------------------------------------------


@dataclass
class Turn:
    """What the model did in one call, wire-neutrally."""

    text: str = ""
    summary: str = ""  # reasoning summary (both wires' readable reasoning)
    encrypted: str | None = None  # opaque reasoning blob, id rs_1
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # call id, name, arguments
    finish: str = "stop"  # stop | tool_calls | length
    usage: tuple[int, int, int, int, int] = (
        120,
        30,
        12,
        64,
        0,
    )  # input, output, reasoning, cached, cache write
    cost: float = 0.000321
    fail_after: int | None = None  # stream: fail after this many text deltas (mid-stream error)

    @property
    def total(self) -> int:
        return self.usage[0] + self.usage[1]

    def deltas(self) -> list[str]:
        half = len(self.text) // 2
        pieces = [self.text[:half], self.text[half:]] if self.text else []
        return pieces if self.fail_after is None else pieces[: self.fail_after]


# -- rendered for Chat Completions (shapes of fixtures chat-nonstream-*, chat-stream-*) --------------------------


def chat_usage(t: Turn) -> dict[str, Any]:
    inp, out, reasoning, cached, written = t.usage
    return {
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": t.total,
        "cost": t.cost,
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": cached, "cache_write_tokens": written, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning, "image_tokens": 0},
        "cost_details": {
            "upstream_inference_cost": None,
            "upstream_inference_prompt_cost": 0.0002,
            "upstream_inference_completions_cost": 0.000121,
        },
    }


def chat_details(t: Turn) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    if t.summary:
        details.append(
            {"type": "reasoning.summary", "summary": t.summary, "format": "openai-responses-v1", "index": 0}
        )
    if t.encrypted:
        details.append(
            {
                "type": "reasoning.encrypted",
                "data": t.encrypted,
                "id": "rs_1",
                "format": "openai-responses-v1",
                "index": 0,
            }
        )
    return details


def chat_body(t: Turn) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": t.text,
        "refusal": None,
        "reasoning": t.summary or None,
    }
    if chat_details(t):
        message["reasoning_details"] = chat_details(t)
    if t.calls:
        message["tool_calls"] = [
            {"id": cid, "index": n, "type": "function", "function": {"name": name, "arguments": args}}
            for n, (cid, name, args) in enumerate(t.calls)
        ]
    native = {"stop": "completed", "tool_calls": "tool_calls", "length": "max_output_tokens"}[t.finish]
    return {
        "id": "gen-contract-1",
        "provider": "OpenAI",
        "model": MODEL,
        "object": "chat.completion",
        "created": 1785882264,
        "choices": [
            {
                "index": 0,
                "finish_reason": t.finish,
                "native_finish_reason": native,
                "logprobs": None,
                "message": message,
            }
        ],
        "usage": chat_usage(t),
    }


def chat_stream(t: Turn) -> bytes:
    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
        choices = (
            []
            if delta is None
            else [{"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": finish}]
        )
        return {
            "id": "gen-contract-1",
            "object": "chat.completion.chunk",
            "created": 1785882264,
            "model": MODEL,
            "provider": "OpenAI",
            "choices": choices,
            **extra,
        }

    chunks = [chunk({"role": "assistant", "content": ""})]
    if t.summary:
        chunks.append(
            chunk(
                {
                    "role": "assistant",
                    "content": "",
                    "reasoning": t.summary,
                    "reasoning_details": chat_details(t)[:1],
                }
            )
        )
    if t.encrypted:
        chunks.append(chunk({"role": "assistant", "content": "", "reasoning_details": chat_details(t)[-1:]}))
    chunks.extend(chunk({"role": "assistant", "content": d}) for d in t.deltas())
    if t.fail_after is not None:
        error = {
            "code": 429,
            "message": "Rate limit exceeded",
            "metadata": {"error_type": "rate_limit_exceeded"},
        }
        chunks.append(chunk({"content": ""}, "error", error=error))
    else:
        for n, (cid, name, args) in enumerate(t.calls):
            first = {"index": n, "id": cid, "type": "function", "function": {"name": name, "arguments": ""}}
            chunks.append(chunk({"role": "assistant", "content": None, "tool_calls": [first]}))
            chunks.append(
                chunk(
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [{"index": n, "function": {"arguments": args}}],
                    }
                )
            )
        chunks.append(chunk({"role": "assistant", "content": ""}, t.finish))
        chunks.append(chunk(None, usage=chat_usage(t)))
    frames = [b": OPENROUTER PROCESSING\n\n", *(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)]
    if t.fail_after is None:
        frames.append(b"data: [DONE]\n\n")
    return b"".join(frames)


# -- rendered for the Responses API (shapes of fixtures responses-*) ------------------------------------------


def responses_usage(t: Turn) -> dict[str, Any]:
    inp, out, reasoning, cached, written = t.usage
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": written},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": t.total,
        "cost": t.cost,
        "is_byok": False,
        "cost_details": {
            "upstream_inference_cost": None,
            "upstream_inference_input_cost": 0.0002,
            "upstream_inference_output_cost": 0.000121,
        },
    }


def responses_items(t: Turn) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if t.summary or t.encrypted:
        reasoning: dict[str, Any] = {"id": "rs_1", "type": "reasoning", "status": "completed", "summary": []}
        if t.summary:
            reasoning["summary"] = [{"type": "summary_text", "text": t.summary}]
        if t.encrypted:
            reasoning["encrypted_content"] = t.encrypted
        reasoning["format"] = "openai-responses-v1"
        items.append(reasoning)
    if t.text:
        content = [{"type": "output_text", "text": t.text, "annotations": [], "logprobs": []}]
        items.append(
            {
                "id": "msg_tmp_contract",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": content,
            }
        )
    items.extend(
        {
            "id": f"fc_tmp_{n}",
            "type": "function_call",
            "status": "completed",
            "call_id": cid,
            "name": name,
            "arguments": args,
        }
        for n, (cid, name, args) in enumerate(t.calls)
    )
    return items


def responses_object(t: Turn, status: str, *, output: list[dict[str, Any]], usage: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "gen-contract-1",
        "object": "response",
        "created_at": 1785882264,
        "model": MODEL,
        "status": status,
        "output": output,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "store": False,
        "previous_response_id": None,
        "usage": responses_usage(t) if usage else None,
    }
    return body


def responses_body(t: Turn) -> dict[str, Any]:
    return responses_object(
        t, "incomplete" if t.finish == "length" else "completed", output=responses_items(t), usage=True
    )


def responses_stream(t: Turn) -> bytes:
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": responses_object(t, "in_progress", output=[], usage=False)},
        {
            "type": "response.in_progress",
            "response": responses_object(t, "in_progress", output=[], usage=False),
        },
    ]
    for index, item in enumerate(responses_items(t)):
        kind, item_id = item["type"], item["id"]
        if kind == "reasoning":
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {"id": item_id, "type": "reasoning", "status": "in_progress", "summary": []},
                }
            )
            if t.summary:
                where = {"output_index": index, "item_id": item_id, "summary_index": 0}
                events.append(
                    {
                        "type": "response.reasoning_summary_part.added",
                        **where,
                        "part": {"type": "summary_text", "text": ""},
                    }
                )
                events.append({"type": "response.reasoning_summary_text.delta", **where, "delta": t.summary})
                events.append({"type": "response.reasoning_summary_text.done", **where, "text": t.summary})
                events.append(
                    {
                        "type": "response.reasoning_summary_part.done",
                        **where,
                        "part": {"type": "summary_text", "text": t.summary},
                    }
                )
            events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        elif kind == "message":
            where = {"output_index": index, "item_id": item_id, "content_index": 0}
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "content": []},
                }
            )
            events.append(
                {
                    "type": "response.content_part.added",
                    **where,
                    "part": {"type": "output_text", "text": "", "annotations": []},
                }
            )
            events.extend({"type": "response.output_text.delta", **where, "delta": d} for d in t.deltas())
            if t.fail_after is not None:
                failed = responses_object(t, "failed", output=[], usage=True)
                failed["error"] = {"code": "rate_limit_exceeded", "message": "Rate limit exceeded"}
                failed["error_type"] = "rate_limit_exceeded"
                events.append({"type": "response.failed", "response": failed})
                break
            events.append({"type": "response.output_text.done", **where, "text": t.text})
            events.append({"type": "response.content_part.done", **where, "part": item["content"][0]})
            events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        else:
            where = {"output_index": index, "item_id": item_id}
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "arguments": ""},
                }
            )
            events.append(
                {"type": "response.function_call_arguments.delta", **where, "delta": item["arguments"]}
            )
            events.append(
                {
                    "type": "response.function_call_arguments.done",
                    **where,
                    "name": item["name"],
                    "arguments": item["arguments"],
                }
            )
            events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    if t.fail_after is None:
        kind = "response.incomplete" if t.finish == "length" else "response.completed"
        events.append({"type": kind, "response": responses_body(t)})
    for n, event in enumerate(events):
        event["sequence_number"] = n
    frames = [b": \n\n", *(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)]
    if t.fail_after is None:
        frames.append(b"data: [DONE]\n\n")
    return b"".join(frames)


# -- the two clients on a mock transport ---------------------------------------------------------------------


@dataclass
class Server:
    """Answers each request with the next turn, rendered for the wire and the request's `stream` flag."""

    wire: str
    turns: list[Turn]
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == PATH[self.wire]
        body = json.loads(request.content)
        assert_valid_request(body, SCHEMA[self.wire])
        if self.wire == "responses":
            assert body["store"] is False and "previous_response_id" not in body
        self.bodies.append(body)
        turn = self.turns[len(self.bodies) - 1]
        if body.get("stream"):
            content = chat_stream(turn) if self.wire == "completions" else responses_stream(turn)
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=content)
        content_json = chat_body(turn) if self.wire == "completions" else responses_body(turn)
        return httpx2.Response(200, json=content_json)

    def client(self) -> WireClient:
        builder = OpenRouterBuilder().with_completions() if self.wire == "completions" else OpenRouterBuilder()
        transport = httpx2.MockTransport(self.handle)
        return (
            builder.with_model(MODEL)
            .with_api_key("sk-or-test-key")
            .with_retries(0)
            .with_transport(transport)
            .build()
        )


def call(
    client: WireClient, msgs: Messages, how: str, events: list[StreamEvent], **kwargs: Any
) -> ChatResponse:
    if how == "complete":
        return client.complete_sync(msgs, **kwargs)
    if how == "stream":
        with client.stream_sync(msgs, **kwargs) as s:
            events.extend(s)
    else:

        async def go() -> None:
            async with client.stream(msgs, **kwargs) as s:
                async for event in s:
                    events.append(event)

        asyncio.run(go())
    done = events[-1]
    assert isinstance(done, Done)
    return done.response


def view(r: ChatResponse) -> dict[str, Any]:
    """What must be equal on both wires."""
    u = r.usage
    return {
        "text": r.text,
        "reasoning": r.reasoning,
        "tool_calls": [(p.id, p.name, p.arguments, p.raw_arguments) for p in r.tool_calls],
        "finish_reason": r.finish_reason,
        "id": r.id,
        "model": r.model,
        "tokens": (
            u.input_tokens,
            u.output_tokens,
            u.total_tokens,
            u.reasoning_tokens,
            u.cached_tokens,
            u.cache_write_tokens,
        ),
        "cost": (u.cost, u.is_byok),
        "encrypted": [
            d.get("data")
            for p in r.content.parts
            if isinstance(p, ReasoningPart)
            for d in p.details
            if d.get("type") == "reasoning.encrypted"
        ],
        "kinds": [p.kind for p in r.content.parts],
    }


def on_both_wires(
    turns: list[Turn], how: str, scenario: Callable[[WireClient, list[StreamEvent]], Any]
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for wire in WIRES:
        server = Server(wire, turns)
        events: list[StreamEvent] = []
        with server.client() as client:
            results[wire] = (scenario(client, events), events, server.bodies)
    return results


HOW = ("complete", "stream", "astream")


# -- scenarios ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_text(how: str) -> None:
    turn = Turn(text="Hello there, Ada!", usage=(17, 4, 0, 0, 0), cost=0.0000825)
    out = on_both_wires(
        [turn], how, lambda c, ev: call(c, messages.from_system("Be brief.").user("Hi"), how, ev)
    )
    chat, responses = view(out["completions"][0]), view(out["responses"][0])
    assert chat == responses
    assert (chat["text"], chat["finish_reason"], chat["tokens"][:3], chat["cost"]) == (
        "Hello there, Ada!",
        "stop",
        (17, 4, 21),
        (Decimal("0.0000825"), False),
    )
    if how != "complete":
        for wire in WIRES:
            events = out[wire][1]
            assert "".join(e.text for e in events if isinstance(e, TextChunk)) == "Hello there, Ada!"


@pytest.mark.parametrize("how", HOW)
def test_tool_call_round_trip(how: str) -> None:
    turns = [
        Turn(
            calls=[
                ("call_w1", "get_weather", '{"city":"Paris"}'),
                ("call_w2", "get_weather", '{"city":"Oslo"}'),
            ],
            finish="tool_calls",
        ),
        Turn(text="Paris 21°C, Oslo 9°C."),
    ]

    def scenario(client: WireClient, events: list[StreamEvent]) -> tuple[ChatResponse, ChatResponse]:
        msgs = messages.from_user("Weather in Paris and Oslo?")
        first = call(client, msgs, how, events, tools=[WEATHER])
        for part, result in zip(first.tool_calls, ({"temp_c": 21}, {"temp_c": 9}), strict=True):
            part.result, part.status = result, ToolStatus.COMPLETED
        msgs.push(first.content)
        return first, call(client, msgs, how, [], tools=[WEATHER])

    out = on_both_wires(turns, how, scenario)
    (chat1, chat2), (resp1, resp2) = out["completions"][0], out["responses"][0]
    assert view(chat1) == view(resp1)
    assert view(chat2) == view(resp2)
    assert view(chat1)["tool_calls"] == [
        ("call_w1", "get_weather", {"city": "Paris"}, '{"city":"Paris"}'),
        ("call_w2", "get_weather", {"city": "Oslo"}, '{"city":"Oslo"}'),
    ]
    assert chat1.finish_reason == "tool_calls" and chat2.text == "Paris 21°C, Oslo 9°C."
    # The second request of each wire carries both calls and both results, keyed by the model's call ids.
    chat_body2, resp_body2 = out["completions"][2][1], out["responses"][2][1]
    assert [m["tool_call_id"] for m in chat_body2["messages"] if m["role"] == "tool"] == [
        "call_w1",
        "call_w2",
    ]
    outputs = {
        i["call_id"]: i["output"] for i in resp_body2["input"] if i.get("type") == "function_call_output"
    }
    chat_outputs = {m["tool_call_id"]: m["content"] for m in chat_body2["messages"] if m["role"] == "tool"}
    assert outputs == chat_outputs == {"call_w1": '{"temp_c": 21}', "call_w2": '{"temp_c": 9}'}
    if how != "complete":
        for wire in WIRES:
            assert [e.part.id for e in out[wire][1] if isinstance(e, ToolCall)] == ["call_w1", "call_w2"]


@pytest.mark.parametrize("how", HOW)
def test_reasoning(how: str) -> None:
    turn = Turn(
        text="4",
        summary="**Adding** two and two.",
        encrypted=ENCRYPTED,
        usage=(20, 19, 12, 0, 0),
        cost=0.0000086,
    )
    options = ChatOptions(reasoning=Reasoning(effort="low", summary="auto"))
    out = on_both_wires(
        [turn], how, lambda c, ev: call(c, messages.from_user("2+2?"), how, ev, options=options)
    )
    chat, responses = view(out["completions"][0]), view(out["responses"][0])
    assert chat == responses
    assert (chat["reasoning"], chat["encrypted"], chat["kinds"]) == (
        "**Adding** two and two.",
        [ENCRYPTED],
        ["reasoning", "text"],
    )
    for wire in WIRES:
        assert out[wire][2][0]["reasoning"] == {"effort": "low", "summary": "auto"}
        if how != "complete":
            assert (
                "".join(e.text for e in out[wire][1] if isinstance(e, ReasoningChunk))
                == "**Adding** two and two."
            )


@pytest.mark.parametrize("how", HOW)
def test_structured_output_request(how: str) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "temp_c": {"type": "integer"}},
        "required": ["city", "temp_c"],
        "additionalProperties": False,
    }
    turn = Turn(text='{"city":"Paris","temp_c":21}')
    output = OutputSchema("weather", schema, description="A weather report")
    out = on_both_wires(
        [turn], how, lambda c, ev: call(c, messages.from_user("Paris?"), how, ev, output=output)
    )
    assert view(out["completions"][0]) == view(out["responses"][0])
    assert json.loads(out["responses"][0].text) == {"city": "Paris", "temp_c": 21}
    chat_format = out["completions"][2][0]["response_format"]
    responses_format = out["responses"][2][0]["text"]["format"]
    assert chat_format == {
        "type": "json_schema",
        "json_schema": {
            "name": "weather",
            "schema": schema,
            "strict": True,
            "description": "A weather report",
        },
    }
    assert responses_format == {"type": "json_schema", **chat_format["json_schema"]}


@pytest.mark.parametrize("how", ["stream", "astream"])
def test_mid_stream_error(how: str) -> None:
    turn = Turn(text="Partial answer", fail_after=1)
    errors: dict[str, ChatOpenRouterError] = {}
    for wire in WIRES:
        server = Server(wire, [turn])
        events: list[StreamEvent] = []
        with server.client() as client, pytest.raises(StreamError) as info:
            call(client, messages.from_user("Hi"), how, events)
        errors[wire] = info.value
        assert [e.text for e in events if isinstance(e, TextChunk)] == ["Partial"]
        assert not any(isinstance(e, Done) for e in events)
    chat, responses = errors["completions"], errors["responses"]
    assert isinstance(chat, StreamError) and isinstance(responses, StreamError)
    assert type(chat) is type(responses) is StreamError
    assert chat.partial is not None and responses.partial is not None
    assert chat.partial.text == responses.partial.text == "Partial"
    assert chat.partial.finish_reason == responses.partial.finish_reason == "error"
    assert chat.error_type == responses.error_type == "rate_limit_exceeded"
    assert chat.retryable and responses.retryable  # code 429 on Chat, "rate_limit_exceeded" on Responses
    assert chat.message == responses.message == "Rate limit exceeded"


@pytest.mark.parametrize("how", HOW)
def test_usage_and_cost(how: str) -> None:
    turn = Turn(text="Cached.", usage=(4020, 5, 2, 3000, 1012), cost=0.025265)
    out = on_both_wires([turn], how, lambda c, ev: call(c, messages.from_user("Hi"), how, ev))
    chat, responses = out["completions"][0].usage, out["responses"][0].usage
    expected = (4020, 5, 4025, 2, 3000, 1012, Decimal("0.025265"), False)
    for usage in (chat, responses):
        fields = (usage.input_tokens, usage.output_tokens, usage.total_tokens, usage.reasoning_tokens)
        assert (*fields, usage.cached_tokens, usage.cache_write_tokens, usage.cost, usage.is_byok) == expected
    assert (
        chat.cost_details["upstream_inference_prompt_cost"]
        == responses.cost_details["upstream_inference_input_cost"]
    )


@pytest.mark.parametrize("how", HOW)
def test_length_limit(how: str) -> None:
    turn = Turn(text="The answer is cut", summary="Long thinking.", finish="length")
    out = on_both_wires(
        [turn],
        how,
        lambda c, ev: call(c, messages.from_user("Hi"), how, ev, options=ChatOptions(max_tokens=20)),
    )
    assert view(out["completions"][0]) == view(out["responses"][0])
    assert out["responses"][0].finish_reason == "length"
    assert (
        out["completions"][2][0]["max_completion_tokens"] == out["responses"][2][0]["max_output_tokens"] == 20
    )


# -- one conversation across both wires -------------------------------------------------------------------------


AGENT_TURNS = [
    Turn(
        summary="Need the weather tool.",
        encrypted=ENCRYPTED,
        calls=[("call_w1", "get_weather", '{"city":"Paris"}')],
        finish="tool_calls",
    ),
    Turn(text="It is 21°C in Paris."),
]


def first_turn(wire: str) -> tuple[Messages, ChatResponse]:
    """Turn 1 of a tool loop decoded by ``wire``, with the tool result filled in."""
    server = Server(wire, AGENT_TURNS)
    msgs = messages.from_system("You are a weather bot.").user("Weather in Paris?")
    with server.client() as client:
        response = client.complete_sync(msgs, tools=[WEATHER])
    (part,) = response.tool_calls
    part.result, part.status = {"temp_c": 21}, ToolStatus.COMPLETED
    msgs.push(response.content)
    return msgs, response


def send(wire: str, msgs: Messages, turns: list[Turn]) -> dict[str, Any]:
    server = Server(wire, turns)
    with server.client() as client:
        client.complete_sync(msgs, tools=[WEATHER])
    return server.bodies[-1]  # validated against the spec by the server


def test_a_chat_turn_is_replayed_on_the_responses_wire_without_loss() -> None:
    msgs, turn1 = first_turn("completions")
    body = send("responses", msgs, AGENT_TURNS[1:])
    assert [(i.get("type"), i.get("role")) for i in body["input"]] == [
        ("message", "system"),
        ("message", "user"),
        ("reasoning", None),
        ("function_call", None),
        ("function_call_output", None),
    ]
    reasoning, fc, output = body["input"][2:]
    assert reasoning == {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "Need the weather tool."}],
        "encrypted_content": ENCRYPTED,
        "format": "openai-responses-v1",
    }
    assert fc == {
        "type": "function_call",
        "call_id": "call_w1",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    }
    assert output == {"type": "function_call_output", "call_id": "call_w1", "output": '{"temp_c": 21}'}
    assert turn1.reasoning == "Need the weather tool."


def test_a_responses_turn_is_replayed_on_the_chat_wire_without_loss() -> None:
    msgs, turn1 = first_turn("responses")
    body = send("completions", msgs, AGENT_TURNS[1:])
    system, user, assistant, tool = body["messages"]
    assert (system["role"], user["role"], tool["role"]) == ("system", "user", "tool")
    assert assistant["tool_calls"] == [
        {
            "id": "call_w1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
        }
    ]
    # The derived reasoning_details carry the summary and the encrypted blob with its rs_ id, in order.
    assert assistant["reasoning_details"] == [
        {
            "type": "reasoning.summary",
            "summary": "Need the weather tool.",
            "id": "rs_1",
            "format": "openai-responses-v1",
            "index": 0,
        },
        {
            "type": "reasoning.encrypted",
            "data": ENCRYPTED,
            "id": "rs_1",
            "format": "openai-responses-v1",
            "index": 0,
        },
    ]
    assert tool == {"role": "tool", "tool_call_id": "call_w1", "content": '{"temp_c": 21}'}
    # And back: the same parts on the Responses wire give the item that was received, verbatim.
    again = send("responses", msgs, AGENT_TURNS[1:])
    (reasoning_part,) = [p for p in turn1.content.parts if isinstance(p, ReasoningPart)]
    assert [i for i in again["input"] if i.get("type") == "reasoning"] == [reasoning_part.item]


@pytest.mark.parametrize(
    "order", [("completions", "responses", "completions"), ("responses", "completions", "responses")]
)
def test_a_conversation_alternating_wires_stays_valid_and_complete(order: tuple[str, str, str]) -> None:
    msgs = messages.from_user("Weather in Paris?")
    for step, wire in enumerate(order[:2]):
        server = Server(wire, [AGENT_TURNS[0]])
        with server.client() as client:
            response = client.complete_sync(msgs, tools=[WEATHER])
        (part,) = response.tool_calls
        part.result, part.status = {"temp_c": 21 + step}, ToolStatus.COMPLETED
        msgs.push(response.content)
    final = send(order[2], msgs, [AGENT_TURNS[1]])
    if order[2] == "completions":
        assert [m["role"] for m in final["messages"]] == ["user", "assistant", "tool", "assistant", "tool"]
        assert all(
            m["reasoning_details"][-1]["data"] == ENCRYPTED
            for m in final["messages"]
            if m["role"] == "assistant"
        )
    else:
        kinds = [i.get("type") for i in final["input"]]
        assert kinds == ["message", *["reasoning", "function_call", "function_call_output"] * 2]
        assert all(
            i["encrypted_content"] == ENCRYPTED for i in final["input"] if i.get("type") == "reasoning"
        )
