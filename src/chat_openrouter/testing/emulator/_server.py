"""Serving the emulator on loopback: a small HTTP/1.1 server from the standard library, or uvicorn.

The built-in server (``_http11``) exists so ``chat-openrouter demo`` and users' tests need nothing beyond
chat-openrouter itself: it speaks enough HTTP/1.1 for any client and nothing more -- it is a test server,
not a production one. It is bounded like one, though (:class:`ServerLimits`): a client that drips its
request head gets a 408, an idle connection is closed, an oversized head gets a 431, a connection beyond
the cap gets a 503 -- and the server goes on serving everyone else. The body's size and read time are
bounded by the app, which reads it chunk by chunk as it arrives. ``backend="uvicorn"`` runs the same ASGI
app under uvicorn instead (with its connection cap and keep-alive timeout set from the same limits).

The listening socket is bound before the server thread starts, so :attr:`EmulatorServer.base_url`
is usable the moment ``start()`` returns: early connections wait in the kernel's accept queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ._asgi import ASGIApp
from ._bounds import ServerLimits
from ._http11 import serve_builtin

__all__ = ["EmulatorServer", "serve"]


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


def _uvicorn_server(app: ASGIApp, limits: ServerLimits) -> Any:
    try:
        import uvicorn
    except ImportError:
        raise RuntimeError(
            "uvicorn is not installed: `pip install uvicorn`, or use the built-in server (backend='builtin')"
        ) from None
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        limit_concurrency=limits.max_connections,
        timeout_keep_alive=max(1, int(limits.idle_timeout)),
        h11_max_incomplete_event_size=limits.max_head_bytes,
    )
    return uvicorn.Server(config)


def _check_backend(backend: str) -> None:
    if backend not in ("builtin", "uvicorn"):
        raise ValueError(f"backend must be 'builtin' or 'uvicorn', not {backend!r}")


class EmulatorServer:
    """An ASGI app (the emulator) on a real TCP port, served from a background thread.

    ::

        with Emulator().loopback() as server:        # or EmulatorServer(Emulator())
            client = OpenRouterBuilder().with_base_url(server.base_url).with_api_key("test").build()

    ``port=0`` picks a free port. ``base_url`` ends in ``/api/v1`` like OpenRouter's. ``limits`` bounds
    what the built-in server tolerates from clients (head and idle timeouts, head size, connections).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        backend: str = "builtin",
        limits: ServerLimits | None = None,
    ) -> None:
        _check_backend(backend)
        self.app = app
        self.host = host
        self.backend = backend
        self.limits = limits or ServerLimits()
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
            uvicorn_server = _uvicorn_server(
                self.app, self.limits
            )  # fail before binding if uvicorn is missing
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
            limits = self.limits

            def run() -> None:
                asyncio.set_event_loop(loop)
                try:
                    loop.run_until_complete(serve_builtin(self.app, sock, stop_event, limits))
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
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    backend: str = "builtin",
    limits: ServerLimits | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``app`` (an ``Emulator()``) in the foreground until interrupted (Ctrl-C raises
    ``KeyboardInterrupt`` to the caller). ``on_ready`` is called with the base URL once the port is bound.
    """
    _check_backend(backend)
    limits = limits or ServerLimits()
    uvicorn_server = _uvicorn_server(app, limits) if backend == "uvicorn" else None
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
            asyncio.run(serve_builtin(app, sock, asyncio.Event(), limits))
    finally:
        sock.close()
