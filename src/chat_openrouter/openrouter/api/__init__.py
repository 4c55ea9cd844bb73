"""``OpenRouterAPI``: everything OpenRouter serves besides inference, typed, on a client's endpoint.

::

    from chat_openrouter import OpenRouterAPI, OpenRouterBuilder

    client = OpenRouterBuilder().with_model("openai/gpt-4o").build()
    api = OpenRouterAPI(client)                 # shares the client's connection pool, key and retries
    models = api.list_models_sync()
    record = api.get_generation_sync(client.complete_sync(msgs).generation_id)

    api = OpenRouterBuilder().build_api()       # no wire client needed

One module per endpoint group -- ``models``, ``discovery``, ``generations``, ``account``, ``keys``,
``embeddings``, ``rerank``, ``images``, ``audio``, ``videos``, ``auth``, ``presets`` and ``generic`` (any
other path) -- each a mixin whose methods are sync/async twins over one flow (:mod:`._calls`). A new
group is a new module with an :class:`~._calls.EndpointGroup` subclass, added to :class:`OpenRouterAPI`'s
bases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ...errors import ConfigurationError
from ...transport.endpoint import Endpoint
from ._calls import ApiCalls
from .account import AccountGroup, Activity, Credits, KeyInfo
from .audio import (
    AudioGroup,
    Speech,
    Transcription,
    TranscriptionSegment,
    TranscriptionUsage,
    TranscriptionWord,
)
from .auth import AuthCode, AuthGroup, Authorization, UserKey
from .discovery import (
    DiscoveryGroup,
    ModelEndpoint,
    ModelEndpoints,
    Percentiles,
    Provider,
    endpoints_cache_for,
)
from .embeddings import DEFAULT_EMBEDDING_BATCH, DEFAULT_EMBEDDING_CONCURRENCY, EmbeddingsGroup
from .generations import GENERATION_BACKOFF, Generation, GenerationContent, GenerationsGroup
from .generic import GenericGroup
from .images import ImageEndpoint, ImageGeneration, ImageModel, ImagesGroup, ImageUsage
from .keys import ApiKey, CreatedKey, KeysGroup
from .models import (
    ModelArchitecture,
    ModelCatalog,
    ModelInfo,
    ModelPricing,
    ModelsGroup,
    ReasoningSupport,
    TopProvider,
    catalog_for,
)
from .presets import Preset, PresetsGroup
from .rerank import RerankGroup, Reranking, RerankResult, RerankUsage
from .videos import VideoJob, VideoModel, VideosGroup

if TYPE_CHECKING:
    from ...wire.base import WireClient

__all__ = [
    "Activity",
    "ApiKey",
    "AuthCode",
    "Authorization",
    "CreatedKey",
    "Credits",
    "Generation",
    "GenerationContent",
    "ImageEndpoint",
    "ImageGeneration",
    "ImageModel",
    "ImageUsage",
    "KeyInfo",
    "ModelArchitecture",
    "ModelCatalog",
    "ModelEndpoint",
    "ModelEndpoints",
    "ModelInfo",
    "ModelPricing",
    "OpenRouterAPI",
    "Percentiles",
    "Preset",
    "Provider",
    "ReasoningSupport",
    "RerankResult",
    "RerankUsage",
    "Reranking",
    "Speech",
    "TopProvider",
    "Transcription",
    "TranscriptionSegment",
    "TranscriptionUsage",
    "TranscriptionWord",
    "UserKey",
    "VideoJob",
    "VideoModel",
]


class OpenRouterAPI(
    ModelsGroup,
    DiscoveryGroup,
    GenerationsGroup,
    AccountGroup,
    KeysGroup,
    EmbeddingsGroup,
    RerankGroup,
    ImagesGroup,
    AudioGroup,
    VideosGroup,
    AuthGroup,
    PresetsGroup,
    GenericGroup,
):
    """OpenRouter's REST API for the endpoint of ``client`` (a wire client, or an ``Endpoint``).

    It shares the client's connection pool, key, headers, timeouts and retry policy, and the model
    catalogue cached for that endpoint (``OpenRouterBuilder.with_catalog`` sets its TTL), so creating one
    per use is cheap. Every method that calls the API has a sync twin (``list_models`` /
    ``list_models_sync``, ``embed`` / ``embed_sync``, ...); paths without a typed method are reachable
    with :meth:`request_sync`.

    ``embedding_model`` is the model ``embed`` uses when given none (which also makes this object an
    :class:`~chat_openrouter.EmbeddingsProvider` for ``ChatBuilder().with_embeddings``);
    ``embedding_batch_size`` the most inputs per ``POST /embeddings`` request and
    ``embedding_concurrency`` how many of them the async ``embed`` sends at once.
    ``sleep``/``asleep``/``clock`` (the waits between polls and the time they are measured on) and
    ``generation_backoff`` are seams for tests.

    Immutable and safe to share across threads and tasks. It does not own the connection: close the
    client (or the endpoint's transport) when done.
    """

    def __init__(
        self,
        client: WireClient | Endpoint,
        *,
        embedding_model: str | None = None,
        embedding_batch_size: int = DEFAULT_EMBEDDING_BATCH,
        embedding_concurrency: int = DEFAULT_EMBEDDING_CONCURRENCY,
        sleep: Callable[[float], None] | None = None,
        asleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        generation_backoff: tuple[float, ...] = GENERATION_BACKOFF,
    ) -> None:
        for name, value in (
            ("embedding_batch_size", embedding_batch_size),
            ("embedding_concurrency", embedding_concurrency),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
        endpoint = client if isinstance(client, Endpoint) else client.endpoint
        self._calls = ApiCalls(endpoint, sleep=sleep, asleep=asleep, clock=clock)
        self._catalog = catalog_for(endpoint)
        self._endpoints_cache = endpoints_cache_for(endpoint)
        self._generation_backoff = generation_backoff
        self._embedding_model = embedding_model
        self._embedding_batch_size = embedding_batch_size
        self._embedding_concurrency = embedding_concurrency

    @property
    def endpoint(self) -> Endpoint:
        """The endpoint (and connection pool) the calls go through."""
        return self._calls.endpoint

    def __repr__(self) -> str:
        return f"OpenRouterAPI(base_url={self.endpoint.base_url!r})"
