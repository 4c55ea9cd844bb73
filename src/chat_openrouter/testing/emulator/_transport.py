"""Run the emulator in-process behind an ``httpx2`` transport: zero sockets, sync *and* async, streaming.

``httpx2.ASGITransport`` is async-only and buffers the whole response body before returning it, so a
slow stream arrives all at once and a sync client cannot use it at all. :class:`EmulatorTransport` is
both an ``httpx2.BaseTransport`` and an ``httpx2.AsyncBaseTransport``:

* async requests run the app as a task on the caller's event loop;
* sync requests run it on a private event loop in a daemon thread (started on first use);

and in both cases body chunks are handed over as the app sends them, so streams really stream, read
timeouts apply (``first_byte``, then ``idle`` between chunks, as our ``HttpxTransport`` arranges), and
closing a response early tells the app the client disconnected. A request body is read no further than
one byte past ``max_body_bytes`` (a generator that never ends cannot exhaust memory): the app answers 413.
An async body that stalls for longer than ``body_timeout`` raises ``httpx2.WriteTimeout`` (a sync
generator blocks its own thread: that stays the caller's business).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import httpx2

from ._asgi import ASGIApp, Scope
from ._bounds import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES

__all__ = ["EmulatorTransport"]

_START, _BODY, _END, _ERROR = "start", "body", "end", "error"


def _scope(request: httpx2.Request) -> Scope:
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.url.scheme,
        "path": request.url.path,
        "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 0),
        "server": (request.url.host, port),
    }


def _read_timeout(request: httpx2.Request) -> float | None:
    # Read on every wait: our HttpxTransport swaps "read" from the first-byte to the idle budget
    # once the headers are in (transport/httpx_transport.py `_use_idle_timeout`).
    timeout = request.extensions.get("timeout")
    value = timeout.get("read") if isinstance(timeout, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


class _Exchange:
    """One request/response between a client and the app. ``deliver`` receives ``(kind, value)`` items."""

    def __init__(self, body: bytes, deliver: Any) -> None:
        self._body: bytes | None = body
        self._deliver = deliver
        self._finished = False
        self.disconnected: asyncio.Event | None = None

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        self.disconnected = asyncio.Event()
        try:
            await app(scope, self._receive, self._send)
        except asyncio.CancelledError:
            self._finish((_ERROR, httpx2.ReadError("the request was cancelled")))
            raise
        except Exception as exc:
            self._finish((_ERROR, httpx2.ReadError(f"the emulator failed: {type(exc).__name__}: {exc}")))
        else:
            self._finish((_END, None))
        finally:
            self.disconnected.set()

    def _finish(self, item: tuple[str, Any]) -> None:
        if not self._finished:
            self._finished = True
            self._deliver(item)

    async def _receive(self) -> MutableMapping[str, Any]:
        if self._body is not None:
            body, self._body = self._body, None
            return {"type": "http.request", "body": body, "more_body": False}
        assert self.disconnected is not None
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        if self._finished:
            raise OSError("the client closed the response")
        if message["type"] == "http.response.start":
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            self._deliver((_START, (int(message["status"]), headers)))
        elif message["type"] == "http.response.body":
            chunk = bytes(message.get("body", b""))
            if chunk:
                self._deliver((_BODY, chunk))
            if not message.get("more_body", False):
                self._finish((_END, None))


class _LoopThread:
    """A private event loop in a daemon thread, for running the app under sync clients."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="chat-openrouter-emulator", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def stop(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_closed():
            return
        try:
            asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(timeout=5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
            if not self.thread.is_alive():
                self.loop.close()


class _SyncBody(httpx2.SyncByteStream):
    def __init__(
        self,
        items: queue.Queue[tuple[str, Any]],
        exchange: _Exchange,
        loop: asyncio.AbstractEventLoop,
        future: Any,
        request: httpx2.Request,
    ) -> None:
        self._items = items
        self._exchange = exchange
        self._loop = loop
        self._future = future
        self._request = request
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        while not self._done:
            kind, value = _get(self._items, _read_timeout(self._request))
            if kind == _BODY:
                yield value
            elif kind == _END:
                self._done = True
            else:
                self._done = True
                raise value

    def close(self) -> None:
        if not self._done:
            self._done = True
            # Cancelling the task is how the app learns the client went away (mid-stream close).
            self._future.cancel()


class _AsyncBody(httpx2.AsyncByteStream):
    def __init__(
        self, items: asyncio.Queue[tuple[str, Any]], task: asyncio.Task[None], request: httpx2.Request
    ) -> None:
        self._items = items
        self._task = task
        self._request = request
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self._done:
            kind, value = await _aget(self._items, _read_timeout(self._request))
            if kind == _BODY:
                yield value
            elif kind == _END:
                self._done = True
            else:
                self._done = True
                raise value

    async def aclose(self) -> None:
        if not self._done:
            self._done = True
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def _get(items: queue.Queue[tuple[str, Any]], timeout: float | None) -> tuple[str, Any]:
    try:
        return items.get(timeout=timeout)
    except queue.Empty:
        raise httpx2.ReadTimeout("no data from the emulator within the read timeout") from None


async def _aget(items: asyncio.Queue[tuple[str, Any]], timeout: float | None) -> tuple[str, Any]:
    try:
        return await asyncio.wait_for(items.get(), timeout)
    except TimeoutError:
        raise httpx2.ReadTimeout("no data from the emulator within the read timeout") from None


def _read_bounded(request: httpx2.Request, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    for chunk in request.stream:  # type: ignore[union-attr]
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(parts)


async def _aread_bounded(request: httpx2.Request, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream:  # type: ignore[union-attr]
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(parts)


class EmulatorTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Routes ``httpx2`` requests (sync or async clients) to an ASGI app -- the emulator -- in this process.

    Every URL is served by the app, so the client's base URL does not matter. Close it (or the
    client that owns it) to stop the background loop used by sync requests.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self._lock = threading.Lock()
        self._loop_thread: _LoopThread | None = None

    def __repr__(self) -> str:
        return f"EmulatorTransport({self.app!r})"

    def _loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop_thread is None:
                self._loop_thread = _LoopThread()
            return self._loop_thread.loop

    # -- sync ------------------------------------------------------------------------------------------
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = _read_bounded(request, self.max_body_bytes)
        items: queue.Queue[tuple[str, Any]] = queue.Queue()
        exchange = _Exchange(body, items.put)
        loop = self._loop()
        future = asyncio.run_coroutine_threadsafe(exchange.run(self.app, _scope(request)), loop)
        try:
            kind, value = _get(items, _read_timeout(request))
        except BaseException:  # a timeout, or Ctrl-C while waiting: stop the app's task too
            future.cancel()
            raise
        if kind != _START:
            future.cancel()
            raise value if kind == _ERROR else httpx2.RemoteProtocolError("the emulator sent no response")
        status, headers = value
        return httpx2.Response(
            status, headers=headers, stream=_SyncBody(items, exchange, loop, future, request)
        )

    def close(self) -> None:
        with self._lock:
            loop_thread, self._loop_thread = self._loop_thread, None
        if loop_thread is not None:
            loop_thread.stop()

    # -- async -----------------------------------------------------------------------------------------
    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            body = await asyncio.wait_for(_aread_bounded(request, self.max_body_bytes), self.body_timeout)
        except TimeoutError:
            raise httpx2.WriteTimeout(
                "the request body took longer than the emulator's body_timeout"
            ) from None
        items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        exchange = _Exchange(body, items.put_nowait)
        task = asyncio.get_running_loop().create_task(exchange.run(self.app, _scope(request)))
        try:
            kind, value = await _aget(items, _read_timeout(request))
        except BaseException:
            task.cancel()
            raise
        if kind != _START:
            task.cancel()
            raise value if kind == _ERROR else httpx2.RemoteProtocolError("the emulator sent no response")
        status, headers = value
        return httpx2.Response(status, headers=headers, stream=_AsyncBody(items, task, request))

    async def aclose(self) -> None:
        self.close()
