"""Responses API codec, read side: non-stream bodies and the stream state, on hand-written payloads.

Real recorded traffic is replayed through the client in ``test_responses_fixtures.py``; these tests pin
the edge cases the reference (§7, §8) warns about, one at a time.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from chat_openrouter.core.events import (
    ReasoningChunk,
    RefusalChunk,
    StreamEvent,
    TextChunk,
    ToolCall,
    ToolCallChunk,
)
from chat_openrouter.core.parts import FilePart, ReasoningPart, TextPart, ToolPart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.errors import DecodeError, IncompleteStreamError, StreamError
from chat_openrouter.wire.responses.codec import ResponsesStreamState, decode_response, decode_usage

USAGE = {
    "input_tokens": 100,
    "input_tokens_details": {"cached_tokens": 60, "cache_write_tokens": 30},
    "output_tokens": 40,
    "output_tokens_details": {"reasoning_tokens": 25},
    "total_tokens": 140,
    "cost": 0.0012,
    "is_byok": False,
    "cost_details": {"upstream_inference_cost": 0.0012},
}
REASONING_ITEM = {
    "id": "rs_1",
    "type": "reasoning",
    "status": "completed",
    "summary": [{"type": "summary_text", "text": "Plan."}, {"type": "summary_text", "text": "Check."}],
    "encrypted_content": "gAAAA.blob",
    "format": "openai-responses-v1",
}


def message(text: str, item_id: str = "msg_tmp_1", **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        **extra,
    }


def call(call_id: str, name: str, arguments: Any, item_id: str | None = None) -> dict[str, Any]:
    item = {
        "type": "function_call",
        "status": "completed",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }
    if item_id is not None:
        item["id"] = item_id
    return item


def result(*output: Any, **top: Any) -> dict[str, Any]:
    return {
        "id": "gen-1",
        "object": "response",
        "created_at": 1785882264,
        "model": "openai/gpt-5-mini",
        "status": "completed",
        "output": list(output),
        "usage": USAGE,
        **top,
    }


# -- non-stream ---------------------------------------------------------------------------------------------


def test_text_response_fields_and_usage() -> None:
    r = decode_response(result(message("Hi"), provider="OpenAI"))
    assert (r.text, r.id, r.model, r.provider, r.created) == (
        "Hi",
        "gen-1",
        "openai/gpt-5-mini",
        "OpenAI",
        1785882264,
    )
    assert (r.finish_reason, r.native_finish_reason) == ("stop", "completed")
    u = r.usage
    assert (u.input_tokens, u.output_tokens, u.total_tokens) == (100, 40, 140)
    assert (u.cached_tokens, u.cache_write_tokens, u.reasoning_tokens) == (60, 30, 25)
    assert (u.cost, u.is_byok, u.cost_details) == (Decimal("0.0012"), False, {"upstream_inference_cost": 0.0012})
    assert u.raw == USAGE
    assert r.raw is not None and r.raw["provider"] == "OpenAI"


def test_missing_pieces_read_as_zero_or_none() -> None:
    r = decode_response({"output": [message("x")]}, generation_id="gen-header")
    assert (r.text, r.id, r.finish_reason, r.usage.cost, r.usage.total_tokens) == (
        "x",
        "gen-header",
        "stop",
        None,
        0,
    )
    assert decode_usage({"input_tokens": 3, "output_tokens": 4}).total_tokens == 7
    assert decode_usage(None).is_empty


def test_function_calls_become_tool_parts_keyed_by_call_id() -> None:
    r = decode_response(
        result(
            call("call_a", "add", '{"a":1,"b":2}', "fc_tmp_a"),
            call("call_b", "now", "", "fc_tmp_b"),
            call("call_c", "lenient", {"x": 1}),
        )
    )
    a, b, c = r.tool_calls
    assert (a.id, a.name, a.arguments, a.raw_arguments, a.provider_data) == (
        "call_a",
        "add",
        {"a": 1, "b": 2},
        '{"a":1,"b":2}',
        {"item_id": "fc_tmp_a"},
    )
    assert (b.arguments, b.raw_arguments) == ({}, "")
    assert (c.arguments, c.provider_data) == ({"x": 1}, {})
    assert r.finish_reason == "tool_calls"


def test_invalid_arguments_keep_the_raw_string() -> None:
    (part,) = decode_response(result(call("c", "f", '{"a":', "fc_1"))).tool_calls
    assert (part.arguments, part.raw_arguments) == (None, '{"a":')


def test_parts_follow_the_output_order_and_reasoning_keeps_both_forms() -> None:
    r = decode_response(result(REASONING_ITEM, call("call_1", "f", "{}", "fc_1"), message("Done")))
    assert [p.kind for p in r.content.parts] == ["reasoning", "tool", "text"]
    reasoning = r.content.parts[0]
    assert isinstance(reasoning, ReasoningPart)
    assert reasoning.item == REASONING_ITEM
    assert [d["type"] for d in reasoning.details] == [
        "reasoning.summary",
        "reasoning.summary",
        "reasoning.encrypted",
    ]
    assert r.reasoning == "Plan.\n\nCheck."
    assert reasoning.encrypted


def test_several_reasoning_items_are_numbered_in_their_details() -> None:
    second = {**REASONING_ITEM, "id": "rs_2"}
    r = decode_response(result(REASONING_ITEM, message("a"), second))
    indexes = [{d["index"] for d in p.details} for p in r.content.parts if isinstance(p, ReasoningPart)]
    assert indexes == [{0}, {1}]


def test_raw_reasoning_text_is_preferred_over_summaries() -> None:
    item = {
        "id": "rs_tmp_x",
        "type": "reasoning",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": "Step one."}],
        "signature": "sig",
        "format": "anthropic-claude-v1",
    }
    r = decode_response(result(item, message("4")))
    (part,) = [p for p in r.content.parts if isinstance(p, ReasoningPart)]
    assert (part.text, part.signature) == ("Step one.", "sig")
    assert part.details[0]["type"] == "reasoning.text"


def test_annotations_refusals_and_images() -> None:
    citation = {
        "type": "url_citation",
        "url": "https://a.example",
        "title": "A",
        "start_index": 0,
        "end_index": 2,
    }
    msg = message("Hi")
    msg["content"][0]["annotations"] = [citation]
    msg["content"].append({"type": "refusal", "refusal": "I can't help with that."})
    image = {"id": "ig_1", "type": "image_generation_call", "status": "completed", "result": "iVBORw0KGgo="}
    r = decode_response(result(msg, image))
    assert r.annotations == [citation]
    # A refusal is its own part (issue 11): never glued onto the answer's text.
    assert r.text == "Hi"
    assert r.refusal == "I can't help with that."
    (file,) = [p for p in r.content.parts if isinstance(p, FilePart)]
    assert (file.mime_type, file.url) == ("image/png", "data:image/png;base64,iVBORw0KGgo=")


def test_unknown_items_and_content_are_kept_raw_never_fatal() -> None:
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed", "action": {"query": "q"}}
    odd = message("x")
    odd["content"].append({"type": "brand_new", "payload": 1})
    r = decode_response(result(search, odd, "not-an-item", future_field=[1]))
    assert r.text == "x"
    assert r.raw is not None and r.raw["output"][0] == search


@pytest.mark.parametrize(
    ("details", "finish", "native"),
    [
        ({"reason": "max_output_tokens"}, "length", "max_output_tokens"),
        ({"reason": "content_filter"}, "content_filter", "content_filter"),
        (None, "incomplete", "incomplete"),
    ],
)
def test_incomplete_is_a_success_with_the_reason_as_finish(details: Any, finish: str, native: str) -> None:
    # A reasoning model that spends max_output_tokens on thinking returns only a reasoning item (§7).
    r = decode_response(result(REASONING_ITEM, status="incomplete", incomplete_details=details))
    assert (r.finish_reason, r.native_finish_reason, r.text) == (finish, native, "")
    assert r.reasoning == "Plan.\n\nCheck."


def test_failed_status_raises_with_the_partial_and_openrouters_error_type() -> None:
    body = result(
        message("Partial ans", status="incomplete"),
        status="failed",
        error={"code": "server_error", "message": "Provider disconnected"},
        error_type="provider_unavailable",
    )
    with pytest.raises(StreamError) as info:
        decode_response(body)
    error = info.value
    assert type(error) is StreamError
    assert (error.code, error.message, error.status) == ("server_error", "Provider disconnected", 200)
    assert error.error_type == "provider_unavailable"
    assert error.partial is not None
    assert (error.partial.text, error.partial.finish_reason, error.partial.usage.cost) == (
        "Partial ans",
        "error",
        Decimal("0.0012"),
    )
    assert error.generation_id == "gen-1"
    assert error.retryable  # server_error


@pytest.mark.parametrize(
    ("code", "retryable"),
    [(429, True), ("rate_limit_exceeded", True), (400, False), ("invalid_prompt", False)],
)
def test_error_object_in_a_200_body_raises_whatever_the_code_type(code: int | str, retryable: bool) -> None:
    with pytest.raises(StreamError) as info:
        decode_response({"error": {"code": code, "message": "nope", "metadata": {"provider_name": "X"}}})
    assert (info.value.code, info.value.retryable, info.value.provider_name) == (code, retryable, "X")


def test_a_null_or_empty_error_object_is_not_a_failure() -> None:
    assert decode_response(result(message("fine"), error=None)).text == "fine"
    assert decode_response(result(message("fine"), error={})).text == "fine"


def test_cancelled_and_unfinished_responses_are_errors() -> None:
    with pytest.raises(StreamError, match="cancelled"):
        decode_response(result(status="cancelled"))
    with pytest.raises(IncompleteStreamError) as info:
        decode_response(result(message("so far"), status="in_progress"))
    assert info.value.partial is not None and info.value.partial.text == "so far"


@pytest.mark.parametrize("body", [None, [1, 2], "text"])
def test_a_body_that_is_not_an_object_is_a_decode_error(body: Any) -> None:
    with pytest.raises(DecodeError):
        decode_response(body)


# -- stream --------------------------------------------------------------------------------------------------


class Run:
    """Feeds events to a fresh state; keeps every stream event produced (also when it raises)."""

    def __init__(self, **kwargs: Any) -> None:
        self.state = ResponsesStreamState(**kwargs)
        self.events: list[StreamEvent] = []

    def feed(self, *payloads: dict[str, Any] | str) -> Run:
        for payload in payloads:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            self.events.extend(self.state.handle(data))
        return self

    def finish(self) -> ChatResponse:
        return self.state.finish()

    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextChunk))

    def reasoning(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, ReasoningChunk))

    def calls(self) -> list[ToolPart]:
        return [e.part for e in self.events if isinstance(e, ToolCall)]


def ev(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}


def created(**response: Any) -> dict[str, Any]:
    base = {
        "id": "gen-9",
        "object": "response",
        "created_at": 1700,
        "model": "openai/gpt-5",
        "status": "in_progress",
        "output": [],
        "usage": None,
    }
    return ev("response.created", response={**base, **response}, sequence_number=0)


def completed(*output: dict[str, Any], status: str = "completed", **response: Any) -> dict[str, Any]:
    kind = "response.completed" if status == "completed" else "response.incomplete"
    base = {"id": "gen-9", "model": "openai/gpt-5", "status": status, "output": list(output), "usage": USAGE}
    return ev(kind, response={**base, **response})


def text_item_events(item_id: str, index: int, *deltas: str) -> list[dict[str, Any]]:
    text = "".join(deltas)
    where = {"output_index": index, "item_id": item_id, "content_index": 0}
    return [
        ev(
            "response.output_item.added",
            output_index=index,
            item={
                "id": item_id,
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            },
        ),
        ev(
            "response.content_part.added",
            **where,
            part={"type": "output_text", "text": "", "annotations": []},
        ),
        *[ev("response.output_text.delta", **where, delta=d) for d in deltas],
        ev("response.output_text.done", **where, text=text),
        ev(
            "response.content_part.done",
            **where,
            part={"type": "output_text", "text": text, "annotations": []},
        ),
        ev("response.output_item.done", output_index=index, item=message(text, item_id)),
    ]


def test_text_stream_yields_chunks_then_the_final_response() -> None:
    run = Run().feed(
        created(), *text_item_events("msg_1", 0, "Hel", "lo ", "🌍"), completed(message("Hello 🌍", "msg_1"))
    )
    r = run.finish()
    assert [type(e) for e in run.events] == [TextChunk, TextChunk, TextChunk]
    assert run.text() == r.text == "Hello 🌍"
    assert (r.id, r.model, r.created, r.finish_reason, r.usage.cost) == (
        "gen-9",
        "openai/gpt-5",
        1700,
        "stop",
        Decimal("0.0012"),
    )
    assert r.raw is not None and r.raw["status"] == "completed"


def test_items_can_finish_out_of_order() -> None:
    # Real capture (reference §8.1): the reasoning item (index 0) closes after the message (index 1).
    run = Run().feed(
        created(),
        ev(
            "response.output_item.added",
            output_index=0,
            item={"id": "rs_1", "type": "reasoning", "summary": []},
        ),
        ev(
            "response.content_part.added",
            output_index=0,
            item_id="rs_1",
            content_index=0,
            part={"type": "reasoning_text", "text": ""},
        ),
        ev("response.reasoning_text.delta", output_index=0, item_id="rs_1", content_index=0, delta="Think"),
        *text_item_events("msg_1", 1, "Ans", "wer"),
        ev("response.reasoning_text.delta", output_index=0, item_id="rs_1", content_index=0, delta="ing."),
        ev("response.reasoning_text.done", output_index=0, item_id="rs_1", content_index=0, text="Thinking."),
        ev(
            "response.output_item.done",
            output_index=0,
            item={
                "id": "rs_1",
                "type": "reasoning",
                "summary": [],
                "content": [{"type": "reasoning_text", "text": "Thinking."}],
            },
        ),
        completed(),
    )
    r = run.finish()
    assert [p.kind for p in r.content.parts] == ["reasoning", "text"]
    assert (r.reasoning, r.text) == ("Thinking.", "Answer")
    assert (run.reasoning(), run.text()) == ("Thinking.", "Answer")


def test_parallel_calls_interleaved_and_finishing_out_of_order() -> None:
    def added(index: int, n: str) -> dict[str, Any]:
        item = {
            "id": f"fc_{n}",
            "type": "function_call",
            "status": "in_progress",
            "call_id": f"call_{n}",
            "name": f"f{n}",
            "arguments": "",
        }
        return ev("response.output_item.added", output_index=index, item=item)

    def delta(index: int, n: str, text: str) -> dict[str, Any]:
        return ev("response.function_call_arguments.delta", output_index=index, item_id=f"fc_{n}", delta=text)

    def done(index: int, n: str, args: str) -> list[dict[str, Any]]:
        return [
            ev(
                "response.function_call_arguments.done",
                output_index=index,
                item_id=f"fc_{n}",
                name=f"f{n}",
                arguments=args,
            ),
            ev(
                "response.output_item.done",
                output_index=index,
                item=call(f"call_{n}", f"f{n}", args, f"fc_{n}"),
            ),
        ]

    run = Run().feed(
        created(),
        added(0, "a"),
        added(1, "b"),
        delta(0, "a", '{"x":'),
        delta(1, "b", '{"y":2}'),
        *done(1, "b", '{"y":2}'),
        delta(0, "a", "1}"),
        *done(0, "a", '{"x":1}'),
        completed(call("call_a", "fa", '{"x":1}', "fc_a"), call("call_b", "fb", '{"y":2}', "fc_b")),
    )
    r = run.finish()
    # One ToolCall per call, in completion order, never repeated by output_item.done or the terminal event.
    assert [(p.id, p.arguments) for p in run.calls()] == [("call_b", {"y": 2}), ("call_a", {"x": 1})]
    # The response lists them in output order, sharing the parts handed out in the events.
    assert [p.id for p in r.tool_calls] == ["call_a", "call_b"]
    assert r.tool_calls[0] is run.calls()[1]
    assert r.finish_reason == "tool_calls"
    chunks = [e for e in run.events if isinstance(e, ToolCallChunk)]
    assert [(c.index, c.id, c.arguments_delta) for c in chunks] == [
        (0, "call_a", ""),
        (1, "call_b", ""),
        (0, "call_a", '{"x":'),
        (1, "call_b", '{"y":2}'),
        (0, "call_a", "1}"),
    ]


def test_a_call_only_announced_by_output_item_done_still_yields_one_tool_call() -> None:
    run = Run().feed(
        created(),
        ev("response.output_item.done", output_index=0, item=call("call_z", "z", '{"k":true}', "fc_z")),
        completed(),
    )
    assert [(p.id, p.arguments) for p in run.calls()] == [("call_z", {"k": True})]
    assert run.finish().tool_calls[0].provider_data == {"item_id": "fc_z"}


def test_arguments_done_without_deltas_fills_in_the_chunks() -> None:
    run = Run().feed(
        created(),
        ev(
            "response.output_item.added",
            output_index=0,
            item={"id": "fc_1", "type": "function_call", "call_id": "c1", "name": "f", "arguments": ""},
        ),
        ev("response.function_call_arguments.done", output_index=0, item_id="fc_1", arguments='{"a":1}'),
        completed(),
    )
    chunks = [e.arguments_delta for e in run.events if isinstance(e, ToolCallChunk)]
    assert "".join(chunks) == '{"a":1}'
    assert run.finish().tool_calls[0].arguments == {"a": 1}


def test_summary_parts_stream_as_reasoning_with_separators() -> None:
    where = {"output_index": 0, "item_id": "rs_1"}
    final = {**REASONING_ITEM}
    run = Run().feed(
        created(),
        ev(
            "response.output_item.added",
            output_index=0,
            item={"id": "rs_1", "type": "reasoning", "summary": []},
        ),
        ev(
            "response.reasoning_summary_part.added",
            **where,
            summary_index=0,
            part={"type": "summary_text", "text": ""},
        ),
        ev("response.reasoning_summary_text.delta", **where, summary_index=0, delta="Pl"),
        ev("response.reasoning_summary_text.delta", **where, summary_index=0, delta="an."),
        ev("response.reasoning_summary_text.done", **where, summary_index=0, text="Plan."),
        ev(
            "response.reasoning_summary_part.added",
            **where,
            summary_index=1,
            part={"type": "summary_text", "text": ""},
        ),
        ev("response.reasoning_summary_text.delta", **where, summary_index=1, delta="Check."),
        ev(
            "response.reasoning_summary_part.done",
            **where,
            summary_index=1,
            part={"type": "summary_text", "text": "Check."},
        ),
        ev("response.output_item.done", output_index=0, item=final),
        completed(final),
    )
    r = run.finish()
    assert run.reasoning() == r.reasoning == "Plan.\n\nCheck."
    (part,) = r.content.parts
    assert isinstance(part, ReasoningPart) and part.item == final


def test_text_that_arrives_only_whole_is_still_chunked() -> None:
    # No deltas: the done item (or only the terminal response) carries the text.
    run = Run().feed(
        created(),
        ev("response.output_item.done", output_index=0, item=message("Whole.", "msg_a")),
        completed(
            message("Whole.", "msg_a"),
            message("Terminal only.", "msg_b"),
            REASONING_ITEM,
            call("call_t", "t", "{}", "fc_t"),
        ),
    )
    r = run.finish()
    assert run.text() == r.text == "Whole.Terminal only."
    assert run.reasoning() == r.reasoning == "Plan.\n\nCheck."
    assert [p.id for p in run.calls()] == ["call_t"]


def test_the_terminal_copy_wins_over_deltas_when_no_done_item_came() -> None:
    run = Run().feed(
        created(),
        ev(
            "response.output_item.added",
            output_index=0,
            item={"id": "msg_1", "type": "message", "role": "assistant", "content": []},
        ),
        ev("response.output_text.delta", output_index=0, item_id="msg_1", content_index=0, delta="Hel"),
        completed(message("Hello", "msg_1")),
    )
    assert run.finish().text == "Hello"
    assert run.text() == "Hello"


def test_refusals_and_annotations_stream() -> None:
    citation = {
        "type": "url_citation",
        "url": "https://a.example",
        "title": "A",
        "start_index": 0,
        "end_index": 1,
    }
    where = {"output_index": 0, "item_id": "msg_1"}
    run = Run().feed(
        created(),
        ev(
            "response.output_item.added",
            output_index=0,
            item={"id": "msg_1", "type": "message", "content": []},
        ),
        ev("response.output_text.delta", **where, content_index=0, delta="A"),
        ev(
            "response.output_text.annotation.added",
            **where,
            content_index=0,
            annotation_index=0,
            annotation=citation,
        ),
        ev(
            "response.output_text.annotation.added",
            **where,
            content_index=0,
            annotation_index=0,
            annotation=citation,
        ),
        ev("response.refusal.delta", **where, content_index=1, delta="No."),
        ev("response.refusal.done", **where, content_index=1, refusal="No."),
        completed(),
    )
    r = run.finish()
    assert run.text() == r.text == "A"
    assert "".join(e.text for e in run.events if isinstance(e, RefusalChunk)) == r.refusal == "No."
    assert r.annotations == [citation]


def test_incomplete_stream_ends_with_length() -> None:
    run = Run().feed(
        created(),
        *text_item_events("msg_1", 0, "cut"),
        completed(status="incomplete", incomplete_details={"reason": "max_output_tokens"}),
    )
    r = run.finish()
    assert (r.finish_reason, r.native_finish_reason, r.text) == ("length", "max_output_tokens", "cut")


def test_unknown_events_and_payloads_are_ignored() -> None:
    run = Run().feed(
        created(),
        ev("response.keep_alive"),
        ev("keepalive"),
        ev("response.debug", debug={"x": 1}),
        ev("response.web_search_call.searching", output_index=0, item_id="ws_1"),
        ev("response.something_new", output_index=0, delta="???"),
        "[1, 2]",
        '"just a string"',
        *text_item_events("msg_1", 1, "ok"),
        completed(),
        # After the terminal event the response is whole: trailing events, even errors, change nothing.
        ev("response.output_text.delta", output_index=1, item_id="msg_1", content_index=0, delta=" late"),
        ev("error", error={"code": 500, "message": "late noise"}),
    )
    r = run.finish()
    assert (r.text, run.text()) == ("ok", "ok")


def test_a_stream_without_a_terminal_event_is_an_error_not_an_empty_success() -> None:
    run = Run().feed(created(), *text_item_events("msg_1", 0, "half an ans")[:-1])
    with pytest.raises(IncompleteStreamError) as info:
        run.finish()
    assert info.value.partial is not None
    assert (info.value.partial.text, info.value.partial.finish_reason) == ("half an ans", None)
    assert info.value.generation_id == "gen-9"
    with pytest.raises(IncompleteStreamError):
        Run().finish()


def test_response_failed_raises_with_partial_usage_and_error_type() -> None:
    failed = ev(
        "response.failed",
        response={
            "id": "gen-9",
            "status": "failed",
            "error": {"code": "server_error", "message": "Internal server error"},
            "error_type": "server",
            "output": [],
            "usage": USAGE,
        },
    )
    run = Run().feed(created(), *text_item_events("msg_1", 0, "Par", "tial")[:4])
    with pytest.raises(StreamError) as info:
        run.feed(failed)
    error = info.value
    assert (error.code, error.message, error.error_type) == (
        "server_error",
        "Internal server error",
        "server",
    )
    assert error.partial is not None
    assert (error.partial.text, error.partial.finish_reason, error.partial.usage.cost) == (
        "Partial",
        "error",
        Decimal("0.0012"),
    )
    assert error.received_output


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (
            ev("error", error={"code": "invalid_api_key", "message": "Invalid API key provided"}),
            "invalid_api_key",
        ),
        (
            ev("response.error", error={"code": "rate_limit_exceeded", "message": "Rate limit exceeded"}),
            "rate_limit_exceeded",
        ),
        (ev("error", code="server_error", message="boom", param=None, sequence_number=3), "server_error"),
        (ev("error", code=429, message="Rate limited"), 429),
        (ev("error", code=None, message="no code"), None),
    ],
)
def test_error_events_nested_or_flat_raise_with_the_partial(
    payload: dict[str, Any], code: int | str | None
) -> None:
    run = Run().feed(created(), *text_item_events("msg_1", 0, "so far")[:3])
    with pytest.raises(StreamError) as info:
        run.feed(payload)
    assert info.value.code == code
    assert info.value.partial is not None and info.value.partial.text == "so far"


def test_invalid_json_is_a_decode_error_with_the_partial() -> None:
    run = Run().feed(created(), *text_item_events("msg_1", 0, "abc")[:3])
    with pytest.raises(DecodeError) as info:
        run.feed("{not json")
    assert info.value.partial is not None and info.value.partial.text == "abc"


def test_output_items_are_bounded() -> None:
    run = Run(max_output_items=2)
    run.feed(created(), *text_item_events("m0", 0, "a"), *text_item_events("m1", 1, "b"))
    with pytest.raises(DecodeError, match="more than 2 output items"):
        run.feed(*text_item_events("m2", 2, "c"))


def test_snapshot_mid_stream_does_not_freeze_a_call_in_progress() -> None:
    run = Run().feed(
        created(),
        ev(
            "response.output_item.added",
            output_index=0,
            item={"id": "fc_1", "type": "function_call", "call_id": "c1", "name": "f", "arguments": ""},
        ),
        ev("response.function_call_arguments.delta", output_index=0, item_id="fc_1", delta='{"a"'),
    )
    (part,) = run.state.snapshot().tool_calls
    assert (part.raw_arguments, part.arguments) == ('{"a"', None)
    run.feed(ev("response.function_call_arguments.delta", output_index=0, item_id="fc_1", delta=":1}"))
    assert run.state.snapshot().tool_calls[0].arguments == {"a": 1}
    assert not run.calls()


def test_text_part_values_match_the_non_stream_decoder() -> None:
    final = result(REASONING_ITEM, message("Hi"), call("call_1", "f", '{"q":1}', "fc_1"))
    run = Run().feed(created(id="gen-1", created_at=1785882264, model="openai/gpt-5-mini"))
    for index, item in enumerate(final["output"]):
        run.feed(
            ev("response.output_item.added", output_index=index, item=item),
            ev("response.output_item.done", output_index=index, item=item),
        )
    run.feed(ev("response.completed", response=final))
    streamed, direct = run.finish(), decode_response(final)
    assert streamed.content == direct.content
    assert (streamed.usage, streamed.finish_reason, streamed.id) == (
        direct.usage,
        direct.finish_reason,
        direct.id,
    )
    assert isinstance(streamed.content.parts[1], TextPart)


def test_provider_falls_back_to_the_x_provider_name_header() -> None:
    import httpx2

    from chat_openrouter import OpenRouterBuilder, messages

    body = {
        "id": "gen-1", "object": "response", "status": "completed", "model": "openai/gpt-4o",
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": "hi", "annotations": []}]}],
    }
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=body, headers={"X-Provider-Name": "OpenAI"}))
    client = OpenRouterBuilder().with_api_key("sk-or-test").with_transport(transport).build()
    response = client.complete_sync(messages.from_user("hi"))
    assert response.provider == "OpenAI" and response.text == "hi"
