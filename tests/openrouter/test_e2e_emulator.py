"""The OpenRouter layer end to end: real HTTP on 127.0.0.1 against the bundled OpenRouter emulator.

Inference, catalogue, generation records, key and credits go through the same connection pool; the
emulator answers like OpenRouter (and, for ``emulator/reasoning``, rejects a tool turn whose reasoning
was not replayed verbatim, as Gemini 3 does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from chat_openrouter import messages
from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.tools import tool
from chat_openrouter.openrouter import ModelCapabilityError, OpenRouterAPI, OpenRouterBuilder
from chat_openrouter.testing.emulator import Emulator, EmulatorServer

from ._support import WIRES


@tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: The city name.
    """
    return f"Sunny in {city}"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Emulator, EmulatorServer]]:
    emulator = Emulator()
    with emulator.loopback() as running:
        yield emulator, running


def _builder(server: tuple[Emulator, EmulatorServer], wire: str, model: str) -> OpenRouterBuilder:
    b = OpenRouterBuilder().with_api_key("sk-or-v1-test").with_base_url(server[1].base_url).with_model(model)
    return b.with_completions() if wire == "completions" else b


@pytest.mark.parametrize("wire", WIRES)
def test_reasoning_tool_loop_costs_match_the_generation_records(
    server: tuple[Emulator, EmulatorServer], wire: str
) -> None:
    emulator, _ = server
    with (
        _builder(server, wire, "emulator/reasoning")
        .with_reasoning(effort="high")
        .with_app(url="https://myapp.example", title="My App")
        .build() as client
    ):
        chat = ChatBuilder().with_model(client).with_tools([get_weather]).build()
        run = chat.complete_sync(messages.from_user("Weather in Paris?"))
        # emulator/reasoning answers 400 unless the signed reasoning came back verbatim on the tool turn.
        assert run.text.startswith("Based on get_weather: Sunny in")  # the emulator invents the arguments
        assert len(run.steps) == 2
        assert run.steps[0].reasoning
        records = [OpenRouterAPI(client).get_generation_sync(step.id or "", wait=0) for step in run.steps]
        assert [r.total_cost for r in records] == [step.usage.cost for step in run.steps]
        assert run.usage.cost == sum(r.total_cost or 0 for r in records)  # exact (Decimal)
        assert all(r.provider_name == "Emulator" and r.model == "emulator/reasoning" for r in records)
        sent = [r for r in emulator.requests if r.method == "POST"][-2:]
        assert all(r.headers.get("http-referer") == "https://myapp.example" for r in sent)


@pytest.mark.parametrize("wire", WIRES)
def test_catalogue_key_credits_and_capability_check(
    server: tuple[Emulator, EmulatorServer], wire: str
) -> None:
    with _builder(server, wire, "emulator/echo").with_capability_check().build() as client:
        api = OpenRouterAPI(client)
        models = {m.id: m for m in api.list_models_sync()}
        assert models["emulator/tools"].supports_tools
        assert not models["emulator/echo"].supports_tools
        assert models["emulator/reasoning"].supports_reasoning
        with pytest.raises(ModelCapabilityError, match="tools"):
            client.complete_sync(messages.from_user("hi"), tools=[get_weather.spec])
        assert client.complete_sync(messages.from_user("hi")).text == "hi"
        key = api.get_key_sync()
        credits = api.get_credits_sync()
        assert key.usage is not None
        assert key.usage > 0
        assert credits.total_credits == 10.0
        assert credits.remaining < 10.0


@pytest.mark.parametrize("wire", WIRES)
def test_async_twins_over_http(server: tuple[Emulator, EmulatorServer], wire: str) -> None:
    client = _builder(server, wire, "emulator/echo").with_capability_check().build()

    async def run() -> None:
        async with client:
            response = await client.complete(messages.from_user("ping"))
            api = OpenRouterAPI(client)
            record = await api.get_generation(response.id or "", wait=0)
            assert record.total_cost == response.usage.cost
            assert (await api.get_model("emulator/echo")) is not None
            with pytest.raises(ModelCapabilityError):
                async for _ in client.stream(messages.from_user("hi"), tools=[get_weather.spec]):
                    pass

    asyncio.run(run())
