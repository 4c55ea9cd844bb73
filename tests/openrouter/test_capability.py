"""with_capability_check(): requests the model cannot serve fail before anything is sent, on both wires."""

from __future__ import annotations

import asyncio

import pytest

from chat_openrouter import ConfigurationError, OutputSchema, ToolSpec, messages
from chat_openrouter.openrouter import ModelCapabilityError, WebSearch, request_options
from chat_openrouter.openrouter.capability import required_capabilities

from ._support import WIRES, Recorder, Reply, builder

WEATHER = ToolSpec(
    "get_weather", "Weather for a city", {"type": "object", "properties": {"city": {"type": "string"}}}
)
ANSWER = OutputSchema(
    "answer", {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
)


def _route(wire: str) -> Recorder:
    """GET /models answers with the recorded catalogue; a POST with a recorded answer of the wire."""
    answer = (
        "chat-nonstream-text-basic.json"
        if wire == "completions"
        else "responses-nonstream-prompt-cache-write.json"
    )
    return Recorder(
        route=lambda seen: Reply.fixture("models-list-truncated.json" if seen.method == "GET" else answer)
    )


def test_required_capabilities_reads_both_wires_bodies() -> None:
    assert required_capabilities({"tools": [{"type": "function", "function": {"name": "f"}}]}) == {
        "tools": "1 function tool"
    }
    assert required_capabilities({"tools": [{"type": "openrouter:web_search"}]}) == {}
    assert required_capabilities({"response_format": {"type": "json_schema", "json_schema": {}}}) == {
        "structured_outputs": "a JSON-schema structured output"
    }
    assert required_capabilities({"text": {"format": {"type": "json_schema", "name": "x"}}}) == {
        "structured_outputs": "a JSON-schema structured output"
    }
    assert required_capabilities({"text": {"format": {"type": "json_object"}}}) == {
        "response_format": "JSON mode"
    }
    assert "reasoning" in required_capabilities({"reasoning": {"effort": "high"}})
    assert required_capabilities({"reasoning": {"effort": "none"}}) == {}
    assert required_capabilities({"reasoning": {"enabled": False}}) == {}


@pytest.mark.parametrize("wire", WIRES)
def test_tools_on_a_model_without_tools_fail_before_sending(wire: str) -> None:
    catalogue = Reply.json(
        {"data": [{"id": "acme/tiny", "supported_parameters": ["temperature", "max_tokens"]}]}
    )
    recorder = Recorder(route=lambda seen: catalogue)
    client = builder(recorder, wire=wire, model="acme/tiny").with_capability_check().build()
    with pytest.raises(ModelCapabilityError) as caught:
        client.complete_sync(messages.from_user("Weather in Paris?"), tools=[WEATHER])
    error = caught.value
    assert isinstance(error, ConfigurationError)
    assert error.model == "acme/tiny"
    assert list(error.missing) == ["tools"]
    assert "'tools'" in str(error)
    assert "with_capability_check" in str(error)
    assert [s.method for s in recorder.seen] == ["GET"]  # nothing was POSTed


@pytest.mark.parametrize("wire", WIRES)
def test_structured_output_and_reasoning_are_checked(wire: str) -> None:
    recorder = _route(wire)
    client = builder(recorder, wire=wire, model="anthropic/claude-sonnet-4").with_capability_check().build()
    # claude-sonnet-4 in the recorded catalogue lists tools and reasoning, but not structured_outputs.
    with pytest.raises(ModelCapabilityError, match="structured_outputs"):
        client.complete_sync(messages.from_user("Hi"), output=ANSWER)
    client.complete_sync(messages.from_user("Hi"), tools=[WEATHER], options=request_options())
    gpt4o = (
        builder(recorder, wire=wire, model="openai/gpt-4o")
        .with_capability_check()
        .with_reasoning(effort="high")
        .build()
    )
    with pytest.raises(ModelCapabilityError, match="reasoning"):
        gpt4o.complete_sync(messages.from_user("Hi"))
    posts = [s for s in recorder.seen if s.method == "POST"]
    assert len(posts) == 1
    assert len([s for s in recorder.seen if s.method == "GET"]) == 2


@pytest.mark.parametrize("wire", WIRES)
def test_unknown_models_presets_and_server_tools_pass(wire: str) -> None:
    recorder = _route(wire)
    client = builder(recorder, wire=wire, model="brand-new/model").with_capability_check().build()
    client.complete_sync(messages.from_user("Hi"), tools=[WEATHER])
    preset = builder(recorder, wire=wire, model="@preset/comedian").with_capability_check().build()
    preset.complete_sync(messages.from_user("Hi"), tools=[WEATHER])
    # server tools need nothing from the model, and no catalogue fetch happens for a plain request
    plain = builder(recorder, wire=wire, model="openai/gpt-3.5-turbo").with_capability_check().build()
    before = len(recorder.seen)
    plain.complete_sync(messages.from_user("Hi"), tools=[WebSearch()])
    assert [s.method for s in recorder.seen[before:]] == ["POST"]


@pytest.mark.parametrize("wire", WIRES)
def test_streams_are_checked_too(wire: str) -> None:
    catalogue = Reply.json({"data": [{"id": "acme/tiny", "supported_parameters": []}]})
    recorder = Recorder(route=lambda seen: catalogue)
    client = builder(recorder, wire=wire, model="acme/tiny").with_capability_check().build()
    with pytest.raises(ModelCapabilityError):
        client.stream_sync(messages.from_user("Hi"), tools=[WEATHER])

    async def run() -> None:
        async for _ in client.stream(messages.from_user("Hi"), tools=[WEATHER]):
            pass

    with pytest.raises(ModelCapabilityError):
        asyncio.run(run())

    async def run_complete() -> None:
        await client.complete(messages.from_user("Hi"), tools=[WEATHER])

    with pytest.raises(ModelCapabilityError):
        asyncio.run(run_complete())
    assert all(s.method == "GET" for s in recorder.seen)


def test_without_the_check_nothing_is_fetched() -> None:
    recorder = Recorder(route=lambda seen: Reply.fixture("chat-nonstream-text-basic.json"))
    client = builder(recorder, wire="completions", model="acme/tiny").build()
    client.complete_sync(messages.from_user("Hi"), tools=[WEATHER])
    assert [s.method for s in recorder.seen] == ["POST"]
