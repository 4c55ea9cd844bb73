"""OpenRouterAPI generations group: typed records and polite polling through the early 404s."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from chat_openrouter import NotFoundError, PermissionDeniedError
from chat_openrouter.errors import DecodeError
from chat_openrouter.openrouter import Generation, OpenRouterAPI

from .._support import Recorder, Reply, builder

NOT_FOUND = Reply.json({"error": {"code": 404, "message": "Generation not found"}}, status=404)


# -- generation ------------------------------------------------------------------------------------------
def _api(recorder: Recorder, sleeps: list[float]) -> OpenRouterAPI:
    client = builder(recorder).build()

    async def asleep(delay: float) -> None:
        sleeps.append(delay)

    return OpenRouterAPI(client, sleep=sleeps.append, asleep=asleep)


def test_get_generation_unwraps_data_and_is_typed() -> None:
    recorder = Recorder([Reply.fixture("spec-generation-get.json")])
    gen = OpenRouterAPI(builder(recorder).build()).get_generation_sync("gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG")
    assert isinstance(gen, Generation)
    assert gen.id == "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG"
    assert (gen.model, gen.provider_name) == ("sao10k/l3-stheno-8b", "Infermatic")
    assert (gen.total_cost, gen.upstream_inference_cost, gen.cache_discount) == (Decimal("0.0015"), Decimal("0.0012"), None)
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
    assert gen.total_cost == Decimal("0.0015")
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
        OpenRouterAPI(builder(Recorder([Reply.json({"id": "gen-x"})])).build()).get_generation_sync("gen-x")
