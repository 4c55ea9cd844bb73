"""Responses API codec, write side: every part type, item order, reasoning replay, options, statelessness.

Every body built here is checked against the spec's ``ResponsesRequest`` and for statelessness
(``store`` false, no ``previous_response_id``) by :func:`encode`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from _spec import assert_valid_request, load_fixture
from chat_openrouter import messages
from chat_openrouter.core.messages import Content, Messages
from chat_openrouter.core.options import ChatOptions, OutputSchema, Reasoning
from chat_openrouter.core.parts import (
    FilePart,
    ReasoningPart,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
)
from chat_openrouter.core.tools import ToolSpec
from chat_openrouter.wire.common.reasoning import part_from_item
from chat_openrouter.wire.responses.codec import encode_request

MODEL = "openai/gpt-5-mini"
PNG = b"\x89PNG\r\n\x1a\n-fake-png"
PDF = b"%PDF-1.4 fake"
WAV = b"RIFF....WAVEfmt "
ENCRYPTED_ITEM = {
    "id": "rs_067d",
    "type": "reasoning",
    "status": "completed",
    "summary": [{"type": "summary_text", "text": "Thinking about colors."}],
    "encrypted_content": "gAAAA.eyJlbmRwb2ludF9zbHVnIjoieCJ9",
    "format": "openai-responses-v1",
}


def encode(
    msgs: Messages,
    *,
    tools: list[Any] | None = None,
    options: ChatOptions | None = None,
    output: OutputSchema | None = None,
    stream: bool = False,
) -> dict[str, Any]:
    """Encode; check spec validity and statelessness (every body in these tests is checked)."""
    body = encode_request(
        msgs, model=MODEL, tools=tools, options=options or ChatOptions(), output=output, stream=stream
    )
    assert_valid_request(body, "ResponsesRequest")
    assert body["store"] is False
    assert "previous_response_id" not in body
    return body


def only_input(msgs: Messages) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = encode(msgs)["input"]
    return items


# -- the body ----------------------------------------------------------------------------------------------


def test_minimal_body_is_stateless_and_asks_for_replayable_reasoning() -> None:
    body = encode(messages.from_user("Hi"))
    assert body == {
        "model": MODEL,
        "input": [{"type": "message", "role": "user", "content": "Hi"}],
        "include": ["reasoning.encrypted_content"],
        "store": False,
    }
    assert encode(messages.from_user("Hi"), stream=True)["stream"] is True


def test_same_shape_as_the_recorded_request_of_fixture_responses_stream_text() -> None:
    _, meta = load_fixture("responses-stream-text.sse")
    recorded = meta["request"]["body"]
    body = encode_request(
        messages.from_user(recorded["input"][0]["content"]),
        model=recorded["model"],
        tools=None,
        options=ChatOptions(),
        output=None,
        stream=True,
    )
    assert body["input"] == [{"type": "message", **recorded["input"][0]}]
    assert {k: body[k] for k in ("model", "store", "stream")} == {
        k: recorded[k] for k in ("model", "store", "stream")
    }


def test_empty_conversation_is_refused() -> None:
    with pytest.raises(ValueError, match="empty conversation"):
        encode(Messages())


# -- user and system content ---------------------------------------------------------------------------------


def test_system_messages_stay_where_they_are() -> None:
    msgs = (
        messages.from_system("Be brief.")
        .user("Hi")
        .model("Hello!")
        .system("Now answer in French.")
        .user("Bye")
    )
    items = only_input(msgs)
    assert [(i.get("type"), i.get("role")) for i in items] == [
        ("message", "system"),
        ("message", "user"),
        ("message", "assistant"),
        ("message", "system"),
        ("message", "user"),
    ]
    assert items[3]["content"] == "Now answer in French."
    assert "instructions" not in encode(msgs)


def test_several_text_parts_stay_separate_and_cache_markers_become_breakpoints() -> None:
    msgs = messages.from_user(TextPart("long context", cache_control={"type": "ephemeral"}), "question")
    (item,) = only_input(msgs)
    assert item["content"] == [
        {"type": "input_text", "text": "long context", "prompt_cache_breakpoint": {"mode": "explicit"}},
        {"type": "input_text", "text": "question"},
    ]


def test_structured_part_in_a_user_message_is_sent_as_json_text() -> None:
    (item,) = only_input(messages.from_user(StructuredPart({"a": [1, "é"]})))
    assert item["content"] == '{"a": [1, "é"]}'


def test_images_by_url_and_by_bytes_always_carry_a_detail() -> None:
    msgs = messages.from_user(
        "Look",
        FilePart.from_url("https://example.com/cat.jpg"),
        FilePart(mime_type="image/png", data=PNG, detail="high"),
    )
    (item,) = only_input(msgs)
    assert item["content"][1:] == [
        {"type": "input_image", "image_url": "https://example.com/cat.jpg", "detail": "auto"},
        {
            "type": "input_image",
            "image_url": "data:image/png;base64," + base64.b64encode(PNG).decode(),
            "detail": "high",
        },
    ]


def test_documents_inline_get_a_filename_and_by_https_url_a_file_url() -> None:
    msgs = messages.from_user(
        FilePart.from_bytes(PDF, "application/pdf"),
        FilePart.from_bytes(PDF, "application/pdf", filename="report.pdf"),
        FilePart.from_url("https://example.com/paper.pdf", filename="paper.pdf"),
        FilePart.from_url("https://example.com/notes.pdf"),
    )
    (item,) = only_input(msgs)
    data_url = "data:application/pdf;base64," + base64.b64encode(PDF).decode()
    assert item["content"] == [
        {"type": "input_file", "filename": "file.pdf", "file_data": data_url},
        {"type": "input_file", "filename": "report.pdf", "file_data": data_url},
        {"type": "input_file", "filename": "paper.pdf", "file_url": "https://example.com/paper.pdf"},
        {"type": "input_file", "file_url": "https://example.com/notes.pdf"},
    ]


def test_audio_inline_as_wav_or_mp3_and_video_by_url() -> None:
    mp3_url = "data:audio/mpeg;base64," + base64.b64encode(b"ID3fake").decode()
    msgs = messages.from_user(
        FilePart.from_bytes(WAV, "audio/wav"),
        FilePart.from_url(mp3_url),
        FilePart.from_url("https://example.com/clip.mp4"),
    )
    (item,) = only_input(msgs)
    assert item["content"] == [
        {"type": "input_audio", "input_audio": {"data": base64.b64encode(WAV).decode(), "format": "wav"}},
        {
            "type": "input_audio",
            "input_audio": {"data": base64.b64encode(b"ID3fake").decode(), "format": "mp3"},
        },
        {"type": "input_video", "video_url": "https://example.com/clip.mp4"},
    ]


@pytest.mark.parametrize(
    ("part", "match"),
    [
        (FilePart.from_bytes(b"fLaC", "audio/flac"), "only mp3 or wav"),
        (FilePart.from_url("https://example.com/a.wav"), "only as inline data"),
    ],
)
def test_audio_the_wire_cannot_carry_is_refused(part: FilePart, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        encode(messages.from_user(part))


def test_parts_that_do_not_belong_in_user_or_system_messages_are_refused() -> None:
    with pytest.raises(ValueError, match="system message can only hold text"):
        encode(messages.from_system(FilePart.from_bytes(PNG, "image/png")))
    with pytest.raises(ValueError, match="cannot hold a tool part"):
        encode(messages.from_user(ToolPart(id="c1", name="f")))
    with pytest.raises(ValueError, match="cannot hold a reasoning part"):
        encode(messages.from_user(ReasoningPart(text="x")))


# -- the model's turn ------------------------------------------------------------------------------------------


def test_model_turn_items_follow_the_original_order_of_parts() -> None:
    call_a = ToolPart(id="call_a", name="add", raw_arguments='{"a":1}', provider_data={"item_id": "fc_tmp_a"})
    call_a.result, call_a.status = 2, ToolStatus.COMPLETED
    call_b = ToolPart(id="call_b", name="weather", arguments={"city": "Paris"})
    call_b.result, call_b.status = {"temp": 21}, ToolStatus.COMPLETED
    late = ToolPart(id="call_c", name="pending")
    turn = Content.model(
        part_from_item(ENCRYPTED_ITEM), TextPart("Let me check."), call_a, call_b, TextPart("Done: 2."), late
    )
    items = only_input(messages.from_user("go").push(turn))[1:]
    assert [i["type"] for i in items] == [
        "reasoning",
        "message",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
        "message",
        "function_call",
    ]
    assert items[0] == ENCRYPTED_ITEM  # verbatim, status and all
    assert items[2] == {
        "type": "function_call",
        "id": "fc_tmp_a",
        "call_id": "call_a",
        "name": "add",
        "arguments": '{"a":1}',
    }
    # A call from the Chat wire has no item id: none is invented.
    assert items[3] == {
        "type": "function_call",
        "call_id": "call_b",
        "name": "weather",
        "arguments": '{"city":"Paris"}',
    }
    assert items[4:6] == [
        {"type": "function_call_output", "call_id": "call_a", "output": "2"},
        {"type": "function_call_output", "call_id": "call_b", "output": '{"temp": 21}'},
    ]
    assert items[7]["call_id"] == "call_c"  # no result yet: no output item


def test_assistant_text_is_an_output_message_with_id_and_status() -> None:
    turn = Content.model(TextPart("Hello"), StructuredPart({"x": 1}))
    (_, item, _) = only_input(messages.from_user("hi").push(turn).user("more"))
    assert item == {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [
            {"type": "output_text", "text": "Hello", "annotations": []},
            {"type": "output_text", "text": '{"x": 1}', "annotations": []},
        ],
    }


def test_failed_and_rejected_tool_results_are_reported_as_errors() -> None:
    failed = ToolPart(id="c1", name="f", arguments={}, status=ToolStatus.FAILED, error="boom")
    rejected = ToolPart(id="c2", name="g", arguments={}, status=ToolStatus.REJECTED, error="user said no")
    items = only_input(messages.from_user("go").push(Content.model(failed, rejected)))
    outputs = [i for i in items if i["type"] == "function_call_output"]
    assert [json.loads(o["output"]) for o in outputs] == [{"error": "boom"}, {"error": "user said no"}]


def test_annotations_are_sent_in_this_wires_form() -> None:
    chat_url = {
        "type": "url_citation",
        "url_citation": {"url": "https://a.example", "title": "A", "start_index": 0, "end_index": 4},
    }
    chat_file = {"type": "file", "file": {"hash": "h", "name": "doc.pdf", "content": []}}
    responses_url = {
        "type": "url_citation",
        "url": "https://b.example",
        "title": "B",
        "start_index": 1,
        "end_index": 2,
    }
    turn = Content.model(TextPart("text", annotations=[chat_url, chat_file, responses_url]))
    item = only_input(messages.from_user("q").push(turn))[1]
    assert item["content"][0]["annotations"] == [
        {"type": "url_citation", "url": "https://a.example", "title": "A", "start_index": 0, "end_index": 4},
        responses_url,
    ]


def test_reasoning_from_the_chat_wire_becomes_one_self_contained_item() -> None:
    body, _ = load_fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json")
    details = json.loads(body)["choices"][0]["message"]["reasoning_details"]
    turn = Content.model(ReasoningPart(text="...", details=details), TextPart("ok"))
    items = only_input(messages.from_user("q").push(turn))
    assert items[1] == {
        "type": "reasoning",
        "id": details[1]["id"],
        "summary": [{"type": "summary_text", "text": details[0]["summary"]}],
        "encrypted_content": details[1]["data"],
        "format": "openai-responses-v1",
    }


def test_plain_reasoning_text_is_replayed_as_content_and_id_only_items_are_dropped() -> None:
    bare = {"id": "rs_bare", "type": "reasoning", "summary": []}
    turn = Content.model(ReasoningPart(text="I think so."), part_from_item(bare), TextPart("Yes."))
    items = only_input(messages.from_user("q").push(turn))
    assert [i["type"] for i in items] == ["message", "reasoning", "message"]
    assert items[1] == {
        "type": "reasoning",
        "id": "rs_1_0",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": "I think so."}],
    }


def test_model_images_go_back_as_image_generation_calls() -> None:
    image = FilePart.from_bytes(PNG, "image/png")
    items = only_input(messages.from_user("draw").push(Content.model(image)))
    assert items[1] == {
        "type": "image_generation_call",
        "id": "ig_1",
        "status": "completed",
        "result": base64.b64encode(PNG).decode(),
    }
    with pytest.raises(ValueError, match="only image files"):
        encode(messages.from_user("x").push(Content.model(FilePart.from_bytes(PDF, "application/pdf"))))


def test_history_encodes_to_the_same_bytes_every_turn() -> None:
    msgs = messages.from_user("q").push(Content.model(part_from_item(ENCRYPTED_ITEM), TextPart("a")))
    first = encode(msgs)["input"]
    assert encode(msgs)["input"] == first
    msgs.user("next")
    assert encode(msgs)["input"][: len(first)] == first  # a stable prefix keeps prompt caches warm


# -- tools and options -------------------------------------------------------------------------------------------


def test_function_tools_are_flat_and_raw_tools_verbatim() -> None:
    spec = ToolSpec(
        "get_weather",
        "Weather",
        {"type": "object", "properties": {}},
        strict=True,
        extra={"defer_loading": False},
    )
    server = {"type": "openrouter:web_search", "parameters": {"max_results": 3}}
    body = encode(messages.from_user("q"), tools=[spec, server, ToolSpec("bare")])
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather",
            "parameters": {"type": "object", "properties": {}},
            "strict": True,
            "defer_loading": False,
        },
        server,
        {"type": "function", "name": "bare", "parameters": {"type": "object", "properties": {}}},
    ]


def test_options_map_to_their_responses_names() -> None:
    options = ChatOptions(
        temperature=0.2,
        top_p=0.9,
        max_tokens=300,
        tool_choice={"type": "function", "name": "get_weather"},
        parallel_tool_calls=False,
        user="user-42",
        reasoning=Reasoning(effort="high", summary="auto"),
    )
    body = encode(messages.from_user("q"), options=options)
    assert {
        k: body[k]
        for k in (
            "temperature",
            "top_p",
            "max_output_tokens",
            "tool_choice",
            "parallel_tool_calls",
            "safety_identifier",
            "reasoning",
            "include",
        )
    } == {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_output_tokens": 300,
        "tool_choice": {"type": "function", "name": "get_weather"},
        "parallel_tool_calls": False,
        # The spec's per-end-user identifier on this wire (ResponsesRequest.safety_identifier).
        "safety_identifier": "user-42",
        "reasoning": {"effort": "high", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
    }
    assert "user" not in body
    assert "max_tokens" not in body and "max_completion_tokens" not in body


@pytest.mark.parametrize("choice", ["auto", "none", "required"])
def test_string_tool_choices_pass_through(choice: str) -> None:
    assert encode(messages.from_user("q"), options=ChatOptions(tool_choice=choice))["tool_choice"] == choice


def test_chats_nested_tool_choice_is_flattened() -> None:
    options = ChatOptions(tool_choice={"type": "function", "function": {"name": "f"}})
    assert encode(messages.from_user("q"), options=options)["tool_choice"] == {
        "type": "function",
        "name": "f",
    }


@pytest.mark.parametrize("reasoning", [Reasoning(effort="none"), Reasoning(enabled=False)])
def test_no_encrypted_reasoning_asked_for_when_reasoning_is_off(reasoning: Reasoning) -> None:
    body = encode(messages.from_user("q"), options=ChatOptions(reasoning=reasoning))
    assert "include" not in body
    assert body["reasoning"] == reasoning.to_json()


def test_stop_and_seed_are_not_sent_and_say_so() -> None:
    with pytest.warns(UserWarning, match="stop and seed are not part of the Responses API"):
        body = encode(messages.from_user("q"), options=ChatOptions(stop=["END"], seed=7))
    assert "stop" not in body and "seed" not in body
    with pytest.warns(UserWarning, match="seed is not part"):
        encode(messages.from_user("q"), options=ChatOptions(seed=7))


def test_structured_output_goes_in_text_format_flat() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
        "required": ["n"],
        "additionalProperties": False,
    }
    body = encode(messages.from_user("q"), output=OutputSchema("answer", schema, description="The answer"))
    assert body["text"] == {
        "format": {
            "type": "json_schema",
            "name": "answer",
            "schema": schema,
            "strict": True,
            "description": "The answer",
        }
    }
    assert "response_format" not in body


def test_extra_body_is_merged_last() -> None:
    options = ChatOptions(
        max_tokens=5, extra_body={"max_output_tokens": 9, "provider": {"only": ["openai"]}, "include": []}
    )
    body = encode(messages.from_user("q"), options=options)
    assert (body["max_output_tokens"], body["provider"], body["include"]) == (9, {"only": ["openai"]}, [])


@pytest.mark.parametrize("extra", [{"store": True}, {"previous_response_id": "gen-1"}, {"store": None}])
def test_nothing_can_make_the_request_stateful(extra: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"stateless|keeps no state"):
        encode_request(
            messages.from_user("q"),
            model=MODEL,
            tools=None,
            options=ChatOptions(extra_body=extra),
            output=None,
            stream=False,
        )
