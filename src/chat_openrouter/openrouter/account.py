"""OpenRouter's non-inference endpoints: the model catalogue, generation records, key and credits.

Every built client exposes them directly (sync and async twins, like ``complete``/``complete_sync``)::

    response = client.complete_sync(msgs)
    record = client.get_generation_sync(response.generation_id)    # waits politely through the early 404s
    print(record.total_cost, record.provider_name, record.native_tokens_reasoning)

    key = client.get_key_sync()          # GET /key: limit, usage, limit_remaining
    credits = client.get_credits_sync()  # GET /credits: needs a *management* key (else PermissionDeniedError)

The work is done here, by :class:`OpenRouterAPI`; the wire clients only delegate to it lazily, so the
wires never depend on OpenRouter's account vocabulary.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import DecodeError, NotFoundError
from ..transport.endpoint import Endpoint
from ..wire.common.lenient import as_str, opt_bool, opt_float, opt_int
from ._defaults import DEFAULT_CATALOG_TTL
from .catalog import ModelInfo, lookup, parse_models

__all__ = ["DEFAULT_CATALOG_TTL", "Credits", "Generation", "KeyInfo", "OpenRouterAPI"]


#: Waits between ``GET /generation`` attempts while it still answers 404 (the record is written a few
#: seconds after the call ends; reference §10.2). Bounded: ~15 s in all.
GENERATION_BACKOFF: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0, 3.0, 4.0)


def _unwrap(body: Any, what: str) -> Mapping[str, Any]:
    # /generation, /key and /credits wrap their record in {"data": {...}} (spec examples).
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise DecodeError(f"{what}: expected a JSON object with a 'data' object", snippet=str(body)[:120])
    return data


@dataclass(frozen=True, slots=True)
class Generation:
    """OpenRouter's authoritative record of one generation (``GET /generation?id=``, spec example).

    ``total_cost`` is what you were charged (USD credits); ``upstream_inference_cost`` what the provider
    charged (BYOK). ``tokens_*`` use a normalised tokenizer, ``native_tokens_*`` the model's own (the ones
    billed). ``latency`` and ``generation_time`` are milliseconds. ``raw`` keeps every field verbatim.
    """

    id: str
    model: str | None = None
    provider_name: str | None = None
    total_cost: float | None = None
    upstream_inference_cost: float | None = None
    cache_discount: float | None = None
    is_byok: bool | None = None
    tokens_prompt: int | None = None
    tokens_completion: int | None = None
    native_tokens_prompt: int | None = None
    native_tokens_completion: int | None = None
    native_tokens_reasoning: int | None = None
    native_tokens_cached: int | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    streamed: bool | None = None
    cancelled: bool | None = None
    latency: float | None = None
    generation_time: float | None = None
    created_at: str | None = None
    session_id: str | None = None
    router: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Generation:
        """Lenient: from the ``data`` object of ``GET /generation``; mistyped fields read as None."""
        return cls(
            id=str(data.get("id", "")),
            model=as_str(data.get("model")),
            provider_name=as_str(data.get("provider_name")),
            total_cost=opt_float(data.get("total_cost")),
            upstream_inference_cost=opt_float(data.get("upstream_inference_cost")),
            cache_discount=opt_float(data.get("cache_discount")),
            is_byok=opt_bool(data.get("is_byok")),
            tokens_prompt=opt_int(data.get("tokens_prompt")),
            tokens_completion=opt_int(data.get("tokens_completion")),
            native_tokens_prompt=opt_int(data.get("native_tokens_prompt")),
            native_tokens_completion=opt_int(data.get("native_tokens_completion")),
            native_tokens_reasoning=opt_int(data.get("native_tokens_reasoning")),
            native_tokens_cached=opt_int(data.get("native_tokens_cached")),
            finish_reason=as_str(data.get("finish_reason")),
            native_finish_reason=as_str(data.get("native_finish_reason")),
            streamed=opt_bool(data.get("streamed")),
            cancelled=opt_bool(data.get("cancelled")),
            latency=opt_float(data.get("latency")),
            generation_time=opt_float(data.get("generation_time")),
            created_at=as_str(data.get("created_at")),
            session_id=as_str(data.get("session_id")),
            router=as_str(data.get("router")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """The calling API key (``GET /key``). ``limit`` None means unlimited; amounts are USD credits."""

    label: str | None = None
    limit: float | None = None
    limit_remaining: float | None = None
    limit_reset: str | None = None
    usage: float | None = None
    usage_daily: float | None = None
    usage_weekly: float | None = None
    usage_monthly: float | None = None
    byok_usage: float | None = None
    include_byok_in_limit: bool | None = None
    is_free_tier: bool | None = None
    is_management_key: bool | None = None
    expires_at: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyInfo:
        """Lenient: from the ``data`` object of ``GET /key``; mistyped fields read as None."""
        return cls(
            label=as_str(data.get("label")),
            limit=opt_float(data.get("limit")),
            limit_remaining=opt_float(data.get("limit_remaining")),
            limit_reset=as_str(data.get("limit_reset")),
            usage=opt_float(data.get("usage")),
            usage_daily=opt_float(data.get("usage_daily")),
            usage_weekly=opt_float(data.get("usage_weekly")),
            usage_monthly=opt_float(data.get("usage_monthly")),
            byok_usage=opt_float(data.get("byok_usage")),
            include_byok_in_limit=opt_bool(data.get("include_byok_in_limit")),
            is_free_tier=opt_bool(data.get("is_free_tier")),
            is_management_key=opt_bool(data.get("is_management_key")),
            expires_at=as_str(data.get("expires_at")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Credits:
    """Credits bought and used on the account (``GET /credits``, management keys only)."""

    total_credits: float
    total_usage: float

    @property
    def remaining(self) -> float:
        """Credits left (USD): bought minus used."""
        return self.total_credits - self.total_usage

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Credits:
        """Lenient: from the ``data`` object of ``GET /credits``; missing amounts read as 0."""
        return cls(
            total_credits=opt_float(data.get("total_credits")) or 0.0,
            total_usage=opt_float(data.get("total_usage")) or 0.0,
        )


@dataclass(frozen=True, slots=True)
class _Snapshot:
    fetched_at: float
    models: tuple[ModelInfo, ...]
    by_id: Mapping[str, ModelInfo]


class OpenRouterAPI:
    """Models, generations, key and credits for one :class:`~chat_openrouter.transport.endpoint.Endpoint`.

    You rarely build one yourself: every client has one (``client.openrouter``) and delegates
    ``list_models``, ``get_model``, ``get_generation``, ``get_key``, ``get_credits`` (and their ``_sync``
    twins) to it. ``catalog_ttl`` is how long the model list stays cached; ``clock`` (monotonic seconds),
    ``sleep`` and ``asleep`` are injectable for tests.

    Thread/task safety: the cache is replaced atomically; two concurrent first calls may both fetch,
    which is harmless.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        catalog_ttl: float = DEFAULT_CATALOG_TTL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        generation_backoff: tuple[float, ...] = GENERATION_BACKOFF,
    ) -> None:
        self._endpoint = endpoint
        self.catalog_ttl = catalog_ttl
        self._clock = clock
        self._sleep = sleep
        self._asleep = asleep
        self._generation_backoff = generation_backoff
        self._snapshot: _Snapshot | None = None

    def __repr__(self) -> str:
        return f"OpenRouterAPI(base_url={self._endpoint.base_url!r})"

    # -- models ----------------------------------------------------------------------------------------
    # `output_modalities=all`: without it the API lists text-output models only (reference §10.1), and a
    # catalogue used for pre-flight checks must also know image/audio-output models.
    _MODELS_PARAMS: Mapping[str, str] = {"output_modalities": "all"}

    def _fresh(self) -> _Snapshot | None:
        snap = self._snapshot
        if snap is not None and self._clock() - snap.fetched_at < self.catalog_ttl:
            return snap
        return None

    def _store(self, body: Any, fetched_at: float) -> _Snapshot:
        models = tuple(parse_models(body))
        snap = _Snapshot(fetched_at, models, {m.id: m for m in models})
        self._snapshot = snap
        return snap

    def invalidate_models(self) -> None:
        """Forget the cached catalogue: the next ``list_models`` fetches it again."""
        self._snapshot = None

    def list_models_sync(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Every model OpenRouter lists (``GET /models``), cached for ``catalog_ttl`` seconds."""
        snap = None if refresh else self._fresh()
        if snap is None:
            started = self._clock()
            body, _ = self._endpoint.request_json("GET", "models", params=self._MODELS_PARAMS)
            snap = self._store(body, started)
        return list(snap.models)

    async def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Async twin of :meth:`list_models_sync`."""
        snap = None if refresh else self._fresh()
        if snap is None:
            started = self._clock()
            body, _ = await self._endpoint.arequest_json("GET", "models", params=self._MODELS_PARAMS)
            snap = self._store(body, started)
        return list(snap.models)

    def get_model_sync(self, model_id: str) -> ModelInfo | None:
        """One model from the cached catalogue (a ``:variant`` falls back to its base), or None."""
        self.list_models_sync()
        snap = self._snapshot
        return lookup(snap.by_id, model_id) if snap else None

    async def get_model(self, model_id: str) -> ModelInfo | None:
        """Async twin of :meth:`get_model_sync`."""
        await self.list_models()
        snap = self._snapshot
        return lookup(snap.by_id, model_id) if snap else None

    # -- generation ------------------------------------------------------------------------------------
    def _waits(self, wait: float) -> Iterator[float]:
        """The pauses between 404 retries, never exceeding ``wait`` seconds in total."""
        left = wait
        for delay in self._generation_backoff:
            if left <= 0:
                return
            step = min(delay, left)
            left -= step
            yield step

    def get_generation_sync(self, generation_id: str, *, wait: float = 15.0) -> Generation:
        """The authoritative record of a generation (``GET /generation?id=``).

        OpenRouter answers 404 for a few seconds after a call completes, so a 404 is retried with a
        bounded backoff for up to ``wait`` seconds (``wait=0``: a single attempt); after that the
        :class:`~chat_openrouter.NotFoundError` is raised. Other errors follow the client's retry policy.
        """
        params = {"id": generation_id}
        waits = self._waits(wait)
        while True:
            try:
                body, _ = self._endpoint.request_json("GET", "generation", params=params)
                return Generation.from_json(_unwrap(body, "GET /generation"))
            except NotFoundError:
                delay = next(waits, None)
                if delay is None:
                    raise
                self._sleep(delay)

    async def get_generation(self, generation_id: str, *, wait: float = 15.0) -> Generation:
        """Async twin of :meth:`get_generation_sync`."""
        params = {"id": generation_id}
        waits = self._waits(wait)
        while True:
            try:
                body, _ = await self._endpoint.arequest_json("GET", "generation", params=params)
                return Generation.from_json(_unwrap(body, "GET /generation"))
            except NotFoundError:
                delay = next(waits, None)
                if delay is None:
                    raise
                await self._asleep(delay)

    # -- key and credits -------------------------------------------------------------------------------
    def get_key_sync(self) -> KeyInfo:
        """Limits and usage of the calling key (``GET /key``)."""
        body, _ = self._endpoint.request_json("GET", "key")
        return KeyInfo.from_json(_unwrap(body, "GET /key"))

    async def get_key(self) -> KeyInfo:
        """Async twin of :meth:`get_key_sync`."""
        body, _ = await self._endpoint.arequest_json("GET", "key")
        return KeyInfo.from_json(_unwrap(body, "GET /key"))

    def get_credits_sync(self) -> Credits:
        """Total credits bought and used (``GET /credits``). Needs a management key: else 403."""
        body, _ = self._endpoint.request_json("GET", "credits")
        return Credits.from_json(_unwrap(body, "GET /credits"))

    async def get_credits(self) -> Credits:
        """Async twin of :meth:`get_credits_sync`."""
        body, _ = await self._endpoint.arequest_json("GET", "credits")
        return Credits.from_json(_unwrap(body, "GET /credits"))
