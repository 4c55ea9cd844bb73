"""The attribute builders are pure functions of our own values: tested without an SDK or a server."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_openrouter import ChatResponse, Content, FilePart, Messages, ToolPart, Usage
from chat_openrouter.core.options import OutputSchema
from chat_openrouter.core.request import ModelRequest
from chat_openrouter.core.tracing._attributes import (
    error_attributes,
    input_messages,
    output_messages,
    request_attributes,
    response_attributes,
    server_attributes,
)
from chat_openrouter.errors import RateLimitError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://openrouter.ai/api/v1", {"server.address": "openrouter.ai", "server.port": 443}),
        ("http://127.0.0.1:8080/api/v1", {"server.address": "127.0.0.1", "server.port": 8080}),
        ("http://proxy.internal/v1", {"server.address": "proxy.internal", "server.port": 80}),
        ("http://[::1]:99999/v1", {}),  # a malformed port is the transport's error, not the span's
        ("not a url", {}),
    ],
)
def test_server_attributes(url, expected):
    assert server_attributes(url) == expected


def test_request_attributes_read_what_was_sent():
    request = ModelRequest(Messages().user("hi"), output=OutputSchema("Answer", {"type": "object"}))
    body = {
        "temperature": 0.5,
        "max_output_tokens": 100,
        "top_p": True,  # not a number: a bool is never reported as one
        "stop": ["a", 1],  # not a list of strings
        "session_id": "s-1",
        "top_k": 3,
    }
    assert request_attributes(request, body, "m/x") == {
        "gen_ai.request.model": "m/x",
        "gen_ai.request.temperature": 0.5,
        "gen_ai.request.max_tokens": 100,
        "gen_ai.request.top_k": 3,
        "gen_ai.conversation.id": "s-1",
        "gen_ai.output.type": "json",
    }


def test_response_attributes_skip_what_the_server_did_not_say():
    assert response_attributes(ChatResponse()) == {}
    response = ChatResponse(
        id="gen-1",
        model="openai/gpt-4o",
        provider="OpenAI",
        finish_reason="length",
        usage=Usage(
            input_tokens=3, output_tokens=4, total_tokens=7, cached_tokens=2, cost=0.5, is_byok=False
        ),
    )
    assert response_attributes(response) == {
        "gen_ai.response.id": "gen-1",
        "gen_ai.response.model": "openai/gpt-4o",
        "gen_ai.response.finish_reasons": ["length"],
        "openrouter.upstream_provider": "OpenAI",
        "gen_ai.usage.input_tokens": 3,
        "gen_ai.usage.output_tokens": 4,
        "gen_ai.usage.cache_read.input_tokens": 2,
        "openrouter.cost": 0.5,
    }


@given(st.text())
def test_error_attributes_never_carry_the_message(message):
    error = RateLimitError(f"limited: {message}", status=429)
    error.attempts = 3
    attributes = error_attributes(error)
    assert attributes == {
        "error.type": "RateLimitError",
        "http.response.status_code": 429,
        "openrouter.attempts": 3,
    }
    assert error_attributes(ValueError(message)) == {"error.type": "ValueError"}


def test_content_follows_the_conventions_message_shapes():
    call = ToolPart(id="c1", name="add", arguments={"a": 1})
    call.result = 2
    call.status = call.status.COMPLETED
    conversation = Messages().system("be brief").user("add", FilePart.from_bytes(b"\x89PNG", "image/png"))
    conversation.push(Content.model(call))
    assert json.loads(input_messages(conversation)) == [
        {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "add"},
                # inline bytes are described, never copied into telemetry
                {"type": "file", "mime_type": "image/png", "filename": None, "size": 4},
            ],
        },
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c1", "name": "add", "arguments": {"a": 1}}],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "2"}]},
    ]
    answer = ChatResponse(content=Content.model("3"), finish_reason="stop")
    assert json.loads(output_messages(answer)) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "3"}], "finish_reason": "stop"}
    ]
