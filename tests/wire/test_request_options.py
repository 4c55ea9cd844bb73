"""Request options both wires share (issue 11 item 6): typed ``logprobs``/``top_logprobs``, validated
against the spec, and ``extra_body`` merged recursively into the body the wire computed."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from _spec import assert_valid_request
from chat_openrouter import messages
from chat_openrouter.core.options import ChatOptions, OutputSchema, Reasoning
from chat_openrouter.wire.completions import codec as completions
from chat_openrouter.wire.responses import codec as responses

SCHEMA = {"completions": "ChatRequest", "responses": "ResponsesRequest"}
OUTPUT = OutputSchema("city", {"type": "object", "properties": {"name": {"type": "string"}}})


def encode(wire: str, options: ChatOptions, output: OutputSchema | None = None) -> dict[str, Any]:
    codec = completions if wire == "completions" else responses
    body = codec.encode_request(
        messages.from_user("Capital of France?"), model="openai/gpt-4o", tools=None, options=options,
        output=output, stream=False,
    )
    assert_valid_request(body, SCHEMA[wire])
    return body


def test_chat_sends_logprobs_and_top_logprobs() -> None:
    assert encode("completions", ChatOptions(logprobs=True))["logprobs"] is True
    body = encode("completions", ChatOptions(logprobs=True, top_logprobs=5))
    assert (body["logprobs"], body["top_logprobs"]) == (True, 5)
    # Alternatives need logprobs on (OpenAI rejects top_logprobs alone): asking for them turns it on.
    body = encode("completions", ChatOptions(top_logprobs=3))
    assert (body["logprobs"], body["top_logprobs"]) == (True, 3)
    assert "logprobs" not in encode("completions", ChatOptions())


def test_responses_sends_top_logprobs_and_says_so_when_logprobs_alone_cannot_be_sent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = encode("responses", ChatOptions(logprobs=True, top_logprobs=5))
    assert body["top_logprobs"] == 5 and "logprobs" not in body
    with pytest.warns(UserWarning, match="logprobs is not part of the Responses API.*top_logprobs"):
        body = encode("responses", ChatOptions(logprobs=True))
    assert "logprobs" not in body and "top_logprobs" not in body


@pytest.mark.parametrize(
    "kwargs",
    [{"top_logprobs": 21}, {"top_logprobs": -1}, {"top_logprobs": True}, {"top_logprobs": 2.0},
     {"logprobs": "yes"}, {"logprobs": False, "top_logprobs": 2}],
)
def test_invalid_logprob_options_fail_where_they_are_made(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="logprobs"):
        ChatOptions(**kwargs)


@pytest.mark.parametrize("wire", ["completions", "responses"])
def test_extra_body_objects_extend_what_the_wire_computed(wire: str) -> None:
    if wire == "responses":
        body = encode("responses", ChatOptions(extra_body={"text": {"verbosity": "low"}}), OUTPUT)
        assert body["text"]["verbosity"] == "low"
        assert body["text"]["format"]["name"] == "city", "the structured-output format is kept"
    else:
        body = encode(
            "completions",
            ChatOptions(extra_body={"response_format": {"json_schema": {"description": "A city."}}}),
            OUTPUT,
        )
        schema = body["response_format"]["json_schema"]
        assert (schema["name"], schema["description"]) == ("city", "A city.")
    # Reasoning set in options, one more field through extra_body: both are sent.
    body = encode(wire, ChatOptions(reasoning=Reasoning(effort="high"), extra_body={"reasoning": {"summary": "auto"}}))
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}


@pytest.mark.parametrize("wire", ["completions", "responses"])
def test_extra_body_non_objects_replace(wire: str) -> None:
    options = ChatOptions(
        tool_choice={"type": "function", "name": "f"},
        extra_body={"tool_choice": "none", "models": ["a/b", "c/d"]},
    )
    body = encode(wire, options)
    assert (body["tool_choice"], body["models"]) == ("none", ["a/b", "c/d"])


def test_extra_body_is_copied_not_aliased() -> None:
    extra = {"provider": {"order": ["openai"]}}
    body = encode("completions", ChatOptions(extra_body=extra))
    body["provider"]["order"].append("anthropic")
    assert extra == {"provider": {"order": ["openai"]}}


def test_responses_stays_stateless_whatever_extra_body_says() -> None:
    with pytest.raises(ValueError, match="store"):
        encode("responses", ChatOptions(extra_body={"store": True}))
