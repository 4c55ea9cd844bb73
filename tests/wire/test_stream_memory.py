"""Stream accumulation is O(text): a state keeps no object per chunk (performance; issues 11 and 18).

Not timed: the tests count the objects a state keeps alive and the bytes it retains. With fragments
joined as they come, feeding ten times more deltas must not retain more objects -- only the text grows
-- and the bytes retained per chunk stay within twice the text. Before, every delta was kept in a list,
twice (once for the text, once for what had been emitted); then in an ``io.StringIO``, which on Python
3.11 keeps the strings written to it until 100,000 of them (~60 bytes per chunk, bench/ stream_memory).
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable, Iterator
from types import FunctionType, ModuleType
from typing import Any

import pytest

from chat_openrouter.core.stream import StreamState
from chat_openrouter.wire.common.text import FOLD
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
    small, large = fed(wire, 2_000), fed(wire, 20_000)
    # Ten times the chunks: at most the fragments still waiting to be folded into a block (FOLD per
    # buffer, three buffers) and a few more blocks (their number grows with the log of the text).
    assert reachable(large) - reachable(small) <= 3 * FOLD + 30, "objects retained grow with the chunks"
    # ... while nothing is lost: the whole text is there.
    assert large.snapshot().text == "".join(f"w{i} " for i in range(20_000))
    assert large.snapshot().tool_calls[0].raw_arguments.count("1") == 20_000


# A curly quote in the first delta: one such character makes a Python str take 2 bytes per character for
# all of its text (PEP 393), which a buffer of str blocks would pay on the whole answer.
@pytest.mark.parametrize("first", ["word", "\u2019"])
@pytest.mark.parametrize("wire", list(WIRES))
def test_state_memory_follows_the_text(wire: str, first: str) -> None:
    """Bytes retained per chunk stay well within twice the text a chunk brings, in UTF-8 (issue 18's
    target: 2x), counted by tracemalloc between two points of one stream (what is common to both reads
    cancels out)."""
    state = WIRES[wire][0]()
    word = "word"
    size = len(word.encode())
    reads = 0
    marks: list[int] = []
    tracemalloc.start()
    try:
        for n, data in enumerate(text_only(wire, 20_000, word, first)):
            state.handle(data)
            if n in (5_000, 20_000):
                marks.append(tracemalloc.get_traced_memory()[0])
            reads = n
    finally:
        tracemalloc.stop()
    assert reads == 20_000 and len(marks) == 2
    per_chunk = (marks[1] - marks[0]) / 15_000
    assert per_chunk <= 1.5 * size, f"{per_chunk:.1f} bytes retained per {size}-byte chunk"
    assert state.snapshot().text == first + word * (19_999 if wire == "responses" else 20_000)


def text_only(wire: str, n: int, word: str = "word", first: str = "word") -> Iterator[str]:
    """A plain answer of ``n`` (+ 1 on Completions) text deltas, the first one ``first``."""
    if wire == "completions":
        head = {"id": "gen-1", "model": "m", "object": "chat.completion.chunk"}
        for i in range(n + 1):
            yield json.dumps({**head, "choices": [{"index": 0, "delta": {"content": first if i == 0 else word}}]})
    else:
        yield json.dumps({"type": "response.output_item.added", "output_index": 0, "item": {"id": "m", "type": "message"}})
        for i in range(n):
            yield json.dumps(
                {"type": "response.output_text.delta", "output_index": 0, "item_id": "m", "content_index": 0,
                 "delta": first if i == 0 else word}
            )
