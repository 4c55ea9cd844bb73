"""Catalogue and account endpoints: typed decoding of spec/recorded bodies, TTL cache, polite 404 polling."""

from __future__ import annotations

import asyncio
import inspect
from decimal import Decimal

import pytest

from chat_openrouter import NotFoundError, PermissionDeniedError, ResponsesClient
from chat_openrouter.errors import DecodeError
from chat_openrouter.openrouter import Credits, Generation, KeyInfo, ModelInfo, OpenRouterAPI

from ._support import Recorder, Reply, builder

NOT_FOUND = Reply.json({"error": {"code": 404, "message": "Generation not found"}}, status=404)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- models ----------------------------------------------------------------------------------------------
def test_list_models_is_typed_with_decimal_prices() -> None:
    recorder = Recorder([Reply.fixture("models-list-truncated.json")])
    models = builder(recorder).build().list_models_sync()
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
    (gpt4,) = builder(recorder).build().list_models_sync()
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
    (model,) = builder(Recorder([Reply.json(body)])).build().list_models_sync()
    assert model.pricing.prompt is None
    assert model.pricing.other == {"future_price": Decimal("0.5")}
    assert model.pricing.discount == 0.1
    assert model.supported_parameters == frozenset()
    assert model.context_length is None
    assert builder(Recorder([Reply.json({"unexpected": True})])).build().list_models_sync() == []


def test_catalogue_is_cached_for_the_ttl_then_refetched() -> None:
    clock = FakeClock()
    recorder = Recorder(route=lambda _: Reply.fixture("models-list-truncated.json"))
    client = builder(recorder).with_catalog(ttl=60, clock=clock).build()
    client.list_models_sync()
    clock.now += 59
    assert client.get_model_sync("openai/gpt-4o") is not None
    assert len(recorder.seen) == 1
    clock.now += 2
    client.list_models_sync()
    assert len(recorder.seen) == 2
    client.list_models_sync(refresh=True)
    assert len(recorder.seen) == 3
    # Clients derived with with_options share the cache (and the connection).
    client.with_options(client.options).list_models_sync()
    assert len(recorder.seen) == 3


def test_get_model_falls_back_from_a_variant_and_returns_none_when_unknown() -> None:
    client = builder(Recorder(route=lambda _: Reply.fixture("models-list-truncated.json"))).build()
    found = client.get_model_sync("openai/gpt-4o:nitro")
    assert found is not None
    assert found.id == "openai/gpt-4o"
    assert client.get_model_sync("nobody/nothing") is None


def test_async_twins_share_the_cache() -> None:
    recorder = Recorder(route=lambda _: Reply.fixture("models-list-truncated.json"))
    client = builder(recorder, wire="completions").build()

    async def run() -> tuple[list[ModelInfo], ModelInfo | None]:
        return await client.list_models(), await client.get_model("anthropic/claude-sonnet-4")

    models, sonnet = asyncio.run(run())
    assert len(models) == 4
    assert sonnet is not None
    assert sonnet.supports_tools
    assert len(recorder.seen) == 1


# -- generation ------------------------------------------------------------------------------------------
def _api(recorder: Recorder, sleeps: list[float]) -> OpenRouterAPI:
    client = builder(recorder).build()

    async def asleep(delay: float) -> None:
        sleeps.append(delay)

    return OpenRouterAPI(client.endpoint, sleep=sleeps.append, asleep=asleep)


def test_get_generation_unwraps_data_and_is_typed() -> None:
    recorder = Recorder([Reply.fixture("spec-generation-get.json")])
    gen = builder(recorder).build().get_generation_sync("gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG")
    assert isinstance(gen, Generation)
    assert gen.id == "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG"
    assert (gen.model, gen.provider_name) == ("sao10k/l3-stheno-8b", "Infermatic")
    assert (gen.total_cost, gen.upstream_inference_cost, gen.cache_discount) == (0.0015, 0.0012, None)
    assert (
        gen.native_tokens_prompt,
        gen.native_tokens_completion,
        gen.native_tokens_reasoning,
        gen.native_tokens_cached,
    ) == (10, 25, 5, 3)
    assert (gen.streamed, gen.cancelled, gen.is_byok) == (True, False, False)
    assert (gen.latency, gen.generation_time) == (1250.0, 1200.0)
    assert gen.finish_reason == "stop"
    assert gen.router == "openrouter/auto"
    assert gen.raw["web_search_engine"] == "exa"
    seen = recorder.seen[0]
    assert (seen.method, seen.path, seen.params) == (
        "GET",
        "/api/v1/generation",
        {"id": "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG"},
    )


def test_get_generation_retries_early_404s_with_backoff() -> None:
    sleeps: list[float] = []
    recorder = Recorder([NOT_FOUND, NOT_FOUND, Reply.fixture("spec-generation-get.json")])
    gen = _api(recorder, sleeps).get_generation_sync("gen-x")
    assert gen.total_cost == 0.0015
    assert sleeps == [0.5, 1.0]
    assert len(recorder.seen) == 3


def test_get_generation_gives_up_within_the_wait_budget() -> None:
    sleeps: list[float] = []
    recorder = Recorder(route=lambda _: NOT_FOUND)
    with pytest.raises(NotFoundError):
        _api(recorder, sleeps).get_generation_sync("gen-x", wait=2.0)
    assert sleeps == [0.5, 1.0, 0.5]  # bounded: never more than `wait` seconds in all
    assert len(recorder.seen) == 4


def test_get_generation_wait_zero_is_a_single_attempt() -> None:
    sleeps: list[float] = []
    recorder = Recorder(route=lambda _: NOT_FOUND)
    with pytest.raises(NotFoundError):
        _api(recorder, sleeps).get_generation_sync("gen-x", wait=0)
    assert sleeps == []
    assert len(recorder.seen) == 1


def test_get_generation_default_budget_is_bounded() -> None:
    sleeps: list[float] = []
    with pytest.raises(NotFoundError):
        _api(Recorder(route=lambda _: NOT_FOUND), sleeps).get_generation_sync("gen-x")
    assert 0 < sum(sleeps) <= 15.0
    assert len(sleeps) <= 8


def test_get_generation_async_twin_uses_the_async_sleep() -> None:
    sleeps: list[float] = []
    recorder = Recorder([NOT_FOUND, Reply.fixture("spec-generation-get.json")])
    gen = asyncio.run(_api(recorder, sleeps).get_generation("gen-x"))
    assert gen.provider_name == "Infermatic"
    assert sleeps == [0.5]


def test_other_errors_are_not_polled() -> None:
    sleeps: list[float] = []
    recorder = Recorder([Reply.json({"error": {"code": 403, "message": "nope"}}, status=403)])
    with pytest.raises(PermissionDeniedError):
        _api(recorder, sleeps).get_generation_sync("gen-x")
    assert sleeps == []


def test_a_body_without_data_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="data"):
        builder(Recorder([Reply.json({"id": "gen-x"})])).build().get_generation_sync("gen-x")


# -- key and credits -------------------------------------------------------------------------------------
def test_get_key_is_typed() -> None:
    recorder = Recorder([Reply.fixture("spec-key-get.json")])
    key = builder(recorder, wire="completions").build().get_key_sync()
    assert isinstance(key, KeyInfo)
    assert (key.limit, key.limit_remaining, key.limit_reset, key.usage) == (100.0, 74.5, "monthly", 25.5)
    assert key.byok_usage == 17.38
    assert key.is_free_tier is False
    assert key.is_management_key is False
    assert key.label == "sk-or-v1-au7...890"
    assert key.expires_at == "2027-12-31T23:59:59Z"
    assert recorder.seen[0].path == "/api/v1/key"


def test_get_credits_is_typed_and_403_without_a_management_key() -> None:
    recorder = Recorder([Reply.fixture("spec-credits-get.json")])
    credits = builder(recorder).build().get_credits_sync()
    assert credits == Credits(total_credits=100.5, total_usage=25.75)
    assert credits.remaining == 74.75
    assert recorder.seen[0].path == "/api/v1/credits"
    forbidden = Reply.json(
        {"error": {"code": 403, "message": "Only management keys can perform this operation"}}, status=403
    )
    with pytest.raises(PermissionDeniedError, match="management"):
        builder(Recorder([forbidden])).build().get_credits_sync()


def test_async_key_and_credits() -> None:
    client = builder(
        Recorder([Reply.fixture("spec-key-get.json"), Reply.fixture("spec-credits-get.json")])
    ).build()

    async def run() -> tuple[KeyInfo, Credits]:
        return await client.get_key(), await client.get_credits()

    key, credits = asyncio.run(run())
    assert key.limit == 100.0
    assert credits.total_usage == 25.75


def test_account_methods_are_sync_async_twins_on_both_clients() -> None:
    from chat_openrouter import CompletionsClient

    for cls in (ResponsesClient, CompletionsClient):
        for name in ("list_models", "get_model", "get_generation", "get_key", "get_credits"):
            a, s = inspect.signature(getattr(cls, name)), inspect.signature(getattr(cls, f"{name}_sync"))
            assert inspect.iscoroutinefunction(getattr(cls, name)), name
            assert list(a.parameters) == list(s.parameters), name
            assert [p.default for p in a.parameters.values()] == [p.default for p in s.parameters.values()]
