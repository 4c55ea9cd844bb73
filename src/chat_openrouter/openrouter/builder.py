"""``OpenRouterBuilder``: picks one of OpenRouter's two wires and returns that wire's client itself.

::

    client = OpenRouterBuilder().with_model("anthropic/claude-sonnet-4").build()          # ResponsesClient
    client = OpenRouterBuilder().with_completions().with_model("openai/gpt-4o").build()   # CompletionsClient

Everything OpenRouter-specific is typed here and works the same on both wires: reasoning, provider
routing, fallback models, presets, sessions, plugins, server tools, prompt caching, app attribution and
a capability pre-flight. Request fields compile into the client's default
:attr:`ChatOptions.extra_body <chat_openrouter.ChatOptions.extra_body>`, which both codecs merge last, so
``client.options`` shows exactly what will be sent; per-call ``options=`` (see
:func:`~chat_openrouter.openrouter.request_options`) override them one top-level field at a time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from ..core.options import Reasoning
from ..errors import ConfigurationError
from ..transport.builder import ClientBuilder, ClientConfig
from ._defaults import DEFAULT_CATALOG_TTL
from .plugins import Plugin, WebSearch
from .routing import (
    CacheControl,
    MaxPrice,
    OpenRouterOptions,
    Percentiles,
    PriceValue,
    ProviderPreferences,
    ProviderSort,
    SortBy,
    normalise_preset,
)

if TYPE_CHECKING:  # the wires, the account API and the capability check load in build(), when used
    from ..wire.completions.client import CompletionsClient
    from ..wire.responses.client import ResponsesClient

__all__ = ["OpenRouterBuilder"]

# X-OpenRouter-Categories: lowercase-hyphenated, <= 30 chars each, at most 2 per request (reference §1.1).
_CATEGORY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_CATEGORIES = 2


@dataclass(frozen=True)
class OpenRouterConfig(ClientConfig):
    """What :class:`OpenRouterBuilder` adds to a wire builder's settings: the wire, the catalogue and
    the capability pre-flight."""

    wire: Literal["responses", "completions"] = "responses"
    capability_check: bool = False
    catalog_ttl: float = DEFAULT_CATALOG_TTL
    clock: Callable[[], float] | None = None


class OpenRouterBuilder(ClientBuilder[Any]):
    """Configure an OpenRouter client. Immutable: each ``with_*`` returns a new builder.

    ``build()`` returns a :class:`ResponsesClient` (OpenRouter's default wire) or, after
    :meth:`with_completions`, a :class:`CompletionsClient` -- no wrapper type in between. Either client
    also answers ``list_models``, ``get_model``, ``get_generation``, ``get_key`` and ``get_credits``.
    """

    _config: OpenRouterConfig

    def __init__(self, config: ClientConfig | None = None) -> None:
        if config is not None and not isinstance(config, OpenRouterConfig):
            config = OpenRouterConfig(**{f: getattr(config, f) for f in config.__dataclass_fields__})
        super().__init__(config or OpenRouterConfig())

    # -- wire ------------------------------------------------------------------------------------------
    def with_completions(self) -> OpenRouterBuilder:
        """Use the Chat Completions wire (``POST /chat/completions``) instead of the Responses API."""
        return self._with(wire="completions")

    def with_responses(self) -> OpenRouterBuilder:
        """Use the Responses API wire (the default)."""
        return self._with(wire="responses")

    @property
    def wire(self) -> str:
        """The wire ``build()`` will use: ``"responses"`` (default) or ``"completions"``."""
        return self._config.wire

    # -- attribution -----------------------------------------------------------------------------------
    def with_app(
        self, *, url: str | None = None, title: str | None = None, categories: Sequence[str] = ()
    ) -> OpenRouterBuilder:
        """App attribution headers: ``HTTP-Referer``, ``X-OpenRouter-Title``, ``X-OpenRouter-Categories``.

        Nothing is sent by default; only the values you give here are. ``url`` creates your app's page
        on openrouter.ai (the title only shows together with it). ``categories``: at most two
        marketplace slugs such as ``"cli-agent"`` (lowercase, hyphenated, ≤ 30 characters).
        """
        if isinstance(categories, str):
            categories = [categories]
        bad = [c for c in categories if len(c) > 30 or not _CATEGORY.match(c)]
        if bad:
            raise ConfigurationError(
                f"app categories must be lowercase-hyphenated slugs of <= 30 chars, got {bad}"
            )
        if len(categories) > _MAX_CATEGORIES:
            raise ConfigurationError(
                f"OpenRouter accepts at most {_MAX_CATEGORIES} app categories, got {len(categories)}"
            )
        headers: dict[str, str] = {}
        if url:
            headers["HTTP-Referer"] = url
        if title:
            headers["X-OpenRouter-Title"] = title
        if categories:
            headers["X-OpenRouter-Categories"] = ",".join(categories)
        return self.with_headers(headers)

    # -- reasoning -------------------------------------------------------------------------------------
    def with_reasoning(
        self,
        reasoning: Reasoning | None = None,
        *,
        effort: str | None = None,
        max_tokens: int | None = None,
        exclude: bool | None = None,
        enabled: bool | None = None,
        summary: str | None = None,
    ) -> OpenRouterBuilder:
        """OpenRouter's unified ``reasoning`` object, on both wires (replaces any earlier setting).

        ``effort``: ``none``/``minimal``/``low``/``medium``/``high``/``xhigh``/``max`` (future values pass
        through). ``max_tokens``: a thinking budget instead of an effort. ``exclude``: reason but do not
        return the reasoning. ``enabled``: on at the default effort. ``summary``: ``auto``/``concise``/
        ``detailed``. Called with no argument, it turns reasoning on (``enabled: true``).

        Reasoning is always kept on the model's turn and replayed verbatim on the next request, so
        tool loops with Claude, Gemini 3 or Kimi keep working.
        """
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "effort": effort,
                "max_tokens": max_tokens,
                "exclude": exclude,
                "enabled": enabled,
                "summary": summary,
            }.items()
            if v is not None
        }
        if reasoning is None and not changes:
            changes = {"enabled": True}
        return self._with_options(reasoning=replace(reasoning or Reasoning(), **changes))

    # -- routing ---------------------------------------------------------------------------------------
    def _with_body(self, fields: Mapping[str, Any]) -> OpenRouterBuilder:
        options = self._config.options
        return self._with(options=replace(options, extra_body={**options.extra_body, **fields}))

    def with_openrouter_options(self, options: OpenRouterOptions) -> OpenRouterBuilder:
        """Set several OpenRouter request fields at once (each replaces the builder's earlier value)."""
        return self._with_body(options.to_body())

    def with_provider(
        self,
        preferences: ProviderPreferences | None = None,
        *,
        order: Sequence[str] | None = None,
        only: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        allow_fallbacks: bool | None = None,
        require_parameters: bool | None = None,
        data_collection: Literal["allow", "deny"] | None = None,
        zdr: bool | None = None,
        enforce_distillable_text: bool | None = None,
        quantizations: Sequence[str] | None = None,
        sort: SortBy | str | ProviderSort | None = None,
        max_price: MaxPrice | Mapping[str, PriceValue] | None = None,
        preferred_min_throughput: float | Percentiles | None = None,
        preferred_max_latency: float | Percentiles | None = None,
    ) -> OpenRouterBuilder:
        """Provider routing preferences (see :class:`ProviderPreferences`); keywords override ``preferences``.

        ``with_provider(order=["anthropic", "amazon-bedrock"], allow_fallbacks=False)``. Replaces any
        earlier ``with_provider``; a per-call ``request_options(provider=...)`` replaces it for that call.
        """
        given: dict[str, Any] = {
            "order": order,
            "only": only,
            "ignore": ignore,
            "allow_fallbacks": allow_fallbacks,
            "require_parameters": require_parameters,
            "data_collection": data_collection,
            "zdr": zdr,
            "enforce_distillable_text": enforce_distillable_text,
            "quantizations": quantizations,
            "sort": sort,
            "max_price": max_price,
            "preferred_min_throughput": preferred_min_throughput,
            "preferred_max_latency": preferred_max_latency,
        }
        prefs = replace(
            preferences or ProviderPreferences(), **{k: v for k, v in given.items() if v is not None}
        )
        return self._with_body({"provider": prefs.to_json()})

    def with_fallback_models(self, models: Sequence[str]) -> OpenRouterBuilder:
        """Models tried in order when the primary fails (``models``).

        Read ``response.model`` to see which one answered; you pay for that one.
        """
        return self.with_openrouter_options(OpenRouterOptions(models=models))

    def with_preset(self, preset: str) -> OpenRouterBuilder:
        """Apply a preset saved on openrouter.ai: ``"@preset/name"`` or just ``"name"``.

        The preset's model, routing and parameters apply server-side; you may leave ``with_model`` unset.
        (``with_model("@preset/name")`` works too.)
        """
        return self._with_body({"preset": normalise_preset(preset)})

    def with_session_id(self, session_id: str) -> OpenRouterBuilder:
        """Group requests of one conversation/agent run: sticky provider routing (better cache hits) and
        grouped logs. At most 256 characters."""
        return self.with_openrouter_options(OpenRouterOptions(session_id=session_id))

    def with_user(self, user: str) -> OpenRouterBuilder:
        """A stable id of *your* end user (hashed before it reaches providers): isolates abuse blocks."""
        return self._with_options(user=user)

    # -- plugins and server tools ----------------------------------------------------------------------
    def with_plugins(self, *plugins: Plugin) -> OpenRouterBuilder:
        """Add plugins (``web``, ``file-parser``, ``response-healing``, ``context-compression``, ...).

        A plugin with the same id as an earlier one replaces it.
        """
        current = [p for p in self._config.options.extra_body.get("plugins", ()) if isinstance(p, dict)]
        new_ids = {p.id for p in plugins}
        merged = [p for p in current if p.get("id") not in new_ids] + [p.to_json() for p in plugins]
        return self._with_body({"plugins": merged})

    def with_web_search(self, tool: WebSearch | None = None) -> OpenRouterBuilder:
        """Let the model search the web: the ``openrouter:web_search`` server tool (default settings if
        ``tool`` is omitted). Citations: :func:`chat_openrouter.openrouter.citations`."""
        return self.with_server_tools([tool if tool is not None else WebSearch()])

    # -- prompt caching --------------------------------------------------------------------------------
    def with_prompt_cache_key(self, key: str) -> OpenRouterBuilder:
        """OpenAI-style ``prompt_cache_key``: requests sharing it are routed to the same cache."""
        return self.with_openrouter_options(OpenRouterOptions(prompt_cache_key=key))

    def with_prompt_caching(self, ttl: Literal["5m", "1h"] | None = None) -> OpenRouterBuilder:
        """Automatic prompt caching: a top-level ``cache_control`` (OpenRouter places the breakpoint).

        For explicit breakpoints set ``cache_control`` on a ``TextPart``/``FilePart`` or on a tool via
        ``ToolSpec(extra={"cache_control": ...})``. Cache reads/writes show in ``usage.cached_tokens`` /
        ``usage.cache_write_tokens``.
        """
        return self.with_openrouter_options(OpenRouterOptions(cache_control=CacheControl(ttl=ttl)))

    # -- catalogue -------------------------------------------------------------------------------------
    def with_capability_check(self, enabled: bool = True) -> OpenRouterBuilder:
        """Refuse requests the model cannot serve, before sending them.

        When a request uses function tools, structured output or reasoning and the model's
        ``supported_parameters`` (from the cached ``GET /models``) lack them, the call raises
        :class:`~chat_openrouter.openrouter.ModelCapabilityError` (a ``ConfigurationError``) instead of
        being silently downgraded or rejected upstream. Costs one catalogue fetch per TTL.
        """
        return self._with(capability_check=enabled)

    def with_catalog(
        self, *, ttl: float = DEFAULT_CATALOG_TTL, clock: Callable[[], float] | None = None
    ) -> OpenRouterBuilder:
        """How long ``list_models`` results stay cached (seconds) and, for tests, the monotonic clock."""
        if ttl < 0:
            raise ConfigurationError(f"catalogue TTL must be >= 0 seconds, got {ttl}")
        return self._with(catalog_ttl=ttl, clock=clock)

    # -- build -----------------------------------------------------------------------------------------
    def build(self) -> ResponsesClient | CompletionsClient:
        """The wire client: ``ResponsesClient``, or ``CompletionsClient`` after ``with_completions()``."""
        cfg = self._config
        base = ClientConfig(**{f: getattr(cfg, f) for f in ClientConfig.__dataclass_fields__})
        client: ResponsesClient | CompletionsClient
        # Import only the chosen wire: building a client should not pay for the other one.
        if cfg.wire == "completions":
            from ..wire.completions.client import CompletionsBuilder

            client = CompletionsBuilder(base).build()
        else:
            from ..wire.responses.client import ResponsesBuilder

            client = ResponsesBuilder(base).build()
        if cfg.catalog_ttl != DEFAULT_CATALOG_TTL or cfg.clock is not None:
            # Otherwise the client creates its OpenRouterAPI with the defaults on first use.
            from .account import OpenRouterAPI

            client._openrouter = OpenRouterAPI(
                client.endpoint, catalog_ttl=cfg.catalog_ttl, clock=cfg.clock or time.monotonic
            )
        if cfg.capability_check:
            from .catalog import CapabilityCheck

            client.preflight = CapabilityCheck()
        return client

    def __repr__(self) -> str:
        return f"OpenRouterBuilder(wire={self._config.wire!r}, model={self._config.model!r})"
