"""Streams: context managers over a sans-I/O :class:`StreamState`.

A wire's codec provides the state (``handle(data) -> events``, ``snapshot()``, ``finish()``); the wire's
client provides a *source* that opens the HTTP stream and yields SSE ``data`` payloads. This module joins
the two, once, for both wires and both I/O flavours:

* iterate it directly (``for ev in stream`` / ``async for ev in stream``) or use it as a context manager;
* it always ends with exactly one :class:`~chat_openrouter.core.events.Done`, or raises;
* the connection is released on normal end, ``break``, an exception in the caller's loop, task
  cancellation and garbage collection (the generator's ``finally`` runs in every case);
* an error raised mid-stream carries ``.partial``: the response assembled so far.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import TracebackType
from typing import Protocol

from ..errors import ChatOpenRouterError
from .events import Done, StreamEvent
from .response import ChatResponse

__all__ = ["AsyncChatStream", "ChatStream", "StreamState"]


class StreamState(Protocol):
    """The sans-I/O accumulator of one streamed model call (one per wire, in its ``codec.py``)."""

    def handle(self, data: str) -> list[StreamEvent]:
        """Decode one SSE ``data`` payload and return the events it produces (often none)."""
        ...

    def snapshot(self) -> ChatResponse:
        """The response assembled so far (used as ``.partial`` on errors)."""
        ...

    def finish(self) -> ChatResponse:
        """The stream ended: return the final response, or raise if it ended badly."""
        ...


SyncSource = Callable[[], AbstractContextManager[Iterator[str]]]
AsyncSource = Callable[[], AbstractAsyncContextManager[AsyncIterator[str]]]


def _attach_partial(error: ChatOpenRouterError, state: StreamState) -> None:
    # Transport and decode errors are raised below the codec, without knowing what was received;
    # give them the partial response so the caller loses nothing.
    if getattr(error, "partial", "absent") is None:
        error.partial = state.snapshot()  # type: ignore[attr-defined]


class _StreamBase:
    def __init__(self, state: StreamState) -> None:
        self.state = state
        self._response: ChatResponse | None = None
        self._started = False

    @property
    def response(self) -> ChatResponse | None:
        """The final response once the stream has ended successfully, else None."""
        return self._response

    def snapshot(self) -> ChatResponse:
        """What has been received so far."""
        return self.state.snapshot()

    def _check_fresh(self) -> None:
        if self._started:
            raise RuntimeError("a stream can be iterated only once")
        self._started = True


class ChatStream(_StreamBase):
    """A synchronous stream of :data:`StreamEvent`. Iterate it, or use ``with client.stream_sync(...) as s``."""

    def __init__(self, state: StreamState, source: SyncSource) -> None:
        super().__init__(state)
        self._source = source
        self._iterator: Iterator[StreamEvent] | None = None

    def _events(self) -> Iterator[StreamEvent]:
        state = self.state
        try:
            with self._source() as data_payloads:
                for data in data_payloads:
                    yield from state.handle(data)
                self._response = state.finish()
        except ChatOpenRouterError as error:
            _attach_partial(error, state)
            raise
        yield Done(self._response)

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._iterator is None:
            self._check_fresh()
            self._iterator = self._events()
        return self._iterator

    def __next__(self) -> StreamEvent:
        return next(iter(self))

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection now (safe to call more than once)."""
        if self._iterator is not None and hasattr(self._iterator, "close"):
            self._iterator.close()  # runs the generator's finally: the HTTP response is closed

    def final_response(self) -> ChatResponse:
        """Consume the rest of the stream and return the final response."""
        for _ in self:
            pass
        assert self._response is not None
        return self._response

    def text_stream(self) -> Iterator[str]:
        """Only the answer's text fragments."""
        from .events import TextChunk

        for event in self:
            if isinstance(event, TextChunk):
                yield event.text


class AsyncChatStream(_StreamBase):
    """An asynchronous stream of :data:`StreamEvent`: ``async for ev in client.stream(msgs)``."""

    def __init__(self, state: StreamState, source: AsyncSource) -> None:
        super().__init__(state)
        self._source = source
        self._iterator: AsyncIterator[StreamEvent] | None = None

    async def _events(self) -> AsyncIterator[StreamEvent]:
        state = self.state
        try:
            async with self._source() as data_payloads:
                async for data in data_payloads:
                    for event in state.handle(data):
                        yield event
                self._response = state.finish()
        except ChatOpenRouterError as error:
            _attach_partial(error, state)
            raise
        yield Done(self._response)

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        if self._iterator is None:
            self._check_fresh()
            self._iterator = self._events()
        return self._iterator

    async def __anext__(self) -> StreamEvent:
        return await self.__aiter__().__anext__()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the connection now (safe to call more than once)."""
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]

    async def final_response(self) -> ChatResponse:
        """Consume the rest of the stream and return the final response."""
        async for _ in self:
            pass
        assert self._response is not None
        return self._response

    async def text_stream(self) -> AsyncIterator[str]:
        """Only the answer's text fragments."""
        from .events import TextChunk

        async for event in self:
            if isinstance(event, TextChunk):
                yield event.text
