"""Key management with a management key: ``GET``/``POST /keys``, ``GET``/``PATCH``/``DELETE /keys/{hash}``.

::

    admin = OpenRouterBuilder().with_api_key(MANAGEMENT_KEY).build_api()
    created = admin.create_key_sync("ci-runner", limit=5, limit_reset="daily")
    store_somewhere(created.key.get())         # the new key's secret: shown this once
    admin.update_key_sync(created.info.hash, disabled=True)
    for key in admin.list_keys_sync(include_disabled=True):
        print(key.name, key.usage, key.limit_remaining, key.disabled)

A key is named by its ``hash`` (never by its secret). Other keys get 403 from these endpoints
(:class:`~chat_openrouter.PermissionDeniedError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ...errors import ConfigurationError, DecodeError
from ...transport.secret import Secret
from ...wire.common.lenient import as_str, opt_bool, opt_float
from ._calls import Call, CallFlow, EndpointGroup, Get, Post, query, segment, unwrap_data

__all__ = ["ApiKey", "CreatedKey", "KeysGroup", "LimitReset"]

#: When a key's spending limit resets (None: never).
LimitReset = Literal["daily", "weekly", "monthly"]


class _Unset:
    """The default of ``update_key``'s ``limit``/``limit_reset``: leave it as it is (None lifts it)."""

    def __repr__(self) -> str:
        return "UNCHANGED"


_UNSET: Any = _Unset()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One API key as key management describes it (amounts in USD credits; ``limit`` None: unlimited)."""

    hash: str
    name: str | None = None
    label: str | None = None
    disabled: bool | None = None
    limit: float | None = None
    limit_remaining: float | None = None
    limit_reset: str | None = None
    include_byok_in_limit: bool | None = None
    usage: float | None = None
    usage_daily: float | None = None
    usage_weekly: float | None = None
    usage_monthly: float | None = None
    byok_usage: float | None = None
    created_at: str | None = None
    updated_at: str | None = None
    expires_at: str | None = None
    workspace_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ApiKey:
        """Lenient: only ``hash`` is required; unknown fields stay in ``raw``."""
        key_hash = data.get("hash")
        if not isinstance(key_hash, str) or not key_hash:
            raise DecodeError("an API key record needs a 'hash'", snippet=str(dict(data))[:120])
        return cls(
            hash=key_hash,
            name=as_str(data.get("name")),
            label=as_str(data.get("label")),
            disabled=opt_bool(data.get("disabled")),
            limit=opt_float(data.get("limit")),
            limit_remaining=opt_float(data.get("limit_remaining")),
            limit_reset=as_str(data.get("limit_reset")),
            include_byok_in_limit=opt_bool(data.get("include_byok_in_limit")),
            usage=opt_float(data.get("usage")),
            usage_daily=opt_float(data.get("usage_daily")),
            usage_weekly=opt_float(data.get("usage_weekly")),
            usage_monthly=opt_float(data.get("usage_monthly")),
            byok_usage=opt_float(data.get("byok_usage")),
            created_at=as_str(data.get("created_at")),
            updated_at=as_str(data.get("updated_at")),
            expires_at=as_str(data.get("expires_at")),
            workspace_id=as_str(data.get("workspace_id")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A key just created: its record and its secret (a :class:`~chat_openrouter.transport.Secret`,
    never shown in a repr; ``key.get()`` reveals it -- OpenRouter shows it only this once)."""

    info: ApiKey
    key: Secret


def _limit_reset(value: Any) -> Any:
    if value not in (None, "daily", "weekly", "monthly"):
        raise ConfigurationError(f"limit_reset must be 'daily', 'weekly', 'monthly' or None, got {value!r}")
    return value


def _limit(value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        raise ConfigurationError(f"limit must be a non-negative number of USD credits or None, got {value!r}")
    return value


class KeysGroup(EndpointGroup):
    """``/keys`` and ``/keys/{hash}`` (management keys only)."""

    def _list_keys(self, include_disabled: bool, workspace_id: str | None) -> CallFlow[list[ApiKey]]:
        # Paged by `offset` (spec: no `limit` parameter); stop at an empty page or one seen before.
        keys: list[ApiKey] = []
        seen: set[str] = set()
        for _ in range(100):
            params = query(include_disabled=include_disabled, offset=len(keys), workspace_id=workspace_id)
            body = yield Get("keys", params)
            entries = body.get("data") if isinstance(body, Mapping) else None
            if not isinstance(entries, list):
                raise DecodeError("GET /keys: expected an object with a 'data' list", snippet=str(body)[:120])
            page = [ApiKey.from_json(e) for e in entries if isinstance(e, Mapping)]
            fresh = [k for k in page if k.hash not in seen]
            if not fresh:
                break
            seen.update(k.hash for k in fresh)
            keys.extend(fresh)
        return keys

    def list_keys_sync(
        self, *, include_disabled: bool = False, workspace_id: str | None = None
    ) -> list[ApiKey]:
        """Every API key of the account (``GET /keys``, all pages), optionally with disabled ones."""
        return self._calls.run_sync(self._list_keys(include_disabled, workspace_id))

    async def list_keys(
        self, *, include_disabled: bool = False, workspace_id: str | None = None
    ) -> list[ApiKey]:
        """Async twin of :meth:`list_keys_sync`."""
        return await self._calls.run(self._list_keys(include_disabled, workspace_id))

    def _create_key(self, body: dict[str, Any]) -> CallFlow[CreatedKey]:
        answer = yield Post("keys", body)
        secret = answer.get("key") if isinstance(answer, Mapping) else None
        if not isinstance(secret, str) or not secret:
            raise DecodeError("POST /keys: the answer carries no 'key'")
        return CreatedKey(ApiKey.from_json(unwrap_data(answer, "POST /keys")), Secret(secret))

    @staticmethod
    def _create_body(
        name: str,
        limit: float | None,
        limit_reset: LimitReset | None,
        include_byok_in_limit: bool | None,
        expires_at: str | None,
        workspace_id: str | None,
    ) -> dict[str, Any]:
        if not isinstance(name, str) or not name:
            raise ConfigurationError("a new key needs a non-empty name")
        body: dict[str, Any] = {"name": name}
        optional = {
            "limit": _limit(limit),
            "limit_reset": _limit_reset(limit_reset),
            "include_byok_in_limit": include_byok_in_limit,
            "expires_at": expires_at,
            "workspace_id": workspace_id,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return body

    def create_key_sync(
        self,
        name: str,
        *,
        limit: float | None = None,
        limit_reset: LimitReset | None = None,
        include_byok_in_limit: bool | None = None,
        expires_at: str | None = None,
        workspace_id: str | None = None,
    ) -> CreatedKey:
        """Create a key (``POST /keys``): its record and its secret, which is shown only this once.

        ``limit`` caps its spending (USD credits), reset ``daily``/``weekly``/``monthly`` or never;
        ``expires_at`` is an ISO 8601 date-time.
        """
        body = self._create_body(name, limit, limit_reset, include_byok_in_limit, expires_at, workspace_id)
        return self._calls.run_sync(self._create_key(body))

    async def create_key(
        self,
        name: str,
        *,
        limit: float | None = None,
        limit_reset: LimitReset | None = None,
        include_byok_in_limit: bool | None = None,
        expires_at: str | None = None,
        workspace_id: str | None = None,
    ) -> CreatedKey:
        """Async twin of :meth:`create_key_sync`."""
        body = self._create_body(name, limit, limit_reset, include_byok_in_limit, expires_at, workspace_id)
        return await self._calls.run(self._create_key(body))

    def _get_api_key(self, key_hash: str) -> CallFlow[ApiKey]:
        body = yield Get(f"keys/{segment(key_hash, 'key hash')}")
        return ApiKey.from_json(unwrap_data(body, "GET /keys/{hash}"))

    def get_api_key_sync(self, key_hash: str) -> ApiKey:
        """One key by its hash (``GET /keys/{hash}``). (The *calling* key: :meth:`get_key_sync`.)"""
        return self._calls.run_sync(self._get_api_key(key_hash))

    async def get_api_key(self, key_hash: str) -> ApiKey:
        """Async twin of :meth:`get_api_key_sync`."""
        return await self._calls.run(self._get_api_key(key_hash))

    @staticmethod
    def _update_body(
        name: str | None,
        disabled: bool | None,
        limit: Any,
        limit_reset: Any,
        include_byok_in_limit: bool | None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if disabled is not None:
            body["disabled"] = disabled
        if limit is not _UNSET:
            body["limit"] = _limit(limit)  # None: no limit any more
        if limit_reset is not _UNSET:
            body["limit_reset"] = _limit_reset(limit_reset)
        if include_byok_in_limit is not None:
            body["include_byok_in_limit"] = include_byok_in_limit
        if not body:
            raise ConfigurationError("update_key needs at least one change")
        return body

    def _update_key(self, key_hash: str, body: dict[str, Any]) -> CallFlow[ApiKey]:
        answer = yield Call("PATCH", f"keys/{segment(key_hash, 'key hash')}", body=body)
        return ApiKey.from_json(unwrap_data(answer, "PATCH /keys/{hash}"))

    def update_key_sync(
        self,
        key_hash: str,
        *,
        name: str | None = None,
        disabled: bool | None = None,
        limit: float | None = _UNSET,
        limit_reset: LimitReset | None = _UNSET,
        include_byok_in_limit: bool | None = None,
    ) -> ApiKey:
        """Change a key (``PATCH /keys/{hash}``): rename, disable/enable, set or lift (``limit=None``) its limit."""
        body = self._update_body(name, disabled, limit, limit_reset, include_byok_in_limit)
        return self._calls.run_sync(self._update_key(key_hash, body))

    async def update_key(
        self,
        key_hash: str,
        *,
        name: str | None = None,
        disabled: bool | None = None,
        limit: float | None = _UNSET,
        limit_reset: LimitReset | None = _UNSET,
        include_byok_in_limit: bool | None = None,
    ) -> ApiKey:
        """Async twin of :meth:`update_key_sync`."""
        body = self._update_body(name, disabled, limit, limit_reset, include_byok_in_limit)
        return await self._calls.run(self._update_key(key_hash, body))

    def _delete_key(self, key_hash: str) -> CallFlow[bool]:
        answer = yield Call("DELETE", f"keys/{segment(key_hash, 'key hash')}")
        deleted = answer.get("deleted") if isinstance(answer, Mapping) else None
        return deleted is not False

    def delete_key_sync(self, key_hash: str) -> bool:
        """Delete a key (``DELETE /keys/{hash}``); True when OpenRouter confirms it."""
        return self._calls.run_sync(self._delete_key(key_hash))

    async def delete_key(self, key_hash: str) -> bool:
        """Async twin of :meth:`delete_key_sync`."""
        return await self._calls.run(self._delete_key(key_hash))
