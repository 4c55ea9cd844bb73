"""Running the engine: the thin sync and async shells that perform its effects, and the run streams.

The engine (:mod:`.engine`) decides; this module does. :func:`drive_sync` / :func:`drive_async` run a
whole flow (sync: one tool after another; async: tools concurrently). A streamed run adds one decision of
its own -- forward each model event, but fold the model call's ``Done`` into the run instead of yielding
it -- written once in :func:`_streamed_run`, a generator that turns the engine's effects into steps the
two stream shells perform.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Generator, Iterator
from contextlib import closing
from typing import Any, TypeVar

from . import provider as calls
from .engine import CallHook, CallModel, Effect, Emit, Flow, LoadTools, RunTools, ToolInvocation, ToolOutcome
from .event_stream import AsyncEventStream, EventStream
from .events import Done, StreamEvent
from .observe import NOOP, NOOP_OBSERVER, Observer, observe_async_events, observe_events
from .provider import ChatProvider
from .request import ModelRequest
from .response import ChatResponse, OutputT
from .stream import AsyncChatStream, ChatStream

__all__ = ["AsyncChatRunStream", "ChatRunStream", "drive_async", "drive_sync", "run_awaitable_sync"]

T = TypeVar("T")


def _advance(flow: Flow, reply: Any, failure: Exception | None = None) -> Effect | ChatResponse[Any]:
    """Send ``reply`` into the engine -- or throw ``failure``, the exception performing the last effect
    raised, so the engine attaches the run so far before it propagates -- and return the engine's next
    effect, or the run's final response once it returns."""
    try:
        return flow.send(reply) if failure is None else flow.throw(failure)
    except StopIteration as stop:
        result: ChatResponse[Any] = stop.value
        return result


# -- the sync shell ------------------------------------------------------------------------------------------
def _perform_sync(provider: ChatProvider, effect: Effect, observer: Observer) -> Any:
    """One effect, the sync way: its reply for the engine."""
    if isinstance(effect, CallModel):
        return calls.complete_sync(provider, effect.request)
    if isinstance(effect, RunTools):
        return [_run_tool_sync(call, observer) for call in effect.calls]
    if isinstance(effect, LoadTools):
        return [tool for toolset in effect.toolsets for tool in toolset.load_sync()]
    if isinstance(effect, CallHook):
        result = effect.function(*effect.args)
        if inspect.isawaitable(result):
            run_awaitable_sync(result)
    return None  # hooks and Emit (only streams yield those events) reply None


def _run_tool_sync(call: ToolInvocation, observer: Observer) -> ToolOutcome:
    with observer.tool_call(call.part, call.tool, call.arguments) as observation:
        try:
            value = call.tool.function(**call.arguments)
            if inspect.isawaitable(value):
                value = run_awaitable_sync(value)
        except Exception as exc:  # reported to the model, never aborts the loop
            observation.end(error=exc)
            return ToolOutcome(error=exc)
        return ToolOutcome(value=observation.returned(value))


def run_awaitable_sync(awaitable: Awaitable[T]) -> T:
    """Run an awaitable to completion from sync code, even when this thread already runs an event loop
    (then on a fresh loop in a worker thread: ``asyncio.run`` refuses to nest)."""

    async def main() -> T:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    from concurrent.futures import ThreadPoolExecutor

    # The worker thread runs in a copy of this context, so what the awaitable starts (a tool's own
    # spans, say) keeps its parent.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-openrouter-tool") as pool:
        return pool.submit(contextvars.copy_context().run, asyncio.run, main()).result()


def drive_sync(provider: ChatProvider, flow: Flow, observer: Observer = NOOP_OBSERVER) -> ChatResponse[Any]:
    """Run the engine ``flow`` to its final response with blocking calls (``observer``: tracing)."""
    with closing(flow), observer.agent_run(provider) as observation:
        step = _advance(flow, None)
        while not isinstance(step, ChatResponse):
            reply: Any = None
            failure: Exception | None = None
            try:
                reply = _perform_sync(provider, step, observer)
            except Exception as error:  # the engine sees it (and attaches the run), then re-raises it
                failure = error
            step = _advance(flow, reply, failure)
        return observation.returned(step)


# -- the async shell -----------------------------------------------------------------------------------------
async def _perform_async(provider: ChatProvider, effect: Effect, observer: Observer) -> Any:
    """One effect, the async way: parallel tool calls run concurrently."""
    if isinstance(effect, CallModel):
        return await calls.complete(provider, effect.request)
    if isinstance(effect, RunTools):
        # gather keeps the outcomes in call order, as the engine expects.
        return list(await asyncio.gather(*(_run_tool_async(call, observer) for call in effect.calls)))
    if isinstance(effect, LoadTools):
        return [tool for toolset in effect.toolsets for tool in await toolset.load()]
    if isinstance(effect, CallHook):
        result = effect.function(*effect.args)
        if inspect.isawaitable(result):
            await result
    return None


async def _run_tool_async(call: ToolInvocation, observer: Observer) -> ToolOutcome:
    tool, arguments = call.tool, call.arguments
    with observer.tool_call(call.part, tool, arguments) as observation:
        try:
            if tool.is_async:
                value = await tool.function(**arguments)
            else:
                # A sync tool may block (files, HTTP, subprocesses): keep the event loop free.
                value = await asyncio.to_thread(tool.function, **arguments)
                if inspect.isawaitable(value):
                    value = await value
        except Exception as exc:  # CancelledError is a BaseException: cancellation still propagates
            observation.end(error=exc)
            return ToolOutcome(error=exc)
        return ToolOutcome(value=observation.returned(value))


async def drive_async(provider: ChatProvider, flow: Flow, observer: Observer = NOOP_OBSERVER) -> ChatResponse[Any]:
    """Async twin of :func:`drive_sync`."""
    with closing(flow), observer.agent_run(provider) as observation:
        step = _advance(flow, None)
        while not isinstance(step, ChatResponse):
            reply: Any = None
            failure: Exception | None = None
            try:
                reply = await _perform_async(provider, step, observer)
            except Exception as error:
                failure = error
            step = _advance(flow, reply, failure)
        return observation.returned(step)


# -- streams spanning several model calls: the decisions, written once --------------------------------------
class _Run:
    """What a running stream shares with its event generator: the provider, the engine, the result.

    The generators reference this, never the stream object, so a stream dropped mid-iteration
    (``for ev in chat.stream_sync(...): break``) is freed by reference counting at once: its generator
    closes and the model's connection is released without waiting for the cycle collector (the same
    design as ``core.stream``).
    """

    __slots__ = ("flow", "observation", "observer", "provider", "response")

    def __init__(self, provider: ChatProvider, flow: Flow, observer: Observer) -> None:
        self.provider = provider
        self.flow = flow
        self.response: ChatResponse[Any] | None = None
        self.observer = observer
        self.observation = observer.agent_run(provider)  # started when the stream is first iterated


class _OpenModelStream:
    """Open the model's stream for ``request``; from now on reply with its events (None at its end)."""

    __slots__ = ("request",)

    def __init__(self, request: ModelRequest) -> None:
        self.request = request


class _Skip:
    """Hand nothing to the caller (the model's own ``Done``, folded into the run)."""

    __slots__ = ()


_SKIP = _Skip()
#: What a stream shell does next: open a model stream, skip an event, perform an effect -- or hand this
#: event to the caller (the common case, so events travel unwrapped).
_Command = _OpenModelStream | _Skip | CallHook | RunTools | LoadTools
_RunStep = _Command | StreamEvent[Any]
_COMMANDS = (_OpenModelStream, _Skip, CallHook, RunTools, LoadTools)


def _no_done() -> RuntimeError:
    return RuntimeError("the model stream ended without a Done event")


def _streamed_run(run: _Run) -> Generator[_RunStep, Any, None]:
    """The engine's effects as steps of a stream shell.

    While a model stream is open, each step's reply is that stream's next event (None once it ended);
    otherwise the reply to ``CallHook``/``RunTools`` is the effect's result, and None to the rest. A
    shell that fails to perform a step throws the exception in here; it goes on into the engine, which
    attaches the run so far and re-raises it.
    """
    with closing(run.flow):
        step = _advance(run.flow, None)
        while not isinstance(step, ChatResponse):
            reply: Any = None
            failure: Exception | None = None
            try:
                reply = yield from _effect_steps(step)
            except Exception as error:
                failure = error
            step = _advance(run.flow, reply, failure)
    run.response = step
    yield Done(step)


def _effect_steps(effect: Effect) -> Generator[_RunStep, Any, Any]:
    """One engine effect as shell steps; returns the engine's reply."""
    if isinstance(effect, CallModel):
        reply: ChatResponse | None = None
        event = yield _OpenModelStream(effect.request)
        while event is not None:
            if isinstance(event, Done):
                reply = event.response  # folded into the run's steps, never yielded
                event = yield _SKIP
            else:
                event = yield event
        if reply is None:
            raise _no_done()
        return reply
    if isinstance(effect, Emit):
        yield effect.event
        return None
    return (yield effect)


# -- the stream shells: perform the steps with blocking or awaitable I/O --------------------------------------
def _sync_run_events(run: _Run) -> Generator[StreamEvent[Any], None, None]:
    flow = _streamed_run(run)
    model: ChatStream | None = None
    events: Iterator[StreamEvent] | None = None
    try:
        reply: Any = None
        failure: Exception | None = None
        while True:
            try:
                step = flow.send(reply) if failure is None else flow.throw(failure)
            except StopIteration:
                return
            reply, failure = None, None
            if not isinstance(step, _COMMANDS):
                yield step
            elif not isinstance(step, _Skip):
                try:
                    with run.observation.activate():  # a model stream's or tool's span is a child of the run's
                        if isinstance(step, _OpenModelStream):
                            model = calls.stream_sync(run.provider, step.request)
                            events = iter(model)
                        else:
                            reply = _perform_sync(run.provider, step, run.observer)
                            continue
                except Exception as error:  # thrown into the flow: the engine attaches the run so far
                    failure = error
                    continue
            if events is not None:  # a model stream is open: the flow wants its next event
                try:
                    reply = next(events, None)
                except Exception as error:
                    failure = error
                if (reply is None or failure is not None) and model is not None:
                    model.close()
                    model, events = None, None
    finally:
        if model is not None:
            model.close()  # left early (break, error, close()): release the model's connection
        flow.close()


async def _async_run_events(run: _Run) -> AsyncGenerator[StreamEvent[Any], None]:
    flow = _streamed_run(run)
    model: AsyncChatStream | None = None
    events: AsyncIterator[StreamEvent] | None = None
    try:
        reply: Any = None
        failure: Exception | None = None
        while True:
            try:
                step = flow.send(reply) if failure is None else flow.throw(failure)
            except StopIteration:
                return
            reply, failure = None, None
            if not isinstance(step, _COMMANDS):
                yield step
            elif not isinstance(step, _Skip):
                try:
                    with run.observation.activate():
                        if isinstance(step, _OpenModelStream):
                            model = calls.stream(run.provider, step.request)
                            events = aiter(model)
                        else:
                            reply = await _perform_async(run.provider, step, run.observer)
                            continue
                except Exception as error:
                    failure = error
                    continue
            if events is not None:
                try:
                    reply = await anext(events, None)
                except Exception as error:
                    failure = error
                if (reply is None or failure is not None) and model is not None:
                    await model.aclose()
                    model, events = None, None
    finally:
        if model is not None:
            await model.aclose()
        flow.close()


class ChatRunStream(EventStream[OutputT]):
    """A synchronous stream over a whole Chat run (every model call, tool result and the final ``Done``).

    Events: ``TextChunk``/``ReasoningChunk``/``ToolCallChunk``/``ToolCall`` as each model call streams them;
    ``ToolResult`` once a call was answered; ``Structured`` before ``Done`` with structured output;
    ``Paused`` before ``Done`` when a call awaits approval (``Done.response.pause`` is set too).
    Each model call's own ``Done`` is folded into ``Done.response.steps``, never yielded.
    Ends with exactly one ``Done``, or raises. Leaving early (``break``, an exception, ``close()``)
    closes the model's HTTP stream. A stream runs once: iterating it again yields nothing.
    """

    def __init__(self, provider: ChatProvider, flow: Flow, observer: Observer = NOOP_OBSERVER) -> None:
        self._run = _Run(provider, flow, observer)

    @property
    def response(self) -> ChatResponse[OutputT] | None:
        """The run's final response once the stream has ended successfully, else None."""
        return self._run.response

    def _start(self) -> Generator[StreamEvent[OutputT], None, None]:
        events = _sync_run_events(self._run)
        observation = self._run.observation
        return events if observation is NOOP else observe_events(events, observation)

    def _close_unstarted(self) -> None:
        self._run.flow.close()


class AsyncChatRunStream(AsyncEventStream[OutputT]):
    """The asynchronous twin of :class:`ChatRunStream`: ``async for event in chat.stream(msgs)``."""

    def __init__(self, provider: ChatProvider, flow: Flow, observer: Observer = NOOP_OBSERVER) -> None:
        self._run = _Run(provider, flow, observer)

    @property
    def response(self) -> ChatResponse[OutputT] | None:
        """The run's final response once the stream has ended successfully, else None."""
        return self._run.response

    def _start(self) -> AsyncGenerator[StreamEvent[OutputT], None]:
        events = _async_run_events(self._run)
        observation = self._run.observation
        return events if observation is NOOP else observe_async_events(events, observation)

    def _close_unstarted(self) -> None:
        self._run.flow.close()
