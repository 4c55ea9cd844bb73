"""The streaming decisions, written once (``core.stream._decisions``) and performed by both shells.

Pure tests of the sans-I/O flow -- no HTTP, no event loop -- plus the twin check: the sync and async
shells turn the same payloads and the same failures into the same events and the same errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest

from chat_openrouter import errors
from chat_openrouter.core.events import Done, StreamEvent, TextChunk
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.stream import (
    _COMMIT,
    _FINISHED,
    _READ,
    AsyncChatStream,
    ChatStream,
    _decisions,
    _DecodeRest,
    _Progress,
    _Retry,
)


class Echo:
    """A codec state: each payload is one text event; ``finish`` refuses an empty answer."""

    def __init__(self) -> None:
        self.text = ""

    def handle(self, data: str) -> list[StreamEvent]:
        if data == "boom":
            raise errors.StreamError("in-band failure", code=503)
        if data == "crash":  # a codec tripping over a payload: a foreign exception
            raise KeyError("choices")
        if data == "":
            return []
        self.text += data
        return [TextChunk(data)]

    def snapshot(self) -> ChatResponse:
        response = ChatResponse()
        response.content.parts.clear()
        return response

    def finish(self) -> ChatResponse:
        if not self.text:
            raise errors.IncompleteStreamError("nothing arrived")
        return ChatResponse(id=self.text)


def reads(step: Any) -> bool:
    """Whether the flow expects the next payload after ``step`` (a read, or events just delivered)."""
    return step is _READ or isinstance(step, list)


def decode_rest(step: _DecodeRest, progress: _Progress, replies: list[Any], seen: list[Any]) -> Any:
    """What a shell does with ``_DecodeRest``: decode the payloads itself (each event list recorded),
    until they end (send None) or fail (throw)."""
    data = step.data
    try:
        while data is not None:
            if isinstance(data, Exception):
                raise data
            events = progress.state.handle(data)
            if events:
                seen.append(events)
            data = replies.pop(0)
    except errors.ChatOpenRouterError as error:
        return error
    return None


def steps(flow: Any, replies: list[Any], progress: _Progress) -> list[Any]:
    """Run ``flow``, sending ``replies`` where it reads a payload (None elsewhere); record every step."""
    seen = [next(flow)]
    while seen[-1] is not _FINISHED:
        step = seen[-1]
        if isinstance(step, _DecodeRest):
            reply = decode_rest(step, progress, replies, seen)
        else:
            reply = replies.pop(0) if reads(step) else None
        seen.append(flow.throw(reply) if isinstance(reply, Exception) else flow.send(reply))
    return seen


def test_without_retries_payloads_become_events_then_the_stream_finishes() -> None:
    progress = _Progress(Echo(), None)
    seen = steps(_decisions(progress, retryable=False), ["a", "", "b", None], progress)
    events = [s for s in seen if isinstance(s, list)]
    assert events == [[TextChunk("a")], [TextChunk("b")]]
    assert _COMMIT not in seen
    assert progress.response is not None and progress.response.id == "ab"


def test_the_commit_comes_once_right_before_the_first_event() -> None:
    progress = _Progress(Echo(), Echo)
    seen = steps(_decisions(progress, retryable=True), ["", "a", "b", None], progress)
    assert seen.index(_COMMIT) == seen.index([TextChunk("a")]) - 1
    assert seen.count(_COMMIT) == 1


def test_an_error_before_output_asks_for_a_retry_then_decodes_with_a_fresh_state() -> None:
    first = Echo()
    progress = _Progress(first, Echo)
    failure = errors.ConnectionError("reset")
    seen = steps(_decisions(progress, retryable=True), [failure, "a", None], progress)
    retry = next(s for s in seen if isinstance(s, _Retry))
    assert retry.error is failure
    assert progress.state is not first  # the next attempt is decoded afresh
    assert progress.response is not None and progress.response.id == "a"


def test_a_codec_error_after_output_still_goes_through_retry_which_then_raises() -> None:
    progress = _Progress(Echo(), Echo)
    flow = _decisions(progress, retryable=True)
    seen = steps_until_retry(flow, ["a", "b", "boom"], progress)
    assert any(isinstance(step, _DecodeRest) for step in seen)  # decoded by the shell after the commit
    assert isinstance(seen[-1], _Retry) and isinstance(seen[-1].error, errors.StreamError)


def steps_until_retry(flow: Any, payloads: list[str], progress: _Progress) -> list[Any]:
    seen = [next(flow)]
    while not isinstance(seen[-1], _Retry):
        step = seen[-1]
        if isinstance(step, _DecodeRest):
            error = decode_rest(step, progress, payloads, seen)
            seen.append(flow.throw(error) if error is not None else flow.send(None))
        else:
            seen.append(flow.send(payloads.pop(0) if reads(step) else None))
    return seen


def test_without_a_state_factory_the_stream_commits_at_once() -> None:
    progress = _Progress(Echo(), None)
    seen = steps(_decisions(progress, retryable=True), ["a", None], progress)
    assert seen[0] is _COMMIT and seen.count(_COMMIT) == 1


def test_without_retries_an_error_is_raised_from_the_flow() -> None:
    progress = _Progress(Echo(), None)
    flow = _decisions(progress, retryable=False)
    with pytest.raises(errors.IncompleteStreamError):
        steps(flow, [None], progress)


# -- the twins ----------------------------------------------------------------------------------------------
class Attempts:
    """Retryable payloads: each attempt is a list of payloads (or an error raised at that point)."""

    def __init__(self, attempts: list[list[Any]]) -> None:
        self.attempts = attempts
        self.current = iter(attempts.pop(0))
        self.committed = False
        self.retries: list[BaseException] = []

    def _next(self) -> str:
        item = next(self.current)
        if isinstance(item, Exception):
            raise item
        return str(item)

    def _retry(self, error: errors.ChatOpenRouterError) -> None:
        self.retries.append(error)
        if self.committed or not self.attempts:
            raise error
        self.current = iter(self.attempts.pop(0))

    def commit(self) -> None:
        self.committed = True


class SyncAttempts(Attempts, Iterator[str]):
    def __next__(self) -> str:
        return self._next()

    def retry(self, error: errors.ChatOpenRouterError) -> None:
        self._retry(error)


class AsyncAttempts(Attempts, AsyncIterator[str]):
    async def __anext__(self) -> str:
        try:
            return self._next()
        except StopIteration:
            raise StopAsyncIteration from None

    async def retry(self, error: errors.ChatOpenRouterError) -> None:
        self._retry(error)


SCRIPTS = [
    [["a", "b"]],
    [[errors.ConnectionError("reset")], ["a"]],
    [["boom"], ["", "a"]],
    [[], ["a"]],  # an attempt that ended before any output is retried
    [["a", errors.ConnectionError("reset mid-answer")], ["never"]],
    [["boom"], ["boom"]],
    # After output the shells decode on their own (_DecodeRest): the same errors, the same events.
    [["a", "b", "c", "boom"], ["never"]],
    [["a", "b", "crash"], ["never"]],
    [["a", "b", errors.ConnectionError("reset")], ["never"]],
    [["crash"], ["a"]],
]


def run_sync(script: list[list[Any]]) -> tuple[list[Any], Any]:
    payloads = SyncAttempts([list(a) for a in script])

    @contextmanager
    def source() -> Iterator[Iterator[str]]:
        yield payloads

    events: list[Any] = []
    try:
        for event in ChatStream(Echo(), source, new_state=Echo):
            events.append(event.response.id if isinstance(event, Done) else event)
    except errors.ChatOpenRouterError as error:
        return events, (type(error), str(error), len(payloads.retries))
    return events, None


def run_async(script: list[list[Any]]) -> tuple[list[Any], Any]:
    payloads = AsyncAttempts([list(a) for a in script])

    @asynccontextmanager
    async def source() -> AsyncIterator[AsyncIterator[str]]:
        yield payloads

    async def go() -> tuple[list[Any], Any]:
        events: list[Any] = []
        try:
            async for event in AsyncChatStream(Echo(), source, new_state=Echo):
                events.append(event.response.id if isinstance(event, Done) else event)
        except errors.ChatOpenRouterError as error:
            return events, (type(error), str(error), len(payloads.retries))
        return events, None

    return asyncio.run(go())


@pytest.mark.parametrize("script", SCRIPTS)
def test_sync_and_async_shells_make_the_same_decisions(script: list[list[Any]]) -> None:
    assert run_sync(script) == run_async(script)


def test_the_shells_retry_before_output_and_never_after() -> None:
    assert run_sync(SCRIPTS[1]) == ([TextChunk("a"), "a"], None)
    events, failure = run_sync(SCRIPTS[4])
    assert events == [TextChunk("a")]
    assert failure is not None and failure[0] is errors.ConnectionError


def test_a_codec_that_trips_after_output_raises_a_decode_error_naming_the_payload() -> None:
    for run in (run_sync, run_async):
        events, failure = run([["a", "b", "crash"], ["never"]])
        assert events == [TextChunk("a"), TextChunk("b")]
        assert failure is not None and failure[0] is errors.DecodeError and "KeyError" in failure[1]
