"""The stream codecs' text-delta fast path gives exactly what the general, stdlib-parsed path gives.

Both stream states parse the short text deltas that make up nearly every event with
``_json.loads_unchecked`` (orjson without the checks that keep ``_json.loads`` identical to the
stdlib) and read only what any parser reads alike; everything else is parsed again, exactly. These
streams put what orjson reads differently -- integers of 20+ digits, where they are read and where they
are not -- into every kind of event; each must decode to the same events and the same response as with
the stdlib's ``json.loads`` everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chat_openrouter import _json
from chat_openrouter.core.stream import StreamState
from chat_openrouter.wire.completions.codec import CompletionsStreamState
from chat_openrouter.wire.responses.codec import ResponsesStreamState

from ._replay import comparable

HUGE = 10**25 + 1  # orjson reads it as a float, the stdlib as an exact int


def chat(*chunks: dict[str, Any]) -> list[str]:
    head = {"id": "gen-1", "object": "chat.completion.chunk", "model": "m", "created": 1}
    return [json.dumps({**head, **chunk}) for chunk in chunks]


def text(content: str, **extra: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": content}, **extra}]}


CHAT_STREAMS = {
    "plain": chat(text("Hel"), text("lo"), {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
    "huge created on a text chunk": chat(text("a"), {**text("b"), "created": HUGE}, text("c", finish_reason="stop")),
    "huge usage": chat(text("a"), {"choices": [], "usage": {"prompt_tokens": HUGE, "completion_tokens": 1}}),
    "huge index": chat(text("a"), {"choices": [{"index": HUGE, "delta": {"content": "x"}}]}, text("b")),
    "huge metadata field": chat(text("a"), {**text("b"), "system_fingerprint": HUGE}),
    "role on the first chunk": chat({"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]}),
    "logprobs": chat(text("a", logprobs={"content": [{"token": "a", "logprob": -HUGE, "bytes": [97]}]})),
}


def responses(*events: dict[str, Any]) -> list[str]:
    opened = [
        {"type": "response.created", "response": {"id": "resp_1", "model": "m", "created_at": 1}},
        {"type": "response.output_item.added", "output_index": 0, "item": {"id": "msg_1", "type": "message"}},
        {"type": "response.content_part.added", "output_index": 0, "item_id": "msg_1", "content_index": 0,
         "part": {"type": "output_text", "text": ""}},
    ]
    return [json.dumps(event) for event in (*opened, *events)]


def delta(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "response.output_text.delta", "output_index": 0, "item_id": "msg_1", "content_index": 0,
            "delta": text, "logprobs": [], **extra}


DONE = {"type": "response.completed", "response": {"id": "resp_1", "status": "completed", "output": []}}
RESPONSES_STREAMS = {
    "plain": responses(delta("Hel"), delta("lo"), DONE),
    "huge sequence number": responses(delta("a", sequence_number=HUGE), delta("b"), DONE),
    "huge content index": responses(delta("a"), delta("b", content_index=HUGE), DONE),
    "huge output index": responses(delta("a", output_index=HUGE, item_id="msg_2"), DONE),
    "logprobs": responses(delta("a", logprobs=[{"token": "a", "logprob": -HUGE, "bytes": [97]}]), DONE),
    "unknown item": responses(delta("a", item_id="msg_9"), DONE),
}

CASES: list[tuple[Callable[[], StreamState], str, list[str]]] = [
    *((CompletionsStreamState, name, stream) for name, stream in CHAT_STREAMS.items()),
    *((ResponsesStreamState, name, stream) for name, stream in RESPONSES_STREAMS.items()),
]


def decode(new_state: Callable[[], StreamState], payloads: list[str]) -> tuple[list[Any], Any]:
    state = new_state()
    events = [event for data in payloads for event in state.handle(data)]
    return events, comparable(state.snapshot())


@pytest.mark.parametrize(("new_state", "name", "payloads"), CASES, ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_the_fast_path_decodes_as_the_stdlib(
    new_state: Callable[[], StreamState], name: str, payloads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = decode(new_state, payloads)
    # The reference: no fast path (no payload is short enough), every payload parsed by the stdlib.
    monkeypatch.setattr(_json, "UNCHECKED_SAFE_BYTES", -1)
    monkeypatch.setattr(_json, "loads", json.loads)
    assert ours == decode(new_state, payloads)
