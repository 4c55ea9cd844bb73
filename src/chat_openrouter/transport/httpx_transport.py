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
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
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
from .base import HttpRequest, HttpResponse, Timeouts, Transport, aread_truncated, read_truncated
from .limits import MAX_ERROR_BODY_BYTES
from .watchdog import Watch

if TYPE_CHECKING:
    import ssl

    import httpx2

__all__ = ["HttpxTransport", "resolve_transport"]

# A read that ends this close to the deadline is blamed on the deadline (timer granularity).
_DEADLINE_SLACK = 0.005


def _remaining(deadline: float | None) -> float | None:
    """Seconds left before ``deadline``; raises the total-deadline timeout when none are left."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise _total_timeout()
    return left


def _total_timeout() -> TimeoutError:
    return TimeoutError("the call's overall deadline (Timeouts.total) passed", phase="total")


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
    """Our error for an httpx2 one. Never chain the result to ``exc`` (see the module docstring)."""
    import httpx2

    detail = redact(str(exc)) or type(exc).__name__
    t = request.timeouts
    if deadline_hit or (isinstance(exc, httpx2.TimeoutException) and _deadline_passed(request.deadline)):
        return _total_timeout()
    if isinstance(exc, httpx2.PoolTimeout):
        return TimeoutError(
            f"no free pooled connection within the first-byte timeout ({_fmt(t.first_byte)})", phase="pool"
        )
    if isinstance(exc, httpx2.ConnectTimeout):
        return TimeoutError(f"timed out connecting to OpenRouter ({_fmt(t.connect)})", phase="connect")
    if isinstance(exc, httpx2.WriteTimeout):
        return TimeoutError(f"timed out sending the request ({_fmt(t.write)})", phase="write")
    if isinstance(exc, httpx2.ReadTimeout):
        if phase == "first_byte":
            return TimeoutError(
                f"no response from OpenRouter within the first-byte timeout ({_fmt(t.first_byte)})",
                phase="first_byte",
            )
        return TimeoutError(
            f"the response went silent for longer than the idle timeout ({_fmt(t.idle)})", phase="idle"
        )
    if isinstance(exc, httpx2.TimeoutException):
        return TimeoutError(f"timed out talking to OpenRouter ({detail})", phase=phase)
    if isinstance(exc, httpx2.ConnectError):
        return ConnectionError(f"could not connect to OpenRouter: {detail}")
    if isinstance(exc, httpx2.DecodingError):
        return DecodeError(f"could not decode the response body: {detail}")
    if phase == "first_byte":
        return ConnectionError(
            f"the connection to OpenRouter failed before a response: {type(exc).__name__}: {detail}"
        )
    return ConnectionError(f"the connection to OpenRouter broke mid-response: {type(exc).__name__}: {detail}")


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
            raise _total_timeout()  # the shut-down socket looked like a clean end of a close-delimited body

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
        try:
            while True:
                error: ChatOpenRouterError | None = None
                try:
                    left = _remaining(deadline)
                    if left is not None and (budget is None or left < budget):
                        # Only a read that could outlive the deadline pays for a wait_for task.
                        chunk = await asyncio.wait_for(chunks.__anext__(), left)
                    else:
                        chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    break
                except httpx2.HTTPError as exc:
                    error = _map_error(exc, "idle", self._request)
                except builtins.TimeoutError:
                    error = _total_timeout()
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


def _deferred_tls_context() -> ssl.SSLContext:
    import ssl

    class DeferredTLSContext(ssl.SSLContext):
        """httpx2's default TLS context, built when the first TLS connection is made.

        httpx2 builds it when a client is created: loading the CA bundle costs ~20-40 ms of CPU, which a
        client that only talks plain ``http://`` (a local proxy, the emulator, a benchmark's loopback
        server) would pay on its first request for nothing. This stand-in is created in microseconds and
        hands every connection to the real context (``httpx2.create_ssl_context()``: the same CA bundle
        and environment rules -- ``SSL_CERT_FILE``, ``SSL_CERT_DIR`` -- as before), built once and shared.
        """

        _real: ssl.SSLContext | None = None
        _lock = threading.Lock()
        _alpn: list[str] | None = None

        def _context(self) -> ssl.SSLContext:
            real = self._real
            if real is None:
                with self._lock:
                    real = type(self)._real
                    if real is None:
                        import httpx2

                        real = type(self)._real = httpx2.create_ssl_context()
            if self._alpn is not None:
                real.set_alpn_protocols(self._alpn)
            return real

        def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
            # httpcore2 sets ALPN on the context before each TLS connection; the real one needs it.
            self._alpn = list(alpn_protocols)

        def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # sync connections
            return self._context().wrap_socket(*args, **kwargs)

        def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:  # asyncio and anyio connections
            return self._context().wrap_bio(*args, **kwargs)

    global _DEFERRED_TLS
    if _DEFERRED_TLS is None:
        _DEFERRED_TLS = DeferredTLSContext(ssl.PROTOCOL_TLS_CLIENT)
    return _DEFERRED_TLS


_DEFERRED_TLS: ssl.SSLContext | None = None


class HttpxTransport:
    """Sends requests with a pooled ``httpx2.Client`` / ``httpx2.AsyncClient``.

    Pass your own clients to share pools or add proxies, or ``transport=`` (any httpx2 transport, e.g.
    ``httpx2.MockTransport`` or ``httpx2.ASGITransport``) to route requests in-process. Clients are
    created lazily, on first use, so building a transport costs nothing.
    """

    def __init__(
        self,
        *,
        client: httpx2.Client | None = None,
        async_client: httpx2.AsyncClient | None = None,
        transport: Any = None,
    ) -> None:
        self._client = client
        self._async_client = async_client
        self._transport = transport
        self._owns_client = client is None
        self._owns_async_client = async_client is None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "HttpxTransport()"

    # -- clients ---------------------------------------------------------------------------------------
    def _sync(self) -> httpx2.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import httpx2

                    self._client = httpx2.Client(**self._client_kwargs())
        return self._client

    def _async(self) -> httpx2.AsyncClient:
        if self._async_client is None:
            with self._lock:
                if self._async_client is None:
                    import httpx2

                    self._async_client = httpx2.AsyncClient(**self._client_kwargs())
        return self._async_client

    def _client_kwargs(self) -> dict[str, Any]:
        import httpx2

        # Every concurrent stream holds its own connection for the whole answer, so httpx2's default
        # of 100 connections queues the 101st stream of an agent fleet (bench: 1,000 concurrent streams
        # timed out waiting for the pool). 1,000 / 100 keep-alive, like openai-python.
        kwargs: dict[str, Any] = {
            "follow_redirects": False,
            "limits": httpx2.Limits(max_connections=1000, max_keepalive_connections=100),
        }
        if self._transport is not None:
            kwargs["transport"] = self._transport
        else:
            kwargs["verify"] = _deferred_tls_context()
        return kwargs

    def _build(self, client: httpx2.Client | httpx2.AsyncClient, request: HttpRequest) -> httpx2.Request:
        return client.build_request(
            request.method,
            request.url,
            headers=dict(request.headers),
            content=request.json_body,
            params=dict(request.params) if request.params else None,
            timeout=_httpx_timeout(request.timeouts, _remaining(request.deadline)),
        )

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
        left = _remaining(request.deadline)
        error: ChatOpenRouterError | None = None
        try:
            if left is None:
                response = await client.send(httpx_request, stream=True)
            else:
                response = await asyncio.wait_for(client.send(httpx_request, stream=True), left)
        except httpx2.HTTPError as exc:
            error = _map_error(exc, "first_byte", request)
        except builtins.TimeoutError:
            error = _total_timeout()
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
        if self._async_client is not None and self._owns_async_client:
            await self._async_client.aclose()
        self.close()

    def pool_is_idle(self) -> bool:
        """True when no pooled connection is in the middle of a response (nothing leaked).

        For tests and health checks: inspects httpcore2's pools of the clients this transport created.
        """
        for client in (self._client, self._async_client):
            pool = getattr(getattr(client, "_transport", None), "_pool", None)
            for connection in getattr(pool, "connections", ()):
                if not (connection.is_idle() or connection.is_closed()):
                    return False
        return True


def resolve_transport(transport: Any) -> Transport:
    """Our :class:`Transport`, an ``httpx2`` transport (MockTransport, ASGITransport...), or an httpx2 client.

    None gives a fresh :class:`HttpxTransport` (its clients are created on first use). Anything else is
    a :class:`~chat_openrouter.errors.ConfigurationError` naming what was given.
    """
    if transport is None:
        return HttpxTransport()
    if isinstance(transport, Transport):
        return transport
    import httpx2

    if isinstance(transport, httpx2.Client):
        return HttpxTransport(client=transport)
    if isinstance(transport, httpx2.AsyncClient):
        return HttpxTransport(async_client=transport)
    if isinstance(transport, httpx2.BaseTransport | httpx2.AsyncBaseTransport):
        return HttpxTransport(transport=transport)
    raise ConfigurationError(
        "with_transport() expects a chat_openrouter Transport, an httpx2 transport or client; "
        f"got {type(transport).__name__}"
    )
