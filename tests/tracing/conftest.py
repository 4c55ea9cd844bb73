"""Fixtures for the tracing tests: fresh SDK providers with in-memory exporters, and the emulator.

Each test gets its own ``TracerProvider`` / ``MeterProvider`` (given to ``with_tracing``), so nothing
depends on the process-wide providers, which OpenTelemetry lets a process set only once.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from chat_openrouter.testing.emulator import Emulator

from ._support import Telemetry


def _sdk_installed() -> bool:
    try:
        return importlib.util.find_spec("opentelemetry.sdk") is not None
    except ImportError:
        return False


# The test extra installs the SDK; without it (a partial environment) these tests are not collected.
if not _sdk_installed():
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Telemetry(exporter, reader, tracer_provider, meter_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()
