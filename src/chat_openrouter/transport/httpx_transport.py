"""The default transport, on ``httpx2`` (pooled connections, sync and async)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import ConnectionError, DecodeError, TimeoutError, TransportError, redact
from .base import HttpRequest, HttpResponse, Timeouts

if TYPE_CHECKING:
    import httpx2

__all__ = ["HttpxTransport"]


def _httpx_timeout(t: Timeouts) -> httpx2.Timeout:
    import httpx2

    # `read` covers the wait for the response headers (first byte); `_use_idle_timeout` narrows it to
    # the idle budget once headers have arrived.
    return httpx2.Timeout(connect=t.connect, read=t.first_byte, write=t.write, pool=t.connect)


def _use_idle_timeout(response: httpx2.Response, t: Timeouts) -> None:
    # httpcore2 reads `request.extensions["timeout"]["read"]` when it starts receiving the body, after
    # the headers: swapping the value here gives a first-byte budget and a separate idle-between-chunks
    # budget on one connection, in sync and async alike.
    timeout = response.request.extensions.get("timeout")
    if isinstance(timeout, dict):
        timeout["read"] = t.idle


def _map_error(exc: Exception, phase: str) -> TransportError:
    import httpx2

    # Raise our own error *without* chaining the httpx2 one: its `.request` carries the Authorization
    # header, and a `__cause__` is printed in tracebacks and serialised by error trackers.
    detail = redact(str(exc)) or type(exc).__name__
    if isinstance(exc, httpx2.ConnectTimeout | httpx2.PoolTimeout):
        return TimeoutError(f"timed out connecting to OpenRouter ({detail})", phase="connect")
    if isinstance(exc, httpx2.ReadTimeout):
        return TimeoutError(
            f"no data from OpenRouter within the {phase.replace('_', ' ')} timeout", phase=phase
        )
    if isinstance(exc, httpx2.TimeoutException):
        return TimeoutError(f"timed out talking to OpenRouter ({detail})", phase="write")
    if isinstance(exc, httpx2.ConnectError):
        return ConnectionError(f"could not connect to OpenRouter: {detail}")
    if isinstance(exc, httpx2.DecodingError):
        return DecodeError(f"could not decode the response body: {detail}")  # type: ignore[return-value]
    return ConnectionError(f"connection to OpenRouter failed: {type(exc).__name__}: {detail}")


class _SyncStream:
    def __init__(self, response: httpx2.Response, timeouts: Timeouts) -> None:
        self._response = response
        self._timeouts = timeouts
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers

    def iter_bytes(self) -> Iterator[bytes]:
        import httpx2

        try:
            yield from self._response.iter_bytes()
        except httpx2.HTTPError as exc:
            raise _map_error(exc, "idle") from None

    def read(self, limit: int) -> bytes:
        return _read_limited(self.iter_bytes(), limit)


class _AsyncStream:
    def __init__(self, response: httpx2.Response, timeouts: Timeouts) -> None:
        self._response = response
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        import httpx2

        try:
            async for chunk in self._response.aiter_bytes():
                yield chunk
        except httpx2.HTTPError as exc:
            raise _map_error(exc, "idle") from None

    async def aread(self, limit: int) -> bytes:
        out = bytearray()
        async for chunk in self.aiter_bytes():
            out += chunk
            if len(out) > limit:
                raise DecodeError(f"response body exceeds the {limit}-byte limit")
        return bytes(out)


def _read_limited(chunks: Iterator[bytes], limit: int) -> bytes:
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            raise DecodeError(f"response body exceeds the {limit}-byte limit")
    return bytes(out)


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

                    kwargs: dict[str, Any] = {"follow_redirects": False}
                    if self._transport is not None:
                        kwargs["transport"] = self._transport
                    self._client = httpx2.Client(**kwargs)
        return self._client

    def _async(self) -> httpx2.AsyncClient:
        if self._async_client is None:
            with self._lock:
                if self._async_client is None:
                    import httpx2

                    kwargs: dict[str, Any] = {"follow_redirects": False}
                    if self._transport is not None:
                        kwargs["transport"] = self._transport
                    self._async_client = httpx2.AsyncClient(**kwargs)
        return self._async_client

    def _build(self, client: httpx2.Client | httpx2.AsyncClient, request: HttpRequest) -> httpx2.Request:
        return client.build_request(
            request.method,
            request.url,
            headers=dict(request.headers),
            content=request.json_body,
            params=dict(request.params) if request.params else None,
            timeout=_httpx_timeout(request.timeouts),
        )

    # -- whole responses -------------------------------------------------------------------------------
    def send(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse:
        with self.stream(request) as response:
            content = response.read(max_bytes)
            return HttpResponse(response.status, response.headers, content)

    async def asend(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse:
        async with self.astream(request) as response:
            content = await response.aread(max_bytes)
            return HttpResponse(response.status, response.headers, content)

    # -- streams ---------------------------------------------------------------------------------------
    @contextmanager
    def stream(self, request: HttpRequest) -> Iterator[_SyncStream]:
        import httpx2

        client = self._sync()
        try:
            response = client.send(self._build(client, request), stream=True)
        except httpx2.HTTPError as exc:
            raise _map_error(exc, "first_byte") from None
        try:
            _use_idle_timeout(response, request.timeouts)
            yield _SyncStream(response, request.timeouts)
        finally:
            response.close()

    @asynccontextmanager
    async def astream(self, request: HttpRequest) -> AsyncIterator[_AsyncStream]:
        import httpx2

        client = self._async()
        try:
            response = await client.send(self._build(client, request), stream=True)
        except httpx2.HTTPError as exc:
            raise _map_error(exc, "first_byte") from None
        try:
            _use_idle_timeout(response, request.timeouts)
            yield _AsyncStream(response, request.timeouts)
        finally:
            await response.aclose()

    def close(self) -> None:
        if self._client is not None and self._owns_client:
            self._client.close()

    async def aclose(self) -> None:
        if self._async_client is not None and self._owns_async_client:
            await self._async_client.aclose()
        self.close()
