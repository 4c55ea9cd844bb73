"""``invoke_agent`` around a Chat run, ``execute_tool`` per tool run, and the model calls between them --
parented right in the four shells (complete / stream x sync / async), with parallel async tools, tools
in worker threads, and an approval pause followed by a resume."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated, Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import Field

from chat_openrouter import ChatBuilder, messages
from chat_openrouter.core.tools import tool
from chat_openrouter.errors import MaxStepsExceededError

from ._support import WIRES, Telemetry, builder, chat_builder

MODES = ["complete_sync", "complete_async", "stream_sync", "stream_async"]


def run(chat: Any, mode: str, prompt: Any = "use the tools", *, pause: Any = None) -> Any:
    """One run of ``chat`` in ``mode`` (a resume when ``pause`` is given); returns the final response."""
    if mode == "complete_sync":
        return chat.resume_sync(pause) if pause else chat.complete_sync(prompt)
    if mode == "stream_sync":
        stream = chat.resume_stream_sync(pause) if pause else chat.stream_sync(prompt)
        return stream.final_response()

    async def main() -> Any:
        if mode == "complete_async":
            return await (chat.resume(pause) if pause else chat.complete(prompt))
        stream = chat.resume_stream(pause) if pause else chat.stream(prompt)
        return await stream.final_response()

    return asyncio.run(main())


def children(telemetry: Telemetry, parent: Any) -> list[str]:
    return sorted(
        s.name for s in telemetry.spans() if s.parent and s.parent.span_id == parent.context.span_id
    )


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool(approval="require")
def transfer(amount: int) -> str:
    """Move money (a person approves every call)."""
    return f"moved {amount}"


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("mode", MODES)
def test_a_tool_loop_with_an_approval_pause_and_a_resume(emulator, telemetry, wire, mode):
    client = builder(emulator, telemetry, wire, "emulator/tools").build()
    chat = chat_builder(client, telemetry, agent_name="banker").with_tools([add, transfer]).build()

    paused = run(chat, mode)
    assert paused.pause is not None
    (first_run,) = telemetry.named("invoke_agent banker")
    assert first_run.kind is SpanKind.INTERNAL
    assert first_run.parent is None
    assert first_run.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert first_run.attributes["gen_ai.agent.name"] == "banker"
    assert first_run.attributes["gen_ai.provider.name"] == "openrouter"
    assert first_run.attributes["gen_ai.request.model"] == "emulator/tools"
    assert first_run.attributes["openrouter.run.paused"] is True
    assert first_run.attributes["openrouter.run.pending_approvals"] == 1
    assert first_run.attributes["openrouter.run.steps"] == 1
    assert first_run.status.status_code is StatusCode.UNSET
    assert children(telemetry, first_run) == ["chat emulator/tools", "execute_tool add"]
    (ran,) = telemetry.named("execute_tool add")
    assert ran.attributes["gen_ai.tool.name"] == "add"
    assert ran.attributes["gen_ai.tool.type"] == "function"
    assert ran.attributes["gen_ai.tool.description"] == "Add two integers."
    assert ran.attributes["gen_ai.tool.call.id"] == next(p.id for p in paused.tool_calls if p.name == "add")
    assert telemetry.named("execute_tool transfer") == []  # waiting for a person: not run

    telemetry.spans_exporter.clear()
    done = run(chat, mode, pause=paused.pause.approve_all())
    assert done.pause is None
    (second_run,) = telemetry.named("invoke_agent banker")
    assert "openrouter.run.paused" not in second_run.attributes
    assert second_run.attributes["openrouter.run.steps"] == 2  # the paused step and the answer
    assert second_run.attributes["gen_ai.usage.input_tokens"] == done.usage.input_tokens
    assert children(telemetry, second_run) == ["chat emulator/tools", "execute_tool transfer"]
    assert len({s.context.trace_id for s in telemetry.spans()}) == 1


@pytest.mark.parametrize("mode", MODES)
def test_parallel_tools_and_tools_in_worker_threads_are_children_of_the_run(emulator, telemetry, mode):
    """Async runs gather the tool calls (tasks copy the context); sync tools of an async run go to a
    thread (asyncio.to_thread copies it); an async tool of a sync run inside a running loop runs on a
    fresh loop in a worker thread (run_awaitable_sync copies it). A span a tool starts itself must land
    under its execute_tool span in every case."""
    tracer = telemetry.tracer_provider.get_tracer("tools")
    threads: set[str] = set()

    @tool
    def lookup(key: str) -> str:
        """Look a key up (sync: an async run runs it in a worker thread)."""
        threads.add(threading.current_thread().name)
        with tracer.start_as_current_span("lookup work"):
            return key.upper()

    @tool
    async def fetch(url: str) -> str:
        """Fetch a URL (async)."""
        with tracer.start_as_current_span("fetch work"):
            await asyncio.sleep(0)
            return url

    client = builder(emulator, telemetry, "completions", "emulator/tools").build()
    chat = chat_builder(client, telemetry).with_tools([lookup, fetch]).build()

    if mode == "complete_sync":
        # Inside a running loop the async tool runs on a fresh loop in a worker thread.
        async def main() -> None:
            chat.complete_sync("use the tools")

        asyncio.run(main())
    else:
        run(chat, mode)

    (agent,) = telemetry.named("invoke_agent")
    assert children(telemetry, agent) == [
        "chat emulator/tools",
        "chat emulator/tools",
        "execute_tool fetch",
        "execute_tool lookup",
    ]
    for name, work in (("execute_tool lookup", "lookup work"), ("execute_tool fetch", "fetch work")):
        (span,) = telemetry.named(name)
        assert children(telemetry, span) == [work]
    if mode.endswith("async"):
        assert threads != {threading.main_thread().name}


def test_the_callers_span_is_the_parent_of_a_run_and_of_everything_in_it(emulator, telemetry):
    client = builder(emulator, telemetry, "responses", "emulator/tools").build()
    chat = chat_builder(client, telemetry).with_tools([add]).build()
    tracer = telemetry.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handler") as handler:
        stream = chat.stream_sync("add 2 and 3")
    for _ in stream:  # iterated outside the handler span: the run keeps the parent it was created under
        assert trace.get_current_span() is trace.INVALID_SPAN  # and never leaks its context to the caller
    (agent,) = telemetry.named("invoke_agent")
    assert agent.parent.span_id == handler.get_span_context().span_id
    assert {s.context.trace_id for s in telemetry.spans()} == {handler.get_span_context().trace_id}


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_run_records_its_error_type(emulator, telemetry, mode):
    client = builder(emulator, telemetry, "completions", "emulator/tools").build()
    chat = chat_builder(client, telemetry).with_tools([add]).with_max_steps(1).build()
    with pytest.raises(MaxStepsExceededError):
        run(chat, mode)
    (agent,) = telemetry.named("invoke_agent")
    assert agent.status.status_code is StatusCode.ERROR
    assert agent.attributes["error.type"] == "MaxStepsExceededError"
    assert [e.name for e in agent.events] == ["exception"]


@pytest.mark.parametrize("mode", MODES)
def test_a_tool_that_raises_is_an_errored_execute_tool_span_and_the_run_goes_on(emulator, telemetry, mode):
    @tool
    def broken(x: int) -> int:
        """Always fails."""
        raise LookupError("no such record")

    client = builder(emulator, telemetry, "responses", "emulator/tools").build()
    chat = chat_builder(client, telemetry).with_tools([broken]).build()
    run(chat, mode)
    (span,) = telemetry.named("execute_tool broken")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "LookupError"
    assert telemetry.one("invoke_agent").status.status_code is StatusCode.UNSET


def test_a_chat_with_tracing_off_silences_its_model_calls_too(emulator, telemetry):
    client = builder(emulator, telemetry, "responses", "emulator/tools").build()
    chat = ChatBuilder().with_model(client).with_tools([add]).with_tracing(False).build()
    for mode in MODES:
        run(chat, mode)
    assert telemetry.spans() == []
    client.complete_sync(messages.from_user("outside the chat"))  # the client itself still traces
    assert [s.name for s in telemetry.spans()] == ["chat emulator/tools"]


def test_a_chats_content_setting_applies_to_its_model_calls(emulator, telemetry):
    client = builder(emulator, telemetry, "responses", "emulator/echo", capture=False).build()
    chat = chat_builder(client, telemetry, capture=True).build()
    chat.complete_sync("say the secret word")
    assert "say the secret word" in telemetry.one("chat emulator/echo").attributes["gen_ai.input.messages"]
    telemetry.spans_exporter.clear()
    client.complete_sync(messages.from_user("say the secret word"))
    assert "gen_ai.input.messages" not in telemetry.one("chat emulator/echo").attributes


def test_content_capture_records_messages_and_tool_data_in_the_conventions_shape(emulator, telemetry):
    import json

    client = builder(emulator, telemetry, "completions", "emulator/tools").build()
    chat = chat_builder(client, telemetry, capture=True).with_tools([add]).build()
    chat.complete_sync(messages.from_system("be brief").user("add 2 and 3"))

    (first, second) = telemetry.named("chat emulator/tools")
    sent = json.loads(first.attributes["gen_ai.input.messages"])
    assert sent == [
        {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
        {"role": "user", "parts": [{"type": "text", "content": "add 2 and 3"}]},
    ]
    (answer,) = json.loads(first.attributes["gen_ai.output.messages"])
    assert answer["role"] == "assistant"
    assert answer["finish_reason"] == "tool_calls"
    (call,) = answer["parts"]
    assert call["type"] == "tool_call"
    assert call["name"] == "add"
    followup = json.loads(second.attributes["gen_ai.input.messages"])
    assert [m["role"] for m in followup] == ["system", "user", "assistant", "tool"]
    assert followup[-1]["parts"][0]["type"] == "tool_call_response"
    assert followup[-1]["parts"][0]["id"] == call["id"]

    (ran,) = telemetry.named("execute_tool add")
    arguments = json.loads(ran.attributes["gen_ai.tool.call.arguments"])
    assert arguments == call["arguments"]
    assert json.loads(ran.attributes["gen_ai.tool.call.result"]) == arguments["a"] + arguments["b"]


@pytest.mark.parametrize("mode", ["complete_sync", "stream_async"])
def test_mcp_tools_get_execute_tool_spans_like_local_ones(emulator, telemetry, mode):
    pytest.importorskip("mcp")
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("calc")

    @server.tool()
    def multiply(a: Annotated[int, Field(examples=[6])], b: Annotated[int, Field(examples=[7])]) -> int:
        """Multiply two integers."""
        return a * b

    client = builder(emulator, telemetry, "responses", "emulator/tools").build()
    with chat_builder(client, telemetry).with_mcp(server, prefix="calc").build() as chat:
        response = run(chat, mode)
    assert response.messages[1].tool_calls[0].result in (42, "42")
    (agent,) = telemetry.named("invoke_agent")
    (span,) = telemetry.named("execute_tool calc_multiply")
    assert span.parent.span_id == agent.context.span_id
    assert span.attributes["gen_ai.tool.description"] == "Multiply two integers."
    assert span.status.status_code is StatusCode.UNSET
