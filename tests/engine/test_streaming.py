"""Streaming across steps: the exact event sequence, each event once, one Done, clean early exit."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from decimal import Decimal

import pytest

from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.events import Done, TextChunk
from chat_openrouter.core.stream import AsyncChatStream, ChatStream
from chat_openrouter.errors import StreamError
from chat_openrouter.testing import ScriptedProvider, call, reply

from ._harness import STREAM_MODES, drive, event_summary
from ._scenarios import add, error_paths, multi_step


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_exact_event_sequence_of_a_multi_step_run(mode: str) -> None:
    scenario = multi_step()
    scenario.provider.chunk_size = 100  # one chunk per text, for a readable expectation
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.error is None
    assert [event_summary(e) for e in outcome.events] == [
        # step 1: reasoning, then the tool call as announced and as completed, then its result
        ("reasoning", "Need the weather."),
        ("tool_call_chunk", 0, "call_w", "get_weather", '{"city":"Paris"}'),
        ("tool_call", "call_w", "get_weather"),
        ("tool_result", "call_w", "completed", {"city": "Paris", "temp_c": 21}, None),
        # step 2: text and two parallel calls; results in the model's order
        ("text", "Working on it."),
        ("tool_call_chunk", 0, "call_a", "add", '{"a":2,"b":40}'),
        ("tool_call_chunk", 1, "call_s", "shout", '{"text":"hi"}'),
        ("tool_call", "call_a", "add"),
        ("tool_call", "call_s", "shout"),
        ("tool_result", "call_a", "completed", 42, None),
        ("tool_result", "call_s", "completed", "HI", None),
        # step 3: the answer, then exactly one Done for the whole run
        ("text", "Paris is 21C; 2+40=42; HI."),
        ("done", "Paris is 21C; 2+40=42; HI."),
    ]
    done = outcome.events[-1]
    assert isinstance(done, Done)
    assert len(done.response.steps) == 3
    assert done.response.usage.cost == Decimal("0.007")  # exact
    assert all(r.stream for r in scenario.provider.requests)


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_each_tool_result_is_emitted_exactly_once(mode: str) -> None:
    scenario = error_paths()
    outcome = drive(scenario.chat, mode, scenario.messages)
    results = [event_summary(e)[1] for e in outcome.events if event_summary(e)[0] == "tool_result"]
    assert results == ["call_json", "call_invalid", "call_unknown", "call_raise"]
    assert [event_summary(e)[0] for e in outcome.events].count("done") == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_streamed_and_complete_runs_give_the_same_final_response(mode: str) -> None:
    from ._harness import response_summary

    scenario = multi_step()
    streamed = drive(scenario.chat, mode, scenario.messages)
    other = multi_step()
    completed = other.chat.complete_sync(other.messages)
    assert response_summary(streamed.response) == response_summary(completed)


class _TrackingProvider(ScriptedProvider):
    """Counts how many model streams were opened and closed (a stand-in for HTTP connections)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.opened = 0
        self.closed = 0

    def stream_sync(self, messages, *, tools=None, options=None, output=None):  # type: ignore[no-untyped-def]
        inner = super().stream_sync(messages, tools=tools, options=options, output=output)
        tracker = self

        @contextmanager
        def source() -> Iterator[Iterator[str]]:
            tracker.opened += 1
            try:
                with inner._source() as payloads:
                    yield payloads
            finally:
                tracker.closed += 1

        return ChatStream(inner.state, source)

    def stream(self, messages, *, tools=None, options=None, output=None):  # type: ignore[no-untyped-def]
        inner = super().stream(messages, tools=tools, options=options, output=output)
        tracker = self

        @asynccontextmanager
        async def source() -> AsyncIterator[AsyncIterator[str]]:
            tracker.opened += 1
            try:
                async with inner._source() as payloads:
                    yield payloads
            finally:
                tracker.closed += 1

        return AsyncChatStream(inner.state, source)


def _two_step_tracking() -> tuple[_TrackingProvider, ChatBuilder]:
    provider = _TrackingProvider(
        [reply(tool_calls=[call("add", {"a": 1, "b": 2})]), reply("a long answer " * 10)], chunk_size=4
    )
    return provider, ChatBuilder().with_model(provider).with_tools([add])


def test_break_in_sync_stream_closes_the_model_stream() -> None:
    provider, builder = _two_step_tracking()
    with builder.build().stream_sync("go") as stream:
        for event in stream:
            if isinstance(event, TextChunk):
                break
    assert (provider.opened, provider.closed) == (2, 2)
    assert stream.response is None  # never finished


def test_dropping_a_sync_stream_mid_run_closes_the_model_stream_without_the_cycle_collector() -> None:
    # No `with`, no close(): the stream object is garbage as soon as the loop is left. Nothing may keep
    # its event generator alive in a reference cycle, so the model's stream closes at once, by
    # reference counting -- the cycle collector, off here, could run much later (or never).
    provider, builder = _two_step_tracking()
    chat = builder.build()
    gc.disable()
    try:
        for event in chat.stream_sync("go"):
            if isinstance(event, TextChunk):
                break
        assert (provider.opened, provider.closed) == (2, 2)
    finally:
        gc.enable()


def test_break_in_async_stream_closes_the_model_stream() -> None:
    provider, builder = _two_step_tracking()

    async def main() -> None:
        async with builder.build().stream("go") as stream:
            async for event in stream:
                if isinstance(event, TextChunk):
                    break

    asyncio.run(main())
    assert (provider.opened, provider.closed) == (2, 2)


def test_cancelling_an_async_stream_closes_the_model_stream() -> None:
    provider, builder = _two_step_tracking()

    async def main() -> None:
        seen = asyncio.Event()

        async def consume() -> None:
            async with builder.build().stream("go") as stream:
                async for event in stream:
                    if isinstance(event, TextChunk):
                        seen.set()
                        await asyncio.Future()  # wait forever, until cancelled

        task = asyncio.ensure_future(consume())
        await seen.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert (provider.opened, provider.closed) == (2, 2)


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_a_model_stream_error_propagates_with_its_partial(mode: str) -> None:
    error = StreamError("Token limit reached", code="server_error")
    provider = ScriptedProvider(
        [reply(tool_calls=[call("add", {"a": 1, "b": 2})]), reply("half an ans", error=error)]
    )
    chat = ChatBuilder().with_model(provider).with_tools([add]).build()
    outcome = drive(chat, mode, "go")
    assert outcome.error is error
    assert error.partial is not None
    assert error.partial.text == "half an ans"
    assert [event_summary(e)[0] for e in outcome.events].count("done") == 0  # never a Done that looks fine


def test_stream_helpers_final_response_and_text_stream() -> None:
    scenario = multi_step()
    stream = scenario.chat.stream_sync(scenario.messages)
    assert stream.final_response().text == "Paris is 21C; 2+40=42; HI."
    scenario = multi_step()
    text = "".join(scenario.chat.stream_sync(scenario.messages).text_stream())
    assert text == "Working on it.Paris is 21C; 2+40=42; HI."

    async def main() -> tuple[str, str]:
        s1 = multi_step()
        final = await s1.chat.stream(s1.messages).final_response()
        s2 = multi_step()
        pieces = [t async for t in s2.chat.stream(s2.messages).text_stream()]
        return final.text, "".join(pieces)

    assert asyncio.run(main()) == ("Paris is 21C; 2+40=42; HI.", "Working on it.Paris is 21C; 2+40=42; HI.")


def test_a_stream_is_consumed_once() -> None:
    scenario = multi_step()
    scenario.provider.chunk_size = 100
    stream = scenario.chat.stream_sync(scenario.messages)
    assert len(list(stream)) == 13
    assert list(stream) == []  # iterating again does not run the chat again
    assert len(scenario.provider.requests) == 3


def test_closing_an_unstarted_stream_calls_nothing() -> None:
    provider = ScriptedProvider([reply("x")])
    stream = ChatBuilder().with_model(provider).build().stream_sync("hi")
    stream.close()
    assert provider.requests == []


class _NoDoneProvider:
    """A misbehaving provider whose model stream ends without its ``Done`` (a custom provider bug)."""

    def __init__(self) -> None:
        self.closed: list[str] = []

    async def complete(self, messages: object, **kwargs: object) -> object:
        raise NotImplementedError

    def complete_sync(self, messages: object, **kwargs: object) -> object:
        raise NotImplementedError

    def stream_sync(self, messages: object, **kwargs: object) -> ChatStream:
        provider = self

        @contextmanager
        def source() -> Iterator[Iterator[str]]:
            try:
                yield iter(["x"])
            finally:
                provider.closed.append("sync")

        return _Undone(source)

    def stream(self, messages: object, **kwargs: object) -> AsyncChatStream:
        provider = self

        @asynccontextmanager
        async def source() -> AsyncIterator[AsyncIterator[str]]:
            async def one() -> AsyncIterator[str]:
                yield "x"

            try:
                yield one()
            finally:
                provider.closed.append("async")

        return _AsyncUndone(source)


class _Undone(ChatStream):
    def __init__(self, source: object) -> None:
        self._source_cm = source

    def _start(self) -> Iterator[TextChunk]:  # type: ignore[override]
        with self._source_cm() as payloads:  # type: ignore[operator]
            for data in payloads:
                yield TextChunk(data)


class _AsyncUndone(AsyncChatStream):
    def __init__(self, source: object) -> None:
        self._source_cm = source

    async def _start(self) -> AsyncIterator[TextChunk]:  # type: ignore[override]
        async with self._source_cm() as payloads:  # type: ignore[operator]
            async for data in payloads:
                yield TextChunk(data)


def test_a_model_stream_without_done_is_an_error_in_both_shells_and_is_closed() -> None:
    provider = _NoDoneProvider()
    chat = ChatBuilder().with_model(provider).build()  # type: ignore[arg-type]
    events: list[object] = []
    with pytest.raises(RuntimeError, match="without a Done"):
        events.extend(chat.stream_sync("hi"))
    assert events == [TextChunk("x")]

    async def collect(seen: list[object]) -> None:
        async for event in chat.stream("hi"):
            seen.append(event)

    seen: list[object] = []
    with pytest.raises(RuntimeError, match="without a Done"):
        asyncio.run(collect(seen))
    assert seen == [TextChunk("x")]
    assert provider.closed == ["sync", "async"]
