"""OpenRouterAPI account group: the calling key and the credits, typed; sync/async twins."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from chat_openrouter import PermissionDeniedError, ResponsesClient
from chat_openrouter.openrouter import Credits, KeyInfo, OpenRouterAPI

from .._support import Recorder, Reply, builder


# -- key and credits -------------------------------------------------------------------------------------
def test_get_key_is_typed() -> None:
    recorder = Recorder([Reply.fixture("spec-key-get.json")])
    key = OpenRouterAPI(builder(recorder, wire="completions").build()).get_key_sync()
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
    credits = OpenRouterAPI(builder(recorder).build()).get_credits_sync()
    assert credits == Credits(total_credits=100.5, total_usage=25.75)
    assert credits.remaining == 74.75
    assert recorder.seen[0].path == "/api/v1/credits"
    forbidden = Reply.json(
        {"error": {"code": 403, "message": "Only management keys can perform this operation"}}, status=403
    )
    with pytest.raises(PermissionDeniedError, match="management"):
        builder(Recorder([forbidden])).build_api().get_credits_sync()


def test_async_key_and_credits() -> None:
    client = OpenRouterAPI(
        builder(
            Recorder([Reply.fixture("spec-key-get.json"), Reply.fixture("spec-credits-get.json")])
        ).build()
    )

    async def run() -> tuple[KeyInfo, Credits]:
        return await client.get_key(), await client.get_credits()

    key, credits = asyncio.run(run())
    assert key.limit == 100.0
    assert credits.total_usage == 25.75


def test_account_methods_are_sync_async_twins_on_the_api_object() -> None:
    from chat_openrouter import CompletionsClient

    for name in ("list_models", "get_model", "get_generation", "get_key", "get_credits"):
        cls = OpenRouterAPI
        a, s = inspect.signature(getattr(cls, name)), inspect.signature(getattr(cls, f"{name}_sync"))
        assert inspect.iscoroutinefunction(getattr(cls, name)), name
        assert list(a.parameters) == list(s.parameters), name
        assert [p.default for p in a.parameters.values()] == [p.default for p in s.parameters.values()]
        # The wire clients know nothing of OpenRouter's REST API: these live on OpenRouterAPI only.
        for client_class in (ResponsesClient, CompletionsClient):
            assert not hasattr(client_class, name) and not hasattr(client_class, f"{name}_sync"), name
