"""On by default when ``opentelemetry-api`` is importable, free when it is not, cheap to import either way.

These run in fresh interpreters: the process-wide tracer provider can be set only once, and import
costs can only be seen before anything was imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run_python(*parts: str) -> dict[str, object]:
    """Run the code ``parts`` (each dedented on its own) in a fresh interpreter; its last line is JSON."""
    code = "\n".join(textwrap.dedent(part) for part in parts)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


CALL = """
from chat_openrouter import ChatBuilder, OpenRouterBuilder, messages
from chat_openrouter.testing.emulator import Emulator

emulator = Emulator()
client = (OpenRouterBuilder().with_model("emulator/echo").with_api_key("sk-or-v1-x")
          .with_transport(emulator.transport()).build())
chat = ChatBuilder().with_model(client).build()
"""


def test_with_no_builder_call_spans_go_to_the_global_provider_set_by_the_application():
    out = run_python(
        """
        import json, sys
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        """,
        CALL,
        """
        # The SDK is configured after the client was built: the API's proxies still deliver.
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        chat.complete_sync("hi")
        print(json.dumps({"spans": sorted(s.name for s in exporter.get_finished_spans())}))
        """,
    )
    assert out["spans"] == ["chat emulator/echo", "invoke_agent"]


def test_with_only_the_api_installed_no_observation_is_made_until_an_sdk_is_configured():
    """The API-only path: nothing would be recorded, so nothing is built (the <= 2 % CPU target)."""
    out = run_python(
        """
        import json
        from opentelemetry import metrics
        from chat_openrouter.core.observe import NOOP
        from chat_openrouter.core.request import ModelRequest
        """,
        CALL,
        """
        request = ModelRequest(messages.from_user("hi"))
        observer = client._observer  # the client's observer: what each model call asks
        before = observer.model_call(request, {}, stream=False) is NOOP
        from opentelemetry.sdk.metrics import MeterProvider
        metrics.set_meter_provider(MeterProvider())  # metrics only: calls are observed again
        after = observer.model_call(request, {}, stream=False) is NOOP
        print(json.dumps({"before": before, "after": after}))
        """,
    )
    assert out == {"before": True, "after": False}


def test_importing_and_building_load_no_opentelemetry_and_no_tracing_code():
    out = run_python(
        """
        import json, sys
        import chat_openrouter
        after_import = sorted(m for m in sys.modules if "opentelemetry" in m or "tracing" in m)
        """,
        CALL,
        """
        after_build = sorted(m for m in sys.modules if "opentelemetry" in m)
        chat.complete_sync("hi")
        after_call = "opentelemetry.trace" in sys.modules
        print(json.dumps({"import": after_import, "build": after_build, "call": after_call}))
        """,
    )
    assert out == {"import": [], "build": [], "call": True}


def test_without_opentelemetry_installed_everything_works_and_nothing_is_tried_twice():
    out = run_python(
        """
        import importlib.abc, json, sys

        class NoOpenTelemetry(importlib.abc.MetaPathFinder):
            looked = 0
            def find_spec(self, name, path=None, target=None):
                if name == "opentelemetry" or name.startswith("opentelemetry."):
                    NoOpenTelemetry.looked += 1
                    raise ModuleNotFoundError(name)
                return None

        sys.meta_path.insert(0, NoOpenTelemetry())
        """,
        CALL,
        """
        from chat_openrouter.core.tools import tool

        @tool
        def add(a: int, b: int) -> int:
            '''Add.'''
            return a + b

        tools = ChatBuilder().with_model(client.with_options(client.options)).with_tools([add]).build()
        for _ in range(3):
            assert chat.complete_sync("hi").text == "hi"
            assert client.stream_sync(messages.from_user("hi")).final_response().text == "hi"
        tools.complete_sync("add")
        print(json.dumps({"looked": NoOpenTelemetry.looked,
                          "loaded": sorted(m for m in sys.modules if "opentelemetry" in m)}))
        """,
    )
    # One look per observer (the client's, the two chats'), then the no-op for good.
    assert out["loaded"] == []
    assert 1 <= out["looked"] <= 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("span_and_event", True), ("false", False), ("", False),
     ("no_content", False), ("maybe", False)],
)  # fmt: skip
def test_the_capture_environment_variable(value, expected):
    from chat_openrouter.core.tracing import capture_content_from_env

    assert capture_content_from_env({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": value}) is expected
    assert capture_content_from_env({}) is False
