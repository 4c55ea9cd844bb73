"""The builder settings both wire builders share (base URL, key, headers, transport, timeouts, retries).

Builders are immutable: every ``with_*`` returns a new builder, so a half-configured builder can be
reused as a template. ``build()`` resolves the key (``OPENROUTER_API_KEY`` when not given) and creates
the transport lazily -- building a client does no I/O.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from ..core.options import ChatOptions, Reasoning
from ..errors import ConfigurationError
from .base import Timeouts, Transport
from .endpoint import Endpoint, Limits, Secret
from .retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "ClientBuilder", "ClientConfig", "resolve_transport"]

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"

B = TypeVar("B", bound="ClientBuilder[Any]")
C = TypeVar("C")


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = DEFAULT_BASE_URL
    model: str | None = None
    api_key: Secret | None = None
    require_key: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)
    transport: Any = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: Limits = field(default_factory=Limits)
    options: ChatOptions = field(default_factory=ChatOptions)
    server_tools: tuple[dict[str, Any], ...] = ()

    def __repr__(self) -> str:
        return f"ClientConfig(base_url={self.base_url!r}, model={self.model!r})"


def resolve_transport(transport: Any) -> Transport:
    """Our :class:`Transport`, an ``httpx2`` transport (MockTransport, ASGITransport...), or an httpx2 client."""
    from .httpx_transport import HttpxTransport

    if transport is None:
        return HttpxTransport()
    if isinstance(transport, Transport):
        return transport
    import httpx2

    if isinstance(transport, httpx2.Client):
        return HttpxTransport(client=transport)
    if isinstance(transport, httpx2.AsyncClient):
        return HttpxTransport(async_client=transport)
    if isinstance(transport, httpx2.BaseTransport | httpx2.AsyncBaseTransport):
        return HttpxTransport(transport=transport)
    raise ConfigurationError(
        f"with_transport() expects a chat_openrouter Transport, an httpx2 transport or client; got {type(transport).__name__}"
    )


class ClientBuilder(Generic[C]):
    """Shared ``with_*`` methods. Subclasses implement :meth:`build`."""

    def __init__(self, config: ClientConfig | None = None) -> None:
        self._config = config or ClientConfig()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self._config.model!r}, base_url={self._config.base_url!r})"

    def _with(self: B, **changes: Any) -> B:
        return type(self)(replace(self._config, **changes))

    def _with_options(self: B, **changes: Any) -> B:
        return self._with(options=replace(self._config.options, **changes))

    def with_model(self: B, model: str) -> B:
        """The model slug, e.g. ``anthropic/claude-sonnet-4`` (variants like ``:free`` and presets work)."""
        return self._with(model=model)

    def with_api_key(self: B, api_key: str) -> B:
        """The API key; when not called, ``OPENROUTER_API_KEY`` is read at ``build()``."""
        return self._with(api_key=Secret(api_key))

    def without_api_key(self: B) -> B:
        """Send no Authorization header (local servers, proxies that add it)."""
        return self._with(api_key=None, require_key=False)

    def with_base_url(self: B, base_url: str) -> B:
        """Default ``https://openrouter.ai/api/v1``; a trailing slash is fine."""
        return self._with(base_url=base_url.rstrip("/"))

    def with_headers(self: B, headers: Mapping[str, str]) -> B:
        """Extra headers sent on every request (merged over earlier ones)."""
        return self._with(headers={**self._config.headers, **headers})

    def with_transport(self: B, transport: Any) -> B:
        """A :class:`Transport`, an ``httpx2`` transport (e.g. ``MockTransport``) or an ``httpx2`` client."""
        return self._with(transport=transport)

    def with_timeouts(self: B, timeouts: Timeouts | None = None, **phases: float | None) -> B:
        """Replace the timeouts, or change single phases: ``with_timeouts(first_byte=30)``."""
        return self._with(timeouts=replace(timeouts or self._config.timeouts, **phases))

    def with_retries(self: B, max_retries: int | RetryPolicy) -> B:
        """How many times to retry retryable failures (default 2), or a full :class:`RetryPolicy`."""
        policy = (
            max_retries
            if isinstance(max_retries, RetryPolicy)
            else replace(self._config.retry, max_retries=max_retries)
        )
        return self._with(retry=policy)

    def with_limits(self: B, limits: Limits) -> B:
        return self._with(limits=limits)

    def with_options(self: B, options: ChatOptions) -> B:
        """Default request options (per-call ``options=`` override them field by field)."""
        return self._with(options=self._config.options.merged(options))

    def with_reasoning_effort(self: B, effort: str) -> B:
        """Send OpenRouter's ``reasoning: {effort}`` (valid on both wires)."""
        current = self._config.options.reasoning or Reasoning()
        return self._with_options(reasoning=replace(current, effort=effort))

    def with_reasoning(self: B, reasoning: Reasoning) -> B:
        return self._with_options(reasoning=reasoning)

    def with_server_tools(self: B, tools: Sequence[Mapping[str, Any]]) -> B:
        """Server tools sent on every request as raw JSON (e.g. ``{"type": "openrouter:web_search"}``)."""
        return self._with(server_tools=self._config.server_tools + tuple(dict(t) for t in tools))

    @property
    def config(self) -> ClientConfig:
        return self._config

    def _endpoint(self) -> Endpoint:
        cfg = self._config
        key = cfg.api_key
        if key is None and cfg.require_key:
            env = os.environ.get("OPENROUTER_API_KEY", "").strip()
            if not env:
                raise ConfigurationError(
                    "no API key: call .with_api_key(...) or set OPENROUTER_API_KEY "
                    "(get one at https://openrouter.ai/keys)"
                )
            key = Secret(env)
        return Endpoint(
            base_url=cfg.base_url,
            transport=resolve_transport(cfg.transport),
            api_key=key,
            headers=dict(cfg.headers),
            timeouts=cfg.timeouts,
            retry=cfg.retry,
            limits=cfg.limits,
        )

    def build(self) -> C:  # pragma: no cover - abstract
        raise NotImplementedError
