"""The discovery room: what models and providers exist, and where they are served.

``GET /models`` (+ ``/count``, ``/user``, ``/{author}/{slug}/endpoints``), ``GET /model/{author}/{slug}``,
``GET /providers``, ``GET /endpoints/zdr``, and the media catalogues ``/embeddings/models``,
``/images/models`` (+ ``/{author}/{slug}/endpoints``) and ``/videos/models``. Every model is served by one
endpoint, the emulator's own ("Emulator"), which keeps nothing, so every endpoint is a ZDR endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ._asgi import Reply, json_reply
from ._catalog import EmulatedModel
from ._context import Context
from ._errors import RequestError
from ._routing import Request, Router

__all__ = ["DiscoveryRoom", "endpoint_entry"]

_PROVIDER = {
    "name": "Emulator",
    "slug": "emulator",
    "privacy_policy_url": None,
    "terms_of_service_url": None,
    "status_page_url": None,
    "headquarters": None,
    "datacenters": None,
}
_LATENCY = {"p50": 0.05, "p75": 0.06, "p90": 0.08, "p99": 0.1}
_THROUGHPUT = {"p50": 500.0, "p75": 450.0, "p90": 400.0, "p99": 300.0}
_SORTS: dict[str, Callable[[EmulatedModel], Any]] = {
    "newest": lambda m: -m.created,
    "context-high-to-low": lambda m: -m.context_length,
    "pricing-low-to-high": lambda m: Decimal(m.prompt_price) + Decimal(m.completion_price),
    "pricing-high-to-low": lambda m: -(Decimal(m.prompt_price) + Decimal(m.completion_price)),
}
_IMAGE_FORMATS = ["png", "svg"]
_VIDEO_RESOLUTIONS = ["480p", "720p", "1080p"]
_VIDEO_RATIOS = ["16:9", "9:16", "1:1"]


def endpoint_entry(model: EmulatedModel) -> dict[str, Any]:
    """The model's one endpoint, as ``/models/{author}/{slug}/endpoints`` lists it (spec ``PublicEndpoint``).

    ``provider_name`` is "Emulator", which is not in the spec's closed ``ProviderName`` list: the list
    names real providers only, and the emulator is not one.
    """
    pricing = {k: v for k, v in model.catalog_entry()["pricing"].items() if isinstance(v, str)}
    return {
        "name": f"Emulator | {model.id}",
        "model_id": model.id,
        "model_name": model.name,
        "context_length": model.context_length,
        "pricing": pricing,
        "provider_name": "Emulator",
        "tag": "emulator",
        "quantization": "unknown",
        "max_completion_tokens": model.max_completion_tokens if model.is_chat else None,
        "max_prompt_tokens": model.context_length,
        "supported_parameters": sorted(model.supported_parameters),
        "status": 0,
        "uptime_last_30m": 100.0,
        "uptime_last_5m": 100.0,
        "uptime_last_1d": 100.0,
        "supports_implicit_caching": False,
        "latency_last_30m": dict(_LATENCY),
        "throughput_last_30m": dict(_THROUGHPUT),
    }


class DiscoveryRoom:
    """Serves the model and provider catalogues."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(self, router: Router) -> None:
        router.add("GET", "/models", self.list_models)
        router.add("GET", "/models/count", self.count_models)
        router.add("GET", "/models/user", self.user_models)
        router.add("GET", "/models/{author}/{slug}/endpoints", self.model_endpoints)
        router.add("GET", "/model/{author}/{slug}", self.get_model)
        router.add("GET", "/providers", self.providers)
        router.add("GET", "/endpoints/zdr", self.zdr_endpoints)
        router.add("GET", "/embeddings/models", self.embedding_models)
        router.add("GET", "/images/models", self.image_models)
        router.add("GET", "/images/models/{author}/{slug}/endpoints", self.image_model_endpoints)
        router.add("GET", "/videos/models", self.video_models)

    # -- the general catalogue -----------------------------------------------------------------------------
    def _filtered(self, query: dict[str, str]) -> list[EmulatedModel]:
        models = list(self.ctx.models.values())
        wanted_outputs = _csv(query.get("output_modalities", "text"))
        if "all" not in wanted_outputs:
            models = [m for m in models if set(wanted_outputs) & set(m.output_modalities)]
        wanted_inputs = _csv(query.get("input_modalities", ""))
        if wanted_inputs:
            models = [m for m in models if set(wanted_inputs) <= set(m.input_modalities)]
        parameters = _csv(query.get("supported_parameters", ""))
        if parameters:
            models = [m for m in models if set(parameters) <= set(m.supported_parameters)]
        if query.get("q"):
            needle = query["q"].lower()
            models = [m for m in models if needle in m.id.lower() or needle in m.name.lower()]
        authors = _csv(query.get("model_authors", ""))
        if authors:
            models = [m for m in models if m.id.split("/", 1)[0] in authors]
        if "context" in query:
            minimum = _int_param(query, "context", 1)
            models = [m for m in models if m.context_length >= minimum]
        sort = query.get("sort")
        if sort in _SORTS:
            models.sort(key=_SORTS[sort])
        return models

    async def list_models(self, request: Request) -> Reply:
        # The catalogue is public on OpenRouter (reference §2): no key needed.
        return json_reply(200, _page([m.catalog_entry() for m in self._filtered(request.query)], request))

    async def user_models(self, request: Request) -> Reply:
        # The same catalogue, filtered by the caller's settings -- the emulator has none to apply.
        self.ctx.authenticate(request)
        return json_reply(200, _page([m.catalog_entry() for m in self._filtered(request.query)], request))

    async def count_models(self, request: Request) -> Reply:
        return json_reply(200, {"data": {"count": len(self._filtered(request.query))}})

    def _model(self, request: Request) -> EmulatedModel:
        model_id = f"{request.params['author']}/{request.params['slug']}"
        model = self.ctx.models.get(model_id) or self.ctx.models.get(model_id.split(":", 1)[0])
        if model is None:
            raise RequestError(404, f"Model {model_id} not found")
        return model

    async def get_model(self, request: Request) -> Reply:
        return json_reply(200, {"data": self._model(request).catalog_entry()})

    async def model_endpoints(self, request: Request) -> Reply:
        model = self._model(request)
        entry = model.catalog_entry()
        architecture = {**entry["architecture"], "instruct_type": None}
        data = {
            "id": model.id,
            "name": model.name,
            "created": model.created,
            "description": model.description,
            "architecture": architecture,
            "endpoints": [endpoint_entry(model)],
        }
        return json_reply(200, {"data": data})

    async def providers(self, request: Request) -> Reply:
        return json_reply(200, {"data": [dict(_PROVIDER)]})

    async def zdr_endpoints(self, request: Request) -> Reply:
        # The emulator keeps no prompts, so every endpoint qualifies for zero data retention.
        return json_reply(200, {"data": [endpoint_entry(m) for m in self.ctx.models.values()]})

    # -- media catalogues ----------------------------------------------------------------------------------
    def _of(self, behaviours: Iterable[str]) -> list[EmulatedModel]:
        wanted = set(behaviours)
        return [m for m in self.ctx.models.values() if m.behaviour in wanted]

    async def embedding_models(self, request: Request) -> Reply:
        return json_reply(200, _page([m.catalog_entry() for m in self._of(["embedding"])], request))

    async def image_models(self, request: Request) -> Reply:
        return json_reply(200, {"data": [_image_model(m) for m in self._of(["image-generation", "image"])]})

    async def image_model_endpoints(self, request: Request) -> Reply:
        model = self._model(request)
        if model.behaviour not in ("image-generation", "image"):
            raise RequestError(404, f"{model.id} is not an image model")
        endpoint = {
            "provider_name": "Emulator",
            "provider_slug": "emulator",
            "provider_tag": "emulator",
            "pricing": [
                {"billable": "output_image", "cost_usd": float(Decimal(model.unit_price)), "unit": "image"}
            ],
            "supported_parameters": _image_capabilities(),
            "supports_streaming": model.behaviour == "image-generation",
            "allowed_passthrough_parameters": [],
        }
        return json_reply(200, {"id": model.id, "endpoints": [endpoint]})

    async def video_models(self, request: Request) -> Reply:
        return json_reply(200, {"data": [_video_model(m) for m in self._of(["video"])]})


def _image_capabilities() -> dict[str, Any]:
    return {
        "aspect_ratio": {"type": "enum", "values": ["1:1", "16:9", "9:16", "4:3", "3:4"]},
        "output_format": {"type": "enum", "values": list(_IMAGE_FORMATS)},
        "n": {"type": "range", "min": 1, "max": 4},
        "seed": {"type": "boolean"},
    }


def _image_model(model: EmulatedModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "description": model.description,
        "created": model.created,
        "architecture": {
            "input_modalities": list(model.input_modalities),
            "output_modalities": list(model.output_modalities),
        },
        "endpoints": f"/api/v1/images/models/{model.id}/endpoints",
        "supported_parameters": _image_capabilities(),
        "supports_streaming": model.behaviour == "image-generation",
    }


def _video_model(model: EmulatedModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "canonical_slug": model.id,
        "name": model.name,
        "description": model.description,
        "created": model.created,
        "hugging_face_id": None,
        "allowed_passthrough_parameters": [],
        "generate_audio": False,
        "seed": True,
        "creativity": None,
        "pricing_skus": {"per_second": model.unit_price},
        "supported_aspect_ratios": list(_VIDEO_RATIOS),
        "supported_durations": [1, 2, 4, 8],
        "supported_frame_images": None,
        "supported_resolutions": list(_VIDEO_RESOLUTIONS),
        "supported_sizes": None,
        "upscale_factor": None,
    }


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _int_param(query: dict[str, str], name: str, minimum: int, maximum: int | None = None) -> int:
    try:
        value = int(query[name])
    except ValueError:
        raise RequestError(400, f"{name}: expected an integer, got {query[name]!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f" and {maximum}" if maximum is not None else ""
        raise RequestError(400, f"{name}: must be at least {minimum}{bound}")
    return value


def _page(entries: list[dict[str, Any]], request: Request) -> dict[str, Any]:
    """``{data, total_count, links}`` (fixture models-list-truncated): the full list unless paginated."""
    query = request.query
    total = len(entries)
    if "offset" not in query and "limit" not in query:
        return {"data": entries, "total_count": total, "links": {"next": None}}
    offset = _int_param(query, "offset", 0) if "offset" in query else 0
    limit = _int_param(query, "limit", 1, 1000) if "limit" in query else 500
    following = offset + limit
    next_link = f"/api/v1{request.path}?offset={following}&limit={limit}" if following < total else None
    return {"data": entries[offset:following], "total_count": total, "links": {"next": next_link}}
