"""Typed OpenRouter request options: provider routing, fallback models, presets, sessions, plugins, caching,
tracing and metadata.

Every class here compiles to the JSON OpenRouter documents (spec ``ProviderPreferences``, ``ChatRequest`` /
``ResponsesRequest`` top-level fields). The fields are identical on both wires, so they travel in
:attr:`ChatOptions.extra_body <chat_openrouter.ChatOptions.extra_body>`, which both codecs merge last into
the request: the wires never need to know about OpenRouter's routing vocabulary.

Set them once on the builder, override them per call::

    from chat_openrouter.openrouter import OpenRouterBuilder, ProviderPreferences, request_options

    client = (
        OpenRouterBuilder()
        .with_model("anthropic/claude-sonnet-4")
        .with_provider(order=["anthropic", "amazon-bedrock"], data_collection="deny")
        .with_fallback_models(["openai/gpt-4o"])
        .build()
    )
    response = client.complete_sync(msgs, options=request_options(provider=ProviderPreferences(sort="price")))
    print(response.model, response.provider)   # what actually served the call

A per-call value replaces the builder's value for that *top-level* field (``provider``, ``models``,
``plugins``, ...) -- it is not merged field by field, so what you pass is exactly what is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..core.options import AudioOutput, ChatOptions, ImageConfig, Reasoning
    from .plugins import Plugin

__all__ = [
    "CacheControl",
    "MaxPrice",
    "OpenRouterOptions",
    "Percentiles",
    "ProviderPreferences",
    "ProviderSort",
    "Trace",
    "check_metadata",
    "normalise_preset",
    "request_options",
]

#: Sort strategies the spec lists (``ProviderSort``); other strings pass through for future values.
SortBy = Literal["price", "throughput", "latency", "exacto"]
#: Price values: a ``Decimal`` (exact), an ``int``/``float``, or a decimal string.
PriceValue = Decimal | int | float | str

_SESSION_ID_MAX = 256  # spec ChatRequest.session_id maxLength
# spec RequestMetadata: at most 16 pairs, keys <= 64 characters without brackets, values <= 512 characters.
_METADATA_PAIRS, _METADATA_KEY, _METADATA_VALUE = 16, 64, 512


def _decimal_string(value: PriceValue) -> str:
    """A plain decimal string (never exponent notation): the spec types ``max_price`` entries as strings."""
    if isinstance(value, bool):
        raise ConfigurationError(f"a price must be a number, got {value!r}")
    try:
        # str(float) first: Decimal(0.1) would carry the binary expansion 0.1000000000000000055...
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise ConfigurationError(f"not a price: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ConfigurationError(f"a price must be a finite, non-negative number, got {value!r}")
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _compact(pairs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs.items() if v is not None}


@dataclass(frozen=True, slots=True)
class MaxPrice:
    """The most you will pay; pricier providers are skipped (spec ``ProviderPreferences.max_price``).

    ``prompt`` and ``completion`` are USD **per million tokens**; ``request``, ``image`` and ``audio`` are USD
    per request / image / audio unit. Values are sent as decimal strings, as the spec requires.
    """

    prompt: PriceValue | None = None
    completion: PriceValue | None = None
    request: PriceValue | None = None
    image: PriceValue | None = None
    audio: PriceValue | None = None

    def to_json(self) -> dict[str, str]:
        """The ``max_price`` object as sent: decimal strings, only the limits given."""
        return {
            f.name: _decimal_string(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) is not None
        }


@dataclass(frozen=True, slots=True)
class Percentiles:
    """Percentile cut-offs for ``preferred_max_latency`` (seconds) or ``preferred_min_throughput`` (tokens/s).

    All given cut-offs must hold for an endpoint to be preferred (spec ``PercentileLatencyCutoffs``).
    """

    p50: float | None = None
    p75: float | None = None
    p90: float | None = None
    p99: float | None = None

    def to_json(self) -> dict[str, float]:
        """The cut-offs as sent (only those given)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True, slots=True)
class ProviderSort:
    """``sort`` as an object: ``by`` a strategy, ``partition`` ``"model"`` (default: fallback models stay
    fallbacks) or ``"none"`` (sort all endpoints of all models together). Spec ``ProviderSortConfig``."""

    by: SortBy | str | None = None
    partition: Literal["model", "none"] | str | None = None

    def to_json(self) -> dict[str, str]:
        """The ``sort`` object as sent (only the fields given)."""
        return _compact({"by": self.by, "partition": self.partition})


def _tuple(value: Sequence[str] | None, name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):  # a bare string would silently become a list of characters
        raise ConfigurationError(f"{name} expects a list of strings, got the string {value!r}")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class ProviderPreferences:
    """How OpenRouter picks the provider behind the model (spec ``ProviderPreferences``; reference §3.5).

    Every field left ``None`` is not sent, so OpenRouter's defaults (and your account settings) apply.

    ``order``: provider slugs to try first, in order. ``only`` / ``ignore``: allow- and deny-lists.
    ``allow_fallbacks``: ``False`` to fail instead of using providers outside ``order``.
    ``require_parameters``: only route to providers that support every parameter you send (use it with
    structured output or tools to avoid a silent downgrade). ``data_collection``: ``"deny"`` to exclude
    providers that may store or train on prompts. ``zdr``: zero-data-retention endpoints only.
    ``enforce_distillable_text``: only models whose authors allow distillation.
    ``quantizations``: e.g. ``["fp8", "bf16"]``. ``sort``: ``"price"``, ``"throughput"``, ``"latency"``,
    ``"exacto"`` or a :class:`ProviderSort`. ``max_price``: a :class:`MaxPrice` (or a mapping of its fields).
    ``preferred_min_throughput`` / ``preferred_max_latency``: a number (p50) or :class:`Percentiles`.
    ``extra``: fields newer than this library, merged last, verbatim.
    """

    order: Sequence[str] | None = None
    only: Sequence[str] | None = None
    ignore: Sequence[str] | None = None
    allow_fallbacks: bool | None = None
    require_parameters: bool | None = None
    data_collection: Literal["allow", "deny"] | None = None
    zdr: bool | None = None
    enforce_distillable_text: bool | None = None
    quantizations: Sequence[str] | None = None
    sort: SortBy | str | ProviderSort | None = None
    max_price: MaxPrice | Mapping[str, PriceValue] | None = None
    preferred_min_throughput: float | Percentiles | None = None
    preferred_max_latency: float | Percentiles | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Freeze list arguments so a preferences object can be shared and reused safely.
        for name in ("order", "only", "ignore", "quantizations"):
            object.__setattr__(self, name, _tuple(getattr(self, name), name))
        if isinstance(self.max_price, Mapping):
            unknown = set(self.max_price) - {f.name for f in fields(MaxPrice)}
            if unknown:
                raise ConfigurationError(f"max_price: unknown field(s) {sorted(unknown)}")
            object.__setattr__(self, "max_price", MaxPrice(**self.max_price))
        if self.data_collection not in (None, "allow", "deny"):
            raise ConfigurationError(
                f"data_collection must be 'allow' or 'deny', got {self.data_collection!r}"
            )

    def to_json(self) -> dict[str, Any]:
        """The ``provider`` object as sent on the wire."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value is None:
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, MaxPrice | Percentiles | ProviderSort):
                value = value.to_json()
            out[f.name] = value
        out.update(self.extra)
        return out


@dataclass(frozen=True, slots=True)
class CacheControl:
    """An Anthropic-style cache breakpoint: ``{"type": "ephemeral", "ttl": "5m" | "1h"}``.

    At the top level of a request it turns on automatic prompt caching (spec
    ``AnthropicCacheControlDirective``); on a text/file part or a tool it marks an explicit breakpoint
    (put ``CacheControl().to_json()`` in ``TextPart.cache_control`` / ``ToolSpec.extra["cache_control"]``).
    """

    ttl: Literal["5m", "1h"] | None = None
    type: str = "ephemeral"

    def to_json(self) -> dict[str, str]:
        """The ``cache_control`` object as sent."""
        return _compact({"type": self.type, "ttl": self.ttl})


@dataclass(frozen=True, slots=True)
class Trace:
    """Observability metadata for OpenRouter's broadcast destinations (spec ``TraceConfig``): the known
    keys get special handling there; ``extra`` keys are passed through as custom metadata."""

    trace_id: str | None = None
    trace_name: str | None = None
    span_name: str | None = None
    generation_name: str | None = None
    parent_span_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``trace`` object as sent."""
        out = dict(self.extra)
        out.update(_compact({f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}))
        return out


def check_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """``metadata`` checked against the spec's limits (16 pairs; keys <= 64 characters without ``[``/``]``;
    string values <= 512 characters); a :class:`~chat_openrouter.ConfigurationError` otherwise."""
    if not isinstance(metadata, Mapping):
        raise ConfigurationError(f"metadata is a mapping of strings, got {type(metadata).__name__}")
    if len(metadata) > _METADATA_PAIRS:
        raise ConfigurationError(f"metadata holds at most {_METADATA_PAIRS} pairs, got {len(metadata)}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not key or len(key) > _METADATA_KEY or "[" in key or "]" in key:
            raise ConfigurationError(f"metadata keys are 1..{_METADATA_KEY} characters without brackets: {key!r}")
        if not isinstance(value, str) or len(value) > _METADATA_VALUE:
            raise ConfigurationError(f"metadata[{key!r}] must be a string of at most {_METADATA_VALUE} characters")
    return dict(metadata)


def normalise_preset(preset: str) -> str:
    """``"comedian"`` or ``"@preset/comedian"`` → ``"@preset/comedian"`` (fixture chat-nonstream-preset)."""
    slug = preset.strip()
    if not slug:
        raise ConfigurationError("a preset name must not be empty")
    return slug if slug.startswith("@preset/") else f"@preset/{slug}"


def _check_session_id(session_id: str | None) -> None:
    if session_id is not None and not 0 < len(session_id) <= _SESSION_ID_MAX:
        raise ConfigurationError(f"session_id must be 1..{_SESSION_ID_MAX} characters, got {len(session_id)}")


@dataclass(frozen=True, slots=True)
class OpenRouterOptions:
    """OpenRouter's own request fields, typed. Compile them with :meth:`to_body` / :meth:`as_options`.

    ``provider``: :class:`ProviderPreferences`. ``models``: fallback models tried in order when the
    primary fails (you pay for the one that answers; read ``response.model``). ``preset``: a saved preset
    (``"@preset/name"`` or ``"name"``). ``session_id``: sticky routing and log grouping (≤ 256 chars).
    ``plugins``: :mod:`~chat_openrouter.openrouter.plugins` objects. ``prompt_cache_key``: OpenAI-style
    cache routing key. ``cache_control``: top-level automatic prompt caching (:class:`CacheControl`).
    ``trace``: observability metadata (:class:`Trace`). ``metadata``: up to 16 string pairs kept with
    the request (spec ``RequestMetadata``).
    """

    provider: ProviderPreferences | None = None
    models: Sequence[str] | None = None
    preset: str | None = None
    session_id: str | None = None
    plugins: Sequence[Plugin] | None = None
    prompt_cache_key: str | None = None
    cache_control: CacheControl | None = None
    trace: Trace | None = None
    metadata: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", _tuple(self.models, "models"))
        if self.metadata is not None:
            object.__setattr__(self, "metadata", check_metadata(self.metadata))
        if self.plugins is not None:
            object.__setattr__(self, "plugins", tuple(self.plugins))
        if self.preset is not None:
            object.__setattr__(self, "preset", normalise_preset(self.preset))
        _check_session_id(self.session_id)

    def to_body(self) -> dict[str, Any]:
        """The top-level request fields these options set (only the ones given)."""
        body: dict[str, Any] = {}
        if self.provider is not None:
            body["provider"] = self.provider.to_json()
        if self.models is not None:
            body["models"] = list(self.models)
        if self.preset is not None:
            body["preset"] = self.preset
        if self.session_id is not None:
            body["session_id"] = self.session_id
        if self.plugins is not None:
            body["plugins"] = [p.to_json() for p in self.plugins]
        if self.prompt_cache_key is not None:
            body["prompt_cache_key"] = self.prompt_cache_key
        if self.cache_control is not None:
            body["cache_control"] = self.cache_control.to_json()
        if self.trace is not None:
            body["trace"] = self.trace.to_json()
        if self.metadata is not None:
            body["metadata"] = dict(self.metadata)
        return body

    def as_options(self, base: ChatOptions | None = None) -> ChatOptions:
        """A :class:`~chat_openrouter.ChatOptions` carrying these fields (merged over ``base``)."""
        from ..core.options import ChatOptions

        return (base or ChatOptions()).merged(ChatOptions(extra_body=self.to_body()))


def request_options(
    *,
    provider: ProviderPreferences | None = None,
    models: Sequence[str] | None = None,
    preset: str | None = None,
    session_id: str | None = None,
    user: str | None = None,
    plugins: Sequence[Plugin] | None = None,
    prompt_cache_key: str | None = None,
    cache_control: CacheControl | None = None,
    reasoning: Reasoning | None = None,
    trace: Trace | None = None,
    metadata: Mapping[str, str] | None = None,
    frequency_penalty: float | None = None,
    presence_penalty: float | None = None,
    repetition_penalty: float | None = None,
    top_k: int | None = None,
    min_p: float | None = None,
    top_a: float | None = None,
    logit_bias: Mapping[int | str, float] | None = None,
    modalities: Sequence[str] | None = None,
    image_config: ImageConfig | None = None,
    audio: AudioOutput | None = None,
    base: ChatOptions | None = None,
) -> ChatOptions:
    """Per-call OpenRouter options, as the ``options=`` every client and the Chat engine accept::

        client.complete_sync(msgs, options=request_options(models=["openai/gpt-4o"], session_id="conv-42"))

    ``user``, ``reasoning``, the sampling knobs (``frequency_penalty`` ... ``logit_bias``) and the output
    modalities (``modalities``, ``image_config``, ``audio``) map to :class:`~chat_openrouter.ChatOptions`
    fields, which each wire encodes in its own way; everything else to OpenRouter's top-level request
    fields. ``base`` lets you add other options in the same object.
    """
    from ..core.options import ChatOptions

    typed = OpenRouterOptions(
        provider=provider,
        models=models,
        preset=preset,
        session_id=session_id,
        plugins=plugins,
        prompt_cache_key=prompt_cache_key,
        cache_control=cache_control,
        trace=trace,
        metadata=metadata,
    )
    options = typed.as_options(base)
    try:
        typed_fields = ChatOptions(
            user=user,
            reasoning=reasoning,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            repetition_penalty=repetition_penalty,
            top_k=top_k,
            min_p=min_p,
            top_a=top_a,
            logit_bias=logit_bias,
            modalities=modalities if modalities is None or isinstance(modalities, str) else tuple(modalities),  # type: ignore[arg-type]
            image_config=image_config,
            audio=audio,
        )
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    return options.merged(typed_fields)
