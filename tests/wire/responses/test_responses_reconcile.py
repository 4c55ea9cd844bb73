"""The terminal response is authoritative: how streamed items meet their terminal copies (issue 11 item 2).

The first two tests are the real cases issue 11 reports (traffic recorded by other projects): a
``function_call`` streamed with ``arguments: ""`` whose terminal copy has the arguments but no ``id``, and
a reasoning item streamed as ``rs_tmp_…`` whose terminal copy has another id and alone carries
``signature``/``format``. The rest pin each matching rule: same id; else same ``output_index`` and type;
else a function call by ``call_id``; else the position among items of that type.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chat_openrouter.core.events import ReasoningChunk, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from chat_openrouter.core.parts import ReasoningPart, ToolPart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.wire.responses.codec import ResponsesStreamState, decode_response

GEN = "gen-1785882271-2B3yJ6vpOkI3nf9dZb6k"


def ev(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}


def response(status: str = "completed", output: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": GEN,
        "object": "response",
        "created_at": 1785882271,
        "model": "openai/gpt-5-mini",
        "status": status,
        "output": output or [],
        "error": None,
        "incomplete_details": None,
        "usage": {"input_tokens": 42, "output_tokens": 12, "total_tokens": 54, "cost": 0.000036},
    }


def run(*payloads: dict[str, Any]) -> tuple[ChatResponse, list[StreamEvent]]:
    state = ResponsesStreamState()
    events: list[StreamEvent] = []
    for payload in payloads:
        events.extend(state.handle(json.dumps(payload)))
    return state.finish(), events


def calls(events: list[StreamEvent]) -> list[ToolPart]:
    return [e.part for e in events if isinstance(e, ToolCall)]


ARGS = '{"city":"Paris","unit":"celsius"}'
FINAL_CALL = {
    "type": "function_call",
    "status": "completed",
    "call_id": "call_faKQ4JI18zZQE2oynAbvwip4",
    "name": "get_weather",
    "arguments": ARGS,
}


def test_a_call_whose_arguments_come_only_in_the_terminal_copy_without_an_id_is_one_call() -> None:
    added = {**FINAL_CALL, "id": "fc_tmp_blm40ohabq8", "status": "in_progress", "arguments": ""}
    streamed, events = run(
        ev("response.created", response=response("in_progress")),
        ev("response.output_item.added", output_index=0, item=added),
        ev("response.output_item.done", output_index=0, item={**added, "status": "completed"}),
        ev("response.completed", response=response(output=[FINAL_CALL])),  # no `id`, real arguments
    )
    (call,) = streamed.tool_calls
    assert (call.id, call.raw_arguments, call.arguments) == (FINAL_CALL["call_id"], ARGS, json.loads(ARGS))
    # One ToolCall, with the final arguments (not the `{}` the streamed copy implied), and it is the
    # response's own part.
    (event_part,) = calls(events)
    assert event_part is call and event_part.raw_arguments == ARGS
    # The chunks still add up to the arguments.
    assert "".join(e.arguments_delta for e in events if isinstance(e, ToolCallChunk)) == ARGS
    # Exactly what the non-streamed body decodes to.
    assert streamed.content.parts == decode_response(response(output=[FINAL_CALL])).content.parts
    assert streamed.finish_reason == "tool_calls"


def test_a_reasoning_item_whose_id_changes_and_only_the_terminal_copy_is_signed_is_one_signed_part() -> None:
    final = {
        "id": "rs_067d9e9761f303d7016a726846",
        "type": "reasoning",
        "status": "completed",
        "summary": [{"type": "summary_text", "text": "Weighing Paris."}],
        "encrypted_content": "gAAAAABqcmhGUY8i3WwdW.eyJlbmRwb2ludF9zbHVnIjoieCJ9",
        "signature": "EtYBCkgIChACGAIqQA2s7h7",
        "format": "anthropic-claude-v1",
    }
    tmp = {"id": "rs_tmp_5ohq1ciuk2", "type": "reasoning", "status": "in_progress", "summary": []}
    where = {"output_index": 0, "item_id": "rs_tmp_5ohq1ciuk2"}
    streamed, events = run(
        ev("response.created", response=response("in_progress")),
        ev("response.output_item.added", output_index=0, item=tmp),
        ev("response.reasoning_summary_part.added", **where, summary_index=0, part={"type": "summary_text"}),
        ev("response.reasoning_summary_text.delta", **where, summary_index=0, delta="Weighing "),
        ev("response.reasoning_summary_text.delta", **where, summary_index=0, delta="Paris."),
        ev(
            "response.output_item.done",
            output_index=0,
            item={**tmp, "status": "completed", "summary": final["summary"]},
        ),
        ev("response.completed", response=response(output=[final])),
    )
    (part,) = [p for p in streamed.content.parts if isinstance(p, ReasoningPart)]
    assert part.item == final, "the terminal copy wins: its id, signature, format and encrypted content"
    assert (part.signature, part.text, part.encrypted) == (final["signature"], "Weighing Paris.", True)
    assert "".join(e.text for e in events if isinstance(e, ReasoningChunk)) == "Weighing Paris."
    assert streamed.content.parts == decode_response(response(output=[final])).content.parts


def test_items_with_the_same_id_pair_even_at_another_output_index() -> None:
    message = {"id": "msg_1", "type": "message", "content": [{"type": "output_text", "text": "Hi"}]}
    streamed, events = run(
        ev("response.output_item.added", output_index=3, item={**message, "content": []}),
        ev("response.output_text.delta", output_index=3, item_id="msg_1", content_index=0, delta="Hi"),
        ev("response.completed", response=response(output=[message])),
    )
    assert streamed.text == "Hi"
    assert "".join(e.text for e in events if isinstance(e, TextChunk)) == "Hi"


def test_a_call_pairs_by_call_id_when_ids_and_indexes_disagree() -> None:
    first = {**FINAL_CALL, "call_id": "call_A", "arguments": "{}"}
    second = {**FINAL_CALL, "call_id": "call_B", "arguments": '{"x":1}'}
    streamed, events = run(
        # call_B streams at index 0, but the terminal response lists call_A first: pairing by index
        # would merge two different calls.
        ev("response.output_item.added", output_index=0, item={**second, "id": "fc_tmp_b", "arguments": ""}),
        ev("response.function_call_arguments.delta", output_index=0, item_id="fc_tmp_b", delta='{"x":1}'),
        ev("response.completed", response=response(output=[first, second])),
    )
    assert [(c.id, c.raw_arguments) for c in streamed.tool_calls] == [("call_A", "{}"), ("call_B", '{"x":1}')]
    assert sorted(p.id for p in calls(events)) == ["call_A", "call_B"]


def test_items_pair_by_position_among_their_type_when_nothing_else_matches() -> None:
    # A server-tool item the stream never showed shifts every index of the terminal output.
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed"}
    final = {"id": "msg_final", "type": "message", "content": [{"type": "output_text", "text": "Found."}]}
    streamed, _ = run(
        ev("response.output_item.added", output_index=0, item={"id": "msg_tmp", "type": "message"}),
        ev("response.output_text.delta", output_index=0, item_id="msg_tmp", content_index=0, delta="Found."),
        ev("response.completed", response=response(output=[search, final])),
    )
    assert streamed.text == "Found."  # once, not "Found.Found."


def test_tool_call_waits_for_output_item_done_and_fires_once() -> None:
    added = {**FINAL_CALL, "id": "fc_tmp_1", "arguments": ""}
    where = {"output_index": 0, "item_id": "fc_tmp_1"}
    state = ResponsesStreamState()

    def feed(payload: dict[str, Any]) -> list[StreamEvent]:
        return state.handle(json.dumps(payload))

    feed(ev("response.output_item.added", output_index=0, item=added))
    assert not calls(feed(ev("response.function_call_arguments.delta", **where, delta=ARGS)))
    assert not calls(feed(ev("response.function_call_arguments.done", **where, arguments=ARGS)))
    (part,) = calls(feed(ev("response.output_item.done", output_index=0, item={**added, "arguments": ARGS})))
    assert part.raw_arguments == ARGS
    assert not calls(feed(ev("response.completed", response=response(output=[{**FINAL_CALL, "id": "fc_tmp_1"}]))))
    assert state.finish().tool_calls == [part] and state.finish().tool_calls[0] is part


def test_a_streamed_item_the_terminal_response_omits_is_kept() -> None:
    streamed, _ = run(
        ev("response.output_item.added", output_index=0, item={"id": "msg_1", "type": "message"}),
        ev("response.output_text.delta", output_index=0, item_id="msg_1", content_index=0, delta="Kept"),
        ev("response.completed", response=response(output=[])),
    )
    assert streamed.text == "Kept"


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_a_failed_terminal_response_still_reconciles_the_partial(status: str) -> None:
    from chat_openrouter.errors import StreamError

    state = ResponsesStreamState()
    state.handle(json.dumps(ev("response.output_item.added", output_index=0, item={"id": "rs_tmp", "type": "reasoning"})))
    state.handle(json.dumps(ev("response.reasoning_summary_text.delta", output_index=0, item_id="rs_tmp", delta="Hm")))
    final = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "Hm"}], "signature": "s"}
    with pytest.raises(StreamError) as raised:
        state.handle(json.dumps(ev("response.failed", response={**response(status, [final]), "error": {"code": "server_error", "message": "x"}})))
    partial = raised.value.partial
    assert partial is not None
    assert [p.signature for p in partial.content.parts if isinstance(p, ReasoningPart)] == ["s"]
