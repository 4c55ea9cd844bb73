"""The calling key and the account's credits (``GET /key``, ``GET /credits``).

::

    api = OpenRouterAPI(client)
    key = api.get_key_sync()          # GET /key: limit, usage, limit_remaining
    credits = api.get_credits_sync()  # GET /credits: needs a *management* key (else PermissionDeniedError)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...wire.common.lenient import as_str, opt_bool, opt_float
from ._calls import CallFlow, EndpointGroup, Get, unwrap_data

__all__ = ["AccountGroup", "Credits", "KeyInfo"]


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


class AccountGroup(EndpointGroup):
    """``GET /key`` and ``GET /credits``."""

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
