"""OpenTelemetry tracing: GenAI-convention spans and metrics for model calls, Chat runs and tool runs.

On by default when ``opentelemetry-api`` is importable (``pip install "chat-openrouter[otel]"``), off with
one builder call -- ``OpenRouterBuilder().with_tracing(False)`` for a client's model calls,
``ChatBuilder().with_tracing(False)`` for a Chat's runs (its model calls included). Only the API is used:
spans and metrics go wherever your application's OpenTelemetry SDK sends them, and without an SDK the
API's no-op tracer makes them nearly free. Nothing here is imported with ``import chat_openrouter``;
``opentelemetry`` itself is imported on the first traced operation, and never when it is not installed.

What is recorded (docs/tracing.md lists every attribute):

* a CLIENT span ``chat {model}`` per model call -- request parameters, ``gen_ai.response.id`` (the
  ``gen-...`` id), the model that answered, finish reasons, token counts, ``error.type``; cost, upstream
  provider and wire under ``openrouter.*``; one ``openrouter.retry`` event per retried attempt; a stream's
  span lasts until its ``Done``, error, ``close()``, ``break`` or garbage collection;
* an ``invoke_agent`` span around each Chat run, with an ``execute_tool {name}`` span per tool run;
* the metrics ``gen_ai.client.operation.duration``, ``gen_ai.client.token.usage`` and
  ``gen_ai.client.operation.time_to_first_chunk``.

Message content -- prompts, answers, tool arguments and results, exception messages -- is never recorded
unless asked for, with ``with_tracing(capture_content=True)`` or the conventions' environment variable
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``: errors are then recorded by type only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..observe import NOOP_OBSERVER, RUN_SCOPE, Observation, Observer, RunScope

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from ..parts import ToolPart
    from ..request import ModelRequest
    from ..tools import Tool

__all__ = ["CAPTURE_CONTENT_ENV", "Tracing", "capture_content_from_env", "chat_observer", "client_observer"]

#: The GenAI conventions' switch for recording message content (opentelemetry-instrumentation-genai).
CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# "true" in the stable spelling; the experimental opt-in spells where content goes instead.
_CAPTURE_VALUES = frozenset({"true", "1", "yes", "on", "span_only", "event_only", "span_and_event"})


@dataclass(frozen=True)
class Tracing:
    """How a client or a Chat reports to OpenTelemetry (set with ``with_tracing`` on either builder).

    ``enabled``: False makes no spans and no metrics. ``capture_content``: record prompts, answers, tool
    arguments and results and exception messages (None: the ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
    environment variable decides; it is off unless set to ``true``). ``agent_name``: the Chat's name on its
    ``invoke_agent`` spans. ``tracer_provider`` / ``meter_provider``: where spans and metrics go (None: the
    global providers, as set by your application's OpenTelemetry SDK).
    """

    enabled: bool = True
    capture_content: bool | None = None
    agent_name: str | None = None
    tracer_provider: TracerProvider | None = field(default=None, compare=False)
    meter_provider: MeterProvider | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"Tracing(enabled={self.enabled}, capture_content={self.capture_content}, agent_name={self.agent_name!r})"


def capture_content_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` asks for message content."""
    value = (environ if environ is not None else os.environ).get(CAPTURE_CONTENT_ENV, "")
    return value.strip().lower() in _CAPTURE_VALUES


def client_observer(
    tracing: Tracing | None, *, provider_name: str, wire: str, model: str | None, base_url: str
) -> Observer:
    """The observer of a wire client's model calls (the no-op when tracing is off)."""
    settings = tracing if tracing is not None else Tracing()
    if not settings.enabled:
        return NOOP_OBSERVER

    def make() -> Observer:
        from ._otel import ClientObserver

        return ClientObserver(
            settings, provider_name=provider_name, wire=wire, model=model, base_url=base_url
        )

    return _Deferred(make)


def chat_observer(tracing: Tracing | None) -> Observer:
    """The observer of a Chat's runs and tool runs; with tracing off it silences the Chat's model calls too."""
    settings = tracing if tracing is not None else Tracing()
    if not settings.enabled:
        return _SILENT

    def make() -> Observer:
        from ._otel import ChatObserver

        return ChatObserver(settings)

    return _Deferred(make)


def _opentelemetry_installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("opentelemetry.trace") is not None
    except (ImportError, ValueError):  # no `opentelemetry` namespace at all, or a broken one
        return False


class _Deferred(Observer):
    """Becomes the OpenTelemetry observer on first use, or the no-op when ``opentelemetry`` is absent.

    Deferred so that building a client or a Chat costs no import: the API (tens of milliseconds) loads
    with the first traced operation.
    """

    __slots__ = ("_make", "_real")

    def __init__(self, make: Callable[[], Observer]) -> None:
        self._make = make
        self._real: Observer | None = None

    def _observer(self) -> Observer:
        real = self._real
        if real is None:  # two threads may both resolve: they build equivalent observers
            real = self._make() if _opentelemetry_installed() else NOOP_OBSERVER
            self._real = real
        return real

    def model_call(self, request: ModelRequest, body: Mapping[str, Any], *, stream: bool) -> Observation:
        return self._observer().model_call(request, body, stream=stream)

    def agent_run(self, provider: object) -> Observation:
        return self._observer().agent_run(provider)

    def tool_call(self, part: ToolPart, tool: Tool, arguments: Mapping[str, Any]) -> Observation:
        return self._observer().tool_call(part, tool, arguments)


class _Silenced(Observation):
    """A Chat run with tracing off: while its work runs, the model calls it makes record nothing either."""

    __slots__ = ("_tokens",)
    _SCOPE = RunScope(suppressed=True)

    def __init__(self) -> None:
        self._tokens: list[Any] = []

    def activate(self) -> AbstractContextManager[object]:
        return _Scope(self._SCOPE)

    def __enter__(self) -> Observation:
        self._tokens.append(RUN_SCOPE.set(self._SCOPE))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        RUN_SCOPE.reset(self._tokens.pop())


class _Scope:
    """Sets :data:`RUN_SCOPE` while entered."""

    __slots__ = ("_scope", "_token")

    def __init__(self, scope: RunScope) -> None:
        self._scope = scope

    def __enter__(self) -> object:
        self._token = RUN_SCOPE.set(self._scope)
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        RUN_SCOPE.reset(self._token)


class _SilentObserver(Observer):
    __slots__ = ()

    def agent_run(self, provider: object) -> Observation:
        return _Silenced()


_SILENT = _SilentObserver()
