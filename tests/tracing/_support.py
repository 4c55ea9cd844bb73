"""Shared by the tracing tests: in-memory telemetry and traced emulator clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chat_openrouter import ChatBuilder, OpenRouterBuilder
from chat_openrouter.testing.emulator import Emulator
from chat_openrouter.transport.retry import RetryPolicy

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

WIRES = ["responses", "completions"]
#: Retries without waiting: the policy's sleep seams record nothing and return at once.
FAST_RETRIES = RetryPolicy(max_retries=2, initial_backoff=0.0, jitter=False, sleep=lambda _s: None)


async def _no_wait(_seconds: float) -> None:
    return None


FAST_RETRIES_ASYNC = RetryPolicy(
    max_retries=2, initial_backoff=0.0, jitter=False, sleep=lambda _s: None, asleep=_no_wait
)


@dataclass
class Point:
    """One metric data point, flattened."""

    attributes: dict[str, Any]
    count: int | None = None
    sum: float | None = None
    bucket_bounds: tuple[float, ...] = ()


@dataclass
class Telemetry:
    """What a test's spans and metrics went to."""

    spans_exporter: InMemorySpanExporter
    metric_reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    units: dict[str, str] = field(default_factory=dict)

    @property
    def providers(self) -> dict[str, Any]:
        return {"tracer_provider": self.tracer_provider, "meter_provider": self.meter_provider}

    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.spans() if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        found = self.named(name)
        assert len(found) == 1, [s.name for s in self.spans()]
        return found[0]

    def metrics(self) -> dict[str, list[Point]]:
        """Metric name -> data points (histograms: count, sum and bucket boundaries)."""
        out: dict[str, list[Point]] = {}
        data = self.metric_reader.get_metrics_data()
        if data is None:
            return out
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    self.units[metric.name] = metric.unit or ""
                    for point in metric.data.data_points:
                        out.setdefault(metric.name, []).append(
                            Point(
                                dict(point.attributes or {}),
                                getattr(point, "count", None),
                                getattr(point, "sum", None),
                                tuple(getattr(point, "explicit_bounds", ()) or ()),
                            )
                        )
        return out


def builder(
    emulator: Emulator, telemetry: Telemetry, wire: str, model: str, *, capture: bool | None = None
) -> OpenRouterBuilder:
    """An emulator client's builder traced into ``telemetry`` (retries without waits)."""
    b = (
        OpenRouterBuilder()
        .with_model(model)
        .with_api_key("sk-or-v1-tracing-test-key")
        .with_transport(emulator.transport())
        .with_retries(FAST_RETRIES_ASYNC)
        .with_tracing(capture_content=capture, **telemetry.providers)
    )
    return b.with_completions() if wire == "completions" else b


def chat_builder(
    client: Any, telemetry: Telemetry, *, capture: bool | None = None, agent_name: str | None = None
) -> ChatBuilder:
    """A Chat's builder on ``client``, traced into ``telemetry``."""
    return (
        ChatBuilder()
        .with_model(client)
        .with_tracing(capture_content=capture, agent_name=agent_name, **telemetry.providers)
    )
