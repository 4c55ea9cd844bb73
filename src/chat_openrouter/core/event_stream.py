"""What every stream a user holds can do, written once: :class:`EventStream` and its async twin.

Both the stream of one model call (:class:`~chat_openrouter.core.stream.ChatStream`) and the stream of a
whole Chat run (:class:`~chat_openrouter.core.run.ChatRunStream`) are these shells around an event
generator: iterable once, a context manager that always releases the connection, closable, and
foldable into the final response.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from .events import StreamEvent, TextChunk
from .response import ChatResponse, OutputT

__all__ = ["AsyncEventStream", "EventStream"]


class EventStream(Generic[OutputT]):
    """The sync stream shell shared by :class:`ChatStream` (one model call) and the Chat engine's run stream.

    Subclasses provide the event generator (:meth:`_start`) and the final response (:attr:`response`);
    this shell makes it iterable once, a context manager, closable, and foldable into the response.
    Generic over the structured output's type, like :class:`ChatResponse`.
    """

    _iterator: Generator[StreamEvent[OutputT], None, None] | None = None

    @property
    def response(self) -> ChatResponse[OutputT] | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _start(self) -> Generator[StreamEvent[OutputT], None, None]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _close_unstarted(self) -> None:
        """Release what a stream that was never iterated holds (nothing, by default)."""

    def __iter__(self) -> Iterator[StreamEvent[OutputT]]:
        if self._iterator is None:  # iterating again continues the same single pass
            self._iterator = self._start()
        return self._iterator

    def __next__(self) -> StreamEvent[OutputT]:
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

    def final_response(self) -> ChatResponse[OutputT]:
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


class AsyncEventStream(Generic[OutputT]):
    """The async twin of :class:`EventStream`."""

    _iterator: AsyncGenerator[StreamEvent[OutputT], None] | None = None

    @property
    def response(self) -> ChatResponse[OutputT] | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _start(self) -> AsyncGenerator[StreamEvent[OutputT], None]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _close_unstarted(self) -> None:
        """Release what a stream that was never iterated holds (nothing, by default)."""

    def __aiter__(self) -> AsyncIterator[StreamEvent[OutputT]]:
        if self._iterator is None:
            self._iterator = self._start()
        return self._iterator

    async def __anext__(self) -> StreamEvent[OutputT]:
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

    async def final_response(self) -> ChatResponse[OutputT]:
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


# Bound to any output type: with the default (None) a `ChatRunStream[Person]` could not enter `with`.
_S = TypeVar("_S", bound="EventStream[Any]")
_A = TypeVar("_A", bound="AsyncEventStream[Any]")
