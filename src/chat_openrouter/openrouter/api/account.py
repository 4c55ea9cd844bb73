"""The calling key, the account's credits and its activity (``GET /key``, ``GET /credits``, ``GET /activity``).

::

    api = OpenRouterAPI(client)
    key = api.get_key_sync()          # GET /key: limit, usage, limit_remaining
    credits = api.get_credits_sync()  # GET /credits: needs a *management* key (else PermissionDeniedError)
    for day in api.get_activity_sync():           # GET /activity: spend per day, model and provider
        print(day.date, day.model, day.requests, day.usage)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import DecodeError
from ...wire.common.lenient import as_str, dicts, opt_bool, opt_float, opt_int
from ._calls import CallFlow, EndpointGroup, Get, query, unwrap_data

__all__ = ["AccountGroup", "Activity", "Credits", "KeyInfo"]


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
class Activity:
    """Spend on one day for one model and provider (``GET /activity``; management keys only).

    ``usage`` is USD credits charged; ``byok_usage_inference`` what your own provider keys were billed.
    """

    date: str
    model: str | None = None
    model_permaslug: str | None = None
    provider_name: str | None = None
    endpoint_id: str | None = None
    requests: int | None = None
    usage: float | None = None
    byok_usage_inference: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Activity:
        """Lenient: one entry of ``GET /activity``'s ``data``."""
        return cls(
            date=as_str(data.get("date")) or "",
            model=as_str(data.get("model")),
            model_permaslug=as_str(data.get("model_permaslug")),
            provider_name=as_str(data.get("provider_name")),
            endpoint_id=as_str(data.get("endpoint_id")),
            requests=opt_int(data.get("requests")),
            usage=opt_float(data.get("usage")),
            byok_usage_inference=opt_float(data.get("byok_usage_inference")),
            prompt_tokens=opt_int(data.get("prompt_tokens")),
            completion_tokens=opt_int(data.get("completion_tokens")),
            reasoning_tokens=opt_int(data.get("reasoning_tokens")),
            raw=data,
        )


class AccountGroup(EndpointGroup):
    """``GET /key``, ``GET /credits`` and ``GET /activity``."""

    def _key(self) -> CallFlow[KeyInfo]:
        body = yield Get("key")
        return KeyInfo.from_json(unwrap_data(body, "GET /key"))

    def _credits(self) -> CallFlow[Credits]:
        body = yield Get("credits")
        return Credits.from_json(unwrap_data(body, "GET /credits"))

    def get_key_sync(self) -> KeyInfo:
        """Limits and usage of the calling key (``GET /key``)."""
        return self._calls.run_sync(self._key())

    async def get_key(self) -> KeyInfo:
        """Async twin of :meth:`get_key_sync`."""
        return await self._calls.run(self._key())

    def get_credits_sync(self) -> Credits:
        """Total credits bought and used (``GET /credits``). Needs a management key: else 403."""
        return self._calls.run_sync(self._credits())

    async def get_credits(self) -> Credits:
        """Async twin of :meth:`get_credits_sync`."""
        return await self._calls.run(self._credits())

    def _activity(
        self, date: str | None, api_key_hash: str | None, user_id: str | None
    ) -> CallFlow[list[Activity]]:
        body = yield Get("activity", query(date=date, api_key_hash=api_key_hash, user_id=user_id))
        entries = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(entries, list):
            raise DecodeError("GET /activity: expected an object with a 'data' list", snippet=str(body)[:120])
        return [Activity.from_json(e) for e in dicts(entries)]

    def get_activity_sync(
        self, *, date: str | None = None, api_key_hash: str | None = None, user_id: str | None = None
    ) -> list[Activity]:
        """Spend per day, model and provider over the last 30 completed days (``GET /activity``).

        ``date`` (``YYYY-MM-DD``) keeps one day; ``api_key_hash`` one key; ``user_id`` one member of an
        organisation. Needs a management key (else :class:`~chat_openrouter.PermissionDeniedError`).
        """
        return self._calls.run_sync(self._activity(date, api_key_hash, user_id))

    async def get_activity(
        self, *, date: str | None = None, api_key_hash: str | None = None, user_id: str | None = None
    ) -> list[Activity]:
        """Async twin of :meth:`get_activity_sync`."""
        return await self._calls.run(self._activity(date, api_key_hash, user_id))
