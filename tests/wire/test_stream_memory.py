"""Stream accumulation is O(text): a state keeps no object per chunk (performance issue; issue 11).

Not timed: the test counts the objects a state keeps alive. With fragments joined as they come, feeding
ten times more deltas must not retain more objects -- only the text (in one buffer) grows. Before,
every delta was kept in a list, twice (once for the text, once for what had been emitted).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from types import FunctionType, ModuleType
from typing import Any

import pytest

from chat_openrouter.core.stream import StreamState
from chat_openrouter.wire.completions.codec import CompletionsStreamState
from chat_openrouter.wire.responses.codec import ResponsesStreamState


def reachable(root: object) -> int:
    """How many objects ``root`` keeps alive (its own graph; classes, modules and functions excluded, and
    numbers, whose identity depends on their value: CPython shares small ints)."""
    seen: set[int] = set()
    stack = [root]
    count = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, ModuleType, FunctionType)):
            continue
        seen.add(id(obj))
        count += not isinstance(obj, (int, float))
        stack.extend(gc.get_referents(obj))
    return count


def chat_stream(n: int) -> Iterator[str]:
    head = {"id": "gen-1", "model": "m", "object": "chat.completion.chunk"}
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}
    yield json.dumps({**head, "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]})
    for i in range(n):
        delta = {
            "content": f"w{i} ",
            "reasoning": "r",
            "reasoning_details": [{"type": "reasoning.text", "text": "r", "index": 0}],
            "tool_calls": [{"index": 0, "function": {"arguments": "1"}}],
        }
        yield json.dumps({**head, "choices": [{"index": 0, "delta": delta, "logprobs": None}]})


def responses_stream(n: int) -> Iterator[str]:
    yield json.dumps({"type": "response.output_item.added", "output_index": 0, "item": {"id": "rs", "type": "reasoning"}})
    yield json.dumps({"type": "response.output_item.added", "output_index": 1, "item": {"id": "msg", "type": "message"}})
    yield json.dumps({"type": "response.output_item.added", "output_index": 2, "item": {"id": "fc", "type": "function_call", "call_id": "c"}})
    for i in range(n):
        yield json.dumps({"type": "response.reasoning_summary_text.delta", "output_index": 0, "item_id": "rs", "delta": "r"})
        yield json.dumps({"type": "response.output_text.delta", "output_index": 1, "item_id": "msg", "content_index": 0, "delta": f"w{i} ", "logprobs": []})
        yield json.dumps({"type": "response.function_call_arguments.delta", "output_index": 2, "item_id": "fc", "delta": "1"})


WIRES: dict[str, tuple[Callable[[], StreamState], Callable[[int], Iterator[str]]]] = {
    "completions": (CompletionsStreamState, chat_stream),
    "responses": (ResponsesStreamState, responses_stream),
}


def fed(wire: str, n: int) -> Any:
    new_state, payloads = WIRES[wire]
    state = new_state()
    for data in payloads(n):
        state.handle(data)
    return state


@pytest.mark.parametrize("wire", list(WIRES))
def test_state_keeps_no_object_per_chunk(wire: str) -> None:
    small, large = fed(wire, 100), fed(wire, 2000)
    assert reachable(large) == reachable(small), "objects retained grow with the number of chunks"
    # ... while nothing is lost: the whole text is there.
    assert large.snapshot().text == "".join(f"w{i} " for i in range(2000))
    assert large.snapshot().tool_calls[0].raw_arguments.count("1") == 2000
