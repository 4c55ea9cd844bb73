"""A real HTTP server on loopback for end-to-end tests, scripted per test.

``LoopbackServer`` runs uvicorn in a background thread on ``127.0.0.1`` (an OS-chosen free port) and
serves an ASGI app; ``ScriptedApp`` is an app that answers with the responses you queue, in order, and
records every request it received. Together they let a test drive the real client stack (httpx2
connection pool, HTTP/1.1 framing, chunked streaming) without touching the network::

    from e2e._server import LoopbackServer, ScriptedApp, ScriptedResponse

    app = ScriptedApp(
        ScriptedResponse.json({"choices": [...]}),                       # first request
        ScriptedResponse.sse([b"data: {...}\\n\\n", b"data: [DONE]\\n\\n"]),  # second, streamed in 2 writes
    )
    with LoopbackServer(app) as server:
        client = OpenRouterBuilder().with_completions().with_base_url(server.url + "/api/v1")...build()
        ...
    assert app.requests[0].path == "/api/v1/chat/completions"
    assert app.requests[0].json()["model"] == "openai/gpt-4o"

Instead of a queue, pass ``handler=`` (a function ``RecordedRequest -> ScriptedResponse``) to answer
by inspecting the request. When the queue is empty and there is no handler the server answers 500 with
an OpenRouter-shaped error body, so a test that sends one request too many fails loudly.

Guarantees: ``__enter__`` returns only once uvicorn has started listening (it waits on an event set by
the server's startup, never on a sleep); ``__exit__`` stops the server and joins its thread, raising if
the thread does not end, so no test leaks a thread or a socket. Close your HTTP clients before the
``with`` block ends: open keep-alive connections would otherwise hold the graceful shutdown.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn

__all__ = ["LoopbackServer", "RecordedRequest", "ScriptedApp", "ScriptedResponse"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class ScriptedResponse:
    """One scripted answer: a status, headers, and either a whole ``body`` or ``chunks`` sent one by one.

    With ``chunks`` every item is written as its own ASGI body message (and so its own HTTP chunk), which
    is how a real SSE stream arrives; ``body`` is ignored then.
    """

    status: int = 200
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    chunks: Sequence[bytes] | None = None

    @classmethod
    def json(
        cls, value: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> ScriptedResponse:
        """A JSON body (``content-type: application/json``)."""
        merged = {"content-type": "application/json", **(headers or {})}
        return cls(status, tuple(merged.items()), json.dumps(value).encode("utf-8"))

    @classmethod
    def sse(
        cls,
        chunks: bytes | Iterable[bytes],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> ScriptedResponse:
        """An event stream (``content-type: text/event-stream``), written as the given chunks."""
        merged = {"content-type": "text/event-stream", "cache-control": "no-cache", **(headers or {})}
        parts = [chunks] if isinstance(chunks, bytes) else list(chunks)
        return cls(status, tuple(merged.items()), chunks=parts)


@dataclass(frozen=True)
class RecordedRequest:
    """What the server received. Header names are lower-cased; ``path`` excludes the query string."""

    method: str
    path: str
    query: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


class ScriptedApp:
    """An ASGI app answering with queued :class:`ScriptedResponse` s (or ``handler``), recording requests.

    Safe to use from the test thread while the server thread serves: the queue and the request list are
    guarded by a lock.
    """

    def __init__(
        self,
        *responses: ScriptedResponse,
        handler: Callable[[RecordedRequest], ScriptedResponse] | None = None,
    ) -> None:
        self._queue: deque[ScriptedResponse] = deque(responses)
        self._handler = handler
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    def enqueue(self, *responses: ScriptedResponse) -> None:
        """Queue more responses (served after the ones already queued)."""
        with self._lock:
            self._queue.extend(responses)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def _next(self, request: RecordedRequest) -> ScriptedResponse:
        with self._lock:
            self._requests.append(request)
            if self._queue:
                return self._queue.popleft()
        if self._handler is not None:
            return self._handler(request)
        return ScriptedResponse.json(
            {"error": {"code": 500, "message": "LoopbackServer: no scripted response left for this request"}},
            status=500,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; websockets are not served
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        request = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=bytes(body),
        )
        response = self._next(request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers],
            }
        )
        if response.chunks is None:
            await send({"type": "http.response.body", "body": response.body, "more_body": False})
            return
        for chunk in response.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class _Server(uvicorn.Server):
    """uvicorn's server, telling a waiting thread when startup is over (successfully or not)."""

    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started_event = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self._started_event.set()


class LoopbackServer:
    """uvicorn serving ``app`` on ``127.0.0.1:<free port>`` in a background thread, as a context manager.

    ``url`` is ``http://127.0.0.1:<port>`` (no trailing slash). ``app`` defaults to an empty
    :class:`ScriptedApp`; reach it as ``server.app`` to queue responses and read recorded requests.
    """

    def __init__(self, app: ASGIApp | None = None, *, shutdown_timeout: float = 10.0) -> None:
        self.app: Any = app if app is not None else ScriptedApp()
        self._shutdown_timeout = shutdown_timeout
        self._started = threading.Event()
        self._socket: socket.socket | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def thread(self) -> threading.Thread | None:
        """The server thread (None before start); tests can assert it ended."""
        return self._thread

    def start(self) -> LoopbackServer:
        """Bind, start serving, and return once the server listens."""
        # Bind here, not in uvicorn: port 0 gives a free port, and we know it before the thread starts.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            http="h11",
            loop="asyncio",
            timeout_graceful_shutdown=self._shutdown_timeout,
        )
        self._server = _Server(config, self._started)
        self._thread = threading.Thread(target=self._run, name=f"loopback-server-{self.port}", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._error is not None or not self._server.started:
            self.stop()
            raise RuntimeError(f"the loopback server failed to start: {self._error!r}")
        return self

    def _run(self) -> None:
        assert self._server is not None
        assert self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # surfaced by start(); a thread must not die silently
            self._error = exc
        finally:
            self._started.set()

    def stop(self) -> None:
        """Stop serving and join the thread (raises if it does not end within the shutdown timeout)."""
        if self._server is not None:
            self._server.should_exit = True
        thread = self._thread
        if thread is not None:
            thread.join(self._shutdown_timeout)
            if thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                thread.join(self._shutdown_timeout)
            if thread.is_alive():
                raise RuntimeError("the loopback server thread did not stop")
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
