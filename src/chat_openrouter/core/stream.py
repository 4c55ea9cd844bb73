"""Streams: context managers over a sans-I/O :class:`StreamState`.

A wire's codec provides the state (``handle(data) -> events``, ``snapshot()``, ``finish()``); the wire's
client provides a *source* that opens the HTTP stream and yields SSE ``data`` payloads. This module joins
the two, once, for both wires and both I/O flavours:

* iterate it directly (``for ev in stream`` / ``async for ev in stream``) or use it as a context manager;
* it always ends with exactly one :class:`~chat_openrouter.core.events.Done`, or raises;
* the connection is released on normal end, ``break``, an exception in the caller's loop, task
  cancellation and garbage collection (the generator's ``finally`` runs in every case);
* an error raised mid-stream carries ``.partial``: the response assembled so far;
* only our typed errors escape: a codec that trips over a payload (``KeyError``, ``TypeError``, ...)
  surfaces as :class:`~chat_openrouter.errors.DecodeError` naming the payload (truncated);
* until the first event reaches the caller, a failed attempt -- a transport error, an ``error`` chunk or
  ``response.failed`` event, a stream that ended before it started -- may be retried: when the source's
  payload iterator supports it (:class:`RetryablePayloads`, the transport's ``PayloadStream``), the driver
  reports the error with ``retry(error)`` and decodes the next attempt with a fresh state. Once an event
  was yielded it calls ``commit()``, and nothing is retried any more (that would repeat output); errors
  still go through ``retry``, which then only stamps them with the number of attempts and raises them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import TracebackType
from typing import Protocol, TypeVar, runtime_checkable

from ..errors import ChatOpenRouterError, DecodeError
from .events import Done, StreamEvent, TextChunk
from .response import ChatResponse

__all__ = [
    "AsyncChatStream",
    "AsyncEventStream",
    "AsyncRetryablePayloads",
    "ChatStream",
    "EventStream",
    "RetryablePayloads",
    "StreamState",
]

#: How much of an offending payload a DecodeError quotes.
_SNIPPET = 120


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


@runtime_checkable
class RetryablePayloads(Protocol):
    """A payload iterator that can start a new attempt (``transport.endpoint.PayloadStream``)."""

    def commit(self) -> None:
        """Output reached the caller: never retry from now on."""
        ...

    def retry(self, error: ChatOpenRouterError) -> None:
        """Start the next attempt (then iterate on, decoding afresh), or raise ``error`` / a later one."""
        ...


@runtime_checkable
class AsyncRetryablePayloads(Protocol):
    """Async twin of :class:`RetryablePayloads` (``transport.endpoint.AsyncPayloadStream``)."""

    def commit(self) -> None: ...

    async def retry(self, error: ChatOpenRouterError) -> None: ...


SyncSource = Callable[[], AbstractContextManager[Iterator[str]]]
AsyncSource = Callable[[], AbstractAsyncContextManager[AsyncIterator[str]]]
StateFactory = Callable[[], StreamState]


def _handle(state: StreamState, data: str) -> list[StreamEvent]:
    # The codec's own errors pass through; anything else it raises is a payload it could not read.
    try:
        return state.handle(data)
    except ChatOpenRouterError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise DecodeError(
            f"could not decode a stream event ({type(exc).__name__}: {exc})",
            snippet=data[:_SNIPPET] + ("…" if len(data) > _SNIPPET else ""),
        ) from exc


def _attach_partial(error: ChatOpenRouterError, state: StreamState) -> None:
    # Transport and decode errors are raised below the codec, without knowing what was received;
    # give them the partial response so the caller loses nothing.
    if getattr(error, "partial", "absent") is None:
        try:
            error.partial = state.snapshot()  # type: ignore[attr-defined]
        except Exception:  # a state that cannot snapshot must not hide the real error
            pass


class _Progress:
    """What a running stream knows: the current state and, at the end, the response.

    Kept apart from the stream object on purpose: the event generators reference this, never the
    stream, so a stream dropped mid-iteration (``for ev in client.stream_sync(...): break``) is freed by
    reference counting at once -- its generator closes and the connection is released without waiting
    for the cycle collector.
    """

    __slots__ = ("new_state", "response", "state")

    def __init__(self, state: StreamState, new_state: StateFactory | None) -> None:
        self.state = state
        self.new_state = new_state
        self.response: ChatResponse | None = None


class _StreamBase:
    def __init__(self, state: StreamState, new_state: StateFactory | None = None) -> None:
        self._progress = _Progress(state, new_state)

    @property
    def state(self) -> StreamState:
        """The codec's accumulator for the current attempt (public: inspect it, snapshot it)."""
        return self._progress.state

    @property
    def response(self) -> ChatResponse | None:
        """The final response once the stream has ended successfully, else None."""
        return self._progress.response

    def snapshot(self) -> ChatResponse:
        """What has been received so far."""
        return self._progress.state.snapshot()


def _sync_events(progress: _Progress, source: SyncSource) -> Generator[StreamEvent, None, None]:
    try:
        with source() as payloads:
            yield from _sync_drive(progress, payloads)
    except ChatOpenRouterError as error:
        _attach_partial(error, progress.state)
        raise
    assert progress.response is not None
    yield Done(progress.response)


def _sync_drive(progress: _Progress, payloads: Iterator[str]) -> Iterator[StreamEvent]:
    new_state = progress.new_state
    retrying = payloads if isinstance(payloads, RetryablePayloads) else None
    if retrying is not None and new_state is None:
        retrying.commit()  # no fresh state to decode another attempt with: errors are only stamped
    delivered = False
    while True:
        try:
            for data in payloads:
                events = _handle(progress.state, data)
                if events:
                    if not delivered:
                        delivered = True
                        if retrying is not None:
                            retrying.commit()
                    yield from events
            progress.response = progress.state.finish()
            return
        except ChatOpenRouterError as error:
            if retrying is None:
                raise
            failure = error
        # Outside the except block, so a later attempt's error does not chain to this one. Raises
        # `failure` (stamped with the attempts made) unless it started a new attempt.
        retrying.retry(failure)
        assert new_state is not None
        progress.state = new_state()


async def _async_events(progress: _Progress, source: AsyncSource) -> AsyncGenerator[StreamEvent, None]:
    new_state = progress.new_state
    try:
        async with source() as payloads:
            retrying = payloads if isinstance(payloads, AsyncRetryablePayloads) else None
            if retrying is not None and new_state is None:
                retrying.commit()
            delivered = False
            while True:
                try:
                    async for data in payloads:
                        events = _handle(progress.state, data)
                        if events:
                            if not delivered:
                                delivered = True
                                if retrying is not None:
                                    retrying.commit()
                            for event in events:
                                yield event
                    progress.response = progress.state.finish()
                    break
                except ChatOpenRouterError as error:
                    if retrying is None:
                        raise
                    failure = error
                await retrying.retry(failure)  # outside the except block: no chaining across attempts
                assert new_state is not None
                progress.state = new_state()
    except ChatOpenRouterError as error:
        _attach_partial(error, progress.state)
        raise
    assert progress.response is not None
    yield Done(progress.response)


class EventStream:
    """The sync stream shell shared by :class:`ChatStream` (one model call) and the Chat engine's run stream.

    Subclasses provide the event generator (:meth:`_start`) and the final response (:attr:`response`);
    this shell makes it iterable once, a context manager, closable, and foldable into the response.
    """

    _iterator: Generator[StreamEvent, None, None] | None = None

    @property
    def response(self) -> ChatResponse | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _start(self) -> Generator[StreamEvent, None, None]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _close_unstarted(self) -> None:
        """Release what a stream that was never iterated holds (nothing, by default)."""

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._iterator is None:  # iterating again continues the same single pass
            self._iterator = self._start()
        return self._iterator

    def __next__(self) -> StreamEvent:
        return next(iter(self))

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection now (safe to call more than once)."""
        if self._iterator is not None:
            self._iterator.close()  # runs the generator's finally: the HTTP response is closed
        else:
            self._close_unstarted()

    def final_response(self) -> ChatResponse:
        """Consume the rest of the stream and return the final response."""
        for _ in self:
            pass
        response = self.response
        assert response is not None
        return response

    def text_stream(self) -> Iterator[str]:
        """Only the answer's text fragments."""
        for event in self:
            if isinstance(event, TextChunk):
                yield event.text


class AsyncEventStream:
    """The async twin of :class:`EventStream`."""

    _iterator: AsyncGenerator[StreamEvent, None] | None = None

    @property
    def response(self) -> ChatResponse | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _start(self) -> AsyncGenerator[StreamEvent, None]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _close_unstarted(self) -> None:
        """Release what a stream that was never iterated holds (nothing, by default)."""

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        if self._iterator is None:
            self._iterator = self._start()
        return self._iterator

    async def __anext__(self) -> StreamEvent:
        return await self.__aiter__().__anext__()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the connection now (safe to call more than once)."""
        if self._iterator is not None:
            await self._iterator.aclose()
        else:
            self._close_unstarted()

    async def final_response(self) -> ChatResponse:
        """Consume the rest of the stream and return the final response."""
        async for _ in self:
            pass
        response = self.response
        assert response is not None
        return response

    async def text_stream(self) -> AsyncIterator[str]:
        """Only the answer's text fragments."""
        async for event in self:
            if isinstance(event, TextChunk):
                yield event.text


_S = TypeVar("_S", bound=EventStream)
_A = TypeVar("_A", bound=AsyncEventStream)


class ChatStream(_StreamBase, EventStream):
    """A synchronous stream of :data:`StreamEvent`: iterate it, or ``with client.stream_sync(...) as s``."""

    def __init__(
        self, state: StreamState, source: SyncSource, *, new_state: StateFactory | None = None
    ) -> None:
        """``new_state`` makes a fresh state for a retried attempt; without it no attempt is retried."""
        super().__init__(state, new_state)
        self._source = source

    def _start(self) -> Generator[StreamEvent, None, None]:
        return _sync_events(self._progress, self._source)


class AsyncChatStream(_StreamBase, AsyncEventStream):
    """An asynchronous stream of :data:`StreamEvent`: ``async for ev in client.stream(msgs)``."""

    def __init__(
        self, state: StreamState, source: AsyncSource, *, new_state: StateFactory | None = None
    ) -> None:
        """``new_state`` makes a fresh state for a retried attempt; without it no attempt is retried."""
        super().__init__(state, new_state)
        self._source = source

    def _start(self) -> AsyncGenerator[StreamEvent, None]:
        return _async_events(self._progress, self._source)
