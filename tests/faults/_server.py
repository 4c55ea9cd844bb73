"""A misbehaving HTTP/1.1 server on loopback, scripted per request, for fault-injection tests.

Unlike an ASGI server, it works at the TCP level, so it can do what real networks and edges do: reset a
connection (RST, not FIN) before or in the middle of a response, stall forever, end a chunked body
early, send invalid bytes. Every request takes the next :data:`Behaviour` from the script; when the
script runs out the last behaviour repeats (so "permanent 502" is a one-item script)::

    with FaultServer(status(503), status(503), sse(events)) as server:
        client = ...with_base_url(server.url)...
        ...
    assert server.request_count == 3
    assert server.wait_quiet()      # every exchange ended: the client closed what it opened

It runs an asyncio loop in a daemon thread; ``__enter__`` returns once the socket listens (no sleeps),
``__exit__`` cancels what is still running and joins the thread. Stalls wait for the client to go away
(EOF) or for the server to stop, so a test never leaves a handler behind.

``active`` counts exchanges in progress. A client that leaks a response keeps its exchange active (a
stall never ends until the client closes the socket), which is how tests prove connections are
released: :meth:`wait_quiet` waits (bounded) for ``active`` to reach zero.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

__all__ = [
    "Exchange",
    "FaultServer",
    "closed_port_url",
    "drip_head",
    "html_500",
    "json_body",
    "keepalive_forever",
    "raw_body",
    "redirect",
    "reset_before_headers",
    "reset_mid_stream",
    "sse",
    "stall_before_headers",
    "stall_mid_stream",
    "status",
]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    #: every header line as sent, in order and spelling (``headers`` keeps one value per lowercased name)
    raw_headers: list[tuple[str, str]] = field(default_factory=list)

    def header_values(self, name: str) -> list[str]:
        """Every value sent under ``name`` (case-insensitively): two entries mean a duplicated header."""
        return [value for key, value in self.raw_headers if key.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


class Exchange:
    """One request on one connection, with the primitives behaviours are made of."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: RecordedRequest
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.request = request
        self.keep_alive = True  # a behaviour that breaks the connection sets this False

    async def head(self, code: int, headers: Sequence[tuple[str, str]] = (), *, chunked: bool = True) -> None:
        lines = [f"HTTP/1.1 {code} {'OK' if code < 400 else 'Error'}"]
        lines += [f"{k}: {v}" for k, v in headers]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()

    async def chunk(self, data: bytes) -> None:
        if data:
            self.writer.write(b"%x\r\n%s\r\n" % (len(data), data))
            await self.writer.drain()

    async def end(self) -> None:
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()

    async def whole(
        self, code: int, body: bytes, content_type: str, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        await self.head(
            code,
            [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers],
            chunked=False,
        )
        self.writer.write(body)
        await self.writer.drain()

    async def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0), as a crashed proxy or a dropped NAT entry does."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        self.keep_alive = False

    async def stall(self) -> None:
        """Say nothing until the client goes away (EOF/reset) -- or the server stops."""
        self.keep_alive = False
        try:
            while await self.reader.read(65536):
                pass
        except (ConnectionError, OSError):
            pass


Behaviour = Callable[[Exchange], Awaitable[None]]


# -- behaviours ---------------------------------------------------------------------------------------
def status(code: int, body: Any = None, *, headers: Sequence[tuple[str, str]] = ()) -> Behaviour:
    """A JSON error in OpenRouter's shape (``{"error": {"code", "message"}}``) unless ``body`` is given."""
    payload = body if body is not None else {"error": {"code": code, "message": f"scripted {code}"}}

    async def run(ex: Exchange) -> None:
        await ex.whole(code, json.dumps(payload).encode(), "application/json", headers)

    return run


def json_body(value: Any, *, code: int = 200, headers: Sequence[tuple[str, str]] = ()) -> Behaviour:
    async def run(ex: Exchange) -> None:
        await ex.whole(code, json.dumps(value).encode(), "application/json", headers)

    return run


def html_500() -> Behaviour:
    """What an edge (Cloudflare, a load balancer) sends when the origin is down: an HTML page."""
    page = b"<html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1></body></html>"

    async def run(ex: Exchange) -> None:
        await ex.whole(500, page, "text/html; charset=utf-8")

    return run


_SSE_HEADERS = (("Content-Type", "text/event-stream"), ("X-Generation-Id", "gen-fault-1"))


Script = Iterable[bytes | float]


async def _play(ex: Exchange, items: list[bytes | float]) -> None:
    # A float is a pause in the server's pacing (keep-alives spread over time), never a test timing.
    for item in items:
        if isinstance(item, float):
            await asyncio.sleep(item)
        else:
            await ex.chunk(item)


def sse(chunks: Script, *, end: bool = True) -> Behaviour:
    """An event stream: each bytes item is one HTTP chunk (so one socket write), a float a pause;
    ``end=False`` drops the terminating chunk and closes the connection (a body cut off mid-way)."""
    items = list(chunks)

    async def run(ex: Exchange) -> None:
        await ex.head(200, _SSE_HEADERS)
        await _play(ex, items)
        if end:
            await ex.end()
        else:
            ex.keep_alive = False
            ex.writer.close()

    return run


def reset_before_headers() -> Behaviour:
    async def run(ex: Exchange) -> None:
        await ex.reset()

    return run


def reset_mid_stream(chunks: Script, *, gate: threading.Event | None = None) -> Behaviour:
    """Send ``chunks``, then RST. A reset discards bytes the client has not read yet, so a test that
    checks the partial output passes ``gate`` and sets it once the client saw that output."""
    items = list(chunks)

    async def run(ex: Exchange) -> None:
        await ex.head(200, _SSE_HEADERS)
        await _play(ex, items)
        if gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, gate.wait, 10.0)
        await ex.reset()

    return run


def stall_before_headers() -> Behaviour:
    async def run(ex: Exchange) -> None:
        await ex.stall()

    return run


def stall_mid_stream(chunks: Script) -> Behaviour:
    items = list(chunks)

    async def run(ex: Exchange) -> None:
        await ex.head(200, _SSE_HEADERS)
        await _play(ex, items)
        await ex.stall()

    return run


def keepalive_forever(interval: float = 0.005) -> Behaviour:
    """OpenRouter's ``: OPENROUTER PROCESSING`` comment, again and again, until the client leaves."""

    async def run(ex: Exchange) -> None:
        await ex.head(200, _SSE_HEADERS)
        ex.keep_alive = False
        try:
            while True:
                await ex.chunk(b": OPENROUTER PROCESSING\n\n")
                await asyncio.sleep(interval)  # pacing of the server, not a timing assertion
        except (ConnectionError, OSError):
            pass

    return run


def redirect(code: int, location: str | None) -> Behaviour:
    """A redirect (never to be followed: the key would go along); ``location`` None sends none."""

    async def run(ex: Exchange) -> None:
        headers = [("Location", location)] if location is not None else []
        await ex.whole(code, b"<html>Moved</html>", "text/html", headers)

    return run


def drip_head(interval: float = 0.02) -> Behaviour:
    """A status line and then an endless header, one byte at a time, until the client goes away: every
    single read succeeds, so only an overall deadline can end the wait for the headers."""

    async def run(ex: Exchange) -> None:
        ex.keep_alive = False
        head = b"HTTP/1.1 200 OK\r\nX-Drip: "
        try:
            for byte in head:
                ex.writer.write(bytes([byte]))
                await ex.writer.drain()
                await asyncio.sleep(interval)  # the server's pacing, not a test timing
            while not ex.reader.at_eof():
                ex.writer.write(b"a")
                await ex.writer.drain()
                await asyncio.sleep(interval)
        except (ConnectionError, OSError):
            pass

    return run


def raw_body(
    code: int, body: bytes, content_type: str = "application/json", headers: Sequence[tuple[str, str]] = ()
) -> Behaviour:
    """Exactly these body bytes (JSON that ``json.dumps`` would not write: ``NaN``, ``1e999``, ...)."""

    async def run(ex: Exchange) -> None:
        await ex.whole(code, body, content_type, headers)

    return run


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"


# -- the server ---------------------------------------------------------------------------------------
class FaultServer:
    """The loopback server. ``url`` ends in ``/api/v1`` (use it as the client's base URL)."""

    def __init__(self, *script: Behaviour) -> None:
        if not script:
            raise ValueError("give the server at least one behaviour")
        self.script = list(script)
        self.requests: list[RecordedRequest] = []
        self.active = 0
        self.connections = 0
        self.received = threading.Event()  # set once the first request has arrived
        self._lock = threading.Lock()
        self._quiet = threading.Condition(self._lock)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-server", daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        future = asyncio.run_coroutine_threadsafe(self._stop(), self._loop)
        future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            raise RuntimeError("the fault server thread did not stop")
        self._loop.close()

    def wait_quiet(self, timeout: float = 5.0) -> bool:
        """Wait (bounded) until no exchange is in progress; False if one is still running."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self.active == 0, timeout)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        with self._lock:
            self.connections += 1
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                    index = len(self.requests) - 1
                    self.active += 1
                self.received.set()
                behaviour = self.script[min(index, len(self.script) - 1)]
                exchange = Exchange(reader, writer, request)
                try:
                    await behaviour(exchange)
                finally:
                    with self._quiet:
                        self.active -= 1
                        self._quiet.notify_all()
                if not exchange.keep_alive:
                    return
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            return  # the server is stopping: end quietly (asyncio logs a cancelled handler task)
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            if not writer.is_closing():
                writer.close()


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    raw_headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
            raw_headers.append((name.strip(), value.strip()))
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return RecordedRequest(method, path, headers, body, raw_headers)
