"""Reasoning survives tool-call turns, verbatim, on both wires (reference §3.3, §6.1).

Dropping or re-encoding ``reasoning_details`` between tool turns is the most reported OpenRouter failure
(Gemini 3 answers 400: fixture error-400-gemini-reasoning-details-required). These tests replay real
captures and assert the *exact bytes* of the reasoning sent back on the next request.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from _spec import assert_valid_request, load_fixture
from chat_openrouter import ReasoningPart, ToolStatus, messages
from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.tools import tool

from ._support import Recorder, Reply, builder


def compact(value: Any) -> bytes:
    """How the endpoint serialises JSON on the wire (compact, UTF-8 kept as is)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@tool
def get_color() -> str:
    """Get a color name."""
    return "orange"


def _turn1_details() -> list[dict[str, Any]]:
    body, _ = load_fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json")
    details: list[dict[str, Any]] = json.loads(body)["choices"][0]["message"]["reasoning_details"]
    return details


def _responses_reasoning_item() -> dict[str, Any]:
    body, _ = load_fixture("responses-stream-reasoning-encrypted.sse")
    for line in body.decode().splitlines():
        if line.startswith("data: {") and '"response.output_item.done"' in line:
            item: dict[str, Any] = json.loads(line[6:])["item"]
            if item["type"] == "reasoning":
                return item
    raise AssertionError("fixture has no reasoning item")


# -- Chat Completions ------------------------------------------------------------------------------------
def test_completions_tool_loop_replays_reasoning_details_byte_for_byte() -> None:
    recorder = Recorder(
        [
            Reply.fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json"),
            Reply.fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn2.json"),
        ]
    )
    client = builder(recorder, wire="completions", model="openai/gpt-5-image-mini").build()
    chat = ChatBuilder().with_model(client).with_tools([get_color]).build()
    response = chat.complete_sync(messages.from_user("Use get_color tool to get a color."))
    assert response.text == "The color is: orange."

    second = recorder.posts[1]
    details = _turn1_details()
    # The exact bytes the server sent us (summary + encrypted blob with its rs_ id), in order, untouched.
    assert b'"reasoning_details":' + compact(details) in second.content
    assistant = next(m for m in second.json["messages"] if m["role"] == "assistant")
    assert assistant["tool_calls"] == [
        {
            "id": "call_HWAt8NUDHnW5TSUN1ztrL7lK",
            "type": "function",
            "function": {"name": "get_color", "arguments": "{}"},
        }
    ]
    _, meta = load_fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn2.json")
    recorded_tool_message = meta["request"]["body"]["messages"][2]
    assert (
        second.json["messages"][2] == recorded_tool_message
    )  # {"role":"tool","tool_call_id":...,"content":"orange"}
    assert_valid_request(second.json, "ChatRequest")


def test_completions_stream_accumulates_text_and_signature_then_replays_them() -> None:
    body, _ = load_fixture("chat-stream-reasoning-anthropic-signature.sse")
    # What the stream says, fragment by fragment (one detail at index 0; the signature arrives alone).
    fragments = [
        d
        for line in body.decode().splitlines()
        if line.startswith("data: {")
        for c in json.loads(line[6:]).get("choices", [])
        for d in c["delta"].get("reasoning_details") or []
    ]
    expected_text = "".join(f.get("text", "") for f in fragments)
    expected_signature = next(f["signature"] for f in reversed(fragments) if f.get("signature"))
    assert expected_text == "This is a simple arithmetic question. 2+2 equals 4."

    recorder = Recorder(
        [
            Reply.fixture("chat-stream-reasoning-anthropic-signature.sse"),
            Reply.fixture("chat-nonstream-text-basic.json"),
        ]
    )
    client = (
        builder(recorder, wire="completions", model="anthropic/claude-sonnet-4.5")
        .with_reasoning(enabled=True)
        .build()
    )
    msgs = messages.from_user("What is 2+2?")
    first = client.stream_sync(msgs).final_response()
    (part,) = [p for p in first.content.parts if isinstance(p, ReasoningPart)]
    assert part.text == expected_text
    assert part.signature == expected_signature
    (detail,) = part.details
    assert detail["type"] == "reasoning.text"
    assert detail["format"] == "anthropic-claude-v1"
    assert detail["index"] == 0
    assert (detail["text"], detail["signature"]) == (expected_text, expected_signature)

    msgs.push(first.content).user("And 3+3?")
    client.complete_sync(msgs)
    replay = recorder.posts[1]
    assert b'"reasoning_details":' + compact(part.details) in replay.content
    assistant = next(m for m in replay.json["messages"] if m["role"] == "assistant")
    assert assistant["reasoning_details"] == [detail]
    assert assistant["content"] == "2 + 2 = 4"
    assert_valid_request(replay.json, "ChatRequest")


# -- Responses API ---------------------------------------------------------------------------------------
def _responses_turn1(item: dict[str, Any]) -> dict[str, Any]:
    # No real Responses capture has reasoning *and* a tool call; this one carries the real encrypted
    # reasoning item of fixture responses-stream-reasoning-encrypted next to a function call.
    return {
        "id": "gen-1785882693-turn1",
        "object": "response",
        "created_at": 1785882693,
        "model": "openai/gpt-5-nano",
        "status": "completed",
        "output": [
            item,
            {
                "id": "fc_tmp_1",
                "type": "function_call",
                "status": "completed",
                "call_id": "call_1",
                "name": "get_color",
                "arguments": "{}",
            },
        ],
        "usage": {
            "input_tokens": 20,
            "output_tokens": 19,
            "total_tokens": 39,
            "cost": 8.6e-06,
            "is_byok": False,
        },
    }


def _replayed_reasoning_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in body["input"] if isinstance(i, dict) and i.get("type") == "reasoning"]


def test_responses_tool_loop_replays_the_reasoning_item_verbatim() -> None:
    item = _responses_reasoning_item()
    recorder = Recorder(
        [Reply.json(_responses_turn1(item)), Reply.fixture("responses-nonstream-prompt-cache-write.json")]
    )
    client = (
        builder(recorder, model="openai/gpt-5-nano").with_reasoning(effort="minimal", summary="auto").build()
    )
    chat = ChatBuilder().with_model(client).with_tools([get_color]).build()
    response = chat.complete_sync(messages.from_user("Use get_color tool to get a color."))
    assert response.text == "OK"
    assert len(response.steps) == 2

    second = recorder.posts[1]
    (replayed,) = _replayed_reasoning_items(second.json)
    # The whole output item, byte for byte as the server sent it: the opaque blob (with OpenRouter's
    # ".<base64 endpoint>" suffix), its id, format and status.
    assert compact(item) in second.content
    assert b'"encrypted_content":' + compact(item["encrypted_content"]) in second.content
    assert replayed["id"] == item["id"]
    assert replayed["encrypted_content"] == item["encrypted_content"]
    assert replayed["summary"] == item["summary"] == []
    # Order: the reasoning precedes the call it led to, then the call's output.
    kinds = [i.get("type") for i in second.json["input"] if isinstance(i, dict)]
    assert kinds.index("reasoning") < kinds.index("function_call") < kinds.index("function_call_output")
    assert not second.json.get("store")
    assert "previous_response_id" not in second.json
    assert_valid_request(second.json, "ResponsesRequest")


def test_responses_stream_reasoning_is_replayed_on_the_next_turn() -> None:
    item = _responses_reasoning_item()
    recorder = Recorder(
        [
            Reply.fixture("responses-stream-reasoning-encrypted.sse"),
            Reply.fixture("responses-nonstream-prompt-cache-write.json"),
        ]
    )
    client = (
        builder(recorder, model="openai/gpt-5-nano").with_reasoning(effort="minimal", summary="auto").build()
    )
    msgs = messages.from_user("What is 2 + 2? Reply with the number only.")
    first = client.stream_sync(msgs).final_response()
    assert first.text == "4"
    (part,) = [p for p in first.content.parts if isinstance(p, ReasoningPart)]
    assert part.encrypted

    msgs.push(first.content).user("And 3 + 3?")
    client.complete_sync(msgs)
    second = recorder.posts[1]
    assert compact(item) in second.content  # the streamed item, verbatim
    (replayed,) = _replayed_reasoning_items(second.json)
    assert replayed["id"] == item["id"]
    assert_valid_request(second.json, "ResponsesRequest")
    # Encrypted reasoning is only returned when asked for: every Responses request asks (reference §11.8).
    assert "reasoning.encrypted_content" in second.json.get("include", [])


# -- across wires ----------------------------------------------------------------------------------------
def test_chat_reasoning_continues_on_the_responses_wire() -> None:
    details = _turn1_details()
    encrypted = next(d for d in details if d["type"] == "reasoning.encrypted")
    recorder = Recorder(
        [
            Reply.fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json"),
            Reply.fixture("responses-nonstream-prompt-cache-write.json"),
        ]
    )
    chat_client = builder(recorder, wire="completions", model="openai/gpt-5-image-mini").build()
    msgs = messages.from_user("Use get_color tool to get a color.")
    first = chat_client.complete_sync(msgs)
    call = first.tool_calls[0]
    call.result, call.status = "orange", ToolStatus.COMPLETED
    msgs.push(first.content)

    responses_client = builder(recorder, model="openai/gpt-5-image-mini").build()
    responses_client.complete_sync(msgs)
    second = recorder.posts[1]
    (replayed,) = _replayed_reasoning_items(second.json)
    # OpenAI-format encrypted details become a Responses reasoning item: same id, same blob, byte for byte.
    assert replayed["id"] == encrypted["id"]
    assert b'"encrypted_content":' + compact(encrypted["data"]) in second.content
    assert_valid_request(second.json, "ResponsesRequest")


@pytest.mark.parametrize("wire", ["completions", "responses"])
def test_reasoning_exclude_and_effort_none_are_sent_as_given(wire: str) -> None:
    recorder = Recorder(
        [
            Reply.fixture(
                "chat-nonstream-reasoning-effort-none.json"
                if wire == "completions"
                else "responses-nonstream-prompt-cache-write.json"
            )
        ]
    )
    client = builder(recorder, wire=wire).with_reasoning(effort="none").build()
    response = client.complete_sync(messages.from_user("What is 2+2?"))
    assert recorder.posts[0].json["reasoning"] == {"effort": "none"}
    assert response.reasoning == ""


def test_responses_reasoning_continues_on_the_chat_wire() -> None:
    item = _responses_reasoning_item()
    recorder = Recorder(
        [
            Reply.fixture("responses-stream-reasoning-encrypted.sse"),
            Reply.fixture("chat-nonstream-text-basic.json"),
        ]
    )
    msgs = messages.from_user("What is 2 + 2? Reply with the number only.")
    first = builder(recorder, model="openai/gpt-5-nano").build().stream_sync(msgs).final_response()
    msgs.push(first.content).user("And 3 + 3?")
    builder(recorder, wire="completions", model="openai/gpt-5-nano").build().complete_sync(msgs)
    second = recorder.posts[1]
    assistant = next(m for m in second.json["messages"] if m["role"] == "assistant")
    (detail,) = [d for d in assistant["reasoning_details"] if d["type"] == "reasoning.encrypted"]
    # The Responses item becomes OpenRouter's reasoning.encrypted detail: same id, same blob, same format.
    assert (detail["id"], detail["format"]) == (item["id"], item["format"])
    assert b'"data":' + compact(item["encrypted_content"]) in second.content
    assert_valid_request(second.json, "ChatRequest")
