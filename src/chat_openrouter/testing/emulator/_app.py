"""The OpenRouter emulator: an ASGI 3 application written directly against the ASGI spec (no framework).

Every route is also mounted under ``/api/v1``, so ``http://host:port/api/v1`` works as a base URL exactly
like ``https://openrouter.ai/api/v1``. The app routes by concern to its rooms:

=====================  ==============================================================================
room                   paths
=====================  ==============================================================================
``_inference``         ``POST /chat/completions``, ``POST /responses`` (faults: ``_faults``)
``_account``           ``/key``, ``/credits``, ``/generation`` (+ ``/content``, ``/feedback``),
                       ``/activity``, ``/keys`` (+ ``/{hash}``)
``_discovery``         ``/models`` (+ ``/count``, ``/user``, ``/{author}/{slug}/endpoints``),
                       ``/model/{author}/{slug}``, ``/providers``, ``/endpoints/zdr``,
                       ``/embeddings/models``, ``/images/models`` (+ endpoints), ``/videos/models``
``_media``             ``POST /embeddings``, ``POST /rerank``, ``POST /images``
``_audio_video``       ``POST /audio/speech``, ``POST /audio/transcriptions``, ``/videos`` jobs
``_auth``              ``GET /auth`` (the approval page), ``POST /auth/keys/code``, ``POST /auth/keys``
=====================  ==============================================================================

Every request passes through one method, :meth:`Emulator._dispatch`: routed, recorded, its body read within
bounds, then handed to its room.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ._account import AccountRoom
from ._asgi import Receive, Reply, Scope, Send, error_reply, json_reply, read_body, route_path, send_reply
from ._audio_video import AudioVideoRoom
from ._auth import AuthRoom, authorization_query
from ._bounds import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_JSON_DEPTH, ServerLimits
from ._catalog import BUILTIN_MODELS, MEDIA_MODELS, EmulatedModel
from ._context import Context, Settings, Validator
from ._discovery import DiscoveryRoom
from ._errors import RequestError
from ._inference import InferenceRoom
from ._limits import TrafficLimits
from ._media import MediaRoom
from ._routing import Handler, Request, Router
from ._signing import ReasoningSigner
from ._state import RecordedRequest

if TYPE_CHECKING:
    from ._server import EmulatorServer
    from ._transport import EmulatorTransport

__all__ = ["Emulator"]

logger = logging.getLogger("chat_openrouter.emulator")


class Emulator:
    """An in-memory stand-in for OpenRouter that speaks its real wire (an ASGI application).

    Deterministic built-in models answer both inference wires, stream and non-stream, with OpenRouter's
    habits: ``gen-…`` ids, ``: OPENROUTER PROCESSING`` comments, usage with ``cost`` in the last chunk,
    ``X-Generation-Id``, ``data: [DONE]``, numeric error codes. Media models serve embeddings, rerank,
    images, speech, transcription and video; the account, discovery and OAuth endpoints are there too
    (``docs/testing-with-the-emulator.md`` has the table). Use it three ways::

        emulator = Emulator()
        # in-process
        client = OpenRouterBuilder().with_api_key("test").with_transport(emulator.transport()).build()

        with emulator.loopback() as server:                       # real HTTP on 127.0.0.1, random port
            client = OpenRouterBuilder().with_api_key("test").with_base_url(server.base_url).build()

        $ chat-openrouter emulator --port 8080                    # from a shell

    Args:
        api_keys: keys to accept; by default any non-empty bearer key is accepted.
        management_keys: keys allowed on management endpoints (``/keys``, ``/credits``, ``/activity``,
            ``/generation/feedback``); others get OpenRouter's 403. By default every key may manage.
        seed: seeds the id generator (same seed, same ids); None for random ids.
        validator: checks request bodies, e.g. against the OpenAPI spec in tests (see :data:`Validator`).
        retry_after: seconds sent in ``Retry-After`` on emulated 429/503s (kept tiny so tests are fast).
        slow_start_delay / slow_chunk_delay: timing of ``emulator/slow`` and the ``slow`` fault.
        keepalive_interval: seconds between ``: OPENROUTER PROCESSING`` comments while waiting.
        aliases: extra model ids served by a built-in model, e.g. ``{"openai/gpt-4o": "emulator/tools"}``,
            so code that hard-codes real model ids can run unchanged.
        models: extra :class:`EmulatedModel` definitions.
        credits: ``total_credits`` reported by ``GET /credits``.
        traffic: metered traffic (:class:`TrafficLimits`): a per-request latency, a requests-per-minute
            limit answering 429 with ``Retry-After``, a credit balance answering 402, and counters of
            answered requests per prompt (what batch tests assert on).
        clock: the time source for ``created`` fields and ids (``time.time`` by default).
        secret: the key signing emitted reasoning, so replays can be verified statelessly.
        max_recorded: how many requests :attr:`requests` keeps.
        video_polls: how many ``GET /videos/{id}`` polls say ``in_progress`` before ``completed``.
        max_body_bytes: the largest request body read (413 beyond it).
        max_json_depth: the deepest JSON nesting accepted in a body (400 beyond it).
        body_timeout: seconds a client may take to send its whole body (408 beyond it).
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = None,
        management_keys: Iterable[str] | None = None,
        seed: int | None = 0,
        validator: Validator | None = None,
        retry_after: float = 0.05,
        slow_start_delay: float = 0.5,
        slow_chunk_delay: float = 0.2,
        keepalive_interval: float = 0.25,
        aliases: Mapping[str, str] | None = None,
        models: Iterable[EmulatedModel] = (),
        credits: float = 10.0,
        clock: Callable[[], float] = time.time,
        secret: bytes = b"chat-openrouter-emulator",
        max_recorded: int = 1000,
        video_polls: int = 2,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        traffic: TrafficLimits | None = None,
    ) -> None:
        if max_body_bytes < 1 or max_json_depth < 1 or not body_timeout > 0:
            raise ValueError("max_body_bytes, max_json_depth and body_timeout must be positive")
        settings = Settings(
            api_keys=frozenset(api_keys) if api_keys is not None else None,
            management_keys=frozenset(management_keys) if management_keys is not None else None,
            validator=validator,
            retry_after=retry_after,
            slow_start_delay=slow_start_delay,
            slow_chunk_delay=slow_chunk_delay,
            keepalive_interval=max(0.01, keepalive_interval),
            credits=credits,
            clock=clock,
            video_polls=max(0, video_polls),
            max_body_bytes=max_body_bytes,
            max_json_depth=max_json_depth,
            body_timeout=body_timeout,
        )
        served: dict[str, EmulatedModel] = {m.id: m for m in (*BUILTIN_MODELS, *MEDIA_MODELS, *models)}
        for alias, target in (aliases or {}).items():
            if target not in served:
                raise ValueError(f"alias {alias!r} points to unknown model {target!r}")
            served[alias] = served[target].aliased(alias)
        self._ctx = Context(settings, served, ReasoningSigner(secret), seed, max_recorded)
        self.traffic = traffic or TrafficLimits()
        self._router = Router()
        self._auth = AuthRoom(self._ctx)
        rooms = (
            InferenceRoom(self._ctx),
            AccountRoom(self._ctx),
            DiscoveryRoom(self._ctx),
            MediaRoom(self._ctx),
            AudioVideoRoom(self._ctx),
            self._auth,
        )
        for room in rooms:
            room.register(self._router)
        self._router.add("GET", "/", self._index)

    def __repr__(self) -> str:
        return f"Emulator(models={len(self._ctx.models)}, requests={len(self._ctx.state.requests)})"

    # -- public helpers --------------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """What this emulator was configured with."""
        return self._ctx.settings

    @property
    def retry_after(self) -> float:
        """Seconds sent in ``Retry-After`` on emulated 429/503s."""
        return self._ctx.settings.retry_after

    @property
    def signer(self) -> ReasoningSigner:
        """Signs emitted reasoning (and checks replayed reasoning)."""
        return self._ctx.signer

    @property
    def models(self) -> tuple[EmulatedModel, ...]:
        """Every model served: built-in chat models, media models, then your own and aliases."""
        return tuple(self._ctx.models.values())

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._ctx.lock:
            return list(self._ctx.state.requests)

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._ctx.lock:
            requests = self._ctx.state.requests
            return requests[-1] if requests else None

    @property
    def generations(self) -> dict[str, dict[str, Any]]:
        """Every generation's ``GET /generation`` record, by id (a copy)."""
        with self._ctx.lock:
            return dict(self._ctx.state.generations)

    @property
    def total_cost(self) -> float:
        """The summed ``cost`` of every generation so far, in USD."""
        with self._ctx.lock:
            return self._ctx.state.total_cost

    def reset(self) -> None:
        """Forget recorded requests, generations, keys, codes, jobs and fault counters; restart the ids."""
        self._ctx.reset()

    def authorize(self, url: str) -> str:
        """Approve an OAuth authorization URL, as a user clicking "Authorize" would.

        ``url`` is what your app sends the user to (``https://openrouter.ai/auth?callback_url=...&
        code_challenge=...&code_challenge_method=S256``, any host); the answer is the callback URL with
        its ``code``, where OpenRouter would redirect the browser. Raises ``ValueError`` for a request
        OpenRouter would refuse (no or non-loopback ``http`` callback URL, unknown method).
        """
        try:
            return self._auth.approve(authorization_query(url))
        except RequestError as error:
            raise ValueError(error.message) from None

    def transport(self) -> EmulatorTransport:
        """An ``httpx2`` transport that runs this app in-process (sync and async, streaming, no sockets).

        Pass it to ``OpenRouterBuilder().with_transport(...)``; any base URL works.
        """
        from ._transport import EmulatorTransport

        settings = self._ctx.settings
        return EmulatorTransport(
            self, max_body_bytes=settings.max_body_bytes, body_timeout=settings.body_timeout
        )

    def loopback(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        backend: str = "builtin",
        limits: ServerLimits | None = None,
    ) -> EmulatorServer:
        """A server for this app on loopback, as a context manager.

        ``with emulator.loopback() as server: server.base_url``

        ``backend="builtin"`` needs nothing beyond the standard library; ``"uvicorn"`` uses uvicorn.
        ``limits`` bounds what the server tolerates from clients (:class:`ServerLimits`).
        """
        from ._server import EmulatorServer

        return EmulatorServer(self, host=host, port=port, backend=backend, limits=limits)

    # -- ASGI ------------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = str(scope["method"]).upper()
        path = route_path(scope)
        try:
            handler, params = self._router.match(method, path)
            reply = await self._dispatch(scope, receive, method, path, handler, params)
        except RequestError as error:
            reply = error_reply(error)
        if reply is not None:
            await send_reply(reply, send, receive)

    async def _dispatch(
        self, scope: Scope, receive: Receive, method: str, path: str, handler: Handler, params: dict[str, str]
    ) -> Reply | None:
        """The one place every routed request passes: recorded, its body read within bounds, admitted,
        handed to its room. Returns None when the client left before sending its whole body."""
        ctx = self._ctx
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        record = RecordedRequest(method, path, query, _masked(headers), None)
        with ctx.lock:
            ctx.state.requests.append(record)
        try:
            settings = ctx.settings
            raw = await read_body(receive, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)
            if raw is None:
                return None
            request = Request(
                method=method,
                path=path,
                query={k: v[-1] for k, v in parse_qs(query).items()},
                headers=headers,
                raw=raw,
                record=record,
                origin=_origin(scope, headers),
                max_json_depth=settings.max_json_depth,
                params=params,
            )
            # Admission: latency, the requests-per-minute limit and the credit balance (TrafficLimits).
            reply = await self.traffic.guard(record, lambda: handler(request), self._charged_cost)
        except RequestError as error:
            reply = error_reply(error)
        except Exception as exc:  # an emulator bug must still look like an HTTP answer, not a hang
            logger.exception("emulator failed on %s %s", method, path)
            reply = error_reply(RequestError(500, f"emulator error: {type(exc).__name__}: {exc}"))
        record.status = reply.status
        return reply

    def _charged_cost(self, generation_id: str) -> float:
        record = self._ctx.state.generations.get(generation_id) or {}
        cost = record.get("total_cost")
        return float(cost) if isinstance(cost, (int, float)) else 0.0

    async def _index(self, request: Request) -> Reply:
        body = {
            "emulator": "chat-openrouter OpenRouter emulator",
            "base_url_path": "/api/v1",
            "endpoints": [t for t in self._router.templates if t != "GET /"],
            "models": list(self._ctx.models),
        }
        return json_reply(200, body)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _masked(headers: Mapping[str, str]) -> dict[str, str]:
    masked = dict(headers)
    if "authorization" in masked:
        masked["authorization"] = "Bearer ***"
    return masked


def _origin(scope: Scope, headers: Mapping[str, str]) -> str:
    """``scheme://host[:port]`` as the client addressed us, for absolute URLs in answers."""
    scheme = str(scope.get("scheme") or "http")
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scheme}://{host}"
