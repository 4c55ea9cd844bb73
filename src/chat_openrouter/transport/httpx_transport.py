"""The default transport, on ``httpx2`` (pooled connections, sync and async).

How the four timeouts of :class:`~chat_openrouter.core.options.Timeouts` map onto httpx2, which only
knows per-operation ``connect``/``read``/``write``/``pool`` timeouts:

* ``connect`` → httpx2 ``connect``;
* ``first_byte`` → httpx2 ``read`` while waiting for the response headers, and ``pool`` (waiting for a
  free connection is queueing behind other streams);
* ``idle`` → httpx2 ``read`` once the headers are in: httpcore2 reads ``request.extensions["timeout"]``
  when the body iteration *starts*, so swapping the value after the headers arrived gives each socket
  read of the body the idle budget (:func:`_use_idle_timeout`; tests/transport/test_timeouts.py proves it
  on a stalling loopback server, sync and async). Keep-alive comments are socket reads, so they count as
  liveness;
* ``total`` (the overall deadline, :attr:`HttpRequest.deadline`) → every phase budget above is capped by
  the time left. Async: a read whose budget would run past the deadline is wrapped in
  :func:`asyncio.wait_for`. Sync: a blocking read cannot be interrupted from inside, so a shared watchdog
  thread shuts the socket down at the deadline (:mod:`.watchdog`), which wakes the read.

Errors are mapped to :class:`~chat_openrouter.errors.TransportError` subclasses and raised *outside*
the ``except`` block that caught httpx2's exception: an httpx2 exception carries the request, whose
headers hold the API key, and ``raise ... from None`` would still leave it reachable as ``__context__``.
"""

from __future__ import annotations

import builtins
import os
import socket
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import (
    ChatOpenRouterError,
    ConfigurationError,
    ConnectionError,
    DecodeError,
    TimeoutError,
    redact,
)
from . import watchdog
from .base import (
    HttpRequest,
    HttpResponse,
    Timeouts,
    Transport,
    aread_truncated,
    display_url,
    read_truncated,
)
from .limits import MAX_ERROR_BODY_BYTES
from .tls import deferred_tls_context
from .watchdog import Watch

if TYPE_CHECKING:
    import httpx2

__all__ = ["HttpxTransport", "resolve_transport"]

# A read that ends this close to the deadline is blamed on the deadline (timer granularity).
_DEADLINE_SLACK = 0.005


def _remaining(deadline: float | None, url: str | None = None) -> float | None:
    """Seconds left before ``deadline``; raises the total-deadline timeout (naming ``url``) when none are
    left."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise _total_timeout(url)
    return left


def _total_timeout(url: str | None) -> TimeoutError:
    """The overall deadline's error; ``url`` is the request's, shown without credentials or query (made
    displayable here, on the rare error path, not on every read)."""
    url = display_url(url) if url else None
    where = f" talking to {url}" if url else ""
    return TimeoutError(f"the call's overall deadline (Timeouts.total) passed{where}", phase="total", url=url)


def _deadline_passed(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline - _DEADLINE_SLACK


def _cap(value: float | None, remaining: float | None) -> float | None:
    if remaining is None:
        return value
    return remaining if value is None else min(value, remaining)


def _httpx_timeout(t: Timeouts, remaining: float | None) -> httpx2.Timeout:
    import httpx2

    # `read` covers the wait for the response headers (first byte); `_use_idle_timeout` switches it to
    # the idle budget once headers have arrived.
    # Waiting for a free pooled connection is queueing behind other streams, not connecting: it gets
    # the first-byte budget (a long stream frees its slot eventually), not the short connect one.
    first_byte = _cap(t.first_byte, remaining)
    return httpx2.Timeout(
        connect=_cap(t.connect, remaining), read=first_byte, write=_cap(t.write, remaining), pool=first_byte
    )


def _use_idle_timeout(response: httpx2.Response, t: Timeouts, deadline: float | None) -> float | None:
    """Give every body read the idle budget (capped by the time left); return that budget.

    httpcore2 reads ``request.extensions["timeout"]["read"]`` when it starts receiving the body, after the
    headers: swapping the value here gives a first-byte budget and a separate idle-between-chunks budget
    on one connection, in sync and async alike. The dict is per request (httpx2 ``build_request``).
    """
    budget = t.idle if deadline is None else _cap(t.idle, max(0.0, deadline - time.monotonic()))
    timeout = response.request.extensions.get("timeout")
    if isinstance(timeout, dict):
        timeout["read"] = budget
    return budget


def _fmt(seconds: float | None) -> str:
    return "no limit" if seconds is None else f"{seconds:g} s"


def _map_error(
    exc: Exception, phase: str, request: HttpRequest, *, deadline_hit: bool = False
) -> ChatOpenRouterError:
    """Our error for an httpx2 one. Never chain the result to ``exc`` (see the module docstring).

    Every connection and timeout error names the URL (:func:`display_url`: no credentials, no query), so
    "connection refused" says *what* refused; a URL httpx2 cannot use at all is a configuration problem,
    raised as such and never retried.
    """
    import httpx2

    detail = redact(str(exc)) or type(exc).__name__
    t = request.timeouts
    url = display_url(request.url)
    if isinstance(exc, (httpx2.UnsupportedProtocol, httpx2.InvalidURL)):
        return ConfigurationError(f"cannot send a request to {url}: {detail}")
    if deadline_hit or (isinstance(exc, httpx2.TimeoutException) and _deadline_passed(request.deadline)):
        return _total_timeout(request.url)
    if isinstance(exc, httpx2.PoolTimeout):
        return TimeoutError(
            f"no free pooled connection for {url} within the first-byte timeout ({_fmt(t.first_byte)})",
            phase="pool", url=url,
        )  # fmt: skip
    if isinstance(exc, httpx2.ConnectTimeout):
        return TimeoutError(f"timed out connecting to {url} ({_fmt(t.connect)})", phase="connect", url=url)
    if isinstance(exc, httpx2.WriteTimeout):
        return TimeoutError(
            f"timed out sending the request to {url} ({_fmt(t.write)})", phase="write", url=url
        )
    if isinstance(exc, httpx2.ReadTimeout):
        if phase == "first_byte":
            return TimeoutError(
                f"no response from {url} within the first-byte timeout ({_fmt(t.first_byte)})",
                phase="first_byte", url=url,
            )  # fmt: skip
        return TimeoutError(
            f"the response from {url} went silent for longer than the idle timeout ({_fmt(t.idle)})",
            phase="idle", url=url,
        )  # fmt: skip
    if isinstance(exc, httpx2.TimeoutException):
        return TimeoutError(f"timed out talking to {url} ({detail})", phase=phase, url=url)
    if isinstance(exc, httpx2.ConnectError):
        return ConnectionError(f"could not connect to {url}: {detail}", url=url)
    if isinstance(exc, httpx2.DecodingError):
        return DecodeError(f"could not decode the response body from {url}: {detail}")
    if phase == "first_byte":
        return ConnectionError(
            f"the connection to {url} failed before a response: {type(exc).__name__}: {detail}", url=url
        )
    return ConnectionError(
        f"the connection to {url} broke mid-response: {type(exc).__name__}: {detail}", url=url
    )


def _socket_of(response: httpx2.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    sock = get_extra_info("socket") if get_extra_info is not None else None
    return sock if isinstance(sock, socket.socket) else None


# -- open responses ------------------------------------------------------------------------------------
class _SyncStream:
    def __init__(self, response: httpx2.Response, request: HttpRequest, watch: Watch | None) -> None:
        self._response = response
        self._request = request
        self._watch = watch
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers

    def iter_bytes(self) -> Iterator[bytes]:
        import httpx2

        chunks = self._response.iter_bytes()
        watch = self._watch
        while True:
            error: ChatOpenRouterError | None = None
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except httpx2.HTTPError as exc:
                error = _map_error(exc, "idle", self._request, deadline_hit=watch is not None and watch.fired)
            if error is not None:
                raise error
            yield chunk
        if watch is not None and watch.fired:
            # the shut-down socket looked like a clean end of a close-delimited body
            raise _total_timeout(self._request.url)

    def read(self, limit: int) -> bytes:
        return _read_limited(self.iter_bytes(), limit)


class _AsyncStream:
    def __init__(self, response: httpx2.Response, request: HttpRequest, read_budget: float | None) -> None:
        self._response = response
        self._request = request
        self._read_budget = read_budget
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        import asyncio

        import httpx2

        chunks = self._response.aiter_bytes()
        deadline, budget = self._request.deadline, self._read_budget
        url = self._request.url
        try:
            while True:
                error: ChatOpenRouterError | None = None
                left = _remaining(deadline, url)  # ours, raised outside the `except` below
                try:
                    if left is not None and (budget is None or left < budget):
                        # Only a read that could outlive the deadline pays for a wait_for task.
                        chunk = await asyncio.wait_for(chunks.__anext__(), left)
                    else:
                        chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    break
                except httpx2.HTTPError as exc:
                    error = _map_error(exc, "idle", self._request)
                except ChatOpenRouterError:
                    raise  # our TimeoutError is a builtins.TimeoutError too: never mistake it for wait_for's
                except builtins.TimeoutError:
                    error = _total_timeout(url)
                if error is not None:
                    raise error
                yield chunk
        finally:
            await chunks.aclose()

    async def aread(self, limit: int) -> bytes:
        out = bytearray()
        async for chunk in self.aiter_bytes():
            out += chunk
            if len(out) > limit:
                raise DecodeError(f"response body exceeds the {limit}-byte limit (Limits.max_body_bytes)")
        return bytes(out)


def _read_limited(chunks: Iterator[bytes], limit: int) -> bytes:
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            raise DecodeError(f"response body exceeds the {limit}-byte limit (Limits.max_body_bytes)")
    return bytes(out)


class HttpxTransport:
    """Sends requests with a pooled ``httpx2.Client`` / ``httpx2.AsyncClient``.

    Pass your own clients to share pools or add proxies, or ``transport=`` (any httpx2 transport, e.g.
    ``httpx2.MockTransport`` or ``httpx2.ASGITransport``) to route requests in-process. Clients are
    created lazily, on first use, so building a transport costs nothing.

    ``trust_env`` (default True, like httpx2) lets the clients it creates honour the proxy environment
    variables -- ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` (any case) -- and
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``; False ignores them all.

    The clients it creates survive what a long-lived program does to them:

    * **fork** (gunicorn, multiprocessing, Celery workers): a child process never reuses a pooled
      connection of its parent -- it would read the parent's responses, or they its own -- but opens its
      own (the pools are dropped in the child, untouched in the parent);
    * **event loops**: each event loop gets its own ``AsyncClient`` (an asyncio connection belongs to the
      loop that opened it), so successive ``asyncio.run()`` calls, or loops in several threads, share
      the transport safely. A client *you* passed cannot be recreated: used from a second loop while it
      still holds connections of the first, it fails before sending with a ``ConfigurationError``.
    """

    def __init__(
        self,
        *,
        client: httpx2.Client | None = None,
        async_client: httpx2.AsyncClient | None = None,
        transport: Any = None,
        trust_env: bool = True,
    ) -> None:
        self._client = client
        self._async_client = async_client  # a client the caller passed (never replaced)
        self._async_clients: dict[Any, httpx2.AsyncClient] = {}  # ours, one per event loop
        self._async_loop: Any = None  # the loop the caller's async client was last used in
        self._transport = transport
        self._trust_env = trust_env
        self._owns_client = client is None
        self._owns_async_client = async_client is None
        self._lock = threading.Lock()
        _LIVE.add(self)

    def __repr__(self) -> str:
        return "HttpxTransport()"

    # -- clients ---------------------------------------------------------------------------------------
    def _sync(self) -> httpx2.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import httpx2

                    client = httpx2.Client(**self._client_kwargs())
                    if self._transport is None:  # a transport the caller passed is left as it is
                        watchdog.install_deadline_backend(client)
                    self._client = client
        return self._client

    def _async(self) -> httpx2.AsyncClient:
        import asyncio

        loop = asyncio.get_running_loop()
        if not self._owns_async_client:
            return self._callers_async_client(loop)
        client = self._async_clients.get(loop)
        if client is None:
            with self._lock:
                client = self._async_clients.get(loop)
                if client is None:
                    import httpx2

                    self._check_shared_pool(loop)
                    # Clients of loops that have closed cannot be closed any more (their connections
                    # belong to a dead loop): forget them; the sockets go with the garbage.
                    for old in [old for old in self._async_clients if old.is_closed()]:
                        del self._async_clients[old]
                    client = httpx2.AsyncClient(**self._client_kwargs())
                    self._async_clients[loop] = client
        return client

    def _callers_async_client(self, loop: Any) -> httpx2.AsyncClient:
        client = self._async_client
        assert client is not None
        if self._async_loop is not loop:
            if self._async_loop is not None and _pooled_connections(client):
                raise ConfigurationError(
                    "the httpx2.AsyncClient given to with_transport() holds connections opened in another "
                    "event loop (an earlier asyncio.run()?), which cannot be used from this one: create "
                    "one AsyncClient per event loop, or let chat-openrouter create its own"
                )
            self._async_loop = loop
        return client

    def _check_shared_pool(self, loop: Any) -> None:
        # Our clients are per loop, but an httpx2 transport the caller passed holds one pool for all of
        # them: refuse to use its connections from another loop (before anything is sent).
        if self._transport is None or not _pooled_connections(self._transport):
            return
        if any(other is not loop for other in self._async_clients):
            raise ConfigurationError(
                "the httpx2 transport given to with_transport() holds connections opened in another event "
                "loop, which cannot be used from this one: give each event loop its own transport"
            )

    def _client_kwargs(self) -> dict[str, Any]:
        import httpx2

        # Every concurrent stream holds its own connection for the whole answer, so httpx2's default
        # of 100 connections queues the 101st stream of an agent fleet (bench: 1,000 concurrent streams
        # timed out waiting for the pool). 1,000 / 100 keep-alive, like openai-python.
        kwargs: dict[str, Any] = {
            "follow_redirects": False,
            "limits": httpx2.Limits(max_connections=1000, max_keepalive_connections=100),
            "trust_env": self._trust_env,
        }
        if self._transport is not None:
            kwargs["transport"] = self._transport
        else:
            kwargs["verify"] = deferred_tls_context(self._trust_env)
        return kwargs

    def _forget_pools_after_fork(self) -> None:
        """In a forked child: drop the parent's pooled connections (never close them: closing would be
        harmless for the socket, but another parent thread may have held the pool's lock at the fork)."""
        self._lock = threading.Lock()
        if self._owns_client:
            self._client = None
        if self._owns_async_client:
            self._async_clients = {}
        self._async_loop = None

    def _build(self, client: httpx2.Client | httpx2.AsyncClient, request: HttpRequest) -> httpx2.Request:
        import httpx2

        timeout = _httpx_timeout(request.timeouts, _remaining(request.deadline, request.url))
        error: ChatOpenRouterError | None = None
        try:
            built = client.build_request(
                request.method,
                request.url,
                headers=dict(request.headers),
                content=request.json_body,
                params=dict(request.params) if request.params else None,
                timeout=timeout,
            )
        except httpx2.InvalidURL as exc:  # a space in the host, ...: no retry can help
            error = _map_error(exc, "first_byte", request)
        else:
            port = built.url.port
            if port is None or 0 < port < 65536:
                return built
            # httpx2 takes port 99999 and fails later (a bare ExceptionGroup from anyio, in async code).
            error = ConfigurationError(
                f"cannot send a request to {display_url(request.url)}: port {port} is out of range"
            )
        raise error

    def destination(self, url: str) -> str:
        """Where a request for ``url`` really goes, for log lines: the URL (no credentials, no query) when
        httpx2 sends it over the network, else its path and the in-process transport that answers it
        (``/api/v1/responses via EmulatorTransport``) -- the base URL is then only a name."""
        import httpx2

        inner = self._transport
        if inner is None:
            client = self._client if self._client is not None else self._async_client
            inner = getattr(client, "_transport", None)  # a caller's client: its (private) transport
        if inner is None or isinstance(inner, (httpx2.HTTPTransport, httpx2.AsyncHTTPTransport)):
            return display_url(url)
        return f"{httpx2.URL(display_url(url)).path} via {type(inner).__name__}"

    # -- whole responses -------------------------------------------------------------------------------
    def send(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse:
        with self.stream(request) as response:
            if response.status >= 400:
                # An error page is evidence, not payload: keep its start, never fail on its size.
                content = read_truncated(response.iter_bytes(), min(max_bytes, MAX_ERROR_BODY_BYTES))
            else:
                content = response.read(max_bytes)
            return HttpResponse(response.status, response.headers, content)

    async def asend(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse:
        async with self.astream(request) as response:
            if response.status >= 400:
                content = await aread_truncated(response.aiter_bytes(), min(max_bytes, MAX_ERROR_BODY_BYTES))
            else:
                content = await response.aread(max_bytes)
            return HttpResponse(response.status, response.headers, content)

    # -- streams ---------------------------------------------------------------------------------------
    @contextmanager
    def stream(self, request: HttpRequest) -> Iterator[_SyncStream]:
        import httpx2

        client = self._sync()
        httpx_request = self._build(client, request)
        error: ChatOpenRouterError | None = None
        try:
            # Connect, send and read the headers with every socket operation bounded by the deadline
            # (watchdog.DeadlineBackend): a server dripping its headers cannot outlive it.
            with watchdog.deadline_scope(request.deadline):
                response = client.send(httpx_request, stream=True)
        except httpx2.HTTPError as exc:
            error = _map_error(exc, "first_byte", request)
        if error is not None:
            raise error
        watch: Watch | None = None
        try:
            _use_idle_timeout(response, request.timeouts, request.deadline)
            sock = _socket_of(response) if request.deadline is not None else None
            if sock is not None and request.deadline is not None:
                watch = watchdog.arm(request.deadline, sock)
            yield _SyncStream(response, request, watch)
        finally:
            if watch is not None:
                watchdog.cancel(watch)
            response.close()

    @asynccontextmanager
    async def astream(self, request: HttpRequest) -> AsyncIterator[_AsyncStream]:
        import asyncio

        import httpx2

        client = self._async()
        httpx_request = self._build(client, request)
        left = _remaining(request.deadline, request.url)
        error: ChatOpenRouterError | None = None
        try:
            if left is None:
                response = await client.send(httpx_request, stream=True)
            else:
                response = await asyncio.wait_for(client.send(httpx_request, stream=True), left)
        except httpx2.HTTPError as exc:
            error = _map_error(exc, "first_byte", request)
        except ChatOpenRouterError:
            raise  # our TimeoutError is a builtins.TimeoutError too: never mistake it for wait_for's
        except builtins.TimeoutError:
            error = _total_timeout(request.url)
        if error is not None:
            raise error
        try:
            budget = _use_idle_timeout(response, request.timeouts, request.deadline)
            yield _AsyncStream(response, request, budget)
        finally:
            await response.aclose()

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._client is not None and self._owns_client:
            self._client.close()

    async def aclose(self) -> None:
        """Close the clients this transport created (the one of the running loop is awaited; those of
        other loops still running are closed there, those of closed loops are forgotten)."""
        import asyncio

        current = asyncio.get_running_loop()
        clients, self._async_clients = self._async_clients, {}
        for loop, client in clients.items():
            if loop is current:
                await client.aclose()
            elif not loop.is_closed() and loop.is_running():
                asyncio.run_coroutine_threadsafe(client.aclose(), loop)
        self.close()

    def pool_is_idle(self) -> bool:
        """True when no pooled connection is in the middle of a response (nothing leaked).

        For tests and health checks: inspects httpcore2's pools of the clients this transport created.
        """
        for client in (self._client, self._async_client, *self._async_clients.values()):
            pool = getattr(getattr(client, "_transport", None), "_pool", None)
            for connection in getattr(pool, "connections", ()):
                if not (connection.is_idle() or connection.is_closed()):
                    return False
        return True


def _pooled_connections(owner: Any) -> list[Any]:
    """The open connections in the pool of an httpx2 client or transport (none when it has no pool)."""
    transport = getattr(owner, "_transport", owner)
    pool = getattr(transport, "_pool", None)
    return [c for c in getattr(pool, "connections", ()) if not c.is_closed()]


#: Every transport alive in this process, so a forked child can drop their pools (weak: no leak).
_LIVE: weakref.WeakSet[HttpxTransport] = weakref.WeakSet()


def _forget_pools_in_child() -> None:
    # A forked child shares its parent's sockets: a pooled connection used by both would interleave
    # requests and hand each process the other's responses. The child opens its own (as the watchdog
    # starts its own thread).
    for transport in list(_LIVE):
        transport._forget_pools_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_in_child)


def resolve_transport(transport: Any, *, trust_env: bool = True) -> Transport:
    """Our :class:`Transport`, an ``httpx2`` transport (MockTransport, ASGITransport...), or an httpx2 client.

    None gives a fresh :class:`HttpxTransport` (its clients are created on first use; ``trust_env`` is
    passed to them). Anything else is a :class:`~chat_openrouter.errors.ConfigurationError` naming what
    was given.
    """
    if transport is None:
        return HttpxTransport(trust_env=trust_env)
    if isinstance(transport, Transport):
        return transport
    import httpx2

    if isinstance(transport, httpx2.Client):
        return HttpxTransport(client=transport)
    if isinstance(transport, httpx2.AsyncClient):
        return HttpxTransport(async_client=transport)
    if isinstance(transport, httpx2.BaseTransport | httpx2.AsyncBaseTransport):
        return HttpxTransport(transport=transport, trust_env=trust_env)
    raise ConfigurationError(
        "with_transport() expects a chat_openrouter Transport, an httpx2 transport or client; "
        f"got {type(transport).__name__}"
    )
