"""The official ``openai`` SDK against the emulator on loopback: a client we did not write understands it.

Both wires (Chat Completions and Responses), plain text, streaming, a tool round trip and structured
output -- through the SDK's own parsers and stream helpers, over real HTTP, on both server backends.
The emulator validates every request the SDK sends against the OpenAPI spec.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from pydantic import BaseModel, Field

from _spec import spec_errors
from chat_openrouter.testing.emulator import Emulator, EmulatorServer


class Forecast(BaseModel):
    city: str = Field(examples=["Paris"])
    celsius: int = Field(ge=-50, le=60)
    sunny: bool


WEATHER_TOOL_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string", "examples": ["Oslo"]}},
    "required": ["city"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module", params=["builtin", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    with Emulator(validator=spec_errors).loopback(backend=request.param) as running:
        yield running


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.base_url, api_key="sk-or-v1-fidelity", max_retries=0) as sdk:
        yield sdk


# -- Chat Completions ------------------------------------------------------------------------------------
def test_chat_text(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="emulator/echo", messages=[{"role": "user", "content": "hello"}]
    )
    assert completion.choices[0].message.content == "hello"
    assert completion.id.startswith("gen-")
    assert completion.usage is not None
    assert completion.usage.total_tokens > 0
    assert (completion.usage.model_extra or {})["cost"] > 0  # OpenRouter's extension survives the SDK model


def test_chat_stream(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="emulator/echo", messages=[{"role": "user", "content": "streamed words arrive"}], stream=True
    )
    pieces, usage = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    assert "".join(pieces) == "streamed words arrive"
    assert usage is not None
    assert usage.completion_tokens == 3


def test_chat_tool_round_trip(client: openai.OpenAI) -> None:
    tools: list[Any] = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather by city",
                "parameters": WEATHER_TOOL_PARAMETERS,
            },
        }
    ]
    messages: list[Any] = [{"role": "user", "content": "Weather in Oslo?"}]
    first = client.chat.completions.create(model="emulator/tools", messages=messages, tools=tools)
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    call = message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Oslo"}
    messages += [
        message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "snow, -3C"},
    ]
    second = client.chat.completions.create(model="emulator/tools", messages=messages, tools=tools)
    assert second.choices[0].message.content == "Based on get_weather: snow, -3C"


def test_chat_tool_call_stream_helper(client: openai.OpenAI) -> None:
    tools: list[Any] = [
        {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_TOOL_PARAMETERS}}
    ]
    with client.chat.completions.stream(
        model="emulator/tools", messages=[{"role": "user", "content": "Weather?"}], tools=tools
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls or []
    pairs = [(c.function.name, c.function.arguments) for c in calls]  # type: ignore[union-attr]
    assert pairs == [("get_weather", '{"city":"Oslo"}')]


def test_chat_structured_output(client: openai.OpenAI) -> None:
    completion = client.chat.completions.parse(
        model="emulator/json",
        messages=[{"role": "user", "content": "Forecast please"}],
        response_format=Forecast,
    )
    parsed = completion.choices[0].message.parsed
    assert parsed == Forecast(city="Paris", celsius=42, sunny=True)


def test_chat_structured_output_streamed(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="emulator/json",
        messages=[{"role": "user", "content": "Forecast please"}],
        response_format=Forecast,
    ) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.parsed == Forecast(city="Paris", celsius=42, sunny=True)


def test_chat_rate_limit_is_retried_by_the_sdk(server: EmulatorServer) -> None:
    with openai.OpenAI(base_url=server.base_url, api_key="sk-or-v1-fidelity", max_retries=2) as sdk:
        completion = sdk.chat.completions.create(
            model="emulator/rate-limit", messages=[{"role": "user", "content": "retry me (sdk)"}]
        )
    assert completion.choices[0].message.content == "retry me (sdk)"


def test_chat_error_maps_to_sdk_exception(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="acme/unknown", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 400
    assert "acme/unknown is not a valid model ID" in str(caught.value)


# -- Responses API --------------------------------------------------------------------------------------
def test_responses_text(client: openai.OpenAI) -> None:
    response = client.responses.create(model="emulator/echo", input="hello responses")
    assert response.output_text == "hello responses"
    assert response.id.startswith("gen-")
    assert response.status == "completed"
    assert response.usage is not None
    assert response.usage.output_tokens == 2


def test_responses_stream(client: openai.OpenAI) -> None:
    stream = client.responses.create(model="emulator/echo", input="one two three", stream=True)
    kinds, deltas = [], []
    for event in stream:
        kinds.append(event.type)
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
    assert "".join(deltas) == "one two three"
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"


def test_responses_stream_helper(client: openai.OpenAI) -> None:
    with client.responses.stream(model="emulator/echo", input="helper stream") as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == "helper stream"


def test_responses_tool_round_trip_replaying_sdk_output(client: openai.OpenAI) -> None:
    tools: list[Any] = [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather by city",
            "parameters": WEATHER_TOOL_PARAMETERS,
            "strict": True,
        }
    ]
    first = client.responses.create(
        model="emulator/reasoning",
        input="Weather in Oslo?",
        tools=tools,
        reasoning={"effort": "low"},
        include=["reasoning.encrypted_content"],
    )
    kinds = [item.type for item in first.output]
    assert kinds == ["reasoning", "function_call"]
    call = first.output[1]
    assert call.type == "function_call"
    assert json.loads(call.arguments) == {"city": "Oslo"}
    # Stateless: replay the SDK's own output items (reasoning with encrypted_content included) + the result.
    history: list[Any] = [
        {"role": "user", "content": "Weather in Oslo?"},
        *[item.model_dump(exclude_none=True) for item in first.output],
        {"type": "function_call_output", "call_id": call.call_id, "output": "snow"},
    ]
    second = client.responses.create(model="emulator/reasoning", input=history, tools=tools)
    assert second.output_text == "Based on get_weather: snow"


def test_responses_structured_output(client: openai.OpenAI) -> None:
    response = client.responses.parse(model="emulator/json", input="Forecast please", text_format=Forecast)
    assert response.output_parsed == Forecast(city="Paris", celsius=42, sunny=True)


def test_responses_stateful_request_is_rejected(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="emulator/echo", input="x", previous_response_id="gen-1-abc")
