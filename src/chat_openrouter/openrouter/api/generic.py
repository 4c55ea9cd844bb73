"""The rest of OpenRouter's API -- guardrails, workspaces, BYOK keys, observability destinations,
organisation, SCIM, analytics, datasets, benchmarks... -- through one generic call with our retries,
typed errors and key scrubbing.

::

    api = OpenRouterBuilder().with_api_key(MANAGEMENT_KEY).build_api()
    guardrails = api.request_sync("GET", "guardrails")["data"]
    created = api.request_sync("POST", "guardrails", json={"name": "no-pii", "limit_usd": 50})
    api.request_sync("DELETE", f"guardrails/{created['data']['id']}")
    rankings = api.request_sync("GET", "datasets/rankings-daily", params={"date": "2026-01-31"})

``docs/openrouter-features.md`` lists every path of the spec and whether it has a typed method or goes
through :meth:`~GenericGroup.request_sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import ConfigurationError
from ._calls import Call, CallFlow, EndpointGroup, check_path, query

__all__ = ["METHODS", "GenericGroup"]

#: The HTTP methods the spec uses.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _call(method: str, path: str, params: Mapping[str, Any] | None, json: Mapping[str, Any] | None) -> Call:
    verb = method.upper() if isinstance(method, str) else method
    if verb not in METHODS:
        raise ConfigurationError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if json is not None and not isinstance(json, Mapping):
        raise ConfigurationError(f"json= is a JSON object (a mapping), got {type(json).__name__}")
    if json is not None and verb in ("GET", "DELETE"):
        raise ConfigurationError(f"{verb} requests carry no body: pass params= instead of json=")
    return Call(verb, check_path(path), params=query(**dict(params or {})) or None, body=json)


class GenericGroup(EndpointGroup):
    """``request`` / ``request_sync``: any path of the API, JSON in and out."""

    def _request(self, call: Call) -> CallFlow[Any]:
        return (yield call)

    def request_sync(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> Any:
        """``method`` ``{base_url}/{path}`` with query ``params`` and a JSON body; the decoded JSON answer.

        ``path`` is relative to the base URL (``"guardrails"``, ``"workspaces/ws_1/members"``) -- never
        a URL elsewhere, a query or ``..`` (a :class:`~chat_openrouter.ConfigurationError`: your key goes
        with the request). ``params`` values become strings (``True`` -> ``"true"``; None is left out).
        Errors are the typed ones every call raises (``NotFoundError``, ``PermissionDeniedError`` ...),
        retried per the client's policy, with the key scrubbed from their text.
        """
        return self._calls.run_sync(self._request(_call(method, path, params, json)))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> Any:
        """Async twin of :meth:`request_sync`."""
        return await self._calls.run(self._request(_call(method, path, params, json)))
