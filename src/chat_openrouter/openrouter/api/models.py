"""The model catalogue (``GET /models``), typed, and its cache, shared per endpoint.

::

    api = OpenRouterAPI(client)
    models = api.list_models_sync()          # cached for an hour (OpenRouterBuilder.with_catalog)
    sonnet = api.get_model_sync("anthropic/claude-sonnet-4")
    print(sonnet.context_length, sonnet.pricing.prompt * 1_000_000, sonnet.supports("tools"))

Prices are :class:`~decimal.Decimal` **USD per token**, exactly as the API's decimal strings say
(reference §10.1): multiply by 1,000,000 for the familiar per-million figure.

The cache belongs to the endpoint (the connection a client was built with), not to an API object:
every ``OpenRouterAPI(client)`` for that client, its ``with_options`` copies and the capability
pre-flight share one catalogue, fetched once per TTL.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ...errors import DecodeError
from ...transport.endpoint import Endpoint
from ...transport.limits import SNIPPET_CHARS
from ...wire.common.lenient import as_mapping, as_str, opt_bool, opt_float, opt_int, strings
from .._defaults import DEFAULT_CATALOG_TTL
from ._calls import CallFlow, EndpointGroup, Get

__all__ = [
    "DEFAULT_CATALOG_TTL",
    "ModelArchitecture",
    "ModelCatalog",
    "ModelInfo",
    "ModelPricing",
    "ModelsGroup",
    "ReasoningSupport",
    "TopProvider",
    "catalog_for",
    "lookup",
    "parse_models",
]


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    # "NaN", "Infinity" (strings or JSON literals) are no price: read as unlisted, like garbage.
    return number if number.is_finite() else None


_PRICE_FIELDS = (
    "prompt",
    "completion",
    "request",
    "image",
    "audio",
    "web_search",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
)


@dataclass(frozen=True, slots=True)
class ModelPricing:
    """USD **per token** (``prompt``, ``completion``, cache reads/writes, ``internal_reasoning``) or per unit
    (``request``, ``image``, ``audio``, ``web_search``), as exact decimals; ``None`` when not listed.

    ``other`` holds any newer price fields; ``overrides`` the conditional tiers verbatim (e.g. a higher
    price above 200k prompt tokens; fixture models-list-truncated).
    """

    prompt: Decimal | None = None
    completion: Decimal | None = None
    request: Decimal | None = None
    image: Decimal | None = None
    audio: Decimal | None = None
    web_search: Decimal | None = None
    internal_reasoning: Decimal | None = None
    input_cache_read: Decimal | None = None
    input_cache_write: Decimal | None = None
    input_cache_write_1h: Decimal | None = None
    discount: float | None = None
    other: Mapping[str, Decimal] = field(default_factory=dict)
    overrides: Sequence[Mapping[str, Any]] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelPricing:
        """Lenient: from a ``pricing`` object of decimal strings; unparsable prices read as None."""
        known = {name: _decimal(data.get(name)) for name in _PRICE_FIELDS}
        other: dict[str, Decimal] = {}
        for key, value in data.items():
            if key not in _PRICE_FIELDS and key not in ("overrides", "discount"):
                number = _decimal(value)
                if number is not None:
                    other[key] = number
        overrides = data.get("overrides")
        return cls(
            **known,
            discount=opt_float(data.get("discount")),
            other=other,
            overrides=tuple(o for o in overrides if isinstance(o, Mapping))
            if isinstance(overrides, list)
            else (),
        )

    @property
    def is_free(self) -> bool:
        """True when both prompt and completion tokens cost nothing (``:free`` variants)."""
        return self.prompt == 0 and self.completion == 0


@dataclass(frozen=True, slots=True)
class ModelArchitecture:
    """What goes in and comes out: ``input_modalities`` such as ``text``, ``image``, ``file``, ``audio``."""

    modality: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    tokenizer: str | None = None
    instruct_type: str | None = None


@dataclass(frozen=True, slots=True)
class TopProvider:
    """Limits of the model's primary provider."""

    context_length: int | None = None
    max_completion_tokens: int | None = None
    is_moderated: bool | None = None


@dataclass(frozen=True, slots=True)
class ReasoningSupport:
    """The model's reasoning knobs (reference §3.4), when the catalogue lists them."""

    mandatory: bool | None = None
    supported_efforts: tuple[str, ...] = ()
    default_effort: str | None = None
    default_enabled: bool | None = None
    supports_max_tokens: bool | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model of ``GET /models``. ``raw`` keeps the whole entry (benchmarks, links, ...) verbatim."""

    id: str
    name: str = ""
    canonical_slug: str | None = None
    description: str = ""
    created: int | None = None
    context_length: int | None = None
    architecture: ModelArchitecture = field(default_factory=ModelArchitecture)
    pricing: ModelPricing = field(default_factory=ModelPricing)
    top_provider: TopProvider = field(default_factory=TopProvider)
    supported_parameters: frozenset[str] = frozenset()
    default_parameters: Mapping[str, Any] = field(default_factory=dict)
    reasoning: ReasoningSupport | None = None
    knowledge_cutoff: str | None = None
    expiration_date: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelInfo:
        """Lenient: unknown fields are kept in ``raw``, missing ones default; only ``id`` is required."""
        arch = as_mapping(data.get("architecture"))
        top = as_mapping(data.get("top_provider"))
        reasoning = data.get("reasoning")
        return cls(
            id=str(data["id"]),
            name=as_str(data.get("name")) or "",
            canonical_slug=as_str(data.get("canonical_slug")),
            description=as_str(data.get("description")) or "",
            created=opt_int(data.get("created")),
            context_length=opt_int(data.get("context_length")),
            architecture=ModelArchitecture(
                modality=as_str(arch.get("modality")),
                input_modalities=strings(arch.get("input_modalities")),
                output_modalities=strings(arch.get("output_modalities")),
                tokenizer=as_str(arch.get("tokenizer")),
                instruct_type=as_str(arch.get("instruct_type")),
            ),
            pricing=ModelPricing.from_json(as_mapping(data.get("pricing"))),
            top_provider=TopProvider(
                context_length=opt_int(top.get("context_length")),
                max_completion_tokens=opt_int(top.get("max_completion_tokens")),
                is_moderated=opt_bool(top.get("is_moderated")),
            ),
            supported_parameters=frozenset(strings(data.get("supported_parameters"))),
            default_parameters=dict(as_mapping(data.get("default_parameters"))),
            reasoning=_reasoning(reasoning) if isinstance(reasoning, Mapping) else None,
            knowledge_cutoff=as_str(data.get("knowledge_cutoff")),
            expiration_date=as_str(data.get("expiration_date")),
            raw=data,
        )

    def supports(self, parameter: str) -> bool:
        """Whether ``parameter`` (``tools``, ``structured_outputs``, ``reasoning``, ...) is supported."""
        return parameter in self.supported_parameters

    @property
    def supports_tools(self) -> bool:
        """Whether the model takes function tools."""
        return self.supports("tools")

    @property
    def supports_structured_outputs(self) -> bool:
        """Whether the model takes a JSON-schema structured output."""
        return self.supports("structured_outputs")

    @property
    def supports_reasoning(self) -> bool:
        """Whether the model takes a reasoning configuration (listed as either parameter name)."""
        return self.supports("reasoning") or self.supports("include_reasoning")

    @property
    def input_modalities(self) -> tuple[str, ...]:
        """What the model reads: ``text``, ``image``, ``file``, ``audio``, ``video``."""
        return self.architecture.input_modalities

    @property
    def output_modalities(self) -> tuple[str, ...]:
        """What the model produces: ``text``, ``image``, ``audio``."""
        return self.architecture.output_modalities


def _reasoning(data: Mapping[str, Any]) -> ReasoningSupport:
    return ReasoningSupport(
        mandatory=opt_bool(data.get("mandatory")),
        supported_efforts=strings(data.get("supported_efforts")),
        default_effort=as_str(data.get("default_effort")),
        default_enabled=opt_bool(data.get("default_enabled")),
        supports_max_tokens=opt_bool(data.get("supports_max_tokens")),
    )


def parse_models(body: Any) -> list[ModelInfo]:
    """Decode a ``GET /models`` body (``{"data": [...]}``); entries without an ``id`` are skipped.

    A body without its ``data`` list (an empty 204, ``null``, ``{}``, a proxy's HTML page) is a
    :class:`~chat_openrouter.errors.DecodeError`: it is no catalogue, and reading it as an empty one would
    make every model look unknown (and be cached for an hour).
    """
    entries = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(entries, list):
        raise DecodeError(
            "GET /models: expected a JSON object with a 'data' list", snippet=repr(body)[:SNIPPET_CHARS]
        )
    return [
        ModelInfo.from_json(e) for e in entries if isinstance(e, Mapping) and isinstance(e.get("id"), str)
    ]


def lookup(models: Mapping[str, ModelInfo], model_id: str) -> ModelInfo | None:
    """Find ``model_id`` in a catalogue; a variant (``x/y:free``, ``:nitro``) falls back to its base."""
    found = models.get(model_id)
    if found is None and ":" in model_id:
        found = models.get(model_id.split(":", 1)[0])
    return found


# -- the catalogue cache, one per endpoint -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Snapshot:
    fetched_at: float
    models: tuple[ModelInfo, ...]
    by_id: Mapping[str, ModelInfo]


class ModelCatalog:
    """The cached ``GET /models`` of one endpoint: fresh for ``ttl`` seconds on the ``clock``.

    Thread/task safety: a snapshot is replaced atomically; two concurrent first calls may both fetch,
    which is harmless.
    """

    __slots__ = ("_snapshot", "clock", "ttl")

    def __init__(self, *, ttl: float = DEFAULT_CATALOG_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._snapshot: _Snapshot | None = None

    def fresh(self) -> _Snapshot | None:
        """The cached snapshot while it is younger than ``ttl``, else None."""
        snap = self._snapshot
        if snap is not None and self.clock() - snap.fetched_at < self.ttl:
            return snap
        return None

    def store(self, body: Any, fetched_at: float) -> _Snapshot:
        """Decode a ``GET /models`` body and make it the cached snapshot."""
        models = tuple(parse_models(body))
        snap = _Snapshot(fetched_at, models, {m.id: m for m in models})
        self._snapshot = snap
        return snap

    def invalidate(self) -> None:
        """Forget the snapshot: the next read fetches again."""
        self._snapshot = None


_CATALOGS: weakref.WeakKeyDictionary[Endpoint, ModelCatalog] = weakref.WeakKeyDictionary()
_CATALOGS_LOCK = threading.Lock()


def catalog_for(
    endpoint: Endpoint, *, ttl: float | None = None, clock: Callable[[], float] | None = None
) -> ModelCatalog:
    """The catalogue of ``endpoint``, created on first use (it lives as long as the endpoint).

    ``ttl``/``clock`` configure it when given -- ``OpenRouterBuilder.build()`` passes its
    ``with_catalog`` settings for the endpoint it has just created; readers pass neither.
    """
    with _CATALOGS_LOCK:
        catalog = _CATALOGS.get(endpoint)
        if catalog is None:
            catalog = _CATALOGS[endpoint] = ModelCatalog()
        if ttl is not None:
            catalog.ttl = ttl
        if clock is not None:
            catalog.clock = clock
        return catalog


# -- the endpoint group ----------------------------------------------------------------------------------------
# `output_modalities=all`: without it the API lists text-output models only (reference §10.1), and a
# catalogue used for pre-flight checks must also know image/audio-output models.
_MODELS_PARAMS: Mapping[str, str] = {"output_modalities": "all"}


class ModelsGroup(EndpointGroup):
    """``GET /models``: the catalogue, cached per endpoint (see :class:`ModelCatalog`)."""

    _catalog: ModelCatalog

    @property
    def catalog_ttl(self) -> float:
        """How long a fetched catalogue stays fresh, in seconds (``OpenRouterBuilder.with_catalog``)."""
        return self._catalog.ttl

    def _snapshot(self, refresh: bool) -> CallFlow[_Snapshot]:
        catalog = self._catalog
        snap = None if refresh else catalog.fresh()
        if snap is None:
            started = catalog.clock()
            body = yield Get("models", _MODELS_PARAMS)
            snap = catalog.store(body, started)
        return snap

    def _list_models(self, refresh: bool) -> CallFlow[list[ModelInfo]]:
        snap = yield from self._snapshot(refresh)
        return list(snap.models)

    def _get_model(self, model_id: str) -> CallFlow[ModelInfo | None]:
        snap = yield from self._snapshot(refresh=False)
        return lookup(snap.by_id, model_id)

    def list_models_sync(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Every model OpenRouter lists (``GET /models``), cached for ``catalog_ttl`` seconds."""
        return self._calls.run_sync(self._list_models(refresh))

    async def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Async twin of :meth:`list_models_sync`."""
        return await self._calls.run(self._list_models(refresh))

    def get_model_sync(self, model_id: str) -> ModelInfo | None:
        """One model from the cached catalogue (a ``:variant`` falls back to its base), or None."""
        return self._calls.run_sync(self._get_model(model_id))

    async def get_model(self, model_id: str) -> ModelInfo | None:
        """Async twin of :meth:`get_model_sync`."""
        return await self._calls.run(self._get_model(model_id))

    def invalidate_models(self) -> None:
        """Forget the cached catalogue: the next ``list_models`` fetches it again."""
        self._catalog.invalidate()
