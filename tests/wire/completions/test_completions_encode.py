"""Chat Completions codec, write side: every part type, order, reasoning replay, options, spec validity."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from _spec import assert_valid_request
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
from chat_openrouter.wire.completions.codec import encode_request

MODEL = "openai/gpt-4o"
PNG = b"\x89PNG\r\n\x1a\n-fake-png"
PDF = b"%PDF-1.4 fake"
WAV = b"RIFF....WAVEfmt "


def encode(
    msgs: Messages,
    *,
    tools: list[Any] | None = None,
    options: ChatOptions | None = None,
    output: OutputSchema | None = None,
    stream: bool = False,
) -> dict[str, Any]:
    """Encode and check the body against the spec's ChatRequest (every body in these tests is checked)."""
    body = encode_request(
        msgs, model=MODEL, tools=tools, options=options or ChatOptions(), output=output, stream=stream
    )
    assert_valid_request(body, "ChatRequest")
    return body


def done(part: ToolPart, result: Any) -> ToolPart:
    part.status = ToolStatus.COMPLETED
    part.result = result
    return part


# -- user / system content ------------------------------------------------------------------------------


def test_minimal_body_has_only_model_and_messages() -> None:
    body = encode(messages.from_system("Be brief.").user("Hello!"))
    assert body == {
        "model": MODEL,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"}],
    }


def test_model_none_is_not_sent() -> None:
    body = encode_request(
        messages.from_user("x"), model=None, tools=None, options=ChatOptions(), output=None, stream=False
    )
    assert "model" not in body
    assert_valid_request(body, "ChatRequest")


def test_several_text_parts_stay_separate_parts() -> None:
    body = encode(messages.from_user("Hello", "world"))
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Hello"},
        {"type": "text", "text": "world"},
    ]


def test_cache_control_on_a_text_part_makes_an_array() -> None:
    cache = {"type": "ephemeral", "ttl": "5m"}
    body = encode(messages.from_system(TextPart("Long doc", cache_control=cache)).user("q"))
    assert body["messages"][0] == {
        "role": "system",
        "content": [{"type": "text", "text": "Long doc", "cache_control": cache}],
    }


def test_structured_part_is_sent_as_its_json_text() -> None:
    body = encode(messages.from_user(StructuredPart({"city": "Paris", "n": 2})))
    assert json.loads(body["messages"][0]["content"]) == {"city": "Paris", "n": 2}


def test_image_bytes_become_a_data_url_with_detail() -> None:
    image = FilePart.from_bytes(PNG, "image/png")
    image.detail = "high"
    body = encode(messages.from_user("Describe", image))
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Describe"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode(), "detail": "high"},
        },
    ]


def test_image_url_is_passed_as_is() -> None:
    body = encode(messages.from_user(FilePart.from_url("https://example.com/cat.jpg")))
    assert body["messages"][0]["content"] == [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}
    ]


def test_pdf_bytes_become_a_file_part_with_a_data_url() -> None:
    body = encode(messages.from_user(FilePart.from_bytes(PDF, "application/pdf", filename="report.pdf")))
    assert body["messages"][0]["content"] == [
        {
            "type": "file",
            "file": {
                "filename": "report.pdf",
                "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode(),
            },
        }
    ]


def test_inline_file_without_name_gets_one_from_its_mime_type() -> None:
    body = encode(messages.from_user(FilePart.from_bytes(PDF, "application/pdf")))
    assert body["messages"][0]["content"][0]["file"]["filename"] == "file.pdf"


def test_a_data_url_file_without_name_gets_one_too() -> None:
    # Inline data is inline data, bytes or `data:` URL: both wires name it (the Responses wire always did).
    data_url = "data:application/pdf;base64," + base64.b64encode(PDF).decode()
    body = encode(messages.from_user(FilePart.from_url(data_url)))
    assert body["messages"][0]["content"] == [
        {"type": "file", "file": {"filename": "file.pdf", "file_data": data_url}}
    ]


def test_pdf_url_matches_the_recorded_shape() -> None:
    # fixture chat-nonstream-file-pdf-url: {type:file, file:{file_data:<https url>, filename}}
    url = "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf"
    body = encode(messages.from_user(FilePart.from_url(url, filename="filename.pdf")))
    assert body["messages"][0]["content"] == [
        {"type": "file", "file": {"filename": "filename.pdf", "file_data": url}}
    ]


def test_other_files_are_file_parts_too() -> None:
    body = encode(messages.from_user(FilePart.from_bytes(b"a,b\n1,2\n", "text/csv", filename="t.csv")))
    part = body["messages"][0]["content"][0]
    assert part["type"] == "file"
    assert part["file"]["file_data"].startswith("data:text/csv;base64,")


@pytest.mark.parametrize(
    ("mime", "fmt"),
    [
        ("audio/wav", "wav"),
        ("audio/x-wav", "wav"),
        ("audio/mpeg", "mp3"),
        ("audio/flac", "flac"),
        ("audio/x-m4a", "m4a"),
    ],
)
def test_audio_bytes_become_input_audio(mime: str, fmt: str) -> None:
    body = encode(messages.from_user(FilePart.from_bytes(WAV, mime)))
    assert body["messages"][0]["content"] == [
        {"type": "input_audio", "input_audio": {"data": base64.b64encode(WAV).decode(), "format": fmt}}
    ]


def test_audio_data_url_is_unwrapped_into_input_audio() -> None:
    data = base64.b64encode(WAV).decode()
    body = encode(messages.from_user(FilePart.from_url(f"data:audio/wav;base64,{data}")))
    assert body["messages"][0]["content"] == [
        {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}
    ]


def test_audio_by_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="audio only as inline data"):
        encode(messages.from_user(FilePart.from_url("https://example.com/a.mp3")))


def test_video_is_a_video_url_part() -> None:
    body = encode(messages.from_user(FilePart.from_url("https://example.com/clip.mp4")))
    assert body["messages"][0]["content"] == [
        {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}}
    ]


def test_files_in_a_system_message_are_rejected() -> None:
    with pytest.raises(ValueError, match="system message can only hold text"):
        encode(messages.from_system(FilePart.from_bytes(PNG, "image/png")))


def test_tool_part_in_a_user_message_is_rejected() -> None:
    with pytest.raises(ValueError, match="user message cannot hold a tool part"):
        encode(messages.from_user(ToolPart("c1", "f")))


def test_empty_conversation_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty conversation"):
        encode_request(Messages(), model=MODEL, tools=None, options=ChatOptions(), output=None, stream=False)


# -- the model's turn -----------------------------------------------------------------------------------


def test_model_text_becomes_an_assistant_message() -> None:
    body = encode(messages.from_user("Hi").model("Hello! How can I help?").user("Tell me more"))
    assert body["messages"][1] == {"role": "assistant", "content": "Hello! How can I help?"}


def test_tool_call_and_result_become_assistant_plus_tool_messages() -> None:
    call = done(ToolPart("call_1", "get_weather", raw_arguments='{"city":"Paris"}'), {"temp": 21})
    body = encode(messages.from_user("Weather?").push(Content.model(call)))
    assert body["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'},
    ]


def test_empty_raw_arguments_are_sent_as_an_empty_object() -> None:
    call = done(ToolPart("c", "now"), "12:00")
    body = encode(messages.from_user("time?").push(Content.model(call)))
    assert body["messages"][1]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert body["messages"][2]["content"] == "12:00"


def test_failed_and_rejected_tools_send_their_error() -> None:
    failed = ToolPart("a", "f", status=ToolStatus.FAILED, error="boom")
    rejected = ToolPart("b", "g", status=ToolStatus.REJECTED)
    body = encode(messages.from_user("go").push(Content.model(failed, rejected)))
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "tool", "tool"]
    assert json.loads(body["messages"][2]["content"]) == {"error": "boom"}
    assert json.loads(body["messages"][3]["content"]) == {"error": "tool call rejected"}


def test_pending_tool_call_has_no_tool_message() -> None:
    body = encode(
        messages.from_user("go").push(Content.model("Let me check.", ToolPart("a", "f", raw_arguments="{}")))
    )
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
    assert body["messages"][1]["content"] == "Let me check."


def test_order_is_preserved_when_the_turn_continues_after_tool_results() -> None:
    first = ReasoningPart(text="r1", details=[{"type": "reasoning.text", "text": "r1", "index": 0}])
    a = done(ToolPart("a", "fa", raw_arguments="{}"), "A")
    b = done(ToolPart("b", "fb", raw_arguments="{}"), "B")
    second = ReasoningPart(text="r2", details=[{"type": "reasoning.text", "text": "r2", "index": 0}])
    c = done(ToolPart("c", "fc", raw_arguments="{}"), "C")
    turn = Content.model(first, "step one", a, b, second, "step two", c, "final")
    body = encode(messages.from_user("go").push(turn))
    shape = [
        (m["role"], m.get("content"), [t["id"] for t in m.get("tool_calls", [])], m.get("tool_call_id"))
        for m in body["messages"][1:]
    ]
    assert shape == [
        ("assistant", "step one", ["a", "b"], None),  # parallel calls of one step share a message
        ("tool", "A", [], "a"),
        ("tool", "B", [], "b"),
        ("assistant", "step two", ["c"], None),
        ("tool", "C", [], "c"),
        ("assistant", "final", [], None),
    ]
    assert body["messages"][1]["reasoning_details"] == [{"type": "reasoning.text", "text": "r1", "index": 0}]
    assert body["messages"][4]["reasoning_details"] == [{"type": "reasoning.text", "text": "r2", "index": 0}]
    assert "reasoning_details" not in body["messages"][6]


def test_reasoning_details_are_replayed_byte_for_byte_in_order() -> None:
    details_1 = [
        {
            "format": "openai-responses-v1",
            "index": 0,
            "summary": "**Plan**\n\nthink",
            "type": "reasoning.summary",
        },
        {
            "data": "gAAAAB\u00e9/+==",
            "format": "openai-responses-v1",
            "id": "rs_1",
            "index": 0,
            "type": "reasoning.encrypted",
        },
    ]
    details_2 = [{"type": "reasoning.text", "text": "more", "signature": "sig==", "format": None, "index": 1}]
    turn = Content.model(
        ReasoningPart(text="x", details=details_1), ReasoningPart(text="y", details=details_2), "ok"
    )
    body = encode(messages.from_user("q").push(turn))
    sent = body["messages"][1]["reasoning_details"]
    assert json.dumps(sent) == json.dumps(details_1 + details_2)
    assert "reasoning" not in body["messages"][1]  # the details carry it


def test_reasoning_without_details_is_sent_as_the_reasoning_string() -> None:
    body = encode(messages.from_user("q").push(Content.model(ReasoningPart(text="I think so."), "Yes.")))
    assert body["messages"][1] == {"role": "assistant", "content": "Yes.", "reasoning": "I think so."}


def test_reasoning_only_turn_keeps_a_string_content() -> None:
    body = encode(messages.from_user("q").push(Content.model(ReasoningPart(text="hmm"))))
    assert body["messages"][1] == {"role": "assistant", "content": "", "reasoning": "hmm"}


def test_annotations_are_sent_back_on_the_assistant_message() -> None:
    file_annotation = {"type": "file", "file": {"hash": "a1e0", "name": "filename.pdf", "content": []}}
    body = encode(
        messages.from_user("q").push(Content.model(TextPart("It is a dummy.", annotations=[file_annotation])))
    )
    assert body["messages"][1]["annotations"] == [file_annotation]


def test_model_images_are_replayed_as_images() -> None:
    image = FilePart.from_url("data:image/png;base64,AAAA")
    body = encode(messages.from_user("draw").push(Content.model("Here:", image)))
    assert body["messages"][1]["images"] == [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    ]


def test_non_image_files_in_a_model_turn_are_rejected() -> None:
    with pytest.raises(ValueError, match="only image files"):
        encode(messages.from_user("q").push(Content.model(FilePart.from_bytes(PDF, "application/pdf"))))


def test_assistant_text_with_cache_control_is_an_array() -> None:
    cache = {"type": "ephemeral"}
    body = encode(messages.from_user("q").push(Content.model(TextPart("long answer", cache_control=cache))))
    assert body["messages"][1]["content"] == [{"type": "text", "text": "long answer", "cache_control": cache}]


def test_empty_model_turn_is_an_empty_assistant_message() -> None:
    body = encode(messages.from_user("q").push(Content.model()))
    assert body["messages"][1] == {"role": "assistant", "content": ""}


# -- tools, options, output -----------------------------------------------------------------------------


def test_tool_specs_and_server_tools() -> None:
    spec = ToolSpec(
        "get_weather",
        "Weather for a city",
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        strict=True,
        extra={"cache_control": {"type": "ephemeral"}},
    )
    server_tool = {"type": "openrouter:web_search", "parameters": {"max_uses": 1}}
    body = encode(messages.from_user("q"), tools=[spec, server_tool, ToolSpec("noop")])
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
                "strict": True,
            },
            "cache_control": {"type": "ephemeral"},
        },
        server_tool,
        {
            "type": "function",
            "function": {"name": "noop", "parameters": {"type": "object", "properties": {}}},
        },
    ]


def test_every_option_maps_to_its_chat_field() -> None:
    options = ChatOptions(
        temperature=0.2,
        top_p=0.9,
        max_tokens=256,
        stop=["END"],
        seed=7,
        tool_choice="required",
        parallel_tool_calls=False,
        user="user-42",
        reasoning=Reasoning(effort="high", max_tokens=2000, exclude=False, enabled=True),
    )
    body = encode(messages.from_user("q"), options=options, stream=True)
    assert {k: v for k, v in body.items() if k not in ("model", "messages")} == {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_completion_tokens": 256,
        "stop": ["END"],
        "seed": 7,
        "tool_choice": "required",
        "parallel_tool_calls": False,
        "user": "user-42",
        "reasoning": {"effort": "high", "max_tokens": 2000, "exclude": False, "enabled": True},
        "stream": True,
    }


@pytest.mark.parametrize(
    ("neutral", "chat"),
    [
        ("auto", "auto"),
        ("none", "none"),
        (
            {"type": "function", "name": "get_weather"},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
        ({"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}),
        ({"type": "openrouter:web_search"}, {"type": "openrouter:web_search"}),
    ],
)
def test_tool_choice_forms(neutral: Any, chat: Any) -> None:
    body = encode(messages.from_user("q"), options=ChatOptions(tool_choice=neutral))
    assert body["tool_choice"] == chat


def test_output_schema_becomes_response_format() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "number"}}, "required": ["answer"]}
    body = encode(messages.from_user("q"), output=OutputSchema("math", schema, description="A number"))
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "math", "schema": schema, "strict": True, "description": "A number"},
    }


def test_extra_body_is_merged_last_and_overrides() -> None:
    options = ChatOptions(
        temperature=0.5,
        extra_body={"temperature": 1.0, "models": ["x-ai/grok-4"], "provider": {"only": ["xai"]}},
    )
    body = encode(messages.from_user("q"), options=options)
    assert body["temperature"] == 1.0
    assert body["models"] == ["x-ai/grok-4"]
    assert body["provider"] == {"only": ["xai"]}


def test_none_fields_are_never_sent() -> None:
    body = encode(messages.from_user("q"), options=ChatOptions(), stream=False)
    assert set(body) == {"model", "messages"}
    assert "null" not in json.dumps({k: v for k, v in body.items() if k != "messages"})


def test_encoding_does_not_mutate_the_conversation() -> None:
    details = [{"type": "reasoning.encrypted", "data": "abc", "index": 0}]
    msgs = messages.from_user("q").push(
        Content.model(ReasoningPart(details=details), done(ToolPart("a", "f"), 1))
    )
    before = repr(msgs)
    encode(msgs)
    encode(msgs)
    assert repr(msgs) == before
