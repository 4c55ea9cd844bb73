"""Our real client (both wires, sync and async) against the emulator in-process: what users' tests look like.

The emulator validates every request our codecs send against the OpenAPI spec.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel, Field

from chat_openrouter import messages
from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.events import Done, ReasoningChunk, StreamEvent, TextChunk
from chat_openrouter.core.tools import tool
from chat_openrouter.errors import (
    AuthenticationError,
    BadRequestError,
    IncompleteStreamError,
    ServerError,
    StreamError,
)
from chat_openrouter.openrouter.api import OpenRouterAPI
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.testing.emulator import Emulator
from chat_openrouter.transport.retry import RetryPolicy
from chat_openrouter.wire.base import WireClient

from ._emu import KEY, strict_emulator

T = TypeVar("T")
WIRES = ("responses", "completions")
MODES = ("sync", "async")


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: City name.
    """
    return {"city": city, "celsius": 14}


class Trip(BaseModel):
    city: str = Field(examples=["Lisbon"])
    nights: int = Field(ge=1, le=14)


def build(emulator: Emulator, wire: str, model: str, **retries: Any) -> WireClient:
    builder = OpenRouterBuilder().with_api_key(KEY).with_model(model).with_transport(emulator.transport())
    if retries:  # short backoff: the waits are the retry layer's business, not this test's
        builder = builder.with_retries(RetryPolicy(max_retries=retries["max_retries"], initial_backoff=0.01))
    client: WireClient = (builder.with_completions() if wire == "completions" else builder).build()
    return client


def twin(mode: str, sync: Callable[[], T], run_async: Callable[[], Awaitable[T]]) -> T:
    return sync() if mode == "sync" else asyncio.run(run_async())  # type: ignore[arg-type]


def collect(mode: str, client: WireClient, prompt: str) -> list[StreamEvent]:
    def sync() -> list[StreamEvent]:
        with client.stream_sync(messages.from_user(prompt)) as stream:
            return list(stream)

    async def run_async() -> list[StreamEvent]:
        async with client.stream(messages.from_user(prompt)) as stream:
            return [event async for event in stream]

    return twin(mode, sync, run_async)


@pytest.fixture(params=WIRES)
def wire(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def emulator() -> Emulator:
    return strict_emulator()


def test_complete_reports_text_usage_and_cost(emulator: Emulator, wire: str, mode: str) -> None:
    client = build(emulator, wire, "emulator/echo")
    response = twin(
        mode,
        lambda: client.complete_sync(messages.from_user("Hello, emulator")),
        lambda: client.complete(messages.from_user("Hello, emulator")),
    )
    record = emulator.generations[response.id or ""]
    assert response.text == "Hello, emulator"
    assert response.model == "emulator/echo"
    assert response.finish_reason == "stop"
    assert response.usage.output_tokens == record["tokens_completion"] == 3  # "Hello" "," "emulator"
    assert response.usage.cost == Decimal(repr(record["total_cost"]))
    assert response.usage.cost is not None
    assert response.usage.cost > 0


def test_stream_yields_chunks_then_done(emulator: Emulator, wire: str, mode: str) -> None:
    client = build(emulator, wire, "emulator/echo")
    events = collect(mode, client, "one two three")
    chunks = [e.text for e in events if isinstance(e, TextChunk)]
    done = events[-1]
    assert chunks == ["one", " two", " three"]
    assert isinstance(done, Done)
    assert done.response.text == "one two three"
    assert float(done.response.usage.cost or 0) == emulator.total_cost


def test_tool_loop_with_chat_builder(emulator: Emulator, wire: str, mode: str) -> None:
    chat = ChatBuilder().with_model(build(emulator, wire, "emulator/tools")).with_tools([get_weather]).build()
    response = twin(
        mode, lambda: chat.complete_sync("Weather in Paris?"), lambda: chat.complete("Weather in Paris?")
    )
    assert response.text == 'Based on get_weather: {"city": "example city", "celsius": 14}'
    assert len(response.steps) == 2
    assert response.steps[0].tool_calls[0].arguments == {"city": "example city"}
    assert float(response.usage.cost or 0) == pytest.approx(emulator.total_cost)


def test_structured_output_into_a_pydantic_model(emulator: Emulator, wire: str, mode: str) -> None:
    chat = (
        ChatBuilder().with_model(build(emulator, wire, "emulator/json")).with_structured_output(Trip).build()
    )
    response = twin(mode, lambda: chat.complete_sync("Plan a trip"), lambda: chat.complete("Plan a trip"))
    assert isinstance(response.output, Trip)
    assert response.output.nights == 14


def test_reasoning_is_replayed_verbatim_through_a_tool_loop(emulator: Emulator, wire: str, mode: str) -> None:
    chat = (
        ChatBuilder()
        .with_model(build(emulator, wire, "emulator/reasoning"))
        .with_tools([get_weather])
        .build()
    )

    def sync() -> list[StreamEvent]:
        with chat.stream_sync("Umbrella today?") as stream:
            return list(stream)

    async def run_async() -> list[StreamEvent]:
        async with chat.stream("Umbrella today?") as stream:
            return [event async for event in stream]

    events = twin(mode, sync, run_async)
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningChunk))
    final = events[-1]
    assert isinstance(final, Done)
    assert final.response.text.startswith("Based on get_weather:")
    assert "To answer I need get_weather" in reasoning
    # The second request carried the first turn's signed reasoning back (else the emulator answers 400).
    second = emulator.requests[1].body
    if wire == "completions":
        assistant = next(m for m in second["messages"] if m["role"] == "assistant")
        assert assistant["reasoning_details"][-1]["signature"]
    else:
        item = next(i for i in second["input"] if i.get("type") == "reasoning")
        assert item["encrypted_content"]


def test_rate_limit_is_recovered_by_the_retry_layer(emulator: Emulator, wire: str, mode: str) -> None:
    client = build(emulator, wire, "emulator/rate-limit")
    response = twin(
        mode,
        lambda: client.complete_sync(messages.from_user("again")),
        lambda: client.complete(messages.from_user("again")),
    )
    assert response.text == "again"
    assert [r.status for r in emulator.requests] == [429, 200]


def test_server_error_after_retries(emulator: Emulator, wire: str, mode: str) -> None:
    client = build(emulator, wire, "emulator/error-500", max_retries=1)
    with pytest.raises(ServerError) as caught:
        twin(
            mode,
            lambda: client.complete_sync(messages.from_user("x")),
            lambda: client.complete(messages.from_user("x")),
        )
    assert caught.value.status == 500
    assert len(emulator.requests) == 2


def test_midstream_error_keeps_the_partial_answer(emulator: Emulator, wire: str, mode: str) -> None:
    client = build(emulator, wire, "emulator/midstream-error")
    with pytest.raises(StreamError) as caught:
        collect(mode, client, "one two three four")
    assert caught.value.partial is not None
    assert caught.value.partial.text == "one two"


def test_dropped_stream_is_incomplete(emulator: Emulator, wire: str, mode: str) -> None:
    client = build(emulator, wire, "emulator/echo")
    from chat_openrouter.core.options import ChatOptions

    options = ChatOptions(extra_headers={"X-Emulator-Fault": "disconnect"})

    def sync() -> None:
        with client.stream_sync(messages.from_user("a b c d"), options=options) as stream:
            list(stream)

    async def run_async() -> None:
        async with client.stream(messages.from_user("a b c d"), options=options) as stream:
            [event async for event in stream]

    with pytest.raises(IncompleteStreamError):
        twin(mode, sync, run_async)


def test_unknown_model_and_bad_key(wire: str) -> None:
    emulator = Emulator(api_keys={"sk-or-v1-the-only-key"})
    with pytest.raises(AuthenticationError):
        build(emulator, wire, "emulator/echo").complete_sync(messages.from_user("x"))
    client = (
        OpenRouterBuilder()
        .with_api_key("sk-or-v1-the-only-key")
        .with_model("acme/nope")
        .with_transport(emulator.transport())
    )
    with pytest.raises(BadRequestError, match="acme/nope is not a valid model ID"):
        (client.with_completions() if wire == "completions" else client).build().complete_sync(
            messages.from_user("x")
        )


def test_generation_lookup(emulator: Emulator, wire: str) -> None:
    client = build(emulator, wire, "emulator/echo")
    response = client.complete_sync(messages.from_user("look me up"))
    record = OpenRouterAPI(client).get_generation_sync(response.id or "")
    assert record.id == response.id
    assert record.total_cost == response.usage.cost
    assert record.streamed is False
