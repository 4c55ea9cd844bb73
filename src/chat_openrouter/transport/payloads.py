"""The payload streams: the drivers of a streamed call's :func:`~.flows.stream_flow`, sync and async.

A payload stream runs the flow's commands until it delivers an event stream, then iterates the SSE
``data`` payloads of that response (``[DONE]`` and empty data excluded). Streams add one rule to the
flow: a retry is allowed only until output reaches the caller. The stream keeps the flow suspended while
payloads flow; the model-stream driver (``core.stream``) calls :meth:`PayloadStream.commit` before it
yields its first event, and until then reports a failed attempt -- a transport error, or an error the
codec found in the payloads (an ``error`` chunk or ``response.failed`` event arriving before any
output, a stream that ended before it started) -- with :meth:`PayloadStream.retry`, which throws it into
the flow: it either reopens the stream (the driver then decodes afresh) or raises.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any

from ..errors import ChatOpenRouterError, TimeoutError
from .base import (
    AsyncHttpStream,
    HttpRequest,
    HttpResponse,
    HttpStream,
    Transport,
    aread_truncated,
    read_truncated,
)
from .drivers import asleep
from .flows import Command, Deliver, Open, ReadBody, Sleep
from .limits import MAX_DRAIN_BYTES, MAX_ERROR_BODY_BYTES
from .retry import RetryState
from .sse import SSEDecoder

__all__ = ["AsyncPayloadStream", "PayloadStream"]


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
        return self.payloads(self.decoder.feed_data(chunk))

    def end(self) -> list[str]:
        return [] if self.done else self.payloads(self.decoder.flush_data())

    def payloads(self, payloads: list[str]) -> list[str]:
        """The payloads among decoded events' data: empty data skipped, ``[DONE]`` ending the stream."""
        out: list[str] = []
        for data in payloads:
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
        transport: Transport,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[Command, Any, None],
        max_event_bytes: int,
    ) -> None:
        self._transport = transport
        self._max_event_bytes = max_event_bytes
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

    def _next_command(self, value: Any, thrown: ChatOpenRouterError | None) -> Command | None:
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
    """The SSE ``data`` payloads of one streamed call, across its attempts (:meth:`~.endpoint.Endpoint.stream` yields it).

    Iterate it for payloads (``[DONE]`` and empty data excluded). Call :meth:`commit` before handing
    anything derived from them to a user, and :meth:`retry` when an attempt turned out unusable before
    that.
    """

    def __init__(
        self,
        transport: Transport,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[Command, Any, None],
        max_event_bytes: int,
    ) -> None:
        super().__init__(transport, request, state, flow, max_event_bytes)
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
                if isinstance(command, Deliver):
                    self._chunks = command.stream.iter_bytes()
                    self._reader = _PayloadReader(self._max_event_bytes)
                    return
                value = self._execute(command)
            except ChatOpenRouterError as error:
                self._release()
                thrown = error

    def _execute(self, command: Command) -> Any:
        if isinstance(command, Open):
            opening = self._transport.stream(command.request)
            opened = opening.__enter__()
            self._opened = opening
            return opened
        if isinstance(command, ReadBody):
            stream = command.stream
            try:
                content = read_truncated(stream.iter_bytes(), MAX_ERROR_BODY_BYTES)
            finally:
                self._release()
            return HttpResponse(stream.status, stream.headers, content)
        if isinstance(command, Sleep):
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
                deadline = self._request.deadline  # _check_deadline, inlined: this runs per chunk
                if deadline is not None and time.monotonic() >= deadline:
                    self._check_deadline()
                chunk = next(chunks, None)
                if chunk is None:
                    ready.extend(reader.end())
                    self._release()  # the body is complete: the connection goes back to the pool
                    continue
                payloads = reader.decoder.feed_data(chunk)
            except ChatOpenRouterError as error:
                self._state.finish(error)
                raise
            if len(payloads) == 1 and payloads[0] and payloads[0] != "[DONE]":
                return payloads[0]  # one event per chunk, as OpenRouter sends them: no queueing
            ready.extend(reader.payloads(payloads))
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
    """Async twin of :class:`PayloadStream` (what :meth:`~.endpoint.Endpoint.astream` yields)."""

    def __init__(
        self,
        transport: Transport,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[Command, Any, None],
        max_event_bytes: int,
    ) -> None:
        super().__init__(transport, request, state, flow, max_event_bytes)
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
                if isinstance(command, Deliver):
                    self._chunks = command.stream.aiter_bytes()
                    self._reader = _PayloadReader(self._max_event_bytes)
                    return
                value = await self._execute(command)
            except ChatOpenRouterError as error:
                await self._release()
                thrown = error

    async def _execute(self, command: Command) -> Any:
        if isinstance(command, Open):
            opening = self._transport.astream(command.request)
            opened = await opening.__aenter__()
            self._opened = opening
            return opened
        if isinstance(command, ReadBody):
            stream = command.stream
            try:
                content = await aread_truncated(stream.aiter_bytes(), MAX_ERROR_BODY_BYTES)
            finally:
                await self._release()
            return HttpResponse(stream.status, stream.headers, content)
        if isinstance(command, Sleep):
            await asleep(self._state.policy, command.seconds)
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
                deadline = self._request.deadline  # _check_deadline, inlined: this runs per chunk
                if deadline is not None and time.monotonic() >= deadline:
                    self._check_deadline()
                chunk = await anext(chunks, None)
                if chunk is None:
                    ready.extend(reader.end())
                    await self._release()
                    continue
                payloads = reader.decoder.feed_data(chunk)
            except ChatOpenRouterError as error:
                self._state.finish(error)
                raise
            if len(payloads) == 1 and payloads[0] and payloads[0] != "[DONE]":
                return payloads[0]  # one event per chunk, as OpenRouter sends them: no queueing
            ready.extend(reader.payloads(payloads))
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
