"""The capability pre-flight reads the model's endpoints where they answer better than the catalogue: when
the request narrows its providers, asks one provider to support everything, or names a model the
catalogue lacks. One eligible provider must support every capability the request uses."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chat_openrouter import ToolSpec, messages
from chat_openrouter.openrouter import ModelCapabilityError, ProviderPreferences, request_options

from ._support import WIRES, Recorder, Reply, Seen, builder

WEATHER = ToolSpec("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})
# The catalogue lists the union over providers: tools are supported by *some* provider.
CATALOGUE = {"data": [{"id": "acme/big", "supported_parameters": ["tools", "temperature"]}]}


def _endpoint(tag: str, params: list[str], quantization: str | None = "fp8") -> dict[str, Any]:
    return {
        "provider_name": tag.title(),
        "tag": tag,
        "quantization": quantization,
        "supported_parameters": params,
    }


ENDPOINTS = {
    "data": {
        "id": "acme/big",
        "name": "Big",
        "endpoints": [
            _endpoint("fastco", ["temperature"], "fp4"),
            _endpoint("slowco/eu", ["tools", "temperature"]),
        ],
    }
}
ANSWERS = {
    "responses": "responses-nonstream-prompt-cache-write.json",
    "completions": "chat-nonstream-text-basic.json",
}


def _recorder(wire: str) -> Recorder:
    def route(seen: Seen) -> Reply:
        if seen.path.endswith("/models"):
            return Reply.json(CATALOGUE)
        if seen.path.endswith("/nope/endpoints"):
            return Reply.json({"error": {"code": 404, "message": "Not Found"}}, status=404)
        if seen.path.endswith("/endpoints"):
            return Reply.json(ENDPOINTS)
        return Reply.fixture(ANSWERS[wire])

    return Recorder(route=route)


def _send(
    wire: str,
    provider: ProviderPreferences | None,
    *,
    model: str = "acme/big",
    use_async: bool = False,
    recorder: Recorder | None = None,
) -> Recorder:
    recorder = recorder or _recorder(wire)
    client = builder(recorder, wire=wire, model=model).with_capability_check().build()
    options = request_options(provider=provider) if provider is not None else None
    msgs = messages.from_user("weather?")
    if use_async:
        asyncio.run(client.complete(msgs, tools=[WEATHER], options=options))
    else:
        client.complete_sync(msgs, tools=[WEATHER], options=options)
    return recorder


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    "provider",
    [
        ProviderPreferences(only=["fastco"]),
        ProviderPreferences(order=["fastco"], allow_fallbacks=False),
        ProviderPreferences(ignore=["slowco"]),
        ProviderPreferences(quantizations=["fp4"]),
    ],
)
@pytest.mark.parametrize("use_async", [False, True])
def test_narrowed_to_a_provider_without_tools_fails_before_sending(
    wire: str, provider: ProviderPreferences, use_async: bool
) -> None:
    recorder = _recorder(wire)
    with pytest.raises(ModelCapabilityError, match=r"no provider the request allows \(fastco\)") as raised:
        _send(wire, provider, use_async=use_async, recorder=recorder)
    assert raised.value.model == "acme/big" and raised.value.missing == {"tools": "1 function tool"}
    assert [s.method for s in recorder.seen] == ["GET"]  # the endpoints, and nothing sent


@pytest.mark.parametrize("wire", WIRES)
def test_providers_that_serve_everything_pass_and_the_endpoints_are_cached(wire: str) -> None:
    recorder = _recorder(wire)
    client = builder(recorder, wire=wire, model="acme/big").with_capability_check().build()
    for provider in (ProviderPreferences(only=["slowco"]), ProviderPreferences(require_parameters=True)):
        client.complete_sync(
            messages.from_user("q"), tools=[WEATHER], options=request_options(provider=provider)
        )
    assert [s.path.rsplit("/", 1)[-1] for s in recorder.seen if s.method == "GET"] == [
        "endpoints"
    ]  # once per TTL
    # Without narrowing, the catalogue (any provider has tools) decides, as before.
    assert [s.method for s in _send(wire, None).seen] == ["GET", "POST"]
    assert _send(wire, ProviderPreferences(sort="price")).seen[0].path.endswith("/models")


@pytest.mark.parametrize("wire", WIRES)
def test_unknown_models_and_empty_eligibility_are_left_to_openrouter(wire: str) -> None:
    _send(wire, ProviderPreferences(only=["acme-cloud"]))  # no endpoint matches: OpenRouter will judge
    recorder = _send(
        wire, ProviderPreferences(only=["x"]), model="acme/nope"
    )  # unknown model: 404 -> let through
    assert [s.method for s in recorder.seen] == ["GET", "POST"]
    assert recorder.seen[0].path.endswith("/acme/nope/endpoints")
