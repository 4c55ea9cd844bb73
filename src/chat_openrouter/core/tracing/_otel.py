"""The OpenTelemetry implementation of the observer seam (:mod:`chat_openrouter.core.observe`).

Imported only once tracing is on and ``opentelemetry-api`` is installed. Uses the API alone: spans and
metrics go to whatever SDK the application configured, or to the API's no-op when there is none -- then a
span is not recording and no attribute is even built.

Spans are started with an explicit parent (the context current when the operation was *created*: a
stream is created in one place and iterated in another) and made current only while their own work runs
(:meth:`Observation.activate`), never across a ``yield``: a context attached in a generator and detached
in another would corrupt the caller's context.

Privacy (GHSA-4x9p-g9wm-8q7f is the failure this avoids): without content capture an error is recorded
as its type alone -- ``error.type``, an ``exception`` event with ``exception.type`` and an ERROR status
with no description -- because exception messages and tracebacks quote prompts, answers and tool data.
Telemetry never breaks a call: a failure while recording is swallowed (and logged at DEBUG).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.metrics import Histogram, MeterProvider, get_meter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider

from ..._version import version
from ..observe import CURRENT_CALL, NOOP, RUN_SCOPE, Observation, Observer, RunScope
from ..response import ChatResponse
from . import Tracing, capture_content_from_env
from ._attributes import (
    EXTRA,
    AttributeValue,
    error_attributes,
    error_type,
    input_messages,
    output_messages,
    request_attributes,
    response_attributes,
    server_attributes,
    to_json,
    tool_arguments,
)

if TYPE_CHECKING:
    from ..parts import ToolPart
    from ..request import ModelRequest
    from ..tools import Tool

__all__ = ["ChatObserver", "ClientObserver"]

logger = logging.getLogger("chat_openrouter")

#: The instrumentation scope every span and metric is reported under.
SCOPE = "chat_openrouter"
# Bucket boundaries the conventions specify (gen-ai-metrics.md, ExplicitBucketBoundaries).
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip
#: Status descriptions (content capture only) are cut to this many characters.
MAX_DESCRIPTION = 500


class _Instruments:
    """The three GenAI client histograms of one meter provider."""

    __slots__ = ("duration", "first_chunk", "tokens")

    def __init__(self, provider: MeterProvider | None) -> None:
        meter = get_meter(SCOPE, version(), meter_provider=provider)
        self.duration: Histogram = meter.create_histogram(
            "gen_ai.client.operation.duration", unit="s", description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )  # fmt: skip
        self.tokens: Histogram = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}", description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
        )  # fmt: skip
        self.first_chunk: Histogram = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk", unit="s",
            description="Time to receive the first chunk of a streamed response.",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )  # fmt: skip


# One tracer and one set of instruments per provider (None: the global one, through the API's proxies,
# so an SDK configured after a client was built still receives everything).
_LOCK = threading.Lock()
_TRACERS: dict[TracerProvider | None, Tracer] = {}
_INSTRUMENTS: dict[MeterProvider | None, _Instruments] = {}


def _tracer(provider: TracerProvider | None) -> Tracer:
    with _LOCK:
        tracer = _TRACERS.get(provider)
        if tracer is None:
            tracer = _TRACERS[provider] = trace.get_tracer(SCOPE, version(), tracer_provider=provider)
        return tracer


def _instruments(provider: MeterProvider | None) -> _Instruments:
    with _LOCK:
        instruments = _INSTRUMENTS.get(provider)
        if instruments is None:
            instruments = _INSTRUMENTS[provider] = _Instruments(provider)
        return instruments


def _unconfigured_meters() -> tuple[type, ...]:
    # The API's stand-in until an SDK sets the global provider. Private to the API, so looked up
    # defensively: without it every call is observed (correct, only slower).
    try:
        from opentelemetry.metrics._internal import _ProxyMeterProvider
    except ImportError:  # pragma: no cover - a future API
        return ()
    return (metrics.NoOpMeterProvider, _ProxyMeterProvider)


_NO_TRACERS = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
_NO_METERS = _unconfigured_meters()


def no_sdk_for_spans() -> bool:
    """True while the application has configured no tracer provider (only the API is there)."""
    return isinstance(trace.get_tracer_provider(), _NO_TRACERS)


def no_sdk_at_all() -> bool:
    """True while neither a tracer provider nor a meter provider is configured."""
    return bool(_NO_METERS) and no_sdk_for_spans() and isinstance(metrics.get_meter_provider(), _NO_METERS)


def _record_error(span: Span, error: BaseException, capture: bool) -> None:
    span.set_attributes(error_attributes(error))
    if capture:
        span.record_exception(error)
        description = f"{type(error).__name__}: {error}"[:MAX_DESCRIPTION]
        span.set_status(Status(StatusCode.ERROR, description))
    else:
        span.add_event("exception", {"exception.type": error_type(error)})
        span.set_status(Status(StatusCode.ERROR))


# -- observations ----------------------------------------------------------------------------------------------
class _Activation:
    """The observation's span current (and its context variables set) while entered."""

    __slots__ = ("_observation", "_tokens")

    def __init__(self, observation: _Traced) -> None:
        self._observation = observation

    def __enter__(self) -> object:
        observation = self._observation
        span = observation.span
        context = observation.parent if span is None else trace.set_span_in_context(span, observation.parent)
        self._tokens = (otel_context.attach(context), observation.set_variables())
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        token, variables = self._tokens
        self._observation.reset_variables(variables)
        otel_context.detach(token)


class _Traced(Observation):
    """One span: started once, current while activated, ended once (the first :meth:`end` decides)."""

    __slots__ = ("_activations", "_ended", "capture", "observer", "parent", "span", "started")
    kind = SpanKind.INTERNAL

    def __init__(self, observer: _ObserverBase, capture: bool) -> None:
        self.observer = observer
        self.capture = capture
        # The parent is the context current when the operation was created, wherever it is iterated.
        self.parent = otel_context.get_current()
        self.span: Span | None = None
        self.started = 0.0
        self._ended = False
        self._activations: list[_Activation] = []

    # what each kind of operation says
    def name(self) -> str:
        raise NotImplementedError

    def start_attributes(self) -> dict[str, AttributeValue]:
        return {}

    def finish(self, span: Span, outcome: object, error: BaseException | None, duration: float) -> None:
        if error is not None and span.is_recording():
            _record_error(span, error, self.capture)

    def set_variables(self) -> Any:
        return None

    def reset_variables(self, tokens: Any) -> None:
        return None

    # the Observation protocol
    def start(self) -> None:
        if self.span is not None:
            return
        self.started = time.monotonic()
        span = self.observer.tracer.start_span(self.name(), context=self.parent, kind=self.kind)
        self.span = span
        if span.is_recording():
            try:
                span.set_attributes(self.start_attributes())
            except Exception:  # telemetry never breaks a call
                logger.debug("could not record the attributes of span %r", self.name(), exc_info=True)

    def activate(self) -> AbstractContextManager[object]:
        return _Activation(self)

    def end(self, outcome: object = None, *, error: BaseException | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        span = self.span
        if span is None:  # never started (a stream never iterated): nothing happened, nothing to say
            return
        try:
            self.finish(span, outcome, error, time.monotonic() - self.started)
        except Exception:
            logger.debug("could not record the end of span %r", self.name(), exc_info=True)
        finally:
            span.end()

    def __enter__(self) -> Observation:
        self.start()
        activation = _Activation(self)
        activation.__enter__()
        self._activations.append(activation)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._activations.pop().__exit__(exc_type, exc, tb)
        self.end(error=exc)


class _ModelCall(_Traced):
    """``chat {model}``: one model call, from the request to the last chunk, retries included."""

    __slots__ = ("body", "first_chunk_after", "model", "request", "retries", "stream")
    kind = SpanKind.CLIENT
    observer: ClientObserver

    def __init__(
        self,
        observer: ClientObserver,
        request: ModelRequest,
        body: Mapping[str, Any],
        stream: bool,
        capture: bool,
    ) -> None:
        super().__init__(observer, capture)
        self.request = request
        self.body = body
        sent = body.get("model")  # a client without a model may still send one (per-call extra_body)
        self.model = observer.model or (sent if isinstance(sent, str) and sent else None)
        self.stream = stream
        self.retries = 0
        self.first_chunk_after: float | None = None

    def name(self) -> str:
        return f"chat {self.model}" if self.model else "chat"

    def start_attributes(self) -> dict[str, AttributeValue]:
        observer = self.observer
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": observer.provider_name,
            **observer.server,
            **request_attributes(self.request, self.body, self.model),
            f"{EXTRA}.wire": observer.wire,
        }
        if self.capture:
            attributes["gen_ai.input.messages"] = input_messages(self.request.messages)
        return attributes

    def set_variables(self) -> Any:
        return CURRENT_CALL.set(self)  # the retry bookkeeping reports this call's attempts to it

    def reset_variables(self, tokens: Any) -> None:
        CURRENT_CALL.reset(tokens)

    def retrying(self, attempt: int, error: BaseException, delay: float) -> None:
        self.retries += 1
        span = self.span
        if span is None or not span.is_recording():
            return
        attributes: dict[str, AttributeValue] = {
            "http.request.resend_count": attempt,
            "error.type": error_type(error),
            f"{EXTRA}.retry.delay": float(delay),
        }
        status = getattr(error, "status", None)
        if isinstance(status, int) and not isinstance(status, bool):
            attributes["http.response.status_code"] = status
        span.add_event(f"{EXTRA}.retry", attributes)

    def first_chunk(self) -> None:
        if self.first_chunk_after is None and self.span is not None:
            self.first_chunk_after = time.monotonic() - self.started

    def finish(self, span: Span, outcome: object, error: BaseException | None, duration: float) -> None:
        observer = self.observer
        response = outcome if isinstance(outcome, ChatResponse) else None
        metric: dict[str, AttributeValue] = dict(observer.metric_attributes)
        if self.model and not observer.model:
            metric["gen_ai.request.model"] = self.model
        if response is not None and response.model:
            metric["gen_ai.response.model"] = response.model
        if error is not None:
            metric["error.type"] = error_type(error)
        if span.is_recording():
            if self.first_chunk_after is not None:
                span.set_attribute("gen_ai.response.time_to_first_chunk", self.first_chunk_after)
            if response is not None:
                span.set_attributes(response_attributes(response))
                if self.retries:
                    span.set_attribute(f"{EXTRA}.attempts", self.retries + 1)
                if self.capture:
                    span.set_attribute("gen_ai.output.messages", output_messages(response))
            if error is not None:
                _record_error(span, error, self.capture)
        instruments = observer.instruments
        instruments.duration.record(duration, metric)
        if self.first_chunk_after is not None:
            instruments.first_chunk.record(self.first_chunk_after, metric)
        if response is not None and not response.usage.is_empty:
            usage = response.usage
            instruments.tokens.record(usage.input_tokens, {**metric, "gen_ai.token.type": "input"})
            instruments.tokens.record(usage.output_tokens, {**metric, "gen_ai.token.type": "output"})


class _AgentRun(_Traced):
    """``invoke_agent``: one Chat run (an in-process agent: INTERNAL), its model calls and tools inside."""

    __slots__ = ("provider",)
    observer: ChatObserver

    def __init__(self, observer: ChatObserver, provider: object) -> None:
        super().__init__(observer, observer.capture)
        self.provider = provider

    def name(self) -> str:
        agent = self.observer.agent_name
        return f"invoke_agent {agent}" if agent else "invoke_agent"

    def start_attributes(self) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {"gen_ai.operation.name": "invoke_agent"}
        provider_name = getattr(self.provider, "provider_name", None)
        if isinstance(provider_name, str):
            attributes["gen_ai.provider.name"] = provider_name
        if self.observer.agent_name:
            attributes["gen_ai.agent.name"] = self.observer.agent_name
        model = getattr(self.provider, "model", None)
        if isinstance(model, str) and model:
            attributes["gen_ai.request.model"] = model
        return attributes

    def set_variables(self) -> Any:
        return RUN_SCOPE.set(self.observer.scope)  # the Chat's own content setting reaches its model calls

    def reset_variables(self, tokens: Any) -> None:
        RUN_SCOPE.reset(tokens)

    def finish(self, span: Span, outcome: object, error: BaseException | None, duration: float) -> None:
        if not span.is_recording():
            return
        if isinstance(outcome, ChatResponse):
            span.set_attributes(response_attributes(outcome))
            span.set_attribute(f"{EXTRA}.run.steps", len(outcome.steps))
            if outcome.pause is not None:
                span.set_attribute(f"{EXTRA}.run.paused", True)
                span.set_attribute(f"{EXTRA}.run.pending_approvals", len(outcome.pause.pending))
            if self.capture:
                span.set_attribute("gen_ai.output.messages", output_messages(outcome))
        if error is not None:
            _record_error(span, error, self.capture)


class _ToolRun(_Traced):
    """``execute_tool {name}``: one tool function run for one of the model's calls."""

    __slots__ = ("arguments", "part", "tool")
    observer: ChatObserver

    def __init__(
        self, observer: ChatObserver, part: ToolPart, tool: Tool, arguments: Mapping[str, Any]
    ) -> None:
        super().__init__(observer, observer.capture)
        self.part = part
        self.tool = tool
        self.arguments = arguments

    def name(self) -> str:
        return f"execute_tool {self.tool.name}"

    def start_attributes(self) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": self.tool.name,
            "gen_ai.tool.call.id": self.part.id,
            "gen_ai.tool.type": "function",
        }
        if self.tool.description:
            attributes["gen_ai.tool.description"] = self.tool.description  # the developer's, not content
        if self.capture:
            attributes["gen_ai.tool.call.arguments"] = tool_arguments(self.arguments)
        return attributes

    def finish(self, span: Span, outcome: object, error: BaseException | None, duration: float) -> None:
        if not span.is_recording():
            return
        if error is not None:
            _record_error(span, error, self.capture)
        elif self.capture:
            span.set_attribute("gen_ai.tool.call.result", to_json(outcome))


# -- observers ---------------------------------------------------------------------------------------------------
class _ObserverBase(Observer):
    __slots__ = ("capture", "capture_explicit", "global_tracer", "tracer")

    def __init__(self, settings: Tracing) -> None:
        self.tracer = _tracer(settings.tracer_provider)
        # With the global providers and no SDK behind them nothing would be recorded: skip the work
        # (the API-only cost). Checked per operation: an SDK configured later is used at once.
        self.global_tracer = settings.tracer_provider is None
        self.capture_explicit = settings.capture_content
        self.capture = (
            settings.capture_content if settings.capture_content is not None else capture_content_from_env()
        )


class ClientObserver(_ObserverBase):
    """Spans and metrics for one wire client's model calls."""

    __slots__ = (
        "global_providers",
        "instruments",
        "metric_attributes",
        "model",
        "provider_name",
        "server",
        "wire",
    )

    def __init__(
        self, settings: Tracing, *, provider_name: str, wire: str, model: str | None, base_url: str
    ) -> None:
        super().__init__(settings)
        self.instruments = _instruments(settings.meter_provider)
        self.provider_name = provider_name
        self.wire = wire
        self.model = model
        self.server = server_attributes(base_url)
        metric: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider_name,
        }
        if model:
            metric["gen_ai.request.model"] = model
        metric.update(self.server)
        self.metric_attributes = metric
        self.global_providers = self.global_tracer and settings.meter_provider is None

    def model_call(self, request: ModelRequest, body: Mapping[str, Any], *, stream: bool) -> Observation:
        if self.global_providers and no_sdk_at_all():
            return NOOP
        capture = self.capture
        scope = RUN_SCOPE.get()
        if scope is not None:
            if scope.suppressed:  # inside a Chat run whose tracing is off
                return NOOP
            if scope.capture_content is not None:
                capture = scope.capture_content
        return _ModelCall(self, request, body, stream, capture)


class ChatObserver(_ObserverBase):
    """Spans for a Chat's runs (``invoke_agent``) and tool runs (``execute_tool``)."""

    __slots__ = ("agent_name", "scope")

    def __init__(self, settings: Tracing) -> None:
        super().__init__(settings)
        self.agent_name = settings.agent_name
        self.scope = RunScope(capture_content=settings.capture_content)

    def agent_run(self, provider: object) -> Observation:
        if self.global_tracer and no_sdk_for_spans():
            return NOOP
        return _AgentRun(self, provider)

    def tool_call(self, part: ToolPart, tool: Tool, arguments: Mapping[str, Any]) -> Observation:
        if self.global_tracer and no_sdk_for_spans():
            return NOOP
        return _ToolRun(self, part, tool, arguments)
