"""Discovery: who serves a model and how well (``/models/{author}/{slug}/endpoints``), the providers,
the models your settings allow (``/models/user``), the model count, zero-data-retention endpoints, and
one model by id (``/model/{author}/{slug}``).

::

    endpoints = api.list_model_endpoints_sync("anthropic/claude-sonnet-4")
    for e in endpoints.endpoints:
        print(e.provider_name, e.quantization, e.pricing.prompt, e.latency_last_30m, e.uptime_last_30m)
    cheapest = min(endpoints.endpoints, key=lambda e: e.pricing.prompt or 0)

The capability pre-flight uses these endpoints when a request pins its providers (they may support less
than the model-wide catalogue says; see :class:`~chat_openrouter.openrouter.CapabilityCheck`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigurationError, DecodeError
from ...transport.endpoint import Endpoint
from ...wire.common.lenient import as_mapping, as_str, dicts, opt_bool, opt_float, opt_int, strings
from ._calls import CallFlow, EndpointGroup, Get, paged, query, segment, unwrap_data
from .models import ModelArchitecture, ModelCatalog, ModelInfo, ModelPricing, parse_models

__all__ = [
    "DiscoveryGroup",
    "ModelEndpoint",
    "ModelEndpoints",
    "Percentiles",
    "Provider",
    "endpoints_cache_for",
    "model_path",
]

# EndpointStatus (spec): 0 is serving; negative values are degraded or down states.
_SERVING = 0


@dataclass(frozen=True, slots=True)
class Percentiles:
    """p50/p75/p90/p99 of a measurement (latency in seconds, throughput in tokens per second)."""

    p50: float | None = None
    p75: float | None = None
    p90: float | None = None
    p99: float | None = None

    @classmethod
    def from_json(cls, data: Any) -> Percentiles | None:
        """Lenient: None unless ``data`` is an object."""
        if not isinstance(data, Mapping):
            return None
        return cls(*(opt_float(data.get(k)) for k in ("p50", "p75", "p90", "p99")))


@dataclass(frozen=True, slots=True)
class ModelEndpoint:
    """One provider serving one model (spec ``PublicEndpoint``): price, limits, quality, health.

    ``supported_parameters`` are what *this* provider takes -- the catalogue lists the union over
    providers. ``status`` 0 means serving (negative: degraded or down); uptimes are percentages.
    """

    provider_name: str
    tag: str | None = None
    name: str = ""
    model_id: str | None = None
    context_length: int | None = None
    max_completion_tokens: int | None = None
    max_prompt_tokens: int | None = None
    quantization: str | None = None
    pricing: ModelPricing = field(default_factory=ModelPricing)
    supported_parameters: frozenset[str] = frozenset()
    status: int | None = None
    uptime_last_5m: float | None = None
    uptime_last_30m: float | None = None
    uptime_last_1d: float | None = None
    latency_last_30m: Percentiles | None = None
    throughput_last_30m: Percentiles | None = None
    supports_implicit_caching: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelEndpoint:
        """Lenient: every field optional but the provider's name; unknown ones stay in ``raw``."""
        return cls(
            provider_name=as_str(data.get("provider_name")) or "",
            tag=as_str(data.get("tag")),
            name=as_str(data.get("name")) or "",
            model_id=as_str(data.get("model_id")),
            context_length=opt_int(data.get("context_length")),
            max_completion_tokens=opt_int(data.get("max_completion_tokens")),
            max_prompt_tokens=opt_int(data.get("max_prompt_tokens")),
            quantization=as_str(data.get("quantization")),
            pricing=ModelPricing.from_json(as_mapping(data.get("pricing"))),
            supported_parameters=frozenset(strings(data.get("supported_parameters"))),
            status=opt_int(data.get("status")),
            uptime_last_5m=opt_float(data.get("uptime_last_5m")),
            uptime_last_30m=opt_float(data.get("uptime_last_30m")),
            uptime_last_1d=opt_float(data.get("uptime_last_1d")),
            latency_last_30m=Percentiles.from_json(data.get("latency_last_30m")),
            throughput_last_30m=Percentiles.from_json(data.get("throughput_last_30m")),
            supports_implicit_caching=opt_bool(data.get("supports_implicit_caching")),
            raw=data,
        )

    @property
    def serving(self) -> bool:
        """Whether the endpoint is up (``status`` 0, or not reported)."""
        return self.status is None or self.status == _SERVING

    def supports(self, parameter: str) -> bool:
        """Whether this provider takes ``parameter`` (``tools``, ``structured_outputs``, ...)."""
        return parameter in self.supported_parameters

    def matches(self, provider: str) -> bool:
        """Whether ``provider`` -- a slug as routing takes it (``"anthropic"``, ``"google-vertex/us"``)
        or a display name -- names this endpoint."""
        wanted = provider.strip().lower()
        tag = (self.tag or "").lower()
        return wanted in (tag, tag.split("/", 1)[0], self.provider_name.lower())


@dataclass(frozen=True, slots=True)
class ModelEndpoints:
    """A model and every provider endpoint serving it (``GET /models/{author}/{slug}/endpoints``)."""

    id: str
    name: str = ""
    description: str = ""
    created: int | None = None
    architecture: ModelArchitecture = field(default_factory=ModelArchitecture)
    endpoints: tuple[ModelEndpoint, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelEndpoints:
        """Lenient: from the ``data`` object (spec ``ListEndpointsResponse``)."""
        arch = as_mapping(data.get("architecture"))
        return cls(
            id=as_str(data.get("id")) or "",
            name=as_str(data.get("name")) or "",
            description=as_str(data.get("description")) or "",
            created=opt_int(data.get("created")),
            architecture=ModelArchitecture(
                modality=as_str(arch.get("modality")),
                input_modalities=strings(arch.get("input_modalities")),
                output_modalities=strings(arch.get("output_modalities")),
                tokenizer=as_str(arch.get("tokenizer")),
                instruct_type=as_str(arch.get("instruct_type")),
            ),
            endpoints=tuple(ModelEndpoint.from_json(e) for e in dicts(data.get("endpoints"))),
        )


@dataclass(frozen=True, slots=True)
class Provider:
    """One provider of ``GET /providers``: its slug (what routing takes) and its policies."""

    slug: str
    name: str = ""
    privacy_policy_url: str | None = None
    terms_of_service_url: str | None = None
    status_page_url: str | None = None
    headquarters: str | None = None
    datacenters: tuple[str, ...] = ()


def model_path(model_id: str) -> str:
    """``author/slug`` as two quoted path segments; a ``:variant`` suffix is dropped (it is not a model)."""
    if not isinstance(model_id, str):
        raise ConfigurationError(f"a model id is a string 'author/slug', got {model_id!r}")
    author, sep, slug = model_id.partition("/")
    if not sep:
        raise ConfigurationError(f"a model id is 'author/slug', got {model_id!r}")
    return f"{segment(author, 'model author')}/{segment(slug.split(':', 1)[0], 'model slug')}"


# -- per-endpoint cache of model endpoints (for the capability pre-flight) -----------------------------------
class _EndpointsCache:
    """Model endpoints fetched for the pre-flight, per model, fresh for the catalogue's TTL."""

    __slots__ = ("entries", "lock")

    def __init__(self) -> None:
        self.entries: dict[str, tuple[float, ModelEndpoints | None]] = {}
        self.lock = threading.Lock()

    def fresh(self, model_id: str, now: float, ttl: float) -> tuple[bool, ModelEndpoints | None]:
        with self.lock:
            entry = self.entries.get(model_id)
        if entry is not None and now - entry[0] < ttl:
            return True, entry[1]
        return False, None

    def store(self, model_id: str, fetched_at: float, value: ModelEndpoints | None) -> None:
        with self.lock:
            self.entries[model_id] = (fetched_at, value)


_CACHES: weakref.WeakKeyDictionary[Endpoint, _EndpointsCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def endpoints_cache_for(endpoint: Endpoint) -> _EndpointsCache:
    """The model-endpoints cache of ``endpoint`` (it lives as long as the endpoint)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(endpoint)
        if cache is None:
            cache = _CACHES[endpoint] = _EndpointsCache()
        return cache


class DiscoveryGroup(EndpointGroup):
    """Model endpoints, providers, user models, model count, ZDR endpoints, one model by id."""

    _catalog: ModelCatalog
    _endpoints_cache: _EndpointsCache

    def _model_endpoints(self, model_id: str) -> CallFlow[ModelEndpoints]:
        body = yield Get(f"models/{model_path(model_id)}/endpoints")
        return ModelEndpoints.from_json(unwrap_data(body, "GET /models/{author}/{slug}/endpoints"))

    def list_model_endpoints_sync(self, model_id: str) -> ModelEndpoints:
        """Every provider endpoint serving ``model_id``: pricing, context, quantization, latency,
        throughput, uptime and the parameters each supports."""
        return self._calls.run_sync(self._model_endpoints(model_id))

    async def list_model_endpoints(self, model_id: str) -> ModelEndpoints:
        """Async twin of :meth:`list_model_endpoints_sync`."""
        return await self._calls.run(self._model_endpoints(model_id))

    def _cached_endpoints(self, model_id: str) -> CallFlow[ModelEndpoints | None]:
        """The model's endpoints for the pre-flight: cached per TTL; None when the API does not know it."""
        from ...errors import NotFoundError

        catalog, cache = self._catalog, self._endpoints_cache
        hit, value = cache.fresh(model_id, catalog.clock(), catalog.ttl)
        if hit:
            return value
        started = catalog.clock()
        try:
            value = yield from self._model_endpoints(model_id)
        except (NotFoundError, DecodeError):
            value = None  # unknown here (new, private, a router): OpenRouter itself will judge
        cache.store(model_id, started, value)
        return value

    def get_model_endpoints_sync(self, model_id: str) -> ModelEndpoints | None:
        """Like :meth:`list_model_endpoints_sync`, cached for the catalogue's TTL, and None for a model the
        API does not know (what the capability pre-flight reads)."""
        return self._calls.run_sync(self._cached_endpoints(model_id))

    async def get_model_endpoints(self, model_id: str) -> ModelEndpoints | None:
        """Async twin of :meth:`get_model_endpoints_sync`."""
        return await self._calls.run(self._cached_endpoints(model_id))

    def _providers(self) -> CallFlow[list[Provider]]:
        body = yield Get("providers")
        entries = body.get("data") if isinstance(body, Mapping) else None
        return [
            Provider(
                slug=as_str(e.get("slug")) or "",
                name=as_str(e.get("name")) or "",
                privacy_policy_url=as_str(e.get("privacy_policy_url")),
                terms_of_service_url=as_str(e.get("terms_of_service_url")),
                status_page_url=as_str(e.get("status_page_url")),
                headquarters=as_str(e.get("headquarters")),
                datacenters=strings(e.get("datacenters")),
            )
            for e in dicts(entries)
        ]

    def list_providers_sync(self) -> list[Provider]:
        """Every provider OpenRouter routes to (``GET /providers``), with its slug and policy links."""
        return self._calls.run_sync(self._providers())

    async def list_providers(self) -> list[Provider]:
        """Async twin of :meth:`list_providers_sync`."""
        return await self._calls.run(self._providers())

    def _user_models(self) -> CallFlow[list[ModelInfo]]:
        entries = yield from paged("models/user")
        return parse_models({"data": entries})

    def list_user_models_sync(self) -> list[ModelInfo]:
        """The models your account may use (``GET /models/user``): the catalogue filtered by your provider,
        privacy and guardrail settings. Not cached."""
        return self._calls.run_sync(self._user_models())

    async def list_user_models(self) -> list[ModelInfo]:
        """Async twin of :meth:`list_user_models_sync`."""
        return await self._calls.run(self._user_models())

    def _count(self, output_modalities: str | None) -> CallFlow[int]:
        body = yield Get("models/count", query(output_modalities=output_modalities))
        count = opt_int(unwrap_data(body, "GET /models/count").get("count"))
        if count is None:
            raise DecodeError("GET /models/count: expected data.count", snippet=str(body)[:120])
        return count

    def count_models_sync(self, *, output_modalities: str | None = None) -> int:
        """How many models there are (``GET /models/count``); ``output_modalities``: e.g. ``"image"``,
        ``"text,image"`` or ``"all"``."""
        return self._calls.run_sync(self._count(output_modalities))

    async def count_models(self, *, output_modalities: str | None = None) -> int:
        """Async twin of :meth:`count_models_sync`."""
        return await self._calls.run(self._count(output_modalities))

    def _zdr(self) -> CallFlow[list[ModelEndpoint]]:
        body = yield Get("endpoints/zdr")
        entries = body.get("data") if isinstance(body, Mapping) else None
        return [ModelEndpoint.from_json(e) for e in dicts(entries)]

    def list_zdr_endpoints_sync(self) -> list[ModelEndpoint]:
        """The endpoints with zero data retention (``GET /endpoints/zdr``): route there with
        ``with_provider(zdr=True)``."""
        return self._calls.run_sync(self._zdr())

    async def list_zdr_endpoints(self) -> list[ModelEndpoint]:
        """Async twin of :meth:`list_zdr_endpoints_sync`."""
        return await self._calls.run(self._zdr())

    def _fetch_model(self, model_id: str) -> CallFlow[ModelInfo]:
        body = yield Get(f"model/{model_path(model_id)}")
        return ModelInfo.from_json(unwrap_data(body, "GET /model/{author}/{slug}"))

    def fetch_model_sync(self, model_id: str) -> ModelInfo:
        """One model straight from the API (``GET /model/{author}/{slug}``), not from the cached
        catalogue (:meth:`get_model_sync`); unknown ids raise :class:`~chat_openrouter.NotFoundError`."""
        return self._calls.run_sync(self._fetch_model(model_id))

    async def fetch_model(self, model_id: str) -> ModelInfo:
        """Async twin of :meth:`fetch_model_sync`."""
        return await self._calls.run(self._fetch_model(model_id))
