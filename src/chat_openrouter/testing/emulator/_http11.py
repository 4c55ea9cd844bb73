"""The built-in server's HTTP/1.1: just enough protocol for any client, bounded against hostile ones.

Keep-alive, ``Content-Length`` and chunked request bodies (read only as the app asks for them), chunked
streaming responses. Bounds (:class:`ServerLimits`): a request head must start within ``idle_timeout`` and
be complete within ``head_timeout`` (408), be no larger than ``max_head_bytes`` (431); connections beyond
``max_connections`` are answered 503 and closed. A refused or broken request is answered in OpenRouter's
error shape, and what the client is still sending is drained briefly so it reads the answer, not a reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import logging
import socket
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from ._asgi import ASGIApp, Message, Scope
from ._bounds import ServerLimits

__all__ = ["serve_builtin"]

logger = logging.getLogger("chat_openrouter.emulator")

_LINGER_SECONDS = 2.0  # after a refusal, how long unread request bytes are drained before closing
_LINGER_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error_response(status: int, message: str, extra_headers: bytes = b"") -> bytes:
    # OpenRouter's error shape, so a client's error handling sees what it would see from the real API.
    body = json.dumps({"error": {"code": status, "message": message}}).encode()
    reason = http.HTTPStatus(status).phrase
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\nconnection: close\r\n".encode()
        + extra_headers
        + b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )


class _Body:
    """The ``receive`` side of one request: the body, read from the socket only as the app asks for it."""

    def __init__(self, reader: asyncio.StreamReader, length: int | None, chunked: bool) -> None:
        self.reader = reader
        self.remaining = length or 0
        self.chunked = chunked
        self.complete = not chunked and not length
        self.broken: str | None = None
        self.disconnected = asyncio.Event()
        self._delivered = False

    async def receive(self) -> Message:
        if self._delivered or self.broken is not None:
            await self.disconnected.wait()
            return {"type": "http.disconnect"}
        if self.complete:  # no body at all
            self._delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        try:
            data = await (self._next_chunk() if self.chunked else self._next_piece())
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ConnectionError) as exc:
            # A client that breaks its body off (or frames it wrongly) is gone as far as the app knows.
            self.broken = str(exc) or type(exc).__name__
            return {"type": "http.disconnect"}
        self._delivered = self.complete
        return {"type": "http.request", "body": data, "more_body": not self.complete}

    async def _next_piece(self) -> bytes:
        data = await self.reader.readexactly(min(self.remaining, _CHUNK))
        self.remaining -= len(data)
        self.complete = self.remaining == 0
        return data

    async def _next_chunk(self) -> bytes:
        line = await self.reader.readuntil(b"\r\n")
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 16 or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise ValueError(f"invalid chunk size line {line[:40]!r}")
        size = int(size_text, 16)
        if size == 0:
            while (await self.reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            self.complete = True
            return b""
        data = await self.reader.readexactly(size)
        if await self.reader.readexactly(2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
        return data


class _Responder:
    """The ``send`` side of one request: writes the status line, headers and (chunked) body."""

    def __init__(self, writer: asyncio.StreamWriter, body: _Body, keep_alive: bool, head_only: bool) -> None:
        self.writer = writer
        self.body = body
        self.keep_alive = keep_alive
        self.head_only = head_only
        self.started = False
        self.finished = False
        self.chunked = False

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if self.body.disconnected.is_set():
            raise OSError("client disconnected")
        try:
            if message["type"] == "http.response.start":
                await self._start(message)
            elif message["type"] == "http.response.body":
                await self._body(message)
        except (ConnectionError, RuntimeError) as exc:  # RuntimeError: writing to a closed transport
            self.body.disconnected.set()
            raise OSError("client disconnected") from exc

    async def _start(self, message: MutableMapping[str, Any]) -> None:
        status = int(message["status"])
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
        if not self.body.complete:
            # The app answered without reading the whole body (a 413, a 404 ...): the connection cannot
            # carry another request, since the rest of this one is still on the wire.
            self.keep_alive = False
        if b"content-length" not in {k for k, _ in headers}:
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


async def _read_head(reader: asyncio.StreamReader, limits: ServerLimits) -> bytes | None:
    """The next request head, or None when the client closes (or idles out) between requests."""
    try:
        # Waiting for a request to start is bounded by the idle timeout ...
        first = await asyncio.wait_for(reader.readexactly(1), limits.idle_timeout)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        return None
    try:
        # ... and the head, once started, must be complete within the head timeout (slowloris).
        rest = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), limits.head_timeout)
    except TimeoutError:
        raise _BadRequest(408, "Request timed out: the request head arrived too slowly") from None
    except asyncio.IncompleteReadError:
        raise _BadRequest(400, "incomplete request head") from None
    except asyncio.LimitOverrunError:
        raise _BadRequest(431, f"request head larger than {limits.max_head_bytes} bytes") from None
    return first + rest


def _parse_head(head: bytes) -> tuple[str, str, str, list[tuple[bytes, bytes]]]:
    try:
        request_line, *header_lines = head[:-4].decode("latin-1").lstrip("\r\n").split("\r\n")
        method, target, version = request_line.split(" ", 2)
    except ValueError:
        raise _BadRequest(400, "malformed request line") from None
    if not version.startswith("HTTP/1.") or not method.isalpha():
        raise _BadRequest(400, "malformed request line")
    headers = []
    for line in header_lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or name != name.strip():
            raise _BadRequest(400, f"malformed header line {line[:60]!r}")
        headers.append((name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")))
    return method.upper(), target, version, headers


def _body_framing(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool]:
    lengths = [v for k, v in headers if k == b"content-length"]
    encodings = [v.lower() for k, v in headers if k == b"transfer-encoding"]
    if encodings and lengths:
        raise _BadRequest(400, "both Content-Length and Transfer-Encoding")  # request smuggling
    if encodings:
        if encodings != [b"chunked"]:
            raise _BadRequest(400, "unsupported Transfer-Encoding")
        return None, True
    if len(set(lengths)) > 1 or (lengths and not lengths[0].isdigit()):
        raise _BadRequest(400, "invalid Content-Length")
    return (int(lengths[0]) if lengths else None), False


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Drain what the client is still sending (briefly) so it reads our answer instead of a reset."""
    with contextlib.suppress(Exception):
        if writer.can_write_eof():
            writer.write_eof()
        loop = asyncio.get_running_loop()
        deadline, drained = loop.time() + _LINGER_SECONDS, 0
        while drained < _LINGER_BYTES and (left := deadline - loop.time()) > 0:
            data = await asyncio.wait_for(reader.read(_CHUNK), left)
            if not data:
                break
            drained += len(data)


async def _handle_connection(
    app: ASGIApp,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    limits: ServerLimits,
    release: Callable[[], None],
) -> None:
    server = writer.get_extra_info("sockname") or ("127.0.0.1", 0)
    client = writer.get_extra_info("peername") or ("127.0.0.1", 0)
    linger = False
    try:
        while True:
            try:
                head = await _read_head(reader, limits)
                if head is None:
                    return
                method, target, version, headers = _parse_head(head)
                length, chunked = _body_framing(headers)
            except _BadRequest as error:
                writer.write(_error_response(error.status, error.message))
                await writer.drain()
                linger = True
                return
            connection = next((v for k, v in headers if k == b"connection"), b"").lower()
            keep_alive = version == "HTTP/1.1" and connection != b"close"
            path, _, query = target.partition("?")
            scope: Scope = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": version.partition("/")[2] or "1.1",
                "method": method,
                "scheme": "http",
                "path": unquote(path),
                "raw_path": path.encode("latin-1"),
                "query_string": query.encode("latin-1"),
                "root_path": "",
                "headers": headers,
                "server": tuple(server[:2]),
                "client": tuple(client[:2]),
            }
            body = _Body(reader, length, chunked)
            responder = _Responder(writer, body, keep_alive, method == "HEAD")
            try:
                await app(scope, body.receive, responder.send)
            except OSError:
                return
            except Exception:  # a broken app must not take the connection's task down with a traceback
                logger.exception("the ASGI app failed on %s %s", method, path)
                if not responder.started:
                    writer.write(_error_response(500, "Internal Server Error"))
                    await writer.drain()
                return
            finally:
                body.disconnected.set()
            if not responder.finished:
                if not responder.started:
                    status, message = (400, f"bad request body: {body.broken}") if body.broken else (500, "")
                    writer.write(_error_response(status, message or "the emulator sent no response"))
                    await writer.drain()
                    linger = body.broken is not None
                return
            if not responder.keep_alive:
                linger = not body.complete
                return
    except (ConnectionError, asyncio.CancelledError):
        return
    finally:
        # Free the slot before the client can see the connection close: a client that waits for the
        # close and connects again must find room.
        release()
        if linger:
            await _linger(reader, writer)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limits: ServerLimits) -> None:
    """Answer a connection beyond the cap with a 503 (after reading its head, so the client reads it)."""
    try:
        with contextlib.suppress(
            asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError
        ):
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), min(limits.head_timeout, _LINGER_SECONDS))
        message = (
            f"The emulator is serving its maximum of {limits.max_connections} connections; retry shortly"
        )
        writer.write(_error_response(503, message, b"retry-after: 1\r\n"))
        await writer.drain()
        await _linger(reader, writer)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def serve_builtin(app: ASGIApp, sock: socket.socket, stop: asyncio.Event, limits: ServerLimits) -> None:
    tasks: set[asyncio.Task[None]] = set()
    counts = {"serving": 0, "refusing": 0}

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            if counts["serving"] >= limits.max_connections:
                if counts["refusing"] >= limits.max_connections:
                    writer.transport.abort()  # a flood beyond twice the cap: no answer at all
                    return
                counts["refusing"] += 1
                try:
                    await _refuse(reader, writer, limits)
                finally:
                    counts["refusing"] -= 1
                return
            counts["serving"] += 1
            released = False

            def release() -> None:
                nonlocal released
                if not released:
                    released = True
                    counts["serving"] -= 1

            try:
                await _handle_connection(app, reader, writer, limits, release)
            finally:
                release()
        except asyncio.CancelledError:
            # Shutdown cancels open connections (Ctrl-C on `chat-openrouter emulator`). Ending normally
            # matters: asyncio's start_server callback calls task.exception(), which re-raises the
            # cancellation of a cancelled task and logs it as an unhandled traceback.
            pass
        finally:
            tasks.discard(task)

    server = await asyncio.start_server(on_connect, sock=sock, limit=limits.max_head_bytes)
    try:
        await stop.wait()
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
