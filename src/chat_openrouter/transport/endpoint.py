"""``Endpoint``: who we talk to (base URL, key, headers, transport, limits, retries), used by both wires.

Wire clients hand it request JSON and get back decoded JSON, or a context manager over the stream's SSE
``data`` payloads. Status checks, error mapping, retries and size limits happen here once for both wires.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import APIError, ChatOpenRouterError, DecodeError
from .base import AsyncHttpStream, HttpRequest, HttpStream, Timeouts, Transport, header
from .errors_mapping import api_error_from_response, stream_error_from_object
from .retry import RetryPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder

__all__ = ["Endpoint", "Limits", "Secret"]

logger = logging.getLogger("chat_openrouter")

USER_AGENT = "chat-openrouter/0.1.0 (python)"


class Secret:
    """Holds the API key; its repr/str never reveal it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # refuse to pickle a key into a cache or a queue by accident
        raise TypeError("API keys are not picklable")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on hostile or broken input."""

    max_body_bytes: int = 32 * 1024 * 1024
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    max_tool_calls: int = 256
    max_output_items: int = 1024


@dataclass(frozen=True)
class Endpoint:
    """Connection settings shared by both wire clients. Immutable; safe to share across threads/tasks."""

    base_url: str
    transport: Transport
    api_key: Secret | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def __repr__(self) -> str:
        return f"Endpoint(base_url={self.base_url!r})"

    def with_changes(self, **changes: Any) -> Endpoint:
        return replace(self, **changes)

    # -- requests --------------------------------------------------------------------------------------
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
        headers: dict[str, str] = {
            "User-Agent": USER_AGENT,
            "Accept": "text/event-stream" if stream else "application/json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key.get()}"
        headers.update(self.headers)
        if extra_headers:
            headers.update(extra_headers)
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return HttpRequest(
            method, f"{self.base_url}/{path.lstrip('/')}", headers, payload, params, timeouts or self.timeouts
        )

    def _decode_json(self, content: bytes) -> Any:
        try:
            return json.loads(content)
        except ValueError:
            raise DecodeError("response body is not valid JSON", snippet=content[:120].decode("utf-8", "replace")) from None

    def _check(self, status: int, headers: Mapping[str, str], content: bytes) -> Any:
        if status >= 400:
            raise api_error_from_response(status, headers, content)
        return self._decode_json(content) if content else None

    def _log(self, request: HttpRequest, status: int | str, attempt: int, started: float) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d, %.0f ms)",
                request.method, request.url, status, attempt, (time.monotonic() - started) * 1000,
            )

    def request_json(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """Send a request and return ``(decoded JSON body, response headers)``; raise typed errors."""
        request = self._request(method, path, body, params=params, extra_headers=extra_headers)
        policy = retry or self.retry
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self.transport.send(request, max_bytes=self.limits.max_body_bytes)
                self._log(request, response.status, attempt, started)
                return self._check(response.status, response.headers, response.content), response.headers
            except ChatOpenRouterError as error:
                delay = policy.delay(error, attempt)
                if delay is None:
                    _set_attempts(error, attempt)
                    raise
                logger.info("retrying %s %s in %.2fs after %s (attempt %d)", method, path, delay, type(error).__name__, attempt)
                time.sleep(delay)

    async def arequest_json(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """Async twin of :meth:`request_json`."""
        request = self._request(method, path, body, params=params, extra_headers=extra_headers)
        policy = retry or self.retry
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = await self.transport.asend(request, max_bytes=self.limits.max_body_bytes)
                self._log(request, response.status, attempt, started)
                return self._check(response.status, response.headers, response.content), response.headers
            except ChatOpenRouterError as error:
                delay = policy.delay(error, attempt)
                if delay is None:
                    _set_attempts(error, attempt)
                    raise
                logger.info("retrying %s %s in %.2fs after %s (attempt %d)", method, path, delay, type(error).__name__, attempt)
                await asyncio.sleep(delay)

    # -- streams ---------------------------------------------------------------------------------------
    def _stream_open_error(self, status: int, headers: Mapping[str, str], content: bytes) -> ChatOpenRouterError:
        """The error for a stream request that did not get an event stream back."""
        if status >= 400:
            return api_error_from_response(status, headers, content)
        body = self._decode_json(content) if content else None
        err = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(err, Mapping):
            return stream_error_from_object(err, partial=None, body=body, generation_id=header(headers, "x-generation-id"))
        return DecodeError("expected an event stream, got a JSON body", snippet=content[:120].decode("utf-8", "replace"))

    def _payloads(self, chunks: Iterator[bytes]) -> Iterator[str]:
        decoder = SSEDecoder(self.limits.max_event_bytes)
        for chunk in chunks:
            for event in decoder.feed(chunk):
                if event.data == "[DONE]":
                    return
                if event.data:
                    yield event.data
        for event in decoder.flush():
            if event.data == "[DONE]":
                return
            if event.data:
                yield event.data

    @contextmanager
    def stream(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Iterator[Iterator[str]]:
        """Open a streaming POST; yield an iterator over SSE ``data`` payloads (``[DONE]`` ends it).

        Failures before the event stream starts (status errors, connection errors, an error JSON
        body) are retried per the policy; nothing is retried once payloads flow.
        """
        request = self._request("POST", path, body, stream=True, extra_headers=extra_headers)
        policy = retry or self.retry
        attempt = 0
        opened = False  # once payloads are handed out, errors belong to the caller: never retry
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                with self.transport.stream(request) as response:
                    self._log(request, response.status, attempt, started)
                    if not _is_event_stream(response):
                        content = response.read(self.limits.max_body_bytes)
                        raise self._stream_open_error(response.status, response.headers, content)
                    opened = True
                    yield self._payloads(response.iter_bytes())
                    return
            except ChatOpenRouterError as error:
                delay = None if opened else policy.delay(error, attempt)
                if delay is None:
                    _set_attempts(error, attempt)
                    raise
                logger.info("retrying stream %s in %.2fs after %s (attempt %d)", path, delay, type(error).__name__, attempt)
                time.sleep(delay)

    @asynccontextmanager
    async def astream(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncIterator[AsyncIterator[str]]:
        """Async twin of :meth:`stream`."""
        request = self._request("POST", path, body, stream=True, extra_headers=extra_headers)
        policy = retry or self.retry
        attempt = 0
        opened = False
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                async with self.transport.astream(request) as response:
                    self._log(request, response.status, attempt, started)
                    if not _is_event_stream(response):
                        content = await response.aread(self.limits.max_body_bytes)
                        raise self._stream_open_error(response.status, response.headers, content)
                    opened = True
                    yield self._apayloads(response)
                    return
            except ChatOpenRouterError as error:
                delay = None if opened else policy.delay(error, attempt)
                if delay is None:
                    _set_attempts(error, attempt)
                    raise
                logger.info("retrying stream %s in %.2fs after %s (attempt %d)", path, delay, type(error).__name__, attempt)
                await asyncio.sleep(delay)

    async def _apayloads(self, response: AsyncHttpStream) -> AsyncIterator[str]:
        decoder = SSEDecoder(self.limits.max_event_bytes)
        async for chunk in response.aiter_bytes():
            for event in decoder.feed(chunk):
                if event.data == "[DONE]":
                    return
                if event.data:
                    yield event.data
        for event in decoder.flush():
            if event.data == "[DONE]":
                return
            if event.data:
                yield event.data


def _is_event_stream(response: HttpStream | AsyncHttpStream) -> bool:
    if response.status >= 300:
        return False
    content_type = (header(response.headers, "content-type") or "").split(";", 1)[0].strip().lower()
    # Some proxies drop the content type; anything but JSON on a 2xx is read as SSE.
    return content_type != "application/json"


def _set_attempts(error: ChatOpenRouterError, attempts: int) -> None:
    if isinstance(error, APIError) or hasattr(error, "attempts"):
        error.attempts = attempts  # type: ignore[attr-defined]
