"""The observer seam: how the library reports its own work (model calls, retries, Chat runs, tool runs).

One small interface, called from a line or two in each layer that does the work:

* ``wire/base.py`` -- a model call: :meth:`Observer.model_call` (streams hand the observation to their
  ``ChatStream``, which reports the first chunk and the end however the stream ends);
* ``transport/retry.py`` -- a failed attempt that will be retried: ``current_call().retrying(...)``;
* ``core/run.py`` -- a Chat run (:meth:`Observer.agent_run`) and each tool it runs (:meth:`Observer.tool_call`).

The base classes *are* the no-op default: every method does nothing and returns at once, so a library
with tracing off costs a method call per operation and nothing per stream chunk (streams are wrapped by
:func:`observe_events` only when their observation is a real one). The OpenTelemetry implementation sits
above this module, in :mod:`chat_openrouter.core.tracing`, and imports ``opentelemetry`` only when
tracing is on and the package is installed.

Parenting is the implementation's business, with two context variables this module owns:
:data:`CURRENT_CALL` (the model call whose attempts are running, read by the retry bookkeeping) and
:data:`RUN_SCOPE` (what a Chat run asks of the model calls made inside it: no spans, or content capture).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from .events import Done

if TYPE_CHECKING:
    from .parts import ToolPart
    from .request import ModelRequest
    from .tools import Tool

__all__ = [
    "CURRENT_CALL",
    "NOOP",
    "NOOP_OBSERVER",
    "RUN_SCOPE",
    "Observation",
    "Observer",
    "RunScope",
    "current_call",
    "observe_async_events",
    "observe_events",
]

R = TypeVar("R")
#: The events a stream yields (a model call's, or a Chat run's with its output type).
EventT = TypeVar("EventT")
_NULL_CONTEXT = nullcontext()


class Observation:
    """One operation being observed: a model call, a Chat run or a tool run.

    This base class observes nothing (it is the no-op); implementations override what they record.
    Use it as a context manager around the whole operation -- entering starts it and makes it current
    (operations begun inside become its children), leaving ends it, with the exception if one escaped --
    or drive it by hand: :meth:`start`, :meth:`activate` around each piece of work, :meth:`end`.
    :meth:`end` is idempotent: the first call decides the outcome.
    """

    __slots__ = ()

    def start(self) -> None:
        """The operation begins now (idempotent)."""

    def activate(self) -> AbstractContextManager[object]:
        """A context manager making this operation the current one while it is entered."""
        return _NULL_CONTEXT

    def retrying(self, attempt: int, error: BaseException, delay: float) -> None:
        """Attempt ``attempt`` failed with ``error``; the next one starts in ``delay`` seconds."""

    def first_chunk(self) -> None:
        """A stream's first event reaches the caller now."""

    def end(self, outcome: object = None, *, error: BaseException | None = None) -> None:
        """The operation ended: ``outcome`` is the model call's or run's ``ChatResponse`` (or a tool's return
        value), ``error`` what it raised; neither when it was abandoned (a stream closed early)."""

    def returned(self, outcome: R) -> R:
        """``end(outcome)``, returning ``outcome`` (for ``return observation.returned(await call())``)."""
        self.end(outcome)
        return outcome

    def __enter__(self) -> Observation:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


#: The no-op observation every no-op method returns (compare with ``is`` to skip work).
NOOP = Observation()


class Observer:
    """Where a client or a Chat reports its operations. This base class is the no-op default."""

    __slots__ = ()

    def model_call(self, request: ModelRequest, body: Mapping[str, Any], *, stream: bool) -> Observation:
        """A model call about to be sent: ``request`` with the client's defaults resolved into it, and
        ``body``, the JSON the wire encoded from it (what is really sent).

        The returned observation is not started: a non-stream call enters it around the call; a stream
        starts it when the request is sent (its first iteration), so a stream never iterated makes no span.
        """
        return NOOP

    def agent_run(self, provider: object) -> Observation:
        """A Chat run on ``provider`` (not started: enter it, or start it when its stream is iterated)."""
        return NOOP

    def tool_call(self, part: ToolPart, tool: Tool, arguments: Mapping[str, Any]) -> Observation:
        """A tool function about to run for the model's call ``part`` (enter it around the call)."""
        return NOOP


#: The observer of everything with tracing off.
NOOP_OBSERVER = Observer()


class RunScope:
    """What a Chat run asks of the model calls made inside it (set while its work is running).

    ``suppressed``: the Chat's tracing is off, so its model calls make no spans either.
    ``capture_content``: the Chat's explicit content setting, applied to its model calls (None: theirs).
    A plain slotted class, not a dataclass: this module loads with ``import chat_openrouter``.
    """

    __slots__ = ("capture_content", "suppressed")

    def __init__(self, suppressed: bool = False, capture_content: bool | None = None) -> None:
        self.suppressed = suppressed
        self.capture_content = capture_content

    def __repr__(self) -> str:
        return f"RunScope(suppressed={self.suppressed}, capture_content={self.capture_content})"


#: The model call whose HTTP attempts are running in this context (the retry bookkeeping reports to it).
CURRENT_CALL: ContextVar[Observation] = ContextVar("chat_openrouter_current_call", default=NOOP)
#: The Chat run whose work is running in this context, as far as its model calls need to know.
RUN_SCOPE: ContextVar[RunScope | None] = ContextVar("chat_openrouter_run_scope", default=None)


def current_call() -> Observation:
    """The model call running in this context (:data:`NOOP` outside one)."""
    return CURRENT_CALL.get()


# -- streams: one observation over a stream's whole life -----------------------------------------------------
def observe_events(
    events: Generator[EventT, None, None], observation: Observation
) -> Generator[EventT, None, None]:
    """``events`` reported to ``observation``: started (and current) during the first step -- when the
    request is sent and every attempt before output happens -- the first chunk marked, ended on ``Done``,
    on an error, or when the stream is left early (``break``, ``close()``, garbage collection)."""
    first = True
    try:
        observation.start()
        with observation.activate():
            event = next(events)
        while True:
            if isinstance(event, Done):
                observation.end(event.response)
            elif first:
                first = False
                observation.first_chunk()
            yield event
            event = next(events)
    except StopIteration:
        return
    except GeneratorExit:
        raise
    except BaseException as error:
        observation.end(error=error)
        raise
    finally:
        events.close()
        observation.end()  # left early: ends without an outcome (a no-op once ended)


async def observe_async_events(
    events: AsyncGenerator[EventT, None], observation: Observation
) -> AsyncGenerator[EventT, None]:
    """Async twin of :func:`observe_events`."""
    first = True
    try:
        observation.start()
        with observation.activate():
            event = await anext(events)
        while True:
            if isinstance(event, Done):
                observation.end(event.response)
            elif first:
                first = False
                observation.first_chunk()
            yield event
            event = await anext(events)
    except StopAsyncIteration:
        return
    except GeneratorExit:
        raise
    except BaseException as error:
        observation.end(error=error)
        raise
    finally:
        await events.aclose()
        observation.end()
