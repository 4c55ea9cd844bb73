"""``Endpoint``: one configured HTTP endpoint (base URL, key, headers, transport, limits, retries).

Wire clients and the OpenRouter API object hand it request JSON and get back decoded JSON, or a context
manager over a stream's SSE ``data`` payloads. Status checks, error mapping, retries, deadlines and size
limits happen below it, once for everyone: the decisions in :mod:`.flows` (sans-I/O), the I/O in
:mod:`.drivers` (whole responses) and :mod:`.payloads` (streams). This module only builds the request
and picks the driver. *Which* endpoint -- OpenRouter's URL, where the key comes from -- is decided above,
in :mod:`chat_openrouter.openrouter`.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .. import _json
from .._version import version
from ..errors import InsecureTransportWarning
from .base import HttpRequest, Timeouts, Transport
from .drivers import run_call, run_call_async
from .flows import call_flow, json_and_headers, stream_flow
from .headers import check_api_key, check_headers, merge_headers
from .limits import Limits
from .payloads import AsyncPayloadStream, PayloadStream
from .raw import AsyncByteStream, ByteStream, raw_flow
from .retry import RetryPolicy, RetryState
from .secret import Secret

# `Limits` and `Secret` were defined here before the transport was split by concern; they stay
# importable from this module, their long-standing (documented) path.
__all__ = [
    "AsyncByteStream",
    "AsyncPayloadStream",
    "ByteStream",
    "Endpoint",
    "Limits",
    "PayloadStream",
    "Secret",
    "user_agent",
]

T = TypeVar("T")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _key_travels_in_clear(base_url: str) -> bool:
    """True for plain ``http://`` to a host that is not this machine (loopback names and addresses)."""
    if not base_url.lower().startswith("http://"):
        return False
    host = _host(base_url).lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    import ipaddress

    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: it may resolve anywhere


def _stack_level() -> int:
    """The warning's stack level: the first frame outside this package (the user's ``build()`` call)."""
    import sys

    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("chat_openrouter"):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


@functools.cache
def user_agent() -> str:
    """``chat-openrouter/<version> (python)``: the version comes from the package metadata, read once."""
    return f"chat-openrouter/{version()} (python)"


# eq=False: an endpoint is compared (and hashed) by identity. It owns a connection pool, and caches keyed
# by endpoint (the OpenRouter model catalogue) must not be shared by two clients that merely look alike.
#: How many URLs' log labels an endpoint keeps.
_MAX_LABELS = 64


@dataclass(frozen=True, eq=False)
class Endpoint:
    """Connection settings shared by a client and everything built on it. Immutable; safe to share
    across threads and tasks (the transport's pool is the shared resource)."""

    base_url: str
    transport: Transport
    api_key: Secret | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: Limits = field(default_factory=Limits)
    # Log labels per URL (`_destination`), made once: a handful of paths per endpoint, bounded anyway.
    _labels: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Checked here, once, so that a bad key or header is a ConfigurationError at build() -- never a
        # UnicodeEncodeError, a split header or a 401 at the first call.
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        object.__setattr__(self, "headers", check_headers(self.headers, where="with_headers()"))
        if self.api_key is not None:
            object.__setattr__(self, "api_key", check_api_key(self.api_key))
            if _key_travels_in_clear(self.base_url) and not any(
                name.lower() == "authorization" for name in self.headers
            ):
                warnings.warn(
                    f"the API key will be sent unencrypted to {_host(self.base_url)} (the base URL is plain "
                    "http:// to another machine): use https://",
                    InsecureTransportWarning,
                    stacklevel=_stack_level(),
                )

    def __repr__(self) -> str:
        return f"Endpoint(base_url={self.base_url!r})"

    def with_changes(self, **changes: Any) -> Endpoint:
        """A new endpoint with some settings changed (it shares the transport unless you replace it)."""
        return replace(self, **changes)

    # -- building one call -----------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        *,
        stream: bool = False,
        params: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeouts: Timeouts | None = None,
    ) -> HttpRequest:
        # Everything that can fail comes first: no frame of such an error holds the key in a local.
        if extra_headers:
            extra_headers = check_headers(extra_headers, where="extra_headers")
        payload = None
        if body is not None:
            payload = _json.dumps_body(body)
        defaults: dict[str, str] = {
            "User-Agent": user_agent(),
            "Accept": "text/event-stream" if stream else "application/json",
        }
        if body is not None:
            defaults["Content-Type"] = "application/json"
        if self.api_key is not None:
            defaults["Authorization"] = f"Bearer {self.api_key.get()}"
        # Case-insensitive: an `authorization` given by the caller replaces the key's header, never joins it.
        headers = merge_headers(defaults, self.headers, extra_headers)
        t = timeouts or self.timeouts
        # The overall deadline starts now: it covers every attempt and every wait between them.
        deadline = None if t.total is None else time.monotonic() + t.total
        url = f"{self.base_url}/{path.lstrip('/')}"
        return HttpRequest(method, url, headers, payload, params, t, deadline)

    def _destination(self, url: str) -> str:
        """Where ``url`` really goes, as log lines name it: the transport knows (an in-process emulator
        answers requests for any base URL, so the URL alone would name a server never contacted)."""
        label = self._labels.get(url)
        if label is None:
            describe = getattr(self.transport, "destination", None)
            if callable(describe):
                label = str(describe(url))
            else:
                label = f"{urlsplit(url).path} via {type(self.transport).__name__}"
            if len(self._labels) >= _MAX_LABELS:  # generic requests to ever new paths: start over
                self._labels.clear()
            self._labels[url] = label
        return label

    def _retry_state(self, request: HttpRequest, path: str, policy: RetryPolicy | None) -> RetryState:
        return RetryState(
            policy or self.retry,
            label=f"{request.method} {self._destination(request.url)}",
            deadline=request.deadline,
            secret=self.api_key.get() if self.api_key is not None else None,
        )

    # -- whole responses -------------------------------------------------------------------------------
    def request_decoded(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        *,
        decode: Callable[[Any, Mapping[str, str]], T],
        params: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> T:
        """Send a request and return ``decode(json_body, headers)``, retrying per the policy.

        ``decode`` runs inside the retry loop: an error it raises for a 200 body (a codec's
        :class:`~chat_openrouter.errors.StreamError` for an ``error`` object, say) is retried like an
        HTTP error with the same code. Any other exception it raises becomes a ``DecodeError``.
        """
        request = self._request(
            method, path, body, params=params, extra_headers=extra_headers, timeouts=timeouts
        )
        state = self._retry_state(request, path, retry)
        flow = call_flow(request, state, decode)
        return run_call(flow, self.transport, state.policy, self.limits.max_body_bytes)

    async def arequest_decoded(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        *,
        decode: Callable[[Any, Mapping[str, str]], T],
        params: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> T:
        """Async twin of :meth:`request_decoded`."""
        request = self._request(
            method, path, body, params=params, extra_headers=extra_headers, timeouts=timeouts
        )
        state = self._retry_state(request, path, retry)
        flow = call_flow(request, state, decode)
        return await run_call_async(flow, self.transport, state.policy, self.limits.max_body_bytes)

    def request_json(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """Send a request and return ``(decoded JSON body, response headers)``; raise typed errors.

        A 200 body whose top level is an ``error`` object raises :class:`~chat_openrouter.errors.StreamError`
        (retried when its code is retryable): OpenRouter reports some failures that way.
        """
        return self.request_decoded(
            method,
            path,
            body,
            decode=json_and_headers,
            params=params,
            extra_headers=extra_headers,
            retry=retry,
            timeouts=timeouts,
        )

    async def arequest_json(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """Async twin of :meth:`request_json`."""
        return await self.arequest_decoded(
            method,
            path,
            body,
            decode=json_and_headers,
            params=params,
            extra_headers=extra_headers,
            retry=retry,
            timeouts=timeouts,
        )

    # -- streams ---------------------------------------------------------------------------------------
    @contextmanager
    def stream(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> Iterator[PayloadStream]:
        """Open a streaming POST; yield a :class:`PayloadStream` over the SSE ``data`` payloads.

        Failures before the event stream starts (status errors, connection errors, an error JSON body)
        are retried per the policy; afterwards only through :meth:`PayloadStream.retry`, and never
        after :meth:`PayloadStream.commit`. The response is released when the block exits, however it
        exits.
        """
        request = self._request(
            "POST", path, body, stream=True, extra_headers=extra_headers, timeouts=timeouts
        )
        state = self._retry_state(request, path, retry)
        payloads = PayloadStream(
            self.transport, request, state, stream_flow(request, state), self.limits.max_event_bytes
        )
        try:
            payloads.start()
            yield payloads
        finally:
            payloads.close()

    @asynccontextmanager
    async def astream(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> AsyncIterator[AsyncPayloadStream]:
        """Async twin of :meth:`stream`."""
        request = self._request(
            "POST", path, body, stream=True, extra_headers=extra_headers, timeouts=timeouts
        )
        state = self._retry_state(request, path, retry)
        payloads = AsyncPayloadStream(
            self.transport, request, state, stream_flow(request, state), self.limits.max_event_bytes
        )
        try:
            await payloads.start()
            yield payloads
        finally:
            await payloads.aclose()

    # -- binary bodies (speech, video files) -------------------------------------------------------------
    def _raw_request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        accept: str,
        extra_headers: Mapping[str, str] | None,
        timeouts: Timeouts | None,
    ) -> HttpRequest:
        headers = {"Accept": accept, **(extra_headers or {})}
        return self._request(method, path, body, params=params, extra_headers=headers, timeouts=timeouts)

    @contextmanager
    def stream_bytes(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "*/*",
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> Iterator[ByteStream]:
        """Send a request whose answer is binary; yield a :class:`~.raw.ByteStream` over its chunks.

        Failures before the body starts (status errors, an error JSON body, connection errors) are
        retried per the policy; a failure while reading it is raised. The response is released when the
        block exits, however it exits.
        """
        request = self._raw_request(method, path, body, params, accept, extra_headers, timeouts)
        state = self._retry_state(request, path, retry)
        chunks = ByteStream(self.transport, request, state, raw_flow(request, state))
        try:
            chunks.start()
            yield chunks
        finally:
            chunks.close()

    @asynccontextmanager
    async def astream_bytes(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "*/*",
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> AsyncIterator[AsyncByteStream]:
        """Async twin of :meth:`stream_bytes`."""
        request = self._raw_request(method, path, body, params, accept, extra_headers, timeouts)
        state = self._retry_state(request, path, retry)
        chunks = AsyncByteStream(self.transport, request, state, raw_flow(request, state))
        try:
            await chunks.start()
            yield chunks
        finally:
            await chunks.aclose()

    def request_bytes(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "*/*",
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> tuple[bytes, Mapping[str, str]]:
        """Send a request whose answer is binary; return ``(body, response headers)``.

        The body is bounded by ``limits.max_body_bytes`` (a :class:`~chat_openrouter.errors.DecodeError`
        beyond it); errors are typed and retried as for :meth:`request_json`.
        """
        with self.stream_bytes(
            method, path, body, params=params, accept=accept, extra_headers=extra_headers,
            retry=retry, timeouts=timeouts,
        ) as chunks:  # fmt: skip
            return chunks.read(self.limits.max_body_bytes), chunks.headers

    async def arequest_bytes(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "*/*",
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> tuple[bytes, Mapping[str, str]]:
        """Async twin of :meth:`request_bytes`."""
        async with self.astream_bytes(
            method, path, body, params=params, accept=accept, extra_headers=extra_headers,
            retry=retry, timeouts=timeouts,
        ) as chunks:  # fmt: skip
            return await chunks.read(self.limits.max_body_bytes), chunks.headers
