"""Binary responses -- generated speech, a video file -- read whole or chunk by chunk, sync and async.

Most of OpenRouter answers JSON or an event stream; ``POST /audio/speech`` answers ``audio/*`` bytes and
``GET /videos/{id}/content`` ``video/mp4`` (spec). :func:`raw_flow` decides each attempt of such a call
(status, error body, retry, wait) the way :func:`~.flows.stream_flow` does for event streams, and
:class:`ByteStream` / :class:`AsyncByteStream` perform it and hand out the body's chunks. Retries happen
only before the first chunk: once bytes reach the caller, a failure is raised, never papered over.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any

from ..errors import ChatOpenRouterError, DecodeError, TimeoutError
from ..errors.mapping import api_error_from_response, header, stream_error_from_object
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
from .flows import Command, Deliver, Open, ReadBody, Sleep, decode_json
from .limits import MAX_ERROR_BODY_BYTES, SNIPPET_CHARS
from .retry import RetryState

__all__ = ["AsyncByteStream", "ByteStream", "raw_flow"]

# What a binary endpoint never answers with on success: these are error pages or error objects.
_NOT_BINARY = ("application/json", "text/html")


def _content_type(headers: Mapping[str, str]) -> str:
    return (header(headers, "content-type") or "").split(";", 1)[0].strip().lower()


def raw_flow(request: HttpRequest, state: RetryState) -> Generator[Command, Any, None]:
    """Attempts until one answers 2xx with a binary body (then :class:`~.flows.Deliver`), or raises."""
    while True:
        state.begin()
        try:
            opened: HttpStream | AsyncHttpStream = yield Open(request)
            state.responded(opened.status, opened.headers)
            if opened.status >= 300 or _content_type(opened.headers) in _NOT_BINARY:
                body: HttpResponse = yield ReadBody(opened)
                raise _open_error(body)
            yield Deliver(opened)
            return
        except ChatOpenRouterError as error:
            failure = error
        delay = state.give_up_or_wait(failure)
        if delay is None:
            raise failure
        yield Sleep(delay)


def _open_error(response: HttpResponse) -> ChatOpenRouterError:
    if response.status >= 300:
        return api_error_from_response(response.status, response.headers, response.content)
    content = response.content
    body = decode_json(content) if content and _content_type(response.headers) == "application/json" else None
    err = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(err, Mapping):
        # A 200 carrying an error object (reference §9): a failure, never "the audio".
        return stream_error_from_object(
            err, partial=None, body=body, generation_id=header(response.headers, "x-generation-id")
        )
    return DecodeError(
        f"expected binary content, got {_content_type(response.headers) or 'no content type'}",
        snippet=content[:SNIPPET_CHARS].decode("utf-8", "replace"),
    )


class _ByteStreamBase:
    """What the sync and async byte streams share: the flow, the response's status and headers."""

    def __init__(
        self,
        transport: Transport,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[Command, Any, None],
    ) -> None:
        self._transport = transport
        self._request = request
        self._state = state
        self._flow = flow
        self._flow_over = False
        self.status = 0
        self.headers: Mapping[str, str] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._state.label}, status {self.status or '-'})"

    @property
    def content_type(self) -> str | None:
        """The body's media type (``audio/mpeg``, ``video/mp4``...), without parameters."""
        return _content_type(self.headers) or None

    @property
    def generation_id(self) -> str | None:
        """OpenRouter's ``X-Generation-Id`` of this call, when sent."""
        return header(self.headers, "x-generation-id")

    @property
    def attempts(self) -> int:
        """How many HTTP attempts were made."""
        return self._state.attempts

    def _next_command(self, value: Any, thrown: ChatOpenRouterError | None) -> Command | None:
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

    def _delivered(self, stream: HttpStream | AsyncHttpStream) -> None:
        self.status, self.headers = stream.status, stream.headers
        self._state.commit()  # bytes may reach the caller from now on: nothing is retried after this

    def _check_deadline(self) -> None:
        deadline = self._request.deadline
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError("the call's overall deadline (Timeouts.total) passed", phase="total")

    def _too_large(self, limit: int) -> DecodeError:
        error = DecodeError(f"response body larger than {limit} bytes (Limits.max_body_bytes)")
        self._state.finish(error)
        return error


class ByteStream(_ByteStreamBase, Iterator[bytes]):
    """The body of one binary response, chunk by chunk (what ``Endpoint.stream_bytes`` yields).

    Iterate it for ``bytes`` chunks as they arrive, or :meth:`read` it whole. ``status``, ``headers``,
    ``content_type`` and ``generation_id`` describe the response.
    """

    def __init__(
        self,
        transport: Transport,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[Command, Any, None],
    ) -> None:
        super().__init__(transport, request, state, flow)
        self._opened: AbstractContextManager[HttpStream] | None = None
        self._chunks: Iterator[bytes] | None = None

    def start(self) -> None:
        """Run attempts until one delivers a binary body; raise the final error otherwise."""
        value: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            command = self._next_command(value, thrown)
            if command is None:
                return
            value, thrown = None, None
            try:
                if isinstance(command, Deliver):
                    self._delivered(command.stream)
                    self._chunks = command.stream.iter_bytes()
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

    def __iter__(self) -> ByteStream:
        return self

    def __next__(self) -> bytes:
        while True:
            chunks = self._chunks
            if chunks is None:
                raise StopIteration
            try:
                self._check_deadline()
                chunk = next(chunks, None)
            except ChatOpenRouterError as error:
                self._state.finish(error)
                self._release()
                raise
            if chunk is None:
                self._release()  # the body is complete: the connection goes back to the pool
                raise StopIteration
            if chunk:
                return chunk

    def read(self, limit: int) -> bytes:
        """The rest of the body; :class:`~chat_openrouter.errors.DecodeError` past ``limit`` bytes."""
        out = bytearray()
        for chunk in self:
            out += chunk
            if len(out) > limit:
                self._release()
                raise self._too_large(limit)
        return bytes(out)

    def close(self) -> None:
        """Release the response and end the flow (safe to call more than once)."""
        self._release()
        self._flow_over = True
        self._flow.close()


class AsyncByteStream(_ByteStreamBase, AsyncIterator[bytes]):
    """Async twin of :class:`ByteStream` (what ``Endpoint.astream_bytes`` yields)."""

    def __init__(
        self,
        transport: Transport,
        request: HttpRequest,
        state: RetryState,
        flow: Generator[Command, Any, None],
    ) -> None:
        super().__init__(transport, request, state, flow)
        self._opened: AbstractAsyncContextManager[AsyncHttpStream] | None = None
        self._chunks: AsyncIterator[bytes] | None = None

    async def start(self) -> None:
        """Run attempts until one delivers a binary body; raise the final error otherwise."""
        value: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            command = self._next_command(value, thrown)
            if command is None:
                return
            value, thrown = None, None
            try:
                if isinstance(command, Deliver):
                    self._delivered(command.stream)
                    self._chunks = command.stream.aiter_bytes()
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

    def __aiter__(self) -> AsyncByteStream:
        return self

    async def __anext__(self) -> bytes:
        while True:
            chunks = self._chunks
            if chunks is None:
                raise StopAsyncIteration
            try:
                self._check_deadline()
                chunk = await anext(chunks, None)
            except ChatOpenRouterError as error:
                self._state.finish(error)
                await self._release()
                raise
            if chunk is None:
                await self._release()
                raise StopAsyncIteration
            if chunk:
                return chunk

    async def read(self, limit: int) -> bytes:
        """Async twin of :meth:`ByteStream.read`."""
        out = bytearray()
        async for chunk in self:
            out += chunk
            if len(out) > limit:
                await self._release()
                raise self._too_large(limit)
        return bytes(out)

    async def aclose(self) -> None:
        """Release the response and end the flow (safe to call more than once)."""
        await self._release()
        self._flow_over = True
        self._flow.close()
