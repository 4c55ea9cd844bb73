"""Message content never reaches telemetry unless asked for: a canary string over every span (name,
attributes, events, status), every metric data point and every log record, on success and error paths.

The paths: a tool loop whose prompt, tool arguments, tool result and answer carry the canary (complete
and stream, both wires); a tool that raises with the canary in its message; a server error whose body
echoes the prompt, retried and then raised; a structured-output validation failure quoting the answer.
pydantic-ai leaked content through exception events this way (GHSA-4x9p-g9wm-8q7f).

Each scenario also runs with ``capture_content=True``, where the canary *must* show up: the check can fail.
The API key is checked in both runs: it never shows up, captured or not.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from pydantic import BaseModel, field_validator

from chat_openrouter import ChatOptions, OpenRouterBuilder, messages
from chat_openrouter.core.tools import Tool, tool
from chat_openrouter.errors import APIStatusError, StructuredOutputError

from ._support import FAST_RETRIES_ASYNC, WIRES, Telemetry, builder, chat_builder

CANARY = "CANARY-7f3a9c-do-not-record"
KEY = "sk-or-v1-tracing-test-key"


def _strings(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return [str(value)]


def recorded(telemetry: Telemetry, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every string telemetry and logging received, each prefixed with where it was found."""
    out: list[str] = []
    for span in telemetry.spans():
        out.append(f"span name: {span.name}")
        for key, value in (span.attributes or {}).items():
            out += [f"span {span.name} attribute {key}: {s}" for s in _strings(value)]
        for event in span.events:
            out.append(f"span {span.name} event: {event.name}")
            for key, value in (event.attributes or {}).items():
                out += [f"span {span.name} event {event.name} {key}: {s}" for s in _strings(value)]
        out.append(f"span {span.name} status: {span.status.description}")
        for link in span.links:
            out += [f"span {span.name} link {k}: {v}" for k, v in (link.attributes or {}).items()]
    for name, points in telemetry.metrics().items():
        for point in points:
            out += [f"metric {name} {k}: {v}" for k, v in point.attributes.items()]
    for record in caplog.records:
        out.append(f"log {record.name}: {record.getMessage()}")
        if record.exc_info:
            out.append(f"log {record.name} traceback: {logging.Formatter().formatException(record.exc_info)}")
        extras = {
            k: v
            for k, v in vars(record).items()
            if k not in logging.LogRecord("", 0, "", 0, "", (), None).__dict__
        }
        out += [f"log {record.name} extra {k}: {v}" for k, v in extras.items()]
    return out


def leaks(telemetry: Telemetry, caplog: pytest.LogCaptureFixture, secret: str = CANARY) -> list[str]:
    return [line for line in recorded(telemetry, caplog) if secret in line]


# -- the scenarios ------------------------------------------------------------------------------------------------
# A hand-declared tool whose schema makes the emulator send the canary as its argument (`const` wins).
echo_tool = Tool(
    name="remember",
    description="Store a note.",
    parameters={
        "type": "object",
        "properties": {"note": {"type": "string", "const": CANARY}},
        "required": ["note"],
    },
    function=lambda note: {"stored": note, "also": CANARY},
)


@tool
def explode(reason: str) -> str:
    """Fails with a message quoting private data."""
    raise RuntimeError(f"could not process {CANARY}: {reason}")


class Answer(BaseModel):
    value: str

    @field_validator("value")
    @classmethod
    def known(cls, value: str) -> str:
        raise ValueError(f"{value!r} is not a known value")  # quotes the model's answer, as many do


def tool_loop(emulator: Any, telemetry: Telemetry, wire: str, capture: bool) -> None:
    client = builder(emulator, telemetry, wire, "emulator/tools", capture=capture).build()
    chat = chat_builder(client, telemetry, capture=capture).with_tools([echo_tool]).build()
    answer = chat.complete_sync(f"please remember {CANARY}")
    assert CANARY in answer.messages[1].tool_calls[0].output_text()
    chat.stream_sync(f"please remember {CANARY}").final_response()
    asyncio.run(chat.complete(f"please remember {CANARY}"))


def raising_tool(emulator: Any, telemetry: Telemetry, wire: str, capture: bool) -> None:
    client = builder(emulator, telemetry, wire, "emulator/tools", capture=capture).build()
    chat = chat_builder(client, telemetry, capture=capture).with_tools([explode]).build()
    response = chat.complete_sync(f"break on {CANARY}")
    assert CANARY in (response.messages[1].tool_calls[0].error or "")
    asyncio.run(chat.stream(f"break on {CANARY}").final_response())


def echoing_server_error(emulator: Any, telemetry: Telemetry, wire: str, capture: bool) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        sent = request.content.decode()
        key = request.headers.get("authorization", "")
        message = f"upstream rejected the request {sent} (credentials {key})"
        return httpx2.Response(500, json={"error": {"code": 500, "message": message}})

    base = (
        OpenRouterBuilder()
        .with_model("openai/gpt-4o")
        .with_api_key(KEY)
        .with_transport(httpx2.MockTransport(handler))
        .with_retries(FAST_RETRIES_ASYNC)
        .with_tracing(capture_content=capture, **telemetry.providers)
    )
    client = (base.with_completions() if wire == "completions" else base).build()
    for call in (
        lambda: client.complete_sync(messages.from_user(f"my secret is {CANARY}")),
        lambda: client.stream_sync(messages.from_user(f"my secret is {CANARY}")).final_response(),
        lambda: asyncio.run(client.complete(messages.from_user(f"my secret is {CANARY}"))),
    ):
        with pytest.raises(APIStatusError) as raised:
            call()
        assert raised.value.attempts == 3
        assert CANARY in str(raised.value)  # the error itself keeps the server's words for the caller


def invalid_structured_answer(emulator: Any, telemetry: Telemetry, wire: str, capture: bool) -> None:
    client = builder(emulator, telemetry, wire, "emulator/echo", capture=capture).build()
    chat = (
        chat_builder(client, telemetry, capture=capture)
        .with_structured_output(Answer)
        .with_output_retries(0)
        .build()
    )
    # emulator/echo repeats the prompt: JSON that fails validation with a message quoting the answer.
    prompt = json.dumps({"value": CANARY})
    with pytest.raises(StructuredOutputError) as raised:
        chat.complete_sync(prompt, options=ChatOptions(max_tokens=50))
    assert CANARY in str(raised.value)
    with pytest.raises(StructuredOutputError):
        chat.stream_sync(prompt).final_response()


SCENARIOS: dict[str, Callable[[Any, Telemetry, str, bool], None]] = {
    "tool loop": tool_loop,
    "a tool raising": raising_tool,
    "a server error echoing the prompt": echoing_server_error,
    "a structured answer failing validation": invalid_structured_answer,
}


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_content_is_recorded_by_default(emulator, telemetry, caplog, wire, scenario):
    caplog.set_level(logging.DEBUG)
    SCENARIOS[scenario](emulator, telemetry, wire, False)
    assert telemetry.spans(), "the scenario made no spans: the check would be vacuous"
    assert leaks(telemetry, caplog) == []
    assert leaks(telemetry, caplog, KEY) == []


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_content_is_recorded_when_asked_and_the_key_still_is_not(emulator, telemetry, caplog, wire, scenario):
    caplog.set_level(logging.DEBUG)
    SCENARIOS[scenario](emulator, telemetry, wire, True)
    found = leaks(telemetry, caplog)
    assert found, "with capture_content=True the canary must be on the spans"
    assert all(line.startswith("span ") for line in found), found  # spans only: never metrics or logs
    assert leaks(telemetry, caplog, KEY) == []


def test_the_environment_variable_turns_capture_on(emulator, telemetry, caplog, monkeypatch):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    client = builder(emulator, telemetry, "responses", "emulator/echo").build()
    client.complete_sync(messages.from_user(CANARY))
    assert leaks(telemetry, caplog)
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "false")
    telemetry.spans_exporter.clear()
    builder(emulator, telemetry, "responses", "emulator/echo").build().complete_sync(
        messages.from_user(CANARY)
    )
    assert leaks(telemetry, caplog) == []


def test_an_explicit_setting_beats_the_environment_variable(emulator, telemetry, caplog, monkeypatch):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    builder(emulator, telemetry, "responses", "emulator/echo", capture=False).build().complete_sync(
        messages.from_user(CANARY)
    )
    assert leaks(telemetry, caplog) == []


def test_the_recorded_strings_include_json_of_everything(telemetry):
    # The helper itself must see attribute values of every type (a vacuous helper passes every test).
    tracer = telemetry.tracer_provider.get_tracer("t")
    with tracer.start_as_current_span(
        "s", attributes={"a": [CANARY], "b": json.dumps({"x": CANARY})}
    ) as span:
        span.add_event("e", {"c": CANARY})
    assert len([line for line in recorded(telemetry, _NoLogs()) if CANARY in line]) == 3


class _NoLogs:
    records: list[logging.LogRecord] = []
