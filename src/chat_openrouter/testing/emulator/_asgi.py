"""ASGI plumbing shared by the app and the servers: message types, replies, bounded body reading.

Written directly against the ASGI 3 spec (no framework): a :class:`Reply` is either a whole body or an
async generator of chunks (streams), and :func:`send_reply` drives either over ``send`` while watching
``receive`` for the client going away.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import RequestError

__all__ = [
    "ASGIApp",
    "Chunks",
    "Message",
    "Receive",
    "Reply",
    "Scope",
    "Send",
    "error_reply",
    "json_bytes",
    "json_reply",
    "read_body",
    "route_path",
    "send_reply",
    "sse",
    "wait_for_event",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: A stream's body: given an event set when the client disconnects, yields the chunks to send.
Chunks = Callable[[asyncio.Event], AsyncGenerator[bytes, None]]


@dataclass(slots=True)
class Reply:
    """An HTTP answer: a whole ``body``, or ``chunks`` streamed as they are produced."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunks: Chunks | None = None


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sse(value: Any) -> bytes:
    """One server-sent event carrying ``value`` as JSON (no ``event:`` line, like OpenRouter)."""
    return b"data: " + json_bytes(value) + b"\n\n"


def json_reply(status: int, value: Any, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply(status, [("content-type", "application/json"), *headers], json_bytes(value))


def error_reply(error: RequestError) -> Reply:
    return json_reply(error.status, error.body(), error.headers.items())


def route_path(scope: Scope) -> str:
    """The path the app routes on: without ``root_path``, without ``/api/v1``, without a trailing slash."""
    path: str = scope.get("path", "/") or "/"
    root = scope.get("root_path") or ""
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    # Mounted at both `/` and `/api/v1`, so either base URL works.
    if path == "/api/v1" or path.startswith("/api/v1/"):
        path = path[len("/api/v1") :] or "/"
    return path.rstrip("/") or "/"


async def read_body(receive: Receive, *, max_bytes: int, timeout: float) -> bytes | None:
    """The request body, or None when the client went away first.

    Raises a 413 as soon as the body grows past ``max_bytes`` (the rest is not read: the server closes
    the connection after answering) and a 408 when the whole body takes longer than ``timeout`` seconds
    (a client dripping its body must not hold a request open forever).
    """
    parts: list[bytes] = []
    size = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        try:
            if remaining <= 0:
                raise TimeoutError
            message = await asyncio.wait_for(receive(), remaining)
        except TimeoutError:
            raise RequestError(408, "Request timed out: the request body arrived too slowly") from None
        if message["type"] == "http.disconnect":
            return None
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > max_bytes:
            raise RequestError(413, f"Request payload too large (the limit is {max_bytes} bytes)")
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def wait_for_event(event: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless ``event`` fires first; True when it fired (the client went away)."""
    try:
        await asyncio.wait_for(event.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def send_reply(reply: Reply, send: Send, receive: Receive) -> None:
    """Send ``reply`` over ASGI; a stream stops early (and quietly) when the client disconnects."""
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
