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

__all__ = ["AsyncHttpStream", "HttpRequest", "HttpResponse", "HttpStream", "Timeouts", "Transport"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Timeouts sized for LLMs, in seconds (None = no limit for that phase).

    ``connect``: TCP/TLS connect. ``first_byte``: from sending the request until the first response
    byte (headers). ``idle``: the longest silence between two body chunks -- OpenRouter's
    ``: OPENROUTER PROCESSING`` comments count as activity, so a slow reasoning model that keeps the
    connection alive never trips it. ``total``: a deadline for the whole call, including retries' waits.
    """

    connect: float | None = 10.0
    first_byte: float | None = 600.0
    idle: float | None = 300.0
    total: float | None = None
    write: float | None = 60.0


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    json_body: bytes | None = None
    params: Mapping[str, str] | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)

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


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that works for plain dicts too."""
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, val in headers.items():
        if key.lower() == lower:
            return val
    return None
