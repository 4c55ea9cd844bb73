"""The Transport seam: how bytes reach OpenRouter. Everything above it is pure.

A transport sends one :class:`HttpRequest` and returns either a whole :class:`HttpResponse` or an open
:class:`HttpStream` whose body arrives in chunks. It does no retries, no JSON and no error mapping beyond
turning its own exceptions into :class:`~chat_openrouter.errors.TransportError` subclasses: that keeps
custom transports (recording, proxies, tests) tiny. The default is :class:`HttpxTransport`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

# Timeouts lives in core so per-call `ChatOptions(timeouts=...)` can name it; re-exported here, its home
# for transports.
from ..core.options import Timeouts

# The case-insensitive header lookup lives with the error mapping at the bottom of the layers (reading an
# error response needs it too); re-exported here, where every transport-level caller looks for it.
from ..errors.mapping import header

__all__ = [
    "AsyncHttpStream",
    "HttpRequest",
    "HttpResponse",
    "HttpStream",
    "Timeouts",
    "Transport",
    "aread_truncated",
    "display_url",
    "header",
    "read_truncated",
]


def display_url(url: str) -> str:
    """``url`` as it may appear in an error or a log line: scheme, host, port and path only.

    Userinfo (``https://user:key@host``), the query (``?key=...``) and the fragment can carry credentials,
    so they are dropped:

    >>> display_url("https://me:sk-or-secret@proxy.example:8443/api/v1/responses?key=abc#x")
    'https://proxy.example:8443/api/v1/responses'
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # an unparsable URL (a bad port): cut the credentials, the query and the fragment
        scheme, sep, rest = url.partition("://")
        if not sep:
            scheme, rest = "", url
        rest = rest.split("?", 1)[0].split("#", 1)[0]
        netloc, slash, path = rest.partition("/")
        return f"{scheme}{sep}{netloc.rsplit('@', 1)[-1]}{slash}{path}"
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else f"{netloc}{parts.path}"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request, as a transport receives it.

    ``deadline`` is the call's overall deadline on the :func:`time.monotonic` clock (None: no deadline).
    A transport bounds every phase by the time left before it and raises
    ``TimeoutError(phase="total")`` once it has passed.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    json_body: bytes | None = None
    params: Mapping[str, str] | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    deadline: float | None = None

    def __repr__(self) -> str:  # headers carry the API key: never show them
        return f"HttpRequest({self.method} {self.url})"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status}, {len(self.content)} bytes)"


class HttpStream(Protocol):
    """An open streaming response. ``iter_bytes`` yields body chunks; ``read`` the whole body."""

    status: int
    headers: Mapping[str, str]

    def iter_bytes(self) -> Iterator[bytes]: ...
    def read(self, limit: int) -> bytes: ...


class AsyncHttpStream(Protocol):
    status: int
    headers: Mapping[str, str]

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...
    async def aread(self, limit: int) -> bytes: ...


@runtime_checkable
class Transport(Protocol):
    """Sends requests; sync and async twins. Implementations must be safe to share across threads/tasks."""

    def send(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse: ...
    async def asend(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse: ...
    def stream(self, request: HttpRequest) -> AbstractContextManager[HttpStream]: ...
    def astream(self, request: HttpRequest) -> AbstractAsyncContextManager[AsyncHttpStream]: ...
    def close(self) -> None: ...
    async def aclose(self) -> None: ...


def read_truncated(chunks: Iterator[bytes], limit: int) -> bytes:
    """At most ``limit`` bytes of a body (error bodies: enough to explain, never enough to hurt)."""
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) >= limit:
            break
    return bytes(out[:limit])


async def aread_truncated(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """Async twin of :func:`read_truncated`."""
    out = bytearray()
    async for chunk in chunks:
        out += chunk
        if len(out) >= limit:
            break
    return bytes(out[:limit])
