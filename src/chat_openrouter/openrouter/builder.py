"""``OpenRouterBuilder``: the one builder. It picks one of OpenRouter's two wires and returns that wire's
client itself.

::

    client = OpenRouterBuilder().with_model("anthropic/claude-sonnet-4").build()          # ResponsesClient
    client = OpenRouterBuilder().with_completions().with_model("openai/gpt-4o").build()   # CompletionsClient
    api = OpenRouterBuilder().build_api()                                                 # OpenRouterAPI

Everything OpenRouter-specific is typed here and works the same on both wires: reasoning, provider
routing, fallback models, presets, sessions, plugins, server tools, prompt caching, app attribution and
a capability pre-flight. Request fields compile into the client's default
:attr:`ChatOptions.extra_body <chat_openrouter.ChatOptions.extra_body>`, which both codecs merge last, so
``client.options`` shows exactly what will be sent; per-call ``options=`` (see
:func:`~chat_openrouter.openrouter.request_options`) override them one top-level field at a time.

Builders are immutable: every ``with_*`` returns a new builder, so a half-configured builder can be
reused as a template. ``build()`` resolves the key (``OPENROUTER_API_KEY`` when not given) and hands the
client everything it will ever use -- endpoint, defaults, the optional pre-flight check -- in its
constructor; nothing is attached afterwards. Building a client does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from ..core.options import AudioOutput, ChatOptions, ImageConfig, Reasoning, Timeouts, check_number
from ..core.tracing import Tracing
from ..errors import ConfigurationError
from ..transport.endpoint import Endpoint
from ..transport.headers import merge_headers
from ..transport.limits import Limits
from ..transport.retry import RetryPolicy
from ..transport.secret import Secret
from ._defaults import DEFAULT_CATALOG_TTL
from .connection import (
    DEFAULT_BASE_URL,
    attribution_headers,
    check_base_url,
    resolve_api_key,
    resolve_base_url,
)
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
    Trace,
    normalise_preset,
)

if TYPE_CHECKING:  # the wires, the API object and the capability check load in build(), when used
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from ..wire.base import RequestCheck, WireClient
    from ..wire.completions.client import CompletionsClient
    from ..wire.responses.client import ResponsesClient
    from .api import OpenRouterAPI

__all__ = ["OpenRouterBuilder", "OpenRouterConfig"]

B = TypeVar("B", bound="OpenRouterBuilder[Any]")
W = TypeVar("W", bound="WireClient")
Wire = Literal["responses", "completions"]

if TYPE_CHECKING:
    # PEP 696 (a TypeVar default) for type checkers only: `OpenRouterBuilder()` is an
    # `OpenRouterBuilder[ResponsesClient]` without being written so. At run time the parameter is a plain
    # TypeVar (Python 3.11's typing has no defaults, and typing_extensions is no runtime dependency).
    from typing_extensions import TypeVar as _TypeVarWithDefault

    # Covariant: a builder of either wire is an `OpenRouterBuilder[WireClient]` (the annotation for a
    # variable that may hold either, as in `b = OpenRouterBuilder(); if x: b = b.with_completions()`).
    ClientT = _TypeVarWithDefault("ClientT", bound="WireClient", default="ResponsesClient", covariant=True)
else:
    ClientT = TypeVar("ClientT", covariant=True)


@dataclass(frozen=True)
class OpenRouterConfig:
    """Everything an :class:`OpenRouterBuilder` has been told (read it as ``builder.config``)."""

    wire: Wire = "responses"
    base_url: str = DEFAULT_BASE_URL
    #: True once ``with_base_url`` was called; otherwise ``OPENROUTER_BASE_URL`` is read at ``build()``.
    base_url_given: bool = False
    model: str | None = None
    api_key: Secret | None = None
    require_key: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)
    #: A chat_openrouter Transport, an httpx2 transport or client; None for the default.
    transport: Any = None
    #: Whether the default transport honours proxy (and CA bundle) environment variables.
    trust_env: bool = True
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: Limits = field(default_factory=Limits)
    options: ChatOptions = field(default_factory=ChatOptions)
    server_tools: tuple[dict[str, Any], ...] = ()
    capability_check: bool = False
    catalog_ttl: float = DEFAULT_CATALOG_TTL
    clock: Callable[[], float] | None = None
    tracing: Tracing | None = None

    def __repr__(self) -> str:  # the key is a Secret, but say nothing about it at all
        return f"OpenRouterConfig(wire={self.wire!r}, base_url={self.base_url!r}, model={self.model!r})"


class OpenRouterBuilder(Generic[ClientT]):
    """Configure an OpenRouter client. Immutable: each ``with_*`` returns a new builder.

    ``build()`` returns a :class:`ResponsesClient` (OpenRouter's default wire) or, after
    :meth:`with_completions`, a :class:`CompletionsClient` -- no wrapper type in between. The builder is
    generic over that client type, so type checkers know which one ``build()`` returns:
    ``OpenRouterBuilder().build()`` is a ``ResponsesClient``, ``OpenRouterBuilder().with_completions()
    .build()`` a ``CompletionsClient``.
    ``build_api()`` returns an :class:`~chat_openrouter.OpenRouterAPI` (models, embeddings, images,
    audio, video, keys, ... and any other path) on the same settings; ``OpenRouterAPI(client)`` gives one
    for a built client.
    """

    def __init__(self, config: OpenRouterConfig | None = None) -> None:
        self._config = config or OpenRouterConfig()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(wire={self._config.wire!r}, model={self._config.model!r})"

    @property
    def config(self) -> OpenRouterConfig:
        return self._config

    def _with(self: B, **changes: Any) -> B:
        return type(self)(replace(self._config, **changes))

    def _with_options(self: B, **changes: Any) -> B:
        try:
            return self._with(options=replace(self._config.options, **changes))
        except ValueError as exc:  # ChatOptions checks its values; a builder says so as a ConfigurationError
            raise ConfigurationError(str(exc)) from None

    # -- wire ------------------------------------------------------------------------------------------
    def with_completions(self) -> OpenRouterBuilder[CompletionsClient]:
        """Use the Chat Completions wire (``POST /chat/completions``) instead of the Responses API."""
        return cast("OpenRouterBuilder[CompletionsClient]", self._with(wire="completions"))

    def with_responses(self) -> OpenRouterBuilder[ResponsesClient]:
        """Use the Responses API wire (the default)."""
        return cast("OpenRouterBuilder[ResponsesClient]", self._with(wire="responses"))

    @property
    def wire(self) -> str:
        """The wire ``build()`` will use: ``"responses"`` (default) or ``"completions"``."""
        return self._config.wire

    # -- who we talk to --------------------------------------------------------------------------------
    def with_model(self: B, model: str) -> B:
        """The model slug, e.g. ``anthropic/claude-sonnet-4`` (variants like ``:free`` and presets work).

        An empty or blank slug, or one with spaces inside, is a ``ConfigurationError`` here."""
        if not isinstance(model, str):
            raise ConfigurationError(f"with_model() expects a model slug string, got {type(model).__name__}")
        slug = model.strip()
        if not slug or any(c.isspace() for c in slug):
            raise ConfigurationError(
                f"with_model() needs a model slug such as 'openai/gpt-4o' (no spaces), got {model!r}"
            )
        return self._with(model=slug)

    def with_api_key(self: B, api_key: str) -> B:
        """The API key; when not called, ``OPENROUTER_API_KEY`` is read at ``build()``.

        Surrounding whitespace (a newline pasted with it) is stripped, as for the environment variable;
        a key with a control or non-ASCII character inside is a
        :class:`~chat_openrouter.errors.ConfigurationError` at ``build()``, whose message never quotes it.
        """
        # An empty or blank key would only fail later as a 401; the message says nothing of the value.
        if not isinstance(api_key, str):
            raise ConfigurationError(f"with_api_key() expects a string, got {type(api_key).__name__}")
        if not api_key.strip():
            raise ConfigurationError(
                "with_api_key() was given an empty key; pass your key, or leave it out to read "
                "OPENROUTER_API_KEY (without_api_key() sends none)"
            )
        return self._with(api_key=Secret(api_key), require_key=True)

    def without_api_key(self: B) -> B:
        """Send no Authorization header (local servers, proxies that add it)."""
        return self._with(api_key=None, require_key=False)

    def with_base_url(self: B, base_url: str) -> B:
        """Default ``https://openrouter.ai/api/v1``, or ``OPENROUTER_BASE_URL`` when that is set (read at
        ``build()``, like the key); a trailing slash is fine. A URL without ``https://`` or ``http://``,
        with another scheme, no host, a bad port or a query is a ``ConfigurationError`` here."""
        return self._with(base_url=check_base_url(base_url), base_url_given=True)

    def with_headers(self: B, headers: Mapping[str, str]) -> B:
        """Extra headers sent on every request, merged over earlier ones case-insensitively.

        ``with_headers({"authorization": "Bearer ..."})`` replaces the key's ``Authorization`` header (a
        proxy's own credential, say): one header of a name is ever sent. Names and values are checked at
        ``build()`` (printable ASCII; a ``ConfigurationError`` otherwise, which never quotes a value).
        """
        return self._with(headers=merge_headers(self._config.headers, headers))

    def with_app(
        self: B, *, url: str | None = None, title: str | None = None, categories: Sequence[str] = ()
    ) -> B:
        """App attribution headers: ``HTTP-Referer``, ``X-OpenRouter-Title``, ``X-OpenRouter-Categories``.

        Nothing is sent by default; only the values you give here are. ``url`` creates your app's page
        on openrouter.ai (the title only shows together with it). ``categories``: at most two
        marketplace slugs such as ``"cli-agent"`` (lowercase, hyphenated, ≤ 30 characters).
        """
        return self.with_headers(attribution_headers(url=url, title=title, categories=categories))

    # -- connection ------------------------------------------------------------------------------------
    def with_transport(self: B, transport: Any) -> B:
        """A :class:`Transport`, an ``httpx2`` transport (e.g. ``MockTransport``) or an ``httpx2`` client."""
        return self._with(transport=transport)

    def with_trust_env(self: B, enabled: bool) -> B:
        """Whether the default transport reads the environment: ``HTTPS_PROXY``, ``HTTP_PROXY``,
        ``ALL_PROXY`` and ``NO_PROXY`` (any case), ``SSL_CERT_FILE``/``SSL_CERT_DIR``.

        On by default, as in httpx2 and curl; ``with_trust_env(False)`` connects directly whatever the
        environment says. It applies to the transport chat-openrouter creates; an httpx2 client or
        transport given to :meth:`with_transport` keeps its own settings.
        """
        return self._with(trust_env=bool(enabled))

    def with_timeouts(self: B, timeouts: Timeouts | None = None, **phases: float | None) -> B:
        """Replace the timeouts, or change single phases: ``with_timeouts(first_byte=30)``.

        Each phase is seconds > 0, or None for no limit; anything else (``total=-5``, an unknown phase)
        is a ``ConfigurationError`` here."""
        if timeouts is not None and not isinstance(timeouts, Timeouts):
            raise ConfigurationError(f"with_timeouts() expects a Timeouts, got {type(timeouts).__name__}")
        known = [f.name for f in fields(Timeouts)]
        unknown = sorted(set(phases) - set(known))
        if unknown:
            raise ConfigurationError(f"with_timeouts(): unknown phase(s) {unknown}; the phases are {known}")
        return self._with(timeouts=replace(timeouts or self._config.timeouts, **phases))

    def with_retries(self: B, max_retries: int | RetryPolicy) -> B:
        """How many times to retry retryable failures (default 2), or a full :class:`RetryPolicy`.

        A count is an integer >= 0 (0: never retry); anything else is a ``ConfigurationError`` here."""
        if isinstance(max_retries, RetryPolicy):
            return self._with(retry=max_retries)
        check_number("with_retries()", max_retries, low=0, integer=True)
        return self._with(retry=replace(self._config.retry, max_retries=max_retries))

    def with_limits(self: B, limits: Limits) -> B:
        """Bounds on what is read back (body, event and tool-call sizes); see :class:`Limits`."""
        return self._with(limits=limits)

    # -- request defaults ------------------------------------------------------------------------------
    def with_options(self: B, options: ChatOptions) -> B:
        """Default request options (per-call ``options=`` override them field by field)."""
        if not isinstance(options, ChatOptions):
            raise ConfigurationError(f"with_options() expects a ChatOptions, got {type(options).__name__}")
        return self._with(options=self._config.options.merged(options))

    def with_reasoning_effort(self: B, effort: str) -> B:
        """Send OpenRouter's ``reasoning: {effort}`` (valid on both wires)."""
        current = self._config.options.reasoning or Reasoning()
        return self._with_options(reasoning=replace(current, effort=effort))

    def with_server_tools(self: B, tools: Sequence[Mapping[str, Any]]) -> B:
        """Server tools sent on every request as raw JSON (e.g. ``{"type": "openrouter:web_search"}``)."""
        return self._with(server_tools=self._config.server_tools + tuple(dict(t) for t in tools))

    # -- reasoning -------------------------------------------------------------------------------------
    def with_reasoning(
        self: B,
        reasoning: Reasoning | None = None,
        *,
        effort: str | None = None,
        max_tokens: int | None = None,
        exclude: bool | None = None,
        enabled: bool | None = None,
        summary: str | None = None,
        allow_unknown: bool | None = None,
    ) -> B:
        """OpenRouter's unified ``reasoning`` object, on both wires (replaces any earlier setting).

        ``effort``: ``none``/``minimal``/``low``/``medium``/``high``/``xhigh``/``max``; a typo is a
        ``ConfigurationError`` here, with a "did you mean" -- a value newer than this library goes through
        with ``allow_unknown=True``. ``max_tokens``: a thinking budget instead of an effort. ``exclude``:
        reason but do not return the reasoning. ``enabled``: on at the default effort. ``summary``:
        ``auto``/``concise``/``detailed``. Called with no argument, it turns reasoning on (``enabled: true``).

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
                "allow_unknown": allow_unknown,
            }.items()
            if v is not None
        }
        if reasoning is None and not changes:
            changes = {"enabled": True}
        return self._with_options(reasoning=replace(reasoning or Reasoning(), **changes))

    # -- sampling and output modalities ----------------------------------------------------------------
    def with_sampling(
        self: B,
        *,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        repetition_penalty: float | None = None,
        top_k: int | None = None,
        min_p: float | None = None,
        top_a: float | None = None,
        logit_bias: Mapping[int | str, float] | None = None,
    ) -> B:
        """Sampling knobs beyond temperature/top_p (each given one replaces its earlier value).

        ``frequency_penalty`` / ``presence_penalty`` (-2..2) discourage repeating tokens by count / at
        all; ``repetition_penalty`` (0..2, 1 = off) is the multiplicative form; ``top_k`` keeps the k most
        likely tokens; ``min_p`` / ``top_a`` (0..1) drop unlikely ones; ``logit_bias`` maps token ids to
        -100..100. The Responses API has only the two penalties and ``top_k``: the others are left out
        there with a warning (use ``with_completions()``). Out-of-range values raise here.
        """
        given = {
            "frequency_penalty": frequency_penalty,
            "presence_penalty": presence_penalty,
            "repetition_penalty": repetition_penalty,
            "top_k": top_k,
            "min_p": min_p,
            "top_a": top_a,
            "logit_bias": logit_bias,
        }
        return self._with_options(**{k: v for k, v in given.items() if v is not None})

    def with_image_output(
        self: B,
        *,
        aspect_ratio: str | None = None,
        image_size: str | None = None,
        **extra: Any,
    ) -> B:
        r"""Ask an image-output model for pictures too: ``modalities: ["image", "text"]`` and
        ``image_config`` (``aspect_ratio`` such as ``"16:9"``, ``image_size`` ``"1K"``/``"2K"``/``"4K"``,
        any provider-specific key). The images come back as ``FilePart``\ s of the answer, on both wires."""
        config = ImageConfig(aspect_ratio=aspect_ratio, image_size=image_size, extra=extra)
        return self._with_options(modalities=("image", "text"), image_config=config)

    def with_audio_output(self: B, *, voice: str = "alloy", format: str = "wav") -> B:
        """Ask an audio-output model to speak its answer: ``modalities: ["text", "audio"]`` and
        ``audio: {voice, format}``. The speech comes back as an ``AudioPart`` (streamed as
        ``AudioChunk`` events). Chat Completions only: the Responses API has no audio output."""
        return self._with_options(modalities=("text", "audio"), audio=AudioOutput(voice=voice, format=format))

    def with_trace(self: B, trace: Trace | None = None, **fields: Any) -> B:
        """Observability metadata for OpenRouter's broadcast destinations (``trace``): ``trace_id``,
        ``trace_name``, ``span_name``, ``generation_name``, ``parent_span_id``, or any custom key."""
        known = {"trace_id", "trace_name", "span_name", "generation_name", "parent_span_id"}
        base = trace or Trace()
        typed = replace(
            base,
            **{k: v for k, v in fields.items() if k in known},
            extra={**base.extra, **{k: v for k, v in fields.items() if k not in known}},
        )
        return self.with_openrouter_options(OpenRouterOptions(trace=typed))

    def with_metadata(self: B, metadata: Mapping[str, str]) -> B:
        """Up to 16 string pairs kept with every request (``metadata``; keys <= 64 characters, values <=
        512). Replaces earlier metadata."""
        return self.with_openrouter_options(OpenRouterOptions(metadata=metadata))

    # -- routing ---------------------------------------------------------------------------------------
    def _with_body(self: B, fields: Mapping[str, Any]) -> B:
        options = self._config.options
        return self._with(options=replace(options, extra_body={**options.extra_body, **fields}))

    def with_openrouter_options(self: B, options: OpenRouterOptions) -> B:
        """Set several OpenRouter request fields at once (each replaces the builder's earlier value)."""
        return self._with_body(options.to_body())

    def with_provider(
        self: B,
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
    ) -> B:
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

    def with_fallback_models(self: B, models: Sequence[str]) -> B:
        """Models tried in order when the primary fails (``models``).

        Read ``response.model`` to see which one answered; you pay for that one.
        """
        return self.with_openrouter_options(OpenRouterOptions(models=models))

    def with_preset(self: B, preset: str) -> B:
        """Apply a preset saved on openrouter.ai: ``"@preset/name"`` or just ``"name"``.

        The preset's model, routing and parameters apply server-side; you may leave ``with_model`` unset.
        (``with_model("@preset/name")`` works too.)
        """
        return self._with_body({"preset": normalise_preset(preset)})

    def with_session_id(self: B, session_id: str) -> B:
        """Group requests of one conversation/agent run: sticky provider routing (better cache hits) and
        grouped logs. At most 256 characters."""
        return self.with_openrouter_options(OpenRouterOptions(session_id=session_id))

    def with_user(self: B, user: str) -> B:
        """A stable id of *your* end user (hashed before it reaches providers): isolates abuse blocks.

        Sent as ``user`` on Chat Completions and ``safety_identifier`` on the Responses API (spec)."""
        return self._with_options(user=user)

    # -- plugins and server tools ----------------------------------------------------------------------
    def with_plugins(self: B, *plugins: Plugin) -> B:
        """Add plugins (``web``, ``file-parser``, ``response-healing``, ``context-compression``, ...).

        A plugin with the same id as an earlier one replaces it.
        """
        current = [p for p in self._config.options.extra_body.get("plugins", ()) if isinstance(p, dict)]
        new_ids = {p.id for p in plugins}
        merged = [p for p in current if p.get("id") not in new_ids] + [p.to_json() for p in plugins]
        return self._with_body({"plugins": merged})

    def with_web_search(self: B, tool: WebSearch | None = None) -> B:
        """Let the model search the web: the ``openrouter:web_search`` server tool (default settings if
        ``tool`` is omitted). Citations: :func:`chat_openrouter.openrouter.citations`."""
        return self.with_server_tools([tool if tool is not None else WebSearch()])

    # -- prompt caching --------------------------------------------------------------------------------
    def with_prompt_cache_key(self: B, key: str) -> B:
        """OpenAI-style ``prompt_cache_key``: requests sharing it are routed to the same cache."""
        return self.with_openrouter_options(OpenRouterOptions(prompt_cache_key=key))

    def with_prompt_caching(self: B, ttl: Literal["5m", "1h"] | None = None) -> B:
        """Automatic prompt caching: a top-level ``cache_control`` (OpenRouter places the breakpoint).

        For explicit breakpoints set ``cache_control`` on a ``TextPart``/``FilePart`` or on a tool via
        ``ToolSpec(extra={"cache_control": ...})``. Cache reads/writes show in ``usage.cached_tokens`` /
        ``usage.cache_write_tokens``.
        """
        return self.with_openrouter_options(OpenRouterOptions(cache_control=CacheControl(ttl=ttl)))

    # -- catalogue -------------------------------------------------------------------------------------
    def with_capability_check(self: B, enabled: bool = True) -> B:
        """Refuse requests the model cannot serve, before sending them.

        When a request uses function tools, structured output or reasoning and the model's
        ``supported_parameters`` (from the cached ``GET /models``) lack them, the call raises
        :class:`~chat_openrouter.openrouter.ModelCapabilityError` (a ``ConfigurationError``) instead of
        being silently downgraded or rejected upstream. Costs one catalogue fetch per TTL. The check is
        given to the client's constructor (:class:`~chat_openrouter.openrouter.CapabilityCheck`).
        """
        return self._with(capability_check=enabled)

    def with_catalog(
        self: B, *, ttl: float = DEFAULT_CATALOG_TTL, clock: Callable[[], float] | None = None
    ) -> B:
        """How long the model catalogue stays cached (seconds) and, for tests, the monotonic clock.

        Applies to the capability check and to every ``OpenRouterAPI`` on the built client's endpoint.
        """
        if ttl < 0:
            raise ConfigurationError(f"catalogue TTL must be >= 0 seconds, got {ttl}")
        return self._with(catalog_ttl=ttl, clock=clock)

    # -- observability ---------------------------------------------------------------------------------
    def with_tracing(
        self: B,
        enabled: bool = True,
        *,
        capture_content: bool | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> B:
        """OpenTelemetry spans and metrics for the built client's model calls (GenAI conventions).

        On by default when ``opentelemetry-api`` is installed; ``with_tracing(False)`` turns it off.
        ``capture_content=True`` records prompts and answers on the spans (None leaves it to
        ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``, off unless ``true``). The providers default
        to the global ones your OpenTelemetry SDK set. See docs/tracing.md.
        """
        tracing = Tracing(enabled, capture_content, None, tracer_provider, meter_provider)
        return self._with(tracing=tracing)

    # -- build -----------------------------------------------------------------------------------------
    def build_endpoint(self) -> Endpoint:
        """The configured endpoint (key resolved, transport created lazily); what ``build()`` uses."""
        cfg = self._config
        from ..transport.httpx_transport import resolve_transport

        return Endpoint(
            base_url=cfg.base_url if cfg.base_url_given else resolve_base_url(),
            transport=resolve_transport(cfg.transport, trust_env=cfg.trust_env),
            api_key=resolve_api_key(cfg.api_key, required=cfg.require_key),
            headers=dict(cfg.headers),
            timeouts=cfg.timeouts,
            retry=cfg.retry,
            limits=cfg.limits,
        )

    def build(self) -> ClientT:
        """The wire client: ``ResponsesClient``, or ``CompletionsClient`` after ``with_completions()``."""
        # Import only the chosen wire: building a client should not pay for the other one.
        if self._config.wire == "completions":
            from ..wire.completions.client import CompletionsClient

            return cast("ClientT", self._build(CompletionsClient))
        from ..wire.responses.client import ResponsesClient

        return cast("ClientT", self._build(ResponsesClient))

    def build_api(self, *, embedding_model: str | None = None) -> OpenRouterAPI:
        """An :class:`~chat_openrouter.OpenRouterAPI` (models, embeddings, images, audio, keys, ...) on these
        settings; ``embedding_model`` is the model its ``embed`` uses when given none."""
        from .api import OpenRouterAPI

        return OpenRouterAPI(self._endpoint_with_catalog(), embedding_model=embedding_model)

    def _build(self, client_class: type[W]) -> W:
        cfg = self._config
        endpoint = self._endpoint_with_catalog()
        check: RequestCheck | None = None
        if cfg.capability_check:
            from .api import OpenRouterAPI
            from .capability import CapabilityCheck

            check = CapabilityCheck(OpenRouterAPI(endpoint))
        return client_class(
            endpoint,
            model=cfg.model,
            options=cfg.options,
            server_tools=cfg.server_tools,
            request_check=check,
            tracing=cfg.tracing,
        )

    def _endpoint_with_catalog(self) -> Endpoint:
        endpoint = self.build_endpoint()
        cfg = self._config
        if cfg.catalog_ttl != DEFAULT_CATALOG_TTL or cfg.clock is not None:
            # The catalogue cache belongs to the endpoint: configure it before anyone reads it, so the
            # capability check and every later OpenRouterAPI(client) see these settings.
            from .api.models import catalog_for

            catalog_for(endpoint, ttl=cfg.catalog_ttl, clock=cfg.clock)
        return endpoint
