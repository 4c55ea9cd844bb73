"""Serving the emulator on loopback: a small HTTP/1.1 server from the standard library, or uvicorn.

The built-in server exists so ``chat-openrouter demo`` and users' tests need nothing beyond
chat-openrouter itself: it speaks enough HTTP/1.1 for any client (keep-alive, ``Content-Length`` and
chunked request bodies, chunked streaming responses) and nothing more — it is a test server, not a
production one. ``backend="uvicorn"`` runs the same ASGI app under uvicorn instead.

The listening socket is bound before the server thread starts, so :attr:`EmulatorServer.base_url`
is usable the moment ``start()`` returns: early connections wait in the kernel's accept queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from ._app import Emulator, Receive, Scope, Send

__all__ = ["EmulatorServer", "serve"]

_MAX_HEAD = 64 * 1024
_MAX_BODY = 32 * 1024 * 1024
ASGIApp = Callable[[Scope, Receive, Send], Any]


class _BadRequest(Exception):
    pass


class _Responder:
    """The ``send`` side of one request: writes the status line, headers and (chunked) body."""

    def __init__(self, writer: asyncio.StreamWriter, keep_alive: bool, head_only: bool) -> None:
        self.writer = writer
        self.keep_alive = keep_alive
        self.head_only = head_only
        self.started = False
        self.finished = False
        self.chunked = False
        self.disconnected = asyncio.Event()

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if self.disconnected.is_set():
            raise OSError("client disconnected")
        try:
            if message["type"] == "http.response.start":
                await self._start(message)
            elif message["type"] == "http.response.body":
                await self._body(message)
        except (ConnectionError, RuntimeError) as exc:  # RuntimeError: writing to a closed transport
            self.disconnected.set()
            raise OSError("client disconnected") from exc

    async def _start(self, message: MutableMapping[str, Any]) -> None:
        status = int(message["status"])
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
        names = {k for k, _ in headers}
        if b"content-length" not in names:
            # Streams have no length: chunked on keep-alive connections, else close-delimited.
            self.chunked = self.keep_alive
            if self.chunked:
                headers.append((b"transfer-encoding", b"chunked"))
        if not self.keep_alive:
            headers.append((b"connection", b"close"))
        lines = [f"HTTP/1.1 {status} {reason}".encode("latin-1")]
        lines.extend(k + b": " + v for k, v in headers)
        self.writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
        self.started = True

    async def _body(self, message: MutableMapping[str, Any]) -> None:
        data = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        if data and not self.head_only:
            self.writer.write(b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data)
        if not more:
            if self.chunked:
                self.writer.write(b"0\r\n\r\n")
            self.finished = True
        await self.writer.drain()


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise _BadRequest("incomplete request head") from None
        return None  # the client closed an idle keep-alive connection
    except asyncio.LimitOverrunError:
        raise _BadRequest("request head too large") from None


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        length = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if length == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        size += length
        if size > _MAX_BODY:
            raise _BadRequest("request body too large")
        parts.append(await reader.readexactly(length))
        await reader.readexactly(2)


def _receiver(body: bytes, responder: _Responder) -> Callable[[], Awaitable[dict[str, Any]]]:
    """The ``receive`` side: the whole request body once, then ``http.disconnect`` when the client goes."""
    pending = [body]

    async def receive() -> dict[str, Any]:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        await responder.disconnected.wait()
        return {"type": "http.disconnect"}

    return receive


async def _handle_connection(
    app: ASGIApp, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    server = writer.get_extra_info("sockname") or ("127.0.0.1", 0)
    client = writer.get_extra_info("peername") or ("127.0.0.1", 0)
    try:
        while True:
            try:
                head = await _read_head(reader)
                if head is None:
                    return
                request_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
                method, target, version = request_line.split(" ", 2)
                headers = []
                for line in header_lines:
                    name, sep, value = line.partition(":")
                    if not sep:
                        raise _BadRequest(f"malformed header line {line!r}")
                    headers.append((name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")))
                lookup = {k: v for k, v in headers}
                if lookup.get(b"transfer-encoding", b"").lower() == b"chunked":
                    body = await _read_chunked(reader)
                else:
                    length = int(lookup.get(b"content-length", b"0") or b"0")
                    if length > _MAX_BODY:
                        raise _BadRequest("request body too large")
                    body = await reader.readexactly(length) if length else b""
            except (_BadRequest, ValueError, asyncio.IncompleteReadError) as exc:
                message = str(exc).encode() or b"bad request"
                writer.write(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(message), message)
                )
                await writer.drain()
                return
            connection = lookup.get(b"connection", b"").lower()
            keep_alive = version == "HTTP/1.1" and connection != b"close"
            path, _, query = target.partition("?")
            scope: Scope = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": version.partition("/")[2] or "1.1",
                "method": method.upper(),
                "scheme": "http",
                "path": unquote(path),
                "raw_path": path.encode("latin-1"),
                "query_string": query.encode("latin-1"),
                "root_path": "",
                "headers": headers,
                "server": tuple(server[:2]),
                "client": tuple(client[:2]),
            }
            responder = _Responder(writer, keep_alive, method.upper() == "HEAD")
            try:
                await app(scope, _receiver(body, responder), responder.send)
            except OSError:
                return
            finally:
                responder.disconnected.set()
            if not responder.finished:
                if not responder.started:
                    writer.write(
                        b"HTTP/1.1 500 Internal Server Error\r\n"
                        b"content-length: 0\r\nconnection: close\r\n\r\n"
                    )
                    await writer.drain()
                return
            if not keep_alive:
                return
    except (ConnectionError, asyncio.CancelledError):
        return
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _serve_builtin(app: ASGIApp, sock: socket.socket, stop: asyncio.Event) -> None:
    connections: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await _handle_connection(app, reader, writer)
        except asyncio.CancelledError:
            # Shutdown cancels open connections (Ctrl-C on `chat-openrouter emulator`). Ending normally
            # matters: asyncio's start_server callback calls task.exception(), which re-raises the
            # cancellation of a cancelled task and logs it as an unhandled traceback.
            pass
        finally:
            connections.discard(task)

    server = await asyncio.start_server(on_connect, sock=sock, limit=_MAX_HEAD)
    try:
        await stop.wait()
    finally:
        server.close()
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        await server.wait_closed()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _uvicorn_server(app: ASGIApp) -> Any:
    try:
        import uvicorn
    except ImportError:
        raise RuntimeError(
            "uvicorn is not installed: `pip install uvicorn`, or use the built-in server (backend='builtin')"
        ) from None
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    return uvicorn.Server(config)


class EmulatorServer:
    """The emulator on a real TCP port, served from a background thread.

    ::

        with Emulator().loopback() as server:        # or EmulatorServer(Emulator())
            client = OpenRouterBuilder().with_base_url(server.base_url).with_api_key("test").build()

    ``port=0`` picks a free port. ``base_url`` ends in ``/api/v1`` like OpenRouter's.
    """

    def __init__(
        self, app: Emulator | None = None, *, host: str = "127.0.0.1", port: int = 0, backend: str = "builtin"
    ) -> None:
        if backend not in ("builtin", "uvicorn"):
            raise ValueError(f"backend must be 'builtin' or 'uvicorn', not {backend!r}")
        self.app = app if app is not None else Emulator()
        self.host = host
        self.backend = backend
        self._requested_port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop: Callable[[], None] | None = None
        self.port = 0

    def __repr__(self) -> str:
        state = f"listening on {self.url}" if self._thread else "stopped"
        return f"EmulatorServer({self.backend}, {state})"

    @property
    def url(self) -> str:
        """``http://host:port`` (the emulator answers at the root and under ``/api/v1``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The base URL to give a client: ``http://host:port/api/v1``."""
        return f"{self.url}/api/v1"

    def start(self) -> EmulatorServer:
        """Bind and start serving in a daemon thread; returns self. Idempotent."""
        if self._thread is not None:
            return self
        if self.backend == "uvicorn":
            uvicorn_server = _uvicorn_server(self.app)  # fail before binding if uvicorn is missing
        sock = _bind(self.host, self._requested_port)
        self._sock = sock
        self.port = sock.getsockname()[1]
        if self.backend == "uvicorn":
            sock.setblocking(True)
            self._thread = threading.Thread(
                target=uvicorn_server.run,
                kwargs={"sockets": [sock]},
                name="chat-openrouter-emulator-uvicorn",
                daemon=True,
            )

            def stop_uvicorn() -> None:
                uvicorn_server.should_exit = True

            self._stop = stop_uvicorn
        else:
            loop = asyncio.new_event_loop()
            stop_event = asyncio.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                try:
                    loop.run_until_complete(_serve_builtin(self.app, sock, stop_event))
                finally:
                    loop.close()

            self._thread = threading.Thread(target=run, name="chat-openrouter-emulator-server", daemon=True)

            def stop_builtin() -> None:
                with contextlib.suppress(RuntimeError):  # the loop already finished
                    loop.call_soon_threadsafe(stop_event.set)

            self._stop = stop_builtin
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and release the port (open streams are cut)."""
        thread, stop = self._thread, self._stop
        self._thread = self._stop = None
        if thread is None or stop is None:
            return
        stop()
        thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    app: Emulator | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    backend: str = "builtin",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C raises ``KeyboardInterrupt`` to the caller).

    ``on_ready`` is called with the base URL once the port is bound.
    """
    app = app if app is not None else Emulator()
    if backend not in ("builtin", "uvicorn"):
        raise ValueError(f"backend must be 'builtin' or 'uvicorn', not {backend!r}")
    uvicorn_server = _uvicorn_server(app) if backend == "uvicorn" else None
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    if on_ready is not None:
        on_ready(f"http://{shown}:{bound_port}/api/v1")
    try:
        if uvicorn_server is not None:
            sock.setblocking(True)
            uvicorn_server.run(sockets=[sock])
        else:
            asyncio.run(_serve_builtin(app, sock, asyncio.Event()))
    finally:
        sock.close()
