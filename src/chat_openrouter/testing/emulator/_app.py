"""The OpenRouter emulator: an ASGI 3 application written directly against the ASGI spec (no framework).

Routes (each also mounted under ``/api/v1``, so ``http://host:port/api/v1`` works as a base URL exactly like
``https://openrouter.ai/api/v1``):

==========================  =================================================================
``POST /chat/completions``  Chat Completions, stream and non-stream (reference §3 to §5)
``POST /responses``         Responses API, stream and non-stream, stateless (reference §6 to §8)
``GET /models``             the catalog of the emulated models (reference §10.1)
``GET /generation?id=``     the record of a past generation, 404 for unknown ids (§10.2)
``GET /key``, ``/credits``  account information (§10.3, §10.4)
==========================  =================================================================

Faults are injected by fault models (``emulator/rate-limit``, ``emulator/error-500``,
``emulator/midstream-error``, ``emulator/slow``) or on any model with a request header::

    X-Emulator-Fault: rate-limit            429 + Retry-After once per conversation, then success
    X-Emulator-Fault: rate-limit;times=3    the first three attempts fail
    X-Emulator-Fault: error-503             any 4xx/5xx status, every attempt (or ;times=N)
    X-Emulator-Fault: midstream-error       the answer starts, then fails inside the HTTP 200
    X-Emulator-Fault: disconnect            the stream stops mid-answer: no finish, no [DONE]
    X-Emulator-Fault: slow                  keep-alive comments first, then one fragment per tick
    X-Emulator-Start-Delay: 2.5             seconds before the first token (with keep-alives)
    X-Emulator-Chunk-Delay: 0.1             seconds between stream fragments
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import string
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ._chat import chat_chunks, chat_completion, chat_error_body, chat_error_chunk
from ._conversation import Conversation, RequestError, read_chat, read_responses
from ._limits import ServerLimits
from ._models import (
    BUILTIN_MODELS,
    EmulatedModel,
    Generation,
    ReasoningSigner,
    check_reasoning_replay,
    plan_turn,
    prompt_tokens,
    split_deltas,
)
from ._responses import ResponsesRenderer

if TYPE_CHECKING:
    from ._server import EmulatorServer
    from ._transport import EmulatorTransport

__all__ = ["Emulator", "Fault", "RecordedRequest", "Validator"]

logger = logging.getLogger("chat_openrouter.emulator")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: ``validator(body, schema_name) -> error messages``; ``schema_name`` is ``"ChatRequest"`` or
#: ``"ResponsesRequest"`` (the spec's names). Return an empty iterable (or None) when the body is valid;
#: raising counts as one error. Tests plug in a jsonschema validator over the OpenAPI spec.
Validator = Callable[[dict[str, Any], str], Iterable[str] | None]

_MAX_BODY = 32 * 1024 * 1024
_MAX_DELAY = 60.0
_KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
_DONE = b"data: [DONE]\n\n"
_ALNUM = string.ascii_letters + string.digits
_LOWER = string.ascii_lowercase + string.digits
_DEFAULT_MODEL = "emulator/echo"
_INVALID = object()  # marks a request body that is not JSON

# Messages and error types OpenRouter uses per status (reference §9.2, docs error vocabulary).
_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("Provider returned error", "invalid_request"),
    401: ("User not found.", "authentication"),
    402: ("Insufficient credits. Add more using https://openrouter.ai/credits", "payment_required"),
    403: ("Your request was flagged by content moderation.", "content_policy_violation"),
    404: ("No endpoints found that can handle the requested parameters.", "not_found"),
    408: ("Request timed out", "timeout"),
    413: ("Request payload too large", "payload_too_large"),
    422: ("Unprocessable request", "unprocessable"),
    429: (
        "Rate limit exceeded: the upstream provider is temporarily rate-limited. Retry shortly.",
        "rate_limit_exceeded",
    ),
    500: ("Internal Server Error", "server"),
    502: ("Provider returned error", "provider_unavailable"),
    503: ("No available provider could serve the request. Retry shortly.", "provider_unavailable"),
    504: ("Gateway timeout", "timeout"),
    524: ("Provider timed out", "timeout"),
    529: ("Provider overloaded", "provider_overloaded"),
}


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault to inject. ``kind`` is ``error`` (with ``status``), ``midstream-error``, ``disconnect`` or
    ``slow``; ``times`` is how many attempts of a conversation fail (None: every attempt)."""

    kind: str
    status: int | None = None
    times: int | None = None

    @classmethod
    def parse(cls, text: str) -> Fault:
        """``rate-limit``, ``error-503``, ``midstream-error``, ``disconnect``, ``slow``, with ``;times=N``."""
        name, _, params = text.strip().lower().partition(";")
        times: int | None = None
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "times" and value.strip() not in ("", "always"):
                if not value.strip().isdigit():
                    raise RequestError(400, f"X-Emulator-Fault: times must be an integer, got {value!r}")
                times = int(value)
        name = name.strip()
        if name == "rate-limit":
            return cls("error", 429, 1 if times is None else times)
        if name.startswith("error-") and name[6:].isdigit() and 400 <= int(name[6:]) <= 599:
            return cls("error", int(name[6:]), times)
        if name in ("midstream-error", "disconnect", "slow"):
            return cls(name, None, times)
        raise RequestError(
            400,
            f"X-Emulator-Fault: unknown fault {text!r} (rate-limit, error-<status>, "
            "midstream-error, disconnect, slow)",
        )


@dataclass(slots=True)
class RecordedRequest:
    """A request the emulator received: assert on it in your tests (``emulator.requests[-1].body``).

    ``headers`` are lower-cased; the API key is never kept (``authorization`` is masked).
    ``status`` is the HTTP status answered; ``generation_id`` is set when a generation was produced.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    model: str | None = None
    generation_id: str | None = None


@dataclass(slots=True)
class _Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    chunks: Callable[[asyncio.Event], AsyncGenerator[bytes, None]] | None = None


@dataclass(slots=True)
class _Timing:
    start_delay: float = 0.0
    chunk_delay: float = 0.0


@dataclass(slots=True)
class _State:
    rng: random.Random
    attempts: dict[str, int] = field(default_factory=dict)
    generations: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: deque[RecordedRequest] = field(default_factory=deque)
    total_cost: float = 0.0


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _sse(value: Any) -> bytes:
    return b"data: " + _json_bytes(value) + b"\n\n"


class Emulator:
    """An in-memory stand-in for OpenRouter that speaks its real wire (an ASGI application).

    Deterministic built-in models (``emulator/echo``, ``emulator/tools``, ``emulator/json``,
    ``emulator/reasoning`` and fault models) answer both wires, stream and non-stream, with OpenRouter's
    habits: ``gen-…`` ids, ``: OPENROUTER PROCESSING`` comments, usage with ``cost`` in the last chunk,
    ``X-Generation-Id``, ``data: [DONE]``, numeric error codes. Use it three ways::

        emulator = Emulator()
        # in-process
        client = OpenRouterBuilder().with_api_key("test").with_transport(emulator.transport()).build()

        with emulator.loopback() as server:                       # real HTTP on 127.0.0.1, random port
            client = OpenRouterBuilder().with_api_key("test").with_base_url(server.base_url).build()

        $ chat-openrouter emulator --port 8080                    # from a shell

    Args:
        api_keys: keys to accept; by default any non-empty bearer key is accepted.
        seed: seeds the id generator (same seed, same ids); None for random ids.
        validator: checks request bodies, e.g. against the OpenAPI spec in tests (see :data:`Validator`).
        retry_after: seconds sent in ``Retry-After`` on emulated 429/503s (kept tiny so tests are fast).
        slow_start_delay / slow_chunk_delay: timing of ``emulator/slow`` and the ``slow`` fault.
        keepalive_interval: seconds between ``: OPENROUTER PROCESSING`` comments while waiting.
        aliases: extra model ids served by a built-in model, e.g. ``{"openai/gpt-4o": "emulator/tools"}``,
            so code that hard-codes real model ids can run unchanged.
        models: extra :class:`EmulatedModel` definitions.
        credits: ``total_credits`` reported by ``GET /credits``.
        clock: the time source for ``created`` fields and ids (``time.time`` by default).
        secret: the key signing emitted reasoning, so replays can be verified statelessly.
        max_recorded: how many requests :attr:`requests` keeps.
        limits: latency, a requests-per-minute limit and a credit balance (:class:`ServerLimits`).
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = None,
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
        limits: ServerLimits | None = None,
    ) -> None:
        self.limits = limits or ServerLimits()
        self.api_keys = frozenset(api_keys) if api_keys is not None else None
        self.validator = validator
        self.retry_after = retry_after
        self.slow_start_delay = slow_start_delay
        self.slow_chunk_delay = slow_chunk_delay
        self.keepalive_interval = max(0.01, keepalive_interval)
        self.credits = credits
        self.clock = clock
        self.signer = ReasoningSigner(secret)
        self._models: dict[str, EmulatedModel] = {m.id: m for m in (*BUILTIN_MODELS, *models)}
        for alias, target in (aliases or {}).items():
            if target not in self._models:
                raise ValueError(f"alias {alias!r} points to unknown model {target!r}")
            self._models[alias] = self._models[target].aliased(alias)
        self._lock = threading.Lock()
        self._seed = seed
        self._state = _State(random.Random(seed), requests=deque(maxlen=max_recorded))

    def __repr__(self) -> str:
        return f"Emulator(models={len(self._models)}, requests={len(self._state.requests)})"

    # -- public helpers --------------------------------------------------------------------------------
    @property
    def models(self) -> tuple[EmulatedModel, ...]:
        """Every model served, built-ins first."""
        return tuple(self._models.values())

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._state.requests)

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._lock:
            return self._state.requests[-1] if self._state.requests else None

    @property
    def generations(self) -> dict[str, dict[str, Any]]:
        """Every generation's ``GET /generation`` record, by id (a copy)."""
        with self._lock:
            return dict(self._state.generations)

    @property
    def total_cost(self) -> float:
        """The summed ``cost`` of every generation so far, in USD."""
        with self._lock:
            return self._state.total_cost

    def reset(self) -> None:
        """Forget recorded requests, generations, fault attempt counters and restart the id sequence."""
        with self._lock:
            maxlen = self._state.requests.maxlen
            self._state = _State(random.Random(self._seed), requests=deque(maxlen=maxlen))

    def transport(self) -> EmulatorTransport:
        """An ``httpx2`` transport that runs this app in-process (sync and async, streaming, no sockets).

        Pass it to ``OpenRouterBuilder().with_transport(...)``; any base URL works.
        """
        from ._transport import EmulatorTransport

        return EmulatorTransport(self)

    def loopback(self, *, host: str = "127.0.0.1", port: int = 0, backend: str = "builtin") -> EmulatorServer:
        """A server for this app on loopback, as a context manager.

        ``with emulator.loopback() as server: server.base_url``

        ``backend="builtin"`` needs nothing beyond the standard library; ``"uvicorn"`` uses uvicorn.
        """
        from ._server import EmulatorServer

        return EmulatorServer(self, host=host, port=port, backend=backend)

    # -- ASGI ------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body, too_large = await _read_body(receive)
        path = _route(scope)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = scope.get("query_string", b"").decode("latin-1")
        record = RecordedRequest(scope["method"], path, query, _masked(headers), None)
        try:
            if too_large:
                raise RequestError(413, "Request payload too large")
            reply = await self._dispatch(scope["method"], path, query, headers, body, record)
        except RequestError as error:
            reply = _error_reply(error)
        except Exception as exc:  # an emulator bug must still look like an HTTP answer, not a hang
            logger.exception("emulator failed on %s %s", scope["method"], path)
            reply = _error_reply(RequestError(500, f"emulator error: {type(exc).__name__}: {exc}"))
        record.status = reply.status
        await _send_reply(reply, send, receive)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- routing ---------------------------------------------------------------------------------------
    async def _dispatch(
        self, method: str, path: str, query: str, headers: dict[str, str], raw: bytes, record: RecordedRequest
    ) -> _Reply:
        routes: dict[str, tuple[str, Callable[..., Awaitable[_Reply]]]] = {
            "/chat/completions": ("POST", self._chat),
            "/responses": ("POST", self._responses),
            "/models": ("GET", self._list_models),
            "/generation": ("GET", self._generation),
            "/key": ("GET", self._key),
            "/credits": ("GET", self._credits),
            "/": ("GET", self._index),
        }
        route = routes.get(path)
        if route is None:
            raise RequestError(404, f"Not Found: {path}")
        if method != route[0]:
            raise RequestError(405, f"Method {method} not allowed on {path}")
        with self._lock:
            self._state.requests.append(record)
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        if method == "POST":
            cost_of = lambda gen_id: float(self._state.generations[gen_id]["total_cost"])  # noqa: E731
            return await self.limits.guard(record, lambda: route[1](headers, raw, record), cost_of)
        return await route[1](headers, params)

    def _authenticate(self, headers: Mapping[str, str]) -> str:
        value = headers.get("authorization", "")
        scheme, _, key = value.partition(" ")
        key = key.strip()
        # The real 401 bodies (fixture error-401-no-auth-credentials; reference §9.2).
        if scheme.lower() != "bearer" or not key:
            raise RequestError(401, "No auth credentials found")
        if self.api_keys is not None and key not in self.api_keys:
            raise RequestError(401, "User not found.")
        return key

    # -- inference -------------------------------------------------------------------------------------
    async def _chat(self, headers: dict[str, str], raw: bytes, record: RecordedRequest) -> _Reply:
        return await self._inference("completions", headers, raw, record)

    async def _responses(self, headers: dict[str, str], raw: bytes, record: RecordedRequest) -> _Reply:
        return await self._inference("responses", headers, raw, record)

    async def _inference(
        self, wire: str, headers: dict[str, str], raw: bytes, record: RecordedRequest
    ) -> _Reply:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = _INVALID
        # Recorded before any check, so a test can still see what a rejected request carried.
        record.body = None if body is _INVALID else body
        self._authenticate(headers)
        if body is _INVALID:
            raise RequestError(400, "Invalid JSON in request body")
        if not isinstance(body, dict):
            raise RequestError(400, "The request body must be a JSON object")
        self._validate(body, "ChatRequest" if wire == "completions" else "ResponsesRequest")
        conversation = read_chat(body) if wire == "completions" else read_responses(body)
        record.model = conversation.model
        header_fault = Fault.parse(headers["x-emulator-fault"]) if headers.get("x-emulator-fault") else None
        model, fault = self._choose_model(conversation, header_fault, wire, body)
        if model.behaviour == "reasoning" and not conversation.reasoning_excluded:
            check_reasoning_replay(conversation, self.signer)
        gen = self._new_generation(model, conversation)
        record.generation_id = gen.id
        timing = self._timing(fault, headers)
        streamed = conversation.stream
        failed = fault is not None and fault.kind in ("midstream-error", "disconnect")
        self._remember(gen, wire, conversation, headers, streamed=streamed, failed=failed)
        reply_headers = [
            ("x-generation-id", gen.id),
            ("access-control-expose-headers", "X-Generation-Id,X-Provider-Name,cf-ray"),
        ]
        if wire == "completions":
            return await self._chat_reply(gen, fault, timing, streamed, reply_headers)
        renderer = ResponsesRenderer(gen, body, int(self.clock()))
        return await self._responses_reply(renderer, fault, timing, streamed, reply_headers)

    def _validate(self, body: dict[str, Any], schema_name: str) -> None:
        if self.validator is None:
            return
        try:
            errors = list(self.validator(body, schema_name) or ())
        except Exception as exc:
            errors = [str(exc) or type(exc).__name__]
        if errors:
            raise RequestError(400, f"Invalid request: {errors[0]}", metadata={"errors": errors[:20]})

    def _choose_model(
        self, conversation: Conversation, header_fault: Fault | None, wire: str, body: Mapping[str, Any]
    ) -> tuple[EmulatedModel, Fault | None]:
        """The first candidate (``model``, then the ``models`` fallbacks) that does not fail up front."""
        primary = conversation.model or _DEFAULT_MODEL
        candidates = [primary, *(m for m in conversation.fallback_models if m != primary)]
        last_error: RequestError | None = None
        for position, model_id in enumerate(candidates):
            model = self._models.get(model_id)
            if model is None:
                last_error = _unknown_model(model_id)
                continue
            fault = (
                header_fault
                if position == 0 and header_fault is not None
                else (Fault.parse(model.fault) if model.fault else None)
            )
            if fault is not None and fault.kind == "error" and self._fails_now(fault, wire, model_id, body):
                last_error = self._fault_error(fault, model_id)
                continue
            return model, fault if fault is not None and fault.kind != "error" else None
        assert last_error is not None
        raise last_error

    def _fails_now(self, fault: Fault, wire: str, model_id: str, body: Mapping[str, Any]) -> bool:
        if fault.times is None:
            return True
        # Attempts are counted per conversation: the same body (stream flag aside) is the same attempt
        # being retried. After `times` failures the next attempt succeeds and the counter starts over.
        canonical = json.dumps({k: v for k, v in body.items() if k != "stream"}, sort_keys=True, default=str)
        key = hashlib.sha256(f"{wire}|{model_id}|{fault.status}|{canonical}".encode()).hexdigest()
        with self._lock:
            attempts = self._state.attempts.get(key, 0) + 1
            if attempts > fault.times:
                self._state.attempts.pop(key, None)
                return False
            self._state.attempts[key] = attempts
            return True

    def _fault_error(self, fault: Fault, model_id: str) -> RequestError:
        status = fault.status or 500
        message, error_type = _STATUS_ERRORS.get(status, (f"Emulated error {status}", "unmapped"))
        metadata: dict[str, Any] = {"error_type": error_type, "provider_name": "Emulator"}
        headers: dict[str, str] = {}
        if status in (429, 503):
            headers["Retry-After"] = _seconds(self.retry_after)
        if status == 429:
            reset_ms = int((self.clock() + self.retry_after) * 1000)
            headers.update(
                {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_ms)}
            )
            metadata["raw"] = f"{model_id} is temporarily rate-limited upstream."
        if status in (400, 502):
            metadata["raw"] = json.dumps(
                {"error": {"message": f"emulated upstream error {status}", "code": status}}
            )
        return RequestError(status, message, metadata=metadata, headers=headers)

    def _timing(self, fault: Fault | None, headers: Mapping[str, str]) -> _Timing:
        timing = _Timing()
        if fault is not None and fault.kind == "slow":
            timing = _Timing(self.slow_start_delay, self.slow_chunk_delay)
        for name, attr in (
            ("x-emulator-start-delay", "start_delay"),
            ("x-emulator-chunk-delay", "chunk_delay"),
        ):
            if name in headers:
                try:
                    value = float(headers[name])
                except ValueError:
                    raise RequestError(400, f"{name}: expected seconds, got {headers[name]!r}") from None
                setattr(timing, attr, min(max(value, 0.0), _MAX_DELAY))
        return timing

    def _new_generation(self, model: EmulatedModel, conversation: Conversation) -> Generation:
        now = int(self.clock())
        with self._lock:
            rng = self._state.rng
            gen_id = f"gen-{now}-{''.join(rng.choices(_ALNUM, k=20))}"
            calls: list[str] = []

            def new_call_id() -> str:
                call_id = "call_" + "".join(rng.choices(_ALNUM, k=24))
                calls.append(call_id)
                return call_id

            plan = plan_turn(model, conversation, new_call_id)
            item_ids = {
                "reasoning": "rs_tmp_" + "".join(rng.choices(_LOWER, k=11)),
                "message": "msg_tmp_" + "".join(rng.choices(_LOWER, k=11)),
            }
            for index in range(len(plan.calls)):
                item_ids[f"call{index}"] = "fc_tmp_" + "".join(rng.choices(_LOWER, k=11))
        gen = Generation(gen_id, now, model, plan, prompt_tokens(conversation), item_ids)
        if plan.reasoning:
            gen.reasoning_signature = self.signer.signature(plan.reasoning)
            gen.encrypted_reasoning = self.signer.encrypted_content(plan.reasoning, model.id)
        return gen

    def _remember(
        self,
        gen: Generation,
        wire: str,
        conversation: Conversation,
        headers: Mapping[str, str],
        *,
        streamed: bool,
        failed: bool,
    ) -> None:
        cost = gen.costs[0]
        plan = gen.plan
        record = {
            "id": gen.id,
            "upstream_id": f"emu-{gen.id[4:]}",
            "total_cost": cost,
            "usage": cost,
            "cache_discount": None,
            "upstream_inference_cost": None,
            "created_at": datetime.fromtimestamp(gen.created, tz=timezone.utc).isoformat(),
            "model": gen.model.id,
            "app_id": None,
            "streamed": streamed,
            "cancelled": False,
            "provider_name": "Emulator",
            "latency": 5,
            "moderation_latency": None,
            "generation_time": 10 + gen.completion_tokens,
            "finish_reason": "error" if failed else plan.finish_reason,
            "native_finish_reason": "error" if failed else plan.native_finish_reason,
            "tokens_prompt": gen.prompt_tokens,
            "tokens_completion": gen.completion_tokens,
            "native_tokens_prompt": gen.prompt_tokens,
            "native_tokens_completion": gen.completion_tokens,
            "native_tokens_completion_images": 0,
            "native_tokens_reasoning": plan.reasoning_tokens,
            "native_tokens_cached": 0,
            "num_media_prompt": sum(e.attachments for e in conversation.entries),
            "num_input_audio_prompt": 0,
            "num_media_completion": 0,
            "num_search_results": 0,
            "origin": headers.get("http-referer", ""),
            "http_referer": headers.get("http-referer"),
            "user_agent": headers.get("user-agent", ""),
            "api_type": "completions" if wire == "completions" else "responses",
            "is_byok": False,
            "router": None,
            "session_id": headers.get("x-session-id"),
            "external_user": None,
            "web_search_engine": None,
        }
        with self._lock:
            self._state.generations[gen.id] = record
            self._state.total_cost += cost

    # -- rendering -------------------------------------------------------------------------------------
    async def _chat_reply(
        self,
        gen: Generation,
        fault: Fault | None,
        timing: _Timing,
        streamed: bool,
        headers: list[tuple[str, str]],
    ) -> _Reply:
        kind = fault.kind if fault is not None else None
        half = max(1, len(split_deltas(gen.plan.text)) // 2)
        if not streamed:
            await self._pause(timing, len(split_deltas(gen.plan.text)))
            if kind == "midstream-error":
                body = chat_error_body(gen, "".join(split_deltas(gen.plan.text)[:half]))
            else:
                body = chat_completion(gen)
            payload = _json_bytes(body)
            if kind == "disconnect":
                payload = payload[: len(payload) // 2]  # the connection drops halfway through the body
            return _json_reply(200, payload, headers)
        if kind == "midstream-error":
            frames = [*chat_chunks(gen, text_fragments=half), chat_error_chunk(gen)]
        elif kind == "disconnect":
            frames = chat_chunks(gen, text_fragments=half)
        else:
            frames = chat_chunks(gen)
        return self._stream_reply(frames, timing, headers, gen.id, done=kind != "disconnect")

    async def _responses_reply(
        self,
        renderer: ResponsesRenderer,
        fault: Fault | None,
        timing: _Timing,
        streamed: bool,
        headers: list[tuple[str, str]],
    ) -> _Reply:
        kind = fault.kind if fault is not None else None
        fragments = split_deltas(renderer.gen.plan.text)
        half = max(1, len(fragments) // 2) if fragments else 0
        if not streamed:
            await self._pause(timing, len(fragments))
            body = (
                renderer.failed_result("".join(fragments[:half]))
                if kind == "midstream-error"
                else renderer.result()
            )
            payload = _json_bytes(body)
            if kind == "disconnect":
                payload = payload[: len(payload) // 2]
            return _json_reply(200, payload, headers)
        if kind == "midstream-error":
            frames = renderer.events(text_fragments=half)
        elif kind == "disconnect":
            frames = renderer.events(text_fragments=half)[:-1]  # cut before the terminal event
        else:
            frames = renderer.events()
        return self._stream_reply(frames, timing, headers, renderer.gen.id, done=kind != "disconnect")

    async def _pause(self, timing: _Timing, fragments: int) -> None:
        delay = timing.start_delay + timing.chunk_delay * fragments
        if delay > 0:
            await asyncio.sleep(min(delay, _MAX_DELAY))

    def _stream_reply(
        self,
        frames: list[dict[str, Any]],
        timing: _Timing,
        headers: list[tuple[str, str]],
        gen_id: str,
        *,
        done: bool,
    ) -> _Reply:
        keepalive_every = self.keepalive_interval

        async def chunks(disconnected: asyncio.Event) -> AsyncGenerator[bytes, None]:
            finished = False
            try:
                # OpenRouter sends SSE comments while the model warms up (reference §5.1): at least one
                # here, then one per keep-alive interval for as long as the start delay lasts.
                yield _KEEPALIVE
                waited = 0.0
                while waited < timing.start_delay:
                    step = min(keepalive_every, timing.start_delay - waited)
                    if await _wait(disconnected, step):
                        return
                    waited += step
                    yield _KEEPALIVE
                for index, frame in enumerate(frames):
                    if index and timing.chunk_delay and await _wait(disconnected, timing.chunk_delay):
                        return
                    yield _sse(frame)
                if done:
                    yield _DONE
                finished = True
            finally:
                if not finished:
                    # The client went away mid-stream: the generation record says so, like OpenRouter's.
                    self._mark_cancelled(gen_id)

        stream_headers = [("content-type", "text/event-stream"), ("cache-control", "no-cache"), *headers]
        return _Reply(200, stream_headers, chunks=chunks)

    def _mark_cancelled(self, gen_id: str) -> None:
        with self._lock:
            record = self._state.generations.get(gen_id)
            if record is not None:
                record["cancelled"] = True

    # -- account and catalog ---------------------------------------------------------------------------
    async def _index(self, headers: Mapping[str, str], params: Mapping[str, str]) -> _Reply:
        body = {
            "emulator": "chat-openrouter OpenRouter emulator",
            "base_url_path": "/api/v1",
            "endpoints": [
                "POST /chat/completions",
                "POST /responses",
                "GET /models",
                "GET /generation?id=",
                "GET /key",
                "GET /credits",
            ],
            "models": list(self._models),
        }
        return _json_reply(200, _json_bytes(body), [])

    async def _list_models(self, headers: Mapping[str, str], params: Mapping[str, str]) -> _Reply:
        # The catalog is public on OpenRouter (reference §2): no key needed.
        models = list(self._models.values())
        wanted = [p for p in params.get("supported_parameters", "").split(",") if p]
        if wanted:
            models = [m for m in models if set(wanted) <= set(m.supported_parameters)]
        if params.get("q"):
            needle = params["q"].lower()
            models = [m for m in models if needle in m.id.lower() or needle in m.name.lower()]
        return _json_reply(200, _json_bytes({"data": [m.catalog_entry() for m in models]}), [])

    async def _generation(self, headers: Mapping[str, str], params: Mapping[str, str]) -> _Reply:
        self._authenticate(headers)
        gen_id = params.get("id")
        if not gen_id:
            raise RequestError(400, "id: required query parameter")
        with self._lock:
            record = self._state.generations.get(gen_id)
        if record is None:
            raise RequestError(404, f"Generation {gen_id} not found")
        return _json_reply(200, _json_bytes({"data": record}), [])

    async def _key(self, headers: Mapping[str, str], params: Mapping[str, str]) -> _Reply:
        key = self._authenticate(headers)
        usage = self.total_cost
        label = f"{key[:11]}...{key[-3:]}" if len(key) > 16 else "emulator-key"
        data = {
            "label": label,
            "limit": None,
            "limit_remaining": None,
            "limit_reset": None,
            "usage": usage,
            "usage_daily": usage,
            "usage_weekly": usage,
            "usage_monthly": usage,
            "byok_usage": 0,
            "byok_usage_daily": 0,
            "byok_usage_weekly": 0,
            "byok_usage_monthly": 0,
            "include_byok_in_limit": False,
            "is_free_tier": False,
            "is_management_key": False,
            "is_provisioning_key": False,
            "expires_at": None,
            "creator_user_id": "user_emulator",
            "rate_limit": {
                "requests": -1,
                "interval": "10s",
                "note": "This field is deprecated and safe to ignore.",
            },
        }
        return _json_reply(200, _json_bytes({"data": data}), [])

    async def _credits(self, headers: Mapping[str, str], params: Mapping[str, str]) -> _Reply:
        self._authenticate(headers)
        return _json_reply(
            200, _json_bytes({"data": {"total_credits": self.credits, "total_usage": self.total_cost}}), []
        )


# -- ASGI plumbing -------------------------------------------------------------------------------------
def _route(scope: Scope) -> str:
    path: str = scope.get("path", "/") or "/"
    root = scope.get("root_path") or ""
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    # Mounted at both `/` and `/api/v1`, so either base URL works.
    if path == "/api/v1" or path.startswith("/api/v1/"):
        path = path[len("/api/v1") :] or "/"
    return path.rstrip("/") or "/"


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= _MAX_BODY:
            parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), size > _MAX_BODY


def _masked(headers: Mapping[str, str]) -> dict[str, str]:
    masked = dict(headers)
    if "authorization" in masked:
        masked["authorization"] = "Bearer ***"
    return masked


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _unknown_model(model_id: str) -> RequestError:
    # Documented shape (fixture doc-error-400-model-not-found) plus the numeric code every error carries.
    return RequestError(
        400,
        f"{model_id} is not a valid model ID",
        extra={
            "error_type": "invalid_request",
            "http_status": 400,
            "availability": {
                "code": "model_not_found",
                "retryable": False,
                "requested_models": [model_id],
                "docs_url": "https://openrouter.ai/docs/errors#model_not_found",
            },
        },
    )


def _json_reply(status: int, payload: bytes, headers: list[tuple[str, str]]) -> _Reply:
    return _Reply(status, [("content-type", "application/json"), *headers], payload)


def _error_reply(error: RequestError) -> _Reply:
    return _json_reply(error.status, _json_bytes(error.body()), list(error.headers.items()))


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless ``event`` fires first; True when it fired (the client went away)."""
    try:
        await asyncio.wait_for(event.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        return False
    return True


async def _send_reply(reply: _Reply, send: Send, receive: Receive) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    if reply.chunks is None:
        headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body, "more_body": False})
        return
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    disconnected = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        disconnected.set()

    watcher = asyncio.ensure_future(watch())
    chunks = reply.chunks(disconnected)
    try:
        async for chunk in chunks:
            if disconnected.is_set():
                return
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except OSError:
        return  # the client went away mid-stream: nothing left to tell it
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        await chunks.aclose()
