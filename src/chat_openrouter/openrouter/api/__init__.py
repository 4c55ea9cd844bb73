"""``OpenRouterAPI``: OpenRouter's own REST API -- models, generations, key, credits -- on a client's endpoint.

::

    from chat_openrouter import OpenRouterAPI, OpenRouterBuilder

    client = OpenRouterBuilder().with_model("openai/gpt-4o").build()
    api = OpenRouterAPI(client)                 # shares the client's connection pool, key and retries
    models = api.list_models_sync()
    record = api.get_generation_sync(client.complete_sync(msgs).generation_id)

    api = OpenRouterBuilder().build_api()       # no wire client needed

One module per endpoint group (``models``, ``generations``, ``account``); each group is a mixin whose
methods are sync/async twins over one flow (:mod:`._calls`). A new group -- embeddings, keys, ... --
is a new module with an :class:`~._calls.EndpointGroup` subclass, added to :class:`OpenRouterAPI`'s bases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ...transport.endpoint import Endpoint
from ._calls import ApiCalls
from .account import AccountGroup, Credits, KeyInfo
from .generations import GENERATION_BACKOFF, Generation, GenerationsGroup
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

if TYPE_CHECKING:
    from ...wire.base import WireClient

__all__ = [
    "Credits",
    "Generation",
    "KeyInfo",
    "ModelArchitecture",
    "ModelCatalog",
    "ModelInfo",
    "ModelPricing",
    "OpenRouterAPI",
    "ReasoningSupport",
    "TopProvider",
]


class OpenRouterAPI(ModelsGroup, GenerationsGroup, AccountGroup):
    """OpenRouter's REST API for the endpoint of ``client`` (a wire client, or an ``Endpoint``).

    It shares the client's connection pool, key, headers, timeouts and retry policy, and the model
    catalogue cached for that endpoint (``OpenRouterBuilder.with_catalog`` sets its TTL), so creating one
    per use is cheap. Every method has a sync twin (``list_models``/``list_models_sync``, ...).
    ``sleep``/``asleep`` (the waits between polls) and ``generation_backoff`` are seams for tests.

    Immutable and safe to share across threads and tasks. It does not own the connection: close the
    client (or the endpoint's transport) when done.
    """

    def __init__(
        self,
        client: WireClient | Endpoint,
        *,
        sleep: Callable[[float], None] | None = None,
        asleep: Callable[[float], Awaitable[None]] | None = None,
        generation_backoff: tuple[float, ...] = GENERATION_BACKOFF,
    ) -> None:
        endpoint = client if isinstance(client, Endpoint) else client.endpoint
        self._calls = ApiCalls(endpoint, sleep=sleep, asleep=asleep)
        self._catalog = catalog_for(endpoint)
        self._generation_backoff = generation_backoff

    @property
    def endpoint(self) -> Endpoint:
        """The endpoint (and connection pool) the calls go through."""
        return self._calls.endpoint

    def __repr__(self) -> str:
        return f"OpenRouterAPI(base_url={self.endpoint.base_url!r})"
