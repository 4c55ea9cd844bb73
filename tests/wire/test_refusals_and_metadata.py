"""Refusals are typed, metadata survives every path, and both round-trip (issue 11 items 4-5).

A refusal is an answer the caller must see distinctly: never an empty success, never merged into
``.text``; ``response.refusal`` reads it and ``finish_reason`` is ``"refusal"``. ``system_fingerprint``,
``service_tier``, typed logprobs, server-tool usage and ``raw`` are present streamed or not.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from _spec import assert_valid_request
from chat_openrouter import messages
from chat_openrouter.core.events import RefusalChunk, StreamEvent, TextChunk
from chat_openrouter.core.messages import Content
from chat_openrouter.core.options import ChatOptions
from chat_openrouter.core.parts import RefusalPart, Role, TextPart
from chat_openrouter.core.response import TokenLogprob, TopLogprob
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.completions import codec as completions
from chat_openrouter.wire.responses import codec as responses

from . import _replay

REFUSAL = "I'm sorry, but I can't assist with that request."
HEAD = {"id": "gen-1", "provider": "OpenAI", "model": "openai/gpt-4o", "created": 1765226419}
TOKENS = [
    {
        "token": "Paris",
        "logprob": -0.01,
        "bytes": [80, 97, 114, 105, 115],
        "top_logprobs": [{"token": "Paris", "logprob": -0.01, "bytes": [80, 97, 114, 105, 115]}],
    },
    {"token": ".", "logprob": -0.2, "bytes": None, "top_logprobs": []},
]
TYPED = [
    TokenLogprob("Paris", -0.01, (80, 97, 114, 105, 115), (TopLogprob("Paris", -0.01, (80, 97, 114, 105, 115)),)),
    TokenLogprob(".", -0.2, None, ()),
]


def chat_body(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "message": message, "finish_reason": "stop", "native_finish_reason": "stop"}
    choice.update(extra.pop("choice", {}))
    return {**HEAD, "object": "chat.completion", "choices": [choice], **extra}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": finish}
    choice.update(extra.pop("choice", {}))
    return json.dumps({**HEAD, "object": "chat.completion.chunk", "choices": [choice], **extra})


# -- Chat Completions -----------------------------------------------------------------------------------


def test_chat_refusal_is_a_typed_part_not_an_empty_success() -> None:
    r = completions.decode_response(chat_body({"role": "assistant", "content": None, "refusal": REFUSAL}))
    assert r.text == ""
    assert r.refusal == REFUSAL
    assert r.content.parts == [RefusalPart(REFUSAL)]
    assert (r.finish_reason, r.native_finish_reason) == ("refusal", "stop")


def test_chat_streamed_refusal_matches_the_non_streamed_one() -> None:
    state = completions.CompletionsStreamState()
    events: list[StreamEvent] = []
    for data in (
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": None, "refusal": "I'm sorry, "}),
        chunk({"content": None, "refusal": "but I can't assist with that request."}),
        chunk({}, "stop"),
    ):
        events.extend(state.handle(data))
    r = state.finish()
    assert "".join(e.text for e in events if isinstance(e, RefusalChunk)) == r.refusal == REFUSAL
    assert not [e for e in events if isinstance(e, TextChunk)]
    assert (r.finish_reason, r.text) == ("refusal", "")
    assert r.raw is not None and r.raw["choices"][0]["message"]["refusal"] == REFUSAL


def test_chat_metadata_and_logprobs_survive_streaming() -> None:
    usage = {
        "prompt_tokens": 9,
        "completion_tokens": 2,
        "total_tokens": 11,
        "cost": 0.0001,
        "server_tool_use_details": {"web_search_requests": 1},
    }
    body = chat_body(
        {"role": "assistant", "content": "Paris."},
        system_fingerprint="fp_2f406b9113",
        service_tier="default",
        usage=usage,
        choice={"logprobs": {"content": TOKENS, "refusal": None}},
    )
    plain = completions.decode_response(body)
    state = completions.CompletionsStreamState()
    events: list[StreamEvent] = []
    for data in (
        chunk({"role": "assistant", "content": "Paris"}, choice={"logprobs": {"content": TOKENS[:1]}}),
        chunk({"content": "."}, choice={"logprobs": {"content": TOKENS[1:]}}),
        chunk({}, "stop", system_fingerprint="fp_2f406b9113"),
        # 2026 layout: metadata only on the usage chunk, choices [] (fixture chat-stream-server-tool-usage)
        json.dumps({**HEAD, "service_tier": "default", "choices": [], "usage": usage}),
    ):
        events.extend(state.handle(data))
    streamed = state.finish()
    for r in (plain, streamed):
        assert (r.system_fingerprint, r.service_tier) == ("fp_2f406b9113", "default")
        assert r.logprobs == TYPED
        assert r.usage.server_tool_use == {"web_search_requests": 1}
        assert r.usage.cost == Decimal("0.0001")
    assert [lp for e in events if isinstance(e, TextChunk) for lp in e.logprobs] == TYPED
    # raw is the merged chat.completion (it was `{}` on streamed Chat Completions before).
    assert streamed.raw is not None
    assert streamed.raw["object"] == "chat.completion"
    assert streamed.raw["choices"][0]["message"]["content"] == "Paris."
    assert streamed.raw["choices"][0]["logprobs"] == {"content": TOKENS}
    assert streamed.raw["usage"] == usage


def test_chat_stream_keeps_no_per_chunk_metadata() -> None:
    # A hostile stream inventing a new top-level field per chunk cannot grow the merged body forever.
    state = completions.CompletionsStreamState()
    for n in range(500):
        state.handle(json.dumps({"id": "gen-1", f"field_{n}": n, "choices": []}))
    assert len(state.merged()) < 80


# -- Responses API ---------------------------------------------------------------------------------------


def responses_body(*content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed", "content": list(content)}
    return {
        "id": "gen-1",
        "object": "response",
        "status": "completed",
        "model": "openai/gpt-4o",
        "output": [message],
        "service_tier": "default",
        **extra,
    }


def test_responses_refusal_is_a_typed_part_streamed_or_not() -> None:
    body = responses_body({"type": "refusal", "refusal": REFUSAL})
    plain = responses.decode_response(body)
    state = responses.ResponsesStreamState()
    events: list[StreamEvent] = []
    where = {"output_index": 0, "item_id": "msg_1", "content_index": 0}
    for payload in (
        {"type": "response.output_item.added", "output_index": 0, "item": {"id": "msg_1", "type": "message"}},
        {"type": "response.content_part.added", **where, "part": {"type": "refusal", "refusal": ""}},
        {"type": "response.refusal.delta", **where, "delta": "I'm sorry, "},
        {"type": "response.refusal.done", **where, "refusal": REFUSAL},
        {"type": "response.completed", "response": body},
    ):
        events.extend(state.handle(json.dumps(payload)))
    streamed = state.finish()
    for r in (plain, streamed):
        assert (r.text, r.refusal, r.finish_reason, r.native_finish_reason) == ("", REFUSAL, "refusal", "completed")
        assert r.service_tier == "default"
    assert "".join(e.text for e in events if isinstance(e, RefusalChunk)) == REFUSAL


def test_responses_logprobs_are_typed() -> None:
    body = responses_body({"type": "output_text", "text": "Paris.", "annotations": [], "logprobs": TOKENS})
    assert responses.decode_response(body).logprobs == TYPED


def test_a_refusal_next_to_tool_calls_leaves_the_finish_reason_to_the_calls() -> None:
    call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
    body = responses_body({"type": "refusal", "refusal": "No."})
    body["output"].append(call)
    r = responses.decode_response(body)
    assert (r.finish_reason, r.refusal) == ("tool_calls", "No.")


# -- a refusal kept in the conversation goes back as what the model said ----------------------------------


@pytest.mark.parametrize("wire", ["responses", "completions"])
def test_a_refusal_is_sent_back_in_a_spec_valid_form(wire: str) -> None:
    history = messages.from_user("Help me pick a lock.").push(Content(Role.MODEL, [RefusalPart(REFUSAL)]))
    history.user("Fine, how do locks work?")
    if wire == "completions":
        body = completions.encode_request(history, model="m", tools=None, options=ChatOptions(), output=None, stream=False)
        assert_valid_request(body, "ChatRequest")
        assistant = body["messages"][1]
        # `refusal` for OpenAI, the same words as content so other providers see what was said.
        assert assistant == {"role": "assistant", "content": REFUSAL, "refusal": REFUSAL}
    else:
        body = responses.encode_request(history, model="m", tools=None, options=ChatOptions(), output=None, stream=False)
        assert_valid_request(body, "ResponsesRequest")
        assistant = body["input"][1]
        assert assistant["content"] == [{"type": "refusal", "refusal": REFUSAL}]


@pytest.mark.parametrize(("wire", "builder"), [("responses", OpenRouterBuilder), ("completions", lambda: OpenRouterBuilder().with_completions())])
def test_refusal_round_trips_through_each_client(wire: str, builder: Any) -> None:
    if wire == "completions":
        content = json.dumps(chat_body({"role": "assistant", "content": None, "refusal": REFUSAL}))
    else:
        content = json.dumps(responses_body({"type": "refusal", "refusal": REFUSAL}))
    for mode in _replay.MODES:
        r = _replay.complete(
            _replay.serve(builder(), content.encode(), headers={"content-type": "application/json"}),
            mode,
            (messages.from_user("Help me pick a lock."), None, None),
        )
        assert r.refusal == REFUSAL and r.text == "" and r.finish_reason == "refusal"
        assert r.content.parts == [RefusalPart(REFUSAL)]
        assert not any(isinstance(p, TextPart) for p in r.content.parts)
