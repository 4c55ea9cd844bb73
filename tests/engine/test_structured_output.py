"""Structured output through the Chat: strict schema sent, answer validated, retries, streaming."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.events import Structured
from chat_openrouter.core.messages import Content
from chat_openrouter.core.parts import Role, StructuredPart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.errors import ConfigurationError, StructuredOutputError
from chat_openrouter.testing import ScriptedProvider, reply

from ._harness import MODES, STREAM_MODES, drive, event_summary
from ._scenarios import (
    Person,
    structured_retry_then_fail,
    structured_retry_then_success,
    structured_success,
    structured_with_tools,
)


@pytest.mark.parametrize("mode", MODES)
def test_valid_answer_becomes_response_output(mode: str) -> None:
    scenario = structured_success()
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.error is None
    assert outcome.response is not None
    assert outcome.response.output == Person(name="Ada", age=36)
    assert isinstance(outcome.response.output, Person)
    schema = scenario.provider.requests[0].output
    assert schema is not None
    assert (schema.name, schema.strict) == ("Person", True)
    assert schema.schema == {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }


@pytest.mark.parametrize("mode", MODES)
def test_invalid_answer_is_retried_with_what_was_wrong(mode: str) -> None:
    scenario = structured_retry_then_success()
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.response is not None
    assert outcome.response.output == Person(name="Ada", age=36)
    assert len(outcome.response.steps) == 2
    retry = scenario.provider.requests[1].messages
    assert [str(c.role) for c in retry] == ["user", "model", "user"]
    assert retry[-1].text == (
        "Your previous answer could not be accepted: invalid structured output:\n"
        "- age: Field required\n"
        "Reply again with only the JSON value, matching the required JSON schema exactly."
    )


@pytest.mark.parametrize("mode", MODES)
def test_retries_exhausted_raise_with_the_raw_text(mode: str) -> None:
    scenario = structured_retry_then_fail()
    outcome = drive(scenario.chat, mode, scenario.messages)
    error = outcome.error
    assert isinstance(error, StructuredOutputError)
    assert error.raw_text == '{"name": "Ada", "age": "old"}'
    assert error.attempts == 2
    assert [e["loc"] for e in error.errors] == [("age",)]
    assert "after 2 attempt(s)" in str(error)
    assert len(scenario.provider.requests) == 2
    told = scenario.provider.requests[1].messages[-1].text
    assert "- (root): Invalid JSON: expected ident at line 1 column 2" in told


@pytest.mark.parametrize("mode", MODES)
def test_structured_output_works_with_tools(mode: str) -> None:
    scenario = structured_with_tools()
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.response is not None
    assert outcome.response.output == Person(name="Ada", age=36)
    # The schema is sent on every call, tools on every call too.
    assert all(r.output is not None and r.tool_names == ["add"] for r in scenario.provider.requests)


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_stream_yields_partial_text_then_structured_then_done(mode: str) -> None:
    scenario = structured_success()
    outcome = drive(scenario.chat, mode, scenario.messages)
    summaries = [event_summary(e) for e in outcome.events]
    texts = [s[1] for s in summaries if s[0] == "text"]
    assert "".join(texts) == '{"name": "Ada", "age": 36}'
    assert len(texts) > 1  # partial JSON arrives in pieces
    assert [s[0] for s in summaries[-2:]] == ["structured", "done"]
    structured = outcome.events[-2]
    assert isinstance(structured, Structured)
    assert structured.value == Person(name="Ada", age=36)


def test_zero_retries_fails_on_first_invalid_answer() -> None:
    provider = ScriptedProvider([reply("[]")])
    chat = ChatBuilder().with_model(provider).with_structured_output(Person).with_output_retries(0).build()
    with pytest.raises(StructuredOutputError) as caught:
        chat.complete_sync("who?")
    assert caught.value.attempts == 1
    assert caught.value.raw_text == "[]"


def test_non_object_types_are_wrapped_and_unwrapped() -> None:
    provider = ScriptedProvider([reply('{"value": [1, 2, 3]}')])
    chat = ChatBuilder().with_model(provider).with_structured_output(list[int]).build()
    assert chat.complete_sync("numbers").output == [1, 2, 3]
    schema = provider.requests[0].output
    assert schema is not None
    assert schema.schema["required"] == ["value"]


def test_dataclasses_and_markdown_fences_are_accepted() -> None:
    @dataclass
    class Point:
        x: int
        y: int

    provider = ScriptedProvider([reply('```json\n{"x": 1, "y": 2}\n```')])
    chat = ChatBuilder().with_model(provider).with_structured_output(Point, name="point").build()
    assert chat.complete_sync("where?").output == Point(1, 2)
    assert provider.requests[0].output is not None
    assert provider.requests[0].output.name == "point"


def test_a_structured_part_from_the_wire_wins_over_text() -> None:
    response = ChatResponse(content=Content(Role.MODEL, [StructuredPart({"name": "Bo", "age": 3})]))
    provider = ScriptedProvider([response])
    chat = ChatBuilder().with_model(provider).with_structured_output(Person).build()
    assert chat.complete_sync("who?").output == Person(name="Bo", age=3)


def test_empty_answer_is_explained() -> None:
    provider = ScriptedProvider([reply(""), reply('{"name": "A", "age": 1}')])
    chat = ChatBuilder().with_model(provider).with_structured_output(Person).build()
    chat.complete_sync("who?")
    assert "the answer was empty" in provider.requests[1].messages[-1].text


def test_types_pydantic_cannot_describe_fail_at_build() -> None:
    class Opaque:
        pass

    with pytest.raises(ConfigurationError, match="structured output"):
        ChatBuilder().with_model(ScriptedProvider([])).with_structured_output(Opaque).build()
