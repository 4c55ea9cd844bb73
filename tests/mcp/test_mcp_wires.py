"""An agent with an MCP server's tools completes a tool round trip, end to end, on both wires.

The model is the emulator's ``emulator/tools`` on loopback HTTP (real httpx2, real SSE), validating every
request body against OpenRouter's OpenAPI spec; it calls every tool it is offered with arguments built
from the tool's JSON schema (the servers' schemas carry ``examples``: ``add(2, 40)``,
``get_weather("Paris")``), then answers from the results. The MCP server is in-process (an ``MCPServer``
object), a stdio subprocess (``stdio_server.py`` run with ``sys.executable``), or Streamable HTTP on
loopback. Each shell (complete / stream x sync / async) runs it; they must agree.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mcp.server.mcpserver")

from _mcp_servers import STDIO_SERVER, HttpMCPServer, weather_server

from _spec import spec_errors
from chat_openrouter.core import messages
from chat_openrouter.core.chat import Chat, ChatBuilder
from chat_openrouter.core.events import Done, StreamEvent, ToolCall, ToolResult
from chat_openrouter.core.parts import ToolStatus
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.testing.emulator import Emulator
from e2e._server import LoopbackServer

WIRES = ["responses", "completions"]
MODES = ["complete_sync", "complete_async", "stream_sync", "stream_async"]
PROMPT = "What is 2 + 40, and how warm is it in Paris?"


@pytest.fixture(scope="module")
def emulator() -> Iterator[tuple[Emulator, LoopbackServer]]:
    emu = Emulator(validator=spec_errors)
    with LoopbackServer(emu) as running:
        yield emu, running


def _client(wire: str, server: LoopbackServer) -> Any:
    from chat_openrouter import OpenRouterBuilder

    builder = OpenRouterBuilder().with_completions() if wire == "completions" else OpenRouterBuilder()
    return (
        builder
        .with_model("emulator/tools")
        .with_api_key("sk-or-test")
        .with_base_url(server.url + "/api/v1")
        .with_retries(0)
        .build()
    )


def _run(chat: Chat, mode: str) -> tuple[ChatResponse, list[StreamEvent]]:
    """One run in ``mode``; the async ones in their own event loop (the chat's MCP loop is its own)."""
    events: list[StreamEvent] = []
    if mode == "complete_sync":
        return chat.complete_sync(messages.from_user(PROMPT)), events
    if mode == "stream_sync":
        with chat.stream_sync(messages.from_user(PROMPT)) as stream:
            events.extend(stream)
        assert stream.response is not None
        return stream.response, events

    async def go() -> ChatResponse:
        try:
            if mode == "complete_async":
                return await chat.complete(messages.from_user(PROMPT))
            async with chat.stream(messages.from_user(PROMPT)) as stream:
                events.extend([event async for event in stream])
            assert stream.response is not None
            return stream.response
        finally:
            await chat.provider.aclose()  # type: ignore[attr-defined]  # the async pool lives in this loop

    return asyncio.run(go()), events


def _check_round_trip(
    response: ChatResponse,
    events: list[StreamEvent],
    mode: str,
    bodies: list[dict[str, Any]],
    extra_tools: tuple[str, ...] = (),
    prefix: str = "",
) -> None:
    # The answer is built from what the MCP tools returned...
    assert response.text.startswith("Based on the tools: ")
    assert f"{prefix}add: 42" in response.text
    assert '"city": "Paris"' in response.text and '"temp_c": 21' in response.text
    # ...after exactly one tool round: two model calls, every call completed by the server.
    assert len(response.steps) == 2
    calls = response.steps[0].content.tool_calls
    names = sorted(prefix + name for name in ["add", "get_weather", *extra_tools])
    assert sorted(c.name for c in calls) == names
    assert all(c.status is ToolStatus.COMPLETED for c in calls)
    arguments = {c.name: c.arguments for c in calls}
    assert (arguments[f"{prefix}add"], arguments[f"{prefix}get_weather"]) == (
        {"a": 2, "b": 40},
        {"city": "Paris"},
    )
    # The tools were declared to the model with the server's schemas (spec-valid: the emulator checked).
    first, second = bodies
    declared = {_tool_name(t): t for t in first["tools"]}
    assert sorted(declared) == names
    assert "Add two integers." in str(declared[f"{prefix}add"])
    assert "examples" in str(declared[f"{prefix}get_weather"])
    assert "42" in str(second)  # the tool output went back to the model
    if mode.startswith("stream"):
        kinds = [type(e).__name__ for e in events if isinstance(e, (ToolCall, ToolResult, Done))]
        assert kinds == ["ToolCall"] * len(names) + ["ToolResult"] * len(names) + ["Done"]


def _tool_name(tool: dict[str, Any]) -> str:
    return str(tool.get("name") or tool["function"]["name"])  # flat on Responses, nested on Completions


def _model_bodies(emu: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emu.requests if r.path.endswith(("/responses", "/chat/completions"))]


def _mcp_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "chat-openrouter-mcp"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_in_process_server_round_trip(
    emulator: tuple[Emulator, LoopbackServer], wire: str, mode: str
) -> None:
    emu, server = emulator
    emu.reset()
    client = _client(wire, server)
    chat = ChatBuilder().with_model(client).with_mcp(weather_server(), allow=["add", "get_weather"]).build()
    with chat, client:
        response, events = _run(chat, mode)
    _check_round_trip(response, events, mode, _model_bodies(emu))
    assert _mcp_threads() == []


@pytest.mark.parametrize("wire", WIRES)
def test_stdio_server_round_trip_in_every_shell_over_one_connection(
    emulator: tuple[Emulator, LoopbackServer], wire: str
) -> None:
    emu, server = emulator
    client = _client(wire, server)
    chat = (
        ChatBuilder()
        .with_model(client)
        .with_mcp([sys.executable, STDIO_SERVER], allow=["add", "get_weather", "pid"])
        .build()
    )
    pids: set[int] = set()
    with chat:
        for mode in ("complete_sync", "stream_sync"):
            emu.reset()
            response, events = _run(chat, mode)
            pids.add(_pid_of(response))
            _check_round_trip(response, events, mode, _model_bodies(emu), extra_tools=("pid",))

        async def both_async() -> list[tuple[ChatResponse, list[StreamEvent], list[dict[str, Any]]]]:
            results = []
            async with client:  # the async pool lives in this loop
                for mode in ("complete_async", "stream_async"):
                    emu.reset()
                    events: list[StreamEvent] = []
                    if mode == "complete_async":
                        response = await chat.complete(messages.from_user(PROMPT))
                    else:
                        async with chat.stream(messages.from_user(PROMPT)) as stream:
                            events.extend([e async for e in stream])
                        assert stream.response is not None
                        response = stream.response
                    results.append((response, events, _model_bodies(emu)))
            return results

        for (response, events, bodies), mode in zip(
            asyncio.run(both_async()), ("complete_async", "stream_async"), strict=True
        ):
            pids.add(_pid_of(response))
            _check_round_trip(response, events, mode, bodies, extra_tools=("pid",))
        assert len(_mcp_threads()) == 1
    client.close()
    # One connection served all four runs (sync and async callers alike)...
    assert len(pids) == 1
    # ...and closing the chat ended the subprocess and the loop thread.
    assert not _process_alive(pids.pop())
    assert _mcp_threads() == []


@pytest.mark.parametrize("wire", WIRES)
def test_streamable_http_server_round_trip(emulator: tuple[Emulator, LoopbackServer], wire: str) -> None:
    emu, server = emulator
    with HttpMCPServer(weather_server("http-weather")) as mcp_server:
        for mode in ("complete_sync", "complete_async"):
            emu.reset()
            client = _client(wire, server)
            chat = (
                ChatBuilder()
                .with_model(client)
                .with_mcp(mcp_server.url, prefix="w", allow=["add", "get_weather"], headers={"X-Test": "1"})
                .build()
            )
            with chat, client:
                response, events = _run(chat, mode)
            _check_round_trip(response, events, mode, _model_bodies(emu), prefix="w_")
    assert _mcp_threads() == []


def _pid_of(response: ChatResponse) -> int:
    (pid_call,) = [c for c in response.steps[0].content.tool_calls if c.name == "pid"]
    assert pid_call.status is ToolStatus.COMPLETED
    return int(pid_call.result)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
