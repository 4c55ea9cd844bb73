"""OpenRouterAPI models group: typed catalogue from spec/recorded bodies, a TTL cache shared per endpoint."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from chat_openrouter.errors import DecodeError
from chat_openrouter.openrouter import ModelInfo, OpenRouterAPI

from .._support import Recorder, Reply, builder


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- models ----------------------------------------------------------------------------------------------
def test_list_models_is_typed_with_decimal_prices() -> None:
    recorder = Recorder([Reply.fixture("models-list-truncated.json")])
    models = builder(recorder).build_api().list_models_sync()
    assert [m.id for m in models] == [
        "anthropic/claude-sonnet-4",
        "openai/gpt-4.1-mini",
        "openai/gpt-4o",
        "openai/gpt-3.5-turbo",
    ]
    sonnet = models[0]
    assert sonnet.name == "Anthropic: Claude Sonnet 4"
    assert sonnet.canonical_slug == "anthropic/claude-4-sonnet-20250522"
    assert sonnet.context_length == 1000000
    assert sonnet.pricing.prompt == Decimal("0.000003")
    assert isinstance(sonnet.pricing.prompt, Decimal)
    assert sonnet.pricing.completion == Decimal("0.000015")
    assert sonnet.pricing.prompt * 1_000_000 == 3  # exact: decimal strings, never float noise
    assert sonnet.pricing.input_cache_write_1h == Decimal("0.000006")
    assert sonnet.pricing.overrides[0]["min_prompt_tokens"] == 200000
    assert sonnet.input_modalities == ("image", "text", "file")
    assert sonnet.output_modalities == ("text",)
    assert sonnet.top_provider.max_completion_tokens == 64000
    assert sonnet.top_provider.is_moderated is True
    assert sonnet.supports_tools
    assert sonnet.supports_reasoning
    assert not sonnet.supports_structured_outputs
    assert sonnet.reasoning is not None
    assert sonnet.reasoning.mandatory is False
    assert "benchmarks" in sonnet.raw
    gpt4o = models[2]
    assert gpt4o.supports_structured_outputs
    assert not gpt4o.supports_reasoning
    assert gpt4o.reasoning is None
    # The catalogue asks for every output modality, not only text (reference §10.1).
    assert recorder.seen[0].path == "/api/v1/models"
    assert recorder.seen[0].params == {"output_modalities": "all"}
    assert recorder.seen[0].headers["authorization"] == "Bearer sk-or-v1-test"


def test_spec_example_model_decodes() -> None:
    recorder = Recorder([Reply.fixture("spec-models-get.json")])
    (gpt4,) = builder(recorder).build_api().list_models_sync()
    assert gpt4.pricing.request == Decimal("0")
    assert gpt4.pricing.image == Decimal("0")
    assert gpt4.architecture.instruct_type == "chatml"
    assert gpt4.architecture.tokenizer == "GPT"
    assert gpt4.supported_parameters == frozenset({"temperature", "top_p", "max_tokens"})


def test_lenient_decoding_of_odd_catalogue_entries() -> None:
    body = {
        "data": [
            {
                "id": "x/y",
                "pricing": {"prompt": "n/a", "future_price": "0.5", "discount": 0.1},
                "architecture": None,
                "supported_parameters": "tools",
            },
            {"name": "no id"},
            "junk",
        ]
    }
    (model,) = builder(Recorder([Reply.json(body)])).build_api().list_models_sync()
    assert model.pricing.prompt is None
    assert model.pricing.other == {"future_price": Decimal("0.5")}
    assert model.pricing.discount == 0.1
    assert model.supported_parameters == frozenset()
    assert model.context_length is None
    # A body without its `data` list is no catalogue: a DecodeError, never [] (issue 13, item 9).
    with pytest.raises(DecodeError):
        builder(Recorder([Reply.json({"unexpected": True})])).build_api().list_models_sync()


def test_catalogue_is_cached_for_the_ttl_then_refetched() -> None:
    clock = FakeClock()
    recorder = Recorder(route=lambda _: Reply.fixture("models-list-truncated.json"))
    client = builder(recorder).with_catalog(ttl=60, clock=clock).build()
    api = OpenRouterAPI(client)
    api.list_models_sync()
    clock.now += 59
    assert api.get_model_sync("openai/gpt-4o") is not None
    assert len(recorder.seen) == 1
    clock.now += 2
    api.list_models_sync()
    assert len(recorder.seen) == 2
    api.list_models_sync(refresh=True)
    assert len(recorder.seen) == 3
    # Clients derived with with_options share the cache (and the connection).
    OpenRouterAPI(client.with_options(client.options)).list_models_sync()
    assert len(recorder.seen) == 3
    # ... and so does every other API object on the same client: the cache belongs to the endpoint.
    assert OpenRouterAPI(client).catalog_ttl == 60
    OpenRouterAPI(client).get_model_sync("openai/gpt-4o")
    assert len(recorder.seen) == 3
    api.invalidate_models()
    OpenRouterAPI(client).list_models_sync()
    assert len(recorder.seen) == 4


def test_get_model_falls_back_from_a_variant_and_returns_none_when_unknown() -> None:
    client = OpenRouterAPI(
        builder(Recorder(route=lambda _: Reply.fixture("models-list-truncated.json"))).build()
    )
    found = client.get_model_sync("openai/gpt-4o:nitro")
    assert found is not None
    assert found.id == "openai/gpt-4o"
    assert client.get_model_sync("nobody/nothing") is None


def test_async_twins_share_the_cache() -> None:
    recorder = Recorder(route=lambda _: Reply.fixture("models-list-truncated.json"))
    client = OpenRouterAPI(builder(recorder, wire="completions").build())

    async def run() -> tuple[list[ModelInfo], ModelInfo | None]:
        return await client.list_models(), await client.get_model("anthropic/claude-sonnet-4")

    models, sonnet = asyncio.run(run())
    assert len(models) == 4
    assert sonnet is not None
    assert sonnet.supports_tools
    assert len(recorder.seen) == 1
