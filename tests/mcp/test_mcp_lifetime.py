"""The chat owns its MCP connections: closing (or dropping) it ends the loop thread and the subprocesses;
sync and async callers, threads, nested event loops and cancellation all work on one connection."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest

pytest.importorskip("mcp.server.mcpserver")

from _mcp_servers import STDIO_SERVER, Counts, counting_server, weather_server
from mcp.server.mcpserver import MCPServer

from chat_openrouter.core.chat import Chat, ChatBuilder
from chat_openrouter.core.parts import ToolStatus
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.testing import ScriptedProvider, ScriptedReply, ScriptedRequest, call, reply


def _mcp_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "chat-openrouter-mcp"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _tool_then_answer(name: str, arguments: dict[str, Any] | None = None) -> ScriptedProvider:
    """A model that calls ``name`` whenever the conversation has no tool result yet, then says "ok"."""

    def script(request: ScriptedRequest) -> ScriptedReply:
        answered = any(p.has_result for content in request.messages for p in content.tool_calls)
        return reply("ok") if answered else reply(tool_calls=[call(name, arguments or {})])

    return ScriptedProvider(script)


def _pid(response: ChatResponse) -> int:
    (part,) = response.steps[0].content.tool_calls
    assert part.status is ToolStatus.COMPLETED, part.error
    return int(part.result)


def _stdio_chat() -> Chat:
    return ChatBuilder().with_model(_tool_then_answer("pid")).with_mcp([sys.executable, STDIO_SERVER]).build()


def test_close_ends_the_subprocess_and_the_thread_and_is_idempotent() -> None:
    chat = _stdio_chat()
    assert _mcp_threads() == []  # nothing starts before the first run
    pid = _pid(chat.complete_sync("hi"))
    assert _alive(pid) and len(_mcp_threads()) == 1
    chat.close()
    assert not _alive(pid)
    assert _mcp_threads() == []
    chat.close()  # again: nothing to do
    # Used again, it reconnects: a new process, closed by the with block.
    with chat:
        second = _pid(chat.complete_sync("hi"))
    assert second != pid and not _alive(second) and _mcp_threads() == []


def test_async_with_closes_too() -> None:
    async def main() -> int:
        async with _stdio_chat() as chat:
            return _pid(await chat.complete("hi"))

    pid = asyncio.run(main())
    assert not _alive(pid)
    assert _mcp_threads() == []


def test_a_chat_dropped_without_close_releases_everything() -> None:
    def use_and_drop() -> int:
        return _pid(_stdio_chat().complete_sync("hi"))

    pid = use_and_drop()
    gc.collect()
    assert not _alive(pid)
    assert _mcp_threads() == []


def test_a_paused_run_resumes_after_the_chat_was_closed() -> None:
    provider = ScriptedProvider([reply(tool_calls=[call("add", {"a": 2, "b": 40}, id="c1")]), reply("ok")])
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_mcp(weather_server(), allow=["add"], approval="require")
        .build()
    )
    paused = chat.complete_sync("hi")
    chat.close()  # e.g. the pause was kept in a session between two web requests
    assert paused.pause is not None
    with chat:
        done = chat.resume_sync(paused.pause.approve("c1"))
    assert done.steps[0].content.tool_calls[0].result == "42"


def test_cancelling_a_run_cancels_the_mcp_call_and_the_chat_stays_usable() -> None:
    started, cancelled = threading.Event(), threading.Event()
    server = MCPServer("slow")

    @server.tool()
    async def slow() -> str:
        """Takes forever."""
        started.set()
        try:
            await anyio.sleep(60)
        finally:
            cancelled.set()
        return "late"

    @server.tool()
    def fast() -> str:
        """Answers at once."""
        return "fast"

    chat = ChatBuilder().with_model(_tool_then_answer("slow")).with_mcp(server).build()

    async def main() -> None:
        task = asyncio.create_task(chat.complete("hi"))
        assert await asyncio.to_thread(started.wait, 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert cancelled.wait(30)  # the server-side call was cancelled, not left running
    fast_chat = ChatBuilder().with_model(_tool_then_answer("fast")).with_mcp(server).build()
    with chat, fast_chat:
        assert fast_chat.complete_sync("again").steps[0].content.tool_calls[0].result == "fast"
    assert _mcp_threads() == []


def test_complete_sync_inside_a_running_event_loop() -> None:
    counts = Counts()
    chat = (
        ChatBuilder()
        .with_model(_tool_then_answer("add", {"a": 1, "b": 2}))
        .with_mcp(counting_server(counts))
        .build()
    )

    async def main() -> ChatResponse:
        return chat.complete_sync("hi")  # blocks this loop, as complete_sync always does; must not deadlock

    with chat:
        response = asyncio.run(main())
    assert response.steps[0].content.tool_calls[0].result == "3"


def test_threads_share_one_connection() -> None:
    counts = Counts()
    chat = (
        ChatBuilder()
        .with_model(_tool_then_answer("add", {"a": 1, "b": 2}))
        .with_mcp(counting_server(counts))
        .build()
    )
    with chat, ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: chat.complete_sync("hi").text, range(8)))
    assert results == ["ok"] * 8
    assert (counts.lists, counts.calls) == (1, 8)
    assert _mcp_threads() == []


def test_close_and_aclose_are_twins() -> None:
    for sync_name, async_name in (
        ("close", "aclose"),
        ("__enter__", "__aenter__"),
        ("__exit__", "__aexit__"),
    ):
        assert list(inspect.signature(getattr(Chat, sync_name)).parameters) == list(
            inspect.signature(getattr(Chat, async_name)).parameters
        )
        assert inspect.iscoroutinefunction(getattr(Chat, async_name))


def test_a_chat_without_mcp_has_a_trivial_lifetime() -> None:
    chat = ChatBuilder().with_model(ScriptedProvider([reply("hi"), reply("again")])).build()
    with chat:
        assert chat.complete_sync("x").text == "hi"
    assert chat.complete_sync("x").text == "again"  # nothing was closed that a run needs
    asyncio.run(chat.aclose())


def test_a_tool_running_its_own_chat_synchronously_gets_an_error_not_a_deadlock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = MCPServer("recursive")
    holder: dict[str, Chat] = {}

    @server.tool()
    async def ask_again() -> str:
        """Runs the chat from inside one of its tools (on the chat's own MCP loop)."""
        return holder["chat"].complete_sync("nested").text

    chat = ChatBuilder().with_model(_tool_then_answer("ask_again")).with_mcp(server).build()
    holder["chat"] = chat
    with chat:
        (part,) = chat.complete_sync("hi").steps[0].content.tool_calls
    assert part.status is ToolStatus.FAILED
    assert (
        part.error == "MCPToolError: Error executing tool ask_again"
    )  # the SDK hides the cause from clients...
    assert (
        "cannot run synchronously inside one of its own in-process MCP tools" in caplog.text
    )  # ...and logs it
