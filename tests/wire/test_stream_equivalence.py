"""Streamed == non-streamed, on both wires, for any answer OpenRouter can give (issue 11 items 2-3).

For a drawn final answer (:mod:`._synth`: any mix of message / reasoning / function_call items, ids that
change between the stream and the terminal copy or go missing, arguments in pieces, whole or only in the
terminal copy, ``output_item.done`` present or missing, keep-alives anywhere; Chat chunks in both usage
layouts, reasoning and details in parallel, refusals, logprobs), the SSE stream OpenRouter would send is
replayed through the public streaming API and the JSON body through the non-streaming one, on a mock
transport. The two responses must be equal -- every part (text, refusal, reasoning with its signature and
item, tool calls with their final arguments), usage, cost, finish reason, metadata, logprobs -- and the
stream's events must add up to it: the chunks to the text, refusal and reasoning, exactly one ToolCall
per call with its final arguments, sharing the response's part.

This is the property that keeps the class of bug of issue 11 out: matching the terminal copies only by
id returned two tool calls (one with ``{}``) and reasoning twice (unsigned, then signed).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_openrouter import messages
from chat_openrouter.core.events import ReasoningChunk, RefusalChunk, StreamEvent, TextChunk, ToolCall
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from fuzz._budget import BUDGETS, fuzz_settings

from . import _replay
from ._replay import comparable
from ._synth import Case, chat_case, responses_case

CALL: _replay.Call = (messages.from_user("What is the weather in Paris?"), None, None)
WIRES: dict[str, tuple[Callable[[], OpenRouterBuilder], st.SearchStrategy[Case]]] = {
    "responses": (OpenRouterBuilder, responses_case()),
    "completions": (lambda: OpenRouterBuilder().with_completions(), chat_case()),
}


def replay_both(wire: str, case: Case, mode: str) -> tuple[ChatResponse, list[StreamEvent], ChatResponse]:
    builder = WIRES[wire][0]
    events: list[StreamEvent] = []
    streaming = _replay.serve(builder(), case.sse, headers={"content-type": "text/event-stream"})
    streamed = _replay.stream(streaming, mode, CALL, events)
    body = json.dumps(case.body, ensure_ascii=False).encode()
    plain = _replay.complete(
        _replay.serve(builder(), body, headers={"content-type": "application/json"}), mode, CALL
    )
    return streamed, events, plain


def assert_equivalent(wire: str, case: Case, mode: str) -> None:
    streamed, events, plain = replay_both(wire, case, mode)
    assert comparable(streamed) == comparable(plain)

    # The events add up to the response.
    assert "".join(e.text for e in events if isinstance(e, TextChunk)) == streamed.text
    assert "".join(e.text for e in events if isinstance(e, RefusalChunk)) == (streamed.refusal or "")
    assert "".join(e.text for e in events if isinstance(e, ReasoningChunk)) == streamed.reasoning
    calls = [e.part for e in events if isinstance(e, ToolCall)]
    assert Counter(p.id for p in calls) == Counter(p.id for p in streamed.tool_calls)
    assert all(n == 1 for n in Counter(p.id for p in calls).values()), "one ToolCall per call"
    final = {p.id: p for p in streamed.tool_calls}
    for part in calls:
        assert part is final[part.id], "the ToolCall event carries the response's own part"
        assert part.raw_arguments == final[part.id].raw_arguments
    if case.logprobs_streamed:
        assert [lp for e in events if isinstance(e, TextChunk) for lp in e.logprobs] == streamed.logprobs

    # raw: the terminal response (Responses) / the chunks merged into one chat.completion (Chat).
    assert streamed.raw is not None
    if wire == "responses":
        assert streamed.raw == case.body
    else:
        assert streamed.raw["usage"] == case.body["usage"]
        assert streamed.raw["object"] == "chat.completion"
        for key in ("id", "model", "provider", "system_fingerprint", "service_tier"):
            assert streamed.raw.get(key) == case.body.get(key)


@pytest.mark.parametrize("wire", list(WIRES))
@pytest.mark.parametrize("examples", BUDGETS)
def test_streamed_response_equals_the_non_streamed_decode(wire: str, examples: int) -> None:
    @fuzz_settings(examples)
    @given(case=WIRES[wire][1], mode=st.sampled_from(_replay.MODES))
    def prop(case: Case, mode: str) -> None:
        assert_equivalent(wire, case, mode)

    prop()
