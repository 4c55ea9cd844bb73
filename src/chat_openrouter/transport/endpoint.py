"""``Endpoint``: who we talk to (base URL, key, headers, transport, limits, retries), used by both wires.

Wire clients hand it request JSON and get back decoded JSON, or a context manager over the stream's SSE
``data`` payloads. Status checks, error mapping, retries, deadlines and size limits happen here once for
both wires.

Single-sourced retries (the ``httpx.Auth.auth_flow`` trick): what one call does -- attempt, check the
status, decide whether to retry, wait -- is written once, as a generator (:meth:`Endpoint._call_flow`,
:meth:`Endpoint._stream_flow`) that *yields commands* (:class:`_Send`, :class:`_Open`, :class:`_Sleep`,
...) and receives their results. A sync shell and an async shell execute the commands with blocking or
awaitable I/O; neither contains a decision. A transport error is thrown back into the generator at the
command that failed, so the retry decision sees it exactly where it happened.

Streams add one rule: a retry is allowed only until output reaches the caller. The payload iterator
(:class:`PayloadStream` / :class:`AsyncPayloadStream`) keeps the flow suspended while payloads flow; the
stream driver (``core.stream``) calls ``commit()`` before it yields its first event, and until then
reports a failed attempt -- a transport error, or an error the codec found in the payloads (an ``error``
chunk or ``response.failed`` event arriving before any output, a stream that ended before it started) --
with ``retry(error)``, which throws it into the flow: it either reopens the stream (the driver then
decodes afresh) or raises.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from ..errors import ChatOpenRouterError, DecodeError, TimeoutError
from .base import (
    AsyncHttpStream,
    HttpRequest,
    HttpResponse,
    HttpStream,
    Timeouts,
    Transport,
    aread_truncated,
    header,
    read_truncated,
)
from .errors_mapping import api_error_from_response, stream_error_from_object
from .retry import RetryPolicy, RetryState
from .sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder

__all__ = ["AsyncPayloadStream", "Endpoint", "Limits", "PayloadStream", "Secret"]

USER_AGENT = "chat-openrouter/0.1.0 (python)"

T = TypeVar("T")

#: Error bodies (and JSON bodies where a stream was expected) are read up to this many bytes.
MAX_ERROR_BODY_BYTES = 64 * 1024
#: After ``[DONE]`` the rest of the body is read (so the connection returns to the pool) up to this much.
MAX_DRAIN_BYTES = 64 * 1024
_SNIPPET = 120


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
    """Bounds on hostile or broken input; going over raises :class:`~chat_openrouter.errors.DecodeError`.

    ``max_body_bytes``: a non-streamed response body (32 MiB: a long answer with a few generated images).
    ``max_event_bytes``: one server-sent event (8 MiB: real events are at most tens of KiB).
    ``max_tool_calls``: distinct tool calls in one streamed answer. ``max_output_items``: output items in
    one Responses API answer.
    """

    max_body_bytes: int = 32 * 1024 * 1024
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    max_tool_calls: int = 256
    max_output_items: int = 1024


# -- the commands a flow yields ---------------------------------------------------------------------------
# Plain slotted classes, not dataclasses: they are created per attempt and cost nothing at import time.
class _Send:
    """Send the request, read the whole response (bounded). Result: :class:`HttpResponse`."""

    __slots__ = ("request",)

    def __init__(self, request: HttpRequest) -> None:
        self.request = request


class _Open:
    """Open a streaming response. Result: the open ``HttpStream`` (the shell keeps it until released)."""

    __slots__ = ("request",)

    def __init__(self, request: HttpRequest) -> None:
        self.request = request


class _ReadBody:
    """Read the (bounded) body of the open response, then release it. Result: :class:`HttpResponse`
    (whose repr shows no body: an echoed credential must not reach a traceback's local variables)."""

    __slots__ = ("stream",)

    def __init__(self, stream: Any) -> None:
        self.stream = stream


class _Deliver:
    """Hand the open event stream's payloads to the consumer. Resumed only by a thrown error (a retry)."""

    __slots__ = ("stream",)

    def __init__(self, stream: Any) -> None:
        self.stream = stream


class _Sleep:
    """Wait before the next attempt. Result: None."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


_Command = _Send | _Open | _ReadBody | _Deliver | _Sleep


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
        t = timeouts or self.timeouts
        # The overall deadline starts now: it covers every attempt and every wait between them.
        deadline = None if t.total is None else time.monotonic() + t.total
        url = f"{self.base_url}/{path.lstrip('/')}"
        return HttpRequest(method, url, headers, payload, params, t, deadline)

    def _retry_state(self, request: HttpRequest, path: str, policy: RetryPolicy | None) -> RetryState:
        return RetryState(
            policy or self.retry,
            label=f"{request.method} {path.lstrip('/')}",
            deadline=request.deadline,
            secret=self.api_key.get() if self.api_key is not None else None,
        )

    # -- the flows: every decision of a call, written once ---------------------------------------------
    def _call_flow(
        self, request: HttpRequest, state: RetryState, decode: Callable[[Any, Mapping[str, str]], T]
    ) -> Generator[_Command, Any, T]:
        while True:
            state.begin()
            try:
                response: HttpResponse = yield _Send(request)
                state.responded(response.status, response.headers)
                if response.status >= 400:
                    raise api_error_from_response(response.status, response.headers, response.content)
                data = _decode_json(response.content) if response.content else None
                return _decode_safely(decode, data, response.headers)
            except ChatOpenRouterError as error:
                failure = error
            delay = state.give_up_or_wait(failure)
            if delay is None:
                raise failure
            yield _Sleep(delay)

    def _stream_flow(self, request: HttpRequest, state: RetryState) -> Generator[_Command, Any, None]:
        while True:
            state.begin()
            try:
                opened: HttpStream | AsyncHttpStream = yield _Open(request)
                state.responded(opened.status, opened.headers)
                if not _is_event_stream(opened):
                    body: HttpResponse = yield _ReadBody(opened)
                    raise _stream_open_error(body.status, body.headers, body.content)
                yield _Deliver(opened)
                return
            except ChatOpenRouterError as error:
                failure = error
            delay = state.give_up_or_wait(failure)
            if delay is None:
                raise failure
            yield _Sleep(delay)

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
        flow = self._call_flow(request, state, decode)
        value: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            try:
                command = flow.send(value) if thrown is None else flow.throw(thrown)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, thrown = None, None
            try:
                if isinstance(command, _Send):
                    value = self.transport.send(command.request, max_bytes=self.limits.max_body_bytes)
                elif isinstance(command, _Sleep):
                    (state.policy.sleep or time.sleep)(command.seconds)
            except ChatOpenRouterError as error:
                thrown = error

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
        flow = self._call_flow(request, state, decode)
        value: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            try:
                command = flow.send(value) if thrown is None else flow.throw(thrown)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, thrown = None, None
            try:
                if isinstance(command, _Send):
                    value = await self.transport.asend(command.request, max_bytes=self.limits.max_body_bytes)
                elif isinstance(command, _Sleep):
                    await _asleep(state.policy, command.seconds)
            except ChatOpenRouterError as error:
                thrown = error

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
            decode=_json_and_headers,
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
            decode=_json_and_headers,
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
        payloads = PayloadStream(self, request, state, self._stream_flow(request, state))
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
        payloads = AsyncPayloadStream(self, request, state, self._stream_flow(request, state))
        try:
            await payloads.start()
            yield payloads
        finally:
            await payloads.aclose()


# -- the stream shells -----------------------------------------------------------------------------------
class _PayloadReader:
    """SSE bytes → ``data`` payloads for one attempt (pure). Skips empty data; ``[DONE]`` ends it."""

    __slots__ = ("decoder", "done", "drained")

    def __init__(self, max_event_bytes: int) -> None:
        self.decoder = SSEDecoder(max_event_bytes)
        self.done = False  # `[DONE]` seen: later bytes are drained, not decoded
        self.drained = 0

    def feed(self, chunk: bytes) -> list[str]:
        if self.done:
            self.drained += len(chunk)
            return []
        return self._payloads(self.decoder.feed(chunk))

    def end(self) -> list[str]:
        return [] if self.done else self._payloads(self.decoder.flush())

    def _payloads(self, events: list[Any]) -> list[str]:
        out: list[str] = []
        for event in events:
            data = event.data
            if data == "[DONE]":
                self.done = True
                break
            if data:
                out.append(data)
        return out


class _PayloadStreamBase:
    """What the sync and async payload streams share: state, bookkeeping, and ``commit``."""

    def __init__(
        self,
        endpoint: Endpoint,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[_Command, Any, None],
    ) -> None:
        self._endpoint = endpoint
        self._request = request
        self._state = state
        self._flow = flow
        self._reader: _PayloadReader | None = None
        self._ready: deque[str] = deque()
        self._flow_over = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._state.label}, attempt {self._state.attempts})"

    @property
    def attempts(self) -> int:
        """How many HTTP attempts this stream has made so far."""
        return self._state.attempts

    def commit(self) -> None:
        """Output from this stream reached the caller: from now on no error is retried."""
        self._state.commit()

    def _check_deadline(self) -> None:
        # Transports enforce the deadline inside reads too; this catches a server that keeps a stream
        # alive forever with keep-alive comments, whatever the transport.
        deadline = self._request.deadline
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError("the call's overall deadline (Timeouts.total) passed", phase="total")

    def _next_command(self, value: Any, thrown: ChatOpenRouterError | None) -> _Command | None:
        """Resume the flow; None when it is over. Its final error propagates (already stamped)."""
        if self._flow_over:
            if thrown is not None:
                raise thrown
            return None
        try:
            return self._flow.send(value) if thrown is None else self._flow.throw(thrown)
        except StopIteration:
            self._flow_over = True
            return None
        except BaseException:
            self._flow_over = True
            raise


class PayloadStream(_PayloadStreamBase, Iterator[str]):
    """The SSE ``data`` payloads of one streamed call, across its attempts (:meth:`Endpoint.stream` yields it).

    Iterate it for payloads (``[DONE]`` and empty data excluded). Call :meth:`commit` before handing
    anything derived from them to a user, and :meth:`retry` when an attempt turned out unusable before
    that.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[_Command, Any, None],
    ) -> None:
        super().__init__(endpoint, request, state, flow)
        self._opened: AbstractContextManager[HttpStream] | None = None
        self._chunks: Iterator[bytes] | None = None

    def start(self) -> None:
        """Run attempts until one delivers an event stream; raise the final error otherwise."""
        self._run(None, None)

    def _run(self, value: Any, thrown: ChatOpenRouterError | None) -> None:
        while True:
            command = self._next_command(value, thrown)
            if command is None:
                return
            value, thrown = None, None
            try:
                if isinstance(command, _Deliver):
                    self._chunks = command.stream.iter_bytes()
                    self._reader = _PayloadReader(self._endpoint.limits.max_event_bytes)
                    return
                value = self._execute(command)
            except ChatOpenRouterError as error:
                self._release()
                thrown = error

    def _execute(self, command: _Command) -> Any:
        if isinstance(command, _Open):
            opening = self._endpoint.transport.stream(command.request)
            opened = opening.__enter__()
            self._opened = opening
            return opened
        if isinstance(command, _ReadBody):
            stream = command.stream
            try:
                content = read_truncated(stream.iter_bytes(), MAX_ERROR_BODY_BYTES)
            finally:
                self._release()
            return HttpResponse(stream.status, stream.headers, content)
        if isinstance(command, _Sleep):
            (self._state.policy.sleep or time.sleep)(command.seconds)
        return None

    def _release(self) -> None:
        chunks, self._chunks = self._chunks, None
        opened, self._opened = self._opened, None
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        if opened is not None:
            opened.__exit__(None, None, None)

    def __iter__(self) -> PayloadStream:
        return self

    def __next__(self) -> str:
        ready = self._ready
        while not ready:
            chunks, reader = self._chunks, self._reader
            if chunks is None or reader is None:
                raise StopIteration
            if reader.done:
                self._drain(chunks, reader)
                continue
            try:
                self._check_deadline()
                chunk = next(chunks, None)
                if chunk is None:
                    ready.extend(reader.end())
                    self._release()  # the body is complete: the connection goes back to the pool
                else:
                    ready.extend(reader.feed(chunk))
            except ChatOpenRouterError as error:
                self._state.finish(error)
                raise
        return ready.popleft()

    def _drain(self, chunks: Iterator[bytes], reader: _PayloadReader) -> None:
        # After `[DONE]` read to the end of the body so the connection can be reused; a server that
        # keeps talking (or fails) now cannot turn a complete answer into an error.
        try:
            for chunk in chunks:
                reader.feed(chunk)
                if reader.drained > MAX_DRAIN_BYTES:
                    break
        except ChatOpenRouterError:
            pass
        self._release()

    def retry(self, error: ChatOpenRouterError) -> None:
        """This attempt is unusable (``error``): start the next one, or raise.

        Returns once a new attempt delivers payloads -- decode them afresh. Raises ``error`` (stamped
        with the attempts made) when it may not be retried, or the error of a later attempt.
        """
        self._release()
        self._ready.clear()
        self._reader = None
        if self._state.committed:
            self._state.finish(error)
            raise error
        self._run(None, error)
        if self._chunks is None:  # the flow ended without delivering (cannot happen with _stream_flow)
            raise error

    def close(self) -> None:
        """Release the response and end the flow (safe to call more than once)."""
        self._ready.clear()
        self._release()
        self._flow_over = True
        self._flow.close()


class AsyncPayloadStream(_PayloadStreamBase, AsyncIterator[str]):
    """Async twin of :class:`PayloadStream` (what :meth:`Endpoint.astream` yields)."""

    def __init__(
        self,
        endpoint: Endpoint,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[_Command, Any, None],
    ) -> None:
        super().__init__(endpoint, request, state, flow)
        self._opened: AbstractAsyncContextManager[AsyncHttpStream] | None = None
        self._chunks: AsyncIterator[bytes] | None = None

    async def start(self) -> None:
        """Run attempts until one delivers an event stream; raise the final error otherwise."""
        await self._run(None, None)

    async def _run(self, value: Any, thrown: ChatOpenRouterError | None) -> None:
        while True:
            command = self._next_command(value, thrown)
            if command is None:
                return
            value, thrown = None, None
            try:
                if isinstance(command, _Deliver):
                    self._chunks = command.stream.aiter_bytes()
                    self._reader = _PayloadReader(self._endpoint.limits.max_event_bytes)
                    return
                value = await self._execute(command)
            except ChatOpenRouterError as error:
                await self._release()
                thrown = error

    async def _execute(self, command: _Command) -> Any:
        if isinstance(command, _Open):
            opening = self._endpoint.transport.astream(command.request)
            opened = await opening.__aenter__()
            self._opened = opening
            return opened
        if isinstance(command, _ReadBody):
            stream = command.stream
            try:
                content = await aread_truncated(stream.aiter_bytes(), MAX_ERROR_BODY_BYTES)
            finally:
                await self._release()
            return HttpResponse(stream.status, stream.headers, content)
        if isinstance(command, _Sleep):
            await _asleep(self._state.policy, command.seconds)
        return None

    async def _release(self) -> None:
        chunks, self._chunks = self._chunks, None
        opened, self._opened = self._opened, None
        if chunks is not None and hasattr(chunks, "aclose"):
            await chunks.aclose()
        if opened is not None:
            await opened.__aexit__(None, None, None)

    def __aiter__(self) -> AsyncPayloadStream:
        return self

    async def __anext__(self) -> str:
        ready = self._ready
        while not ready:
            chunks, reader = self._chunks, self._reader
            if chunks is None or reader is None:
                raise StopAsyncIteration
            if reader.done:
                await self._drain(chunks, reader)
                continue
            try:
                self._check_deadline()
                chunk = await anext(chunks, None)
                if chunk is None:
                    ready.extend(reader.end())
                    await self._release()
                else:
                    ready.extend(reader.feed(chunk))
            except ChatOpenRouterError as error:
                self._state.finish(error)
                raise
        return ready.popleft()

    async def _drain(self, chunks: AsyncIterator[bytes], reader: _PayloadReader) -> None:
        try:
            async for chunk in chunks:
                reader.feed(chunk)
                if reader.drained > MAX_DRAIN_BYTES:
                    break
        except ChatOpenRouterError:
            pass
        await self._release()

    async def retry(self, error: ChatOpenRouterError) -> None:
        """Async twin of :meth:`PayloadStream.retry`."""
        await self._release()
        self._ready.clear()
        self._reader = None
        if self._state.committed:
            self._state.finish(error)
            raise error
        await self._run(None, error)
        if self._chunks is None:
            raise error

    async def aclose(self) -> None:
        """Release the response and end the flow (safe to call more than once)."""
        self._ready.clear()
        await self._release()
        self._flow_over = True
        self._flow.close()


# -- helpers ---------------------------------------------------------------------------------------------
async def _asleep(policy: RetryPolicy, seconds: float) -> None:
    if policy.asleep is not None:
        await policy.asleep(seconds)
        return
    import asyncio  # here, not at module level: `import chat_openrouter` stays cheap for sync users

    await asyncio.sleep(seconds)


def _decode_json(content: bytes) -> Any:
    error: DecodeError | None = None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        error = DecodeError(
            "response body is not valid JSON", snippet=content[:_SNIPPET].decode("utf-8", "replace")
        )
    raise error


def _decode_safely(decode: Callable[[Any, Mapping[str, str]], T], data: Any, headers: Mapping[str, str]) -> T:
    # A codec bug or a body shaped unlike anything documented must surface as our DecodeError, never as
    # a KeyError from deep inside (the cause stays chained for debugging; it holds no secrets).
    try:
        return decode(data, headers)
    except ChatOpenRouterError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise DecodeError(
            f"could not decode the response ({type(exc).__name__}: {exc})", snippet=repr(data)[:_SNIPPET]
        ) from exc


def _json_and_headers(data: Any, headers: Mapping[str, str]) -> tuple[Any, Mapping[str, str]]:
    err = data.get("error") if isinstance(data, Mapping) else None
    if isinstance(err, Mapping):
        # OpenRouter can answer 200 with an error object (reference §9, pain points "200 JSON with
        # {error:…}"): never hand it back as a success.
        raise stream_error_from_object(
            err, partial=None, body=data, generation_id=header(headers, "x-generation-id")
        )
    return data, headers


def _stream_open_error(status: int, headers: Mapping[str, str], content: bytes) -> ChatOpenRouterError:
    """The error for a stream request that did not get an event stream back."""
    if status >= 400:
        return api_error_from_response(status, headers, content)
    body = _decode_json(content) if content else None
    err = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(err, Mapping):
        return stream_error_from_object(
            err, partial=None, body=body, generation_id=header(headers, "x-generation-id")
        )
    content_type = header(headers, "content-type") or "no content type"
    return DecodeError(
        f"expected an event stream, got {content_type}", snippet=content[:_SNIPPET].decode("utf-8", "replace")
    )


def _is_event_stream(response: HttpStream | AsyncHttpStream) -> bool:
    if response.status >= 300:
        return False
    content_type = (header(response.headers, "content-type") or "").split(";", 1)[0].strip().lower()
    # Some proxies drop or mangle the content type: anything but JSON or an HTML page on a 2xx is read
    # as SSE (where a stray body decodes to no events and ends as an incomplete stream).
    return content_type not in ("application/json", "text/html")
