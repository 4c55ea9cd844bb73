"""The engine's side of toolsets, without MCP: a fake ``Toolset`` in the four shells.

The engine knows only the protocol (``core/toolset.py``): one ``LoadTools`` effect at the start of each
run, the tools it returns used like local ones, a load failure stopping the run before any model call,
and ``Chat.close``/``aclose`` closing every toolset.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from chat_openrouter.core.chat import Chat
from chat_openrouter.core.engine import RunConfig
from chat_openrouter.core.parts import ToolStatus
from chat_openrouter.core.tools import Tool
from chat_openrouter.core.toolset import Toolset
from chat_openrouter.errors import ToolsetError
from chat_openrouter.testing import ScriptedProvider, call, reply
from engine._harness import MODES, drive


def double(x: int) -> int:
    return 2 * x


class FakeToolset:
    """Counts loads (by shell) and closes; fails to load when told to."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.loads: list[str] = []
        self.closes: list[str] = []
        self.tool = Tool(
            name="double", description="Double x.", parameters={"type": "object"}, function=double
        )

    def _load(self, how: str) -> Sequence[Tool]:
        self.loads.append(how)
        if self.fail:
            raise ToolsetError("cannot reach the fake server")
        return [self.tool]

    async def load(self) -> Sequence[Tool]:
        return self._load("async")

    def load_sync(self) -> Sequence[Tool]:
        return self._load("sync")

    async def aclose(self) -> None:
        self.closes.append("async")

    def close(self) -> None:
        self.closes.append("sync")


def _chat_with(toolset: FakeToolset, provider: ScriptedProvider) -> Chat:
    # What ChatBuilder.build makes for with_mcp(...), with the fake instead of an MCPToolset.
    return Chat(provider, RunConfig(toolsets=(toolset,)))


def test_the_fake_satisfies_the_protocol() -> None:
    assert isinstance(FakeToolset(), Toolset)


@pytest.mark.parametrize("mode", MODES)
def test_each_run_loads_once_in_its_shell_and_uses_the_tools(mode: str) -> None:
    toolset = FakeToolset()
    provider = ScriptedProvider([reply(tool_calls=[call("double", {"x": 21})]), reply("42")])
    chat = _chat_with(toolset, provider)
    outcome = drive(chat, mode, "hi")
    assert outcome.error is None and outcome.response is not None
    (part,) = outcome.response.steps[0].content.tool_calls
    assert (part.status, part.result) == (ToolStatus.COMPLETED, 42)
    assert provider.requests[0].tool_names == ["double"]
    assert toolset.loads == ["sync" if mode.endswith("_sync") else "async"]


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_load_stops_the_run_before_the_model_is_called(mode: str) -> None:
    provider = ScriptedProvider([reply("never")])
    outcome = drive(_chat_with(FakeToolset(fail=True), provider), mode, "hi")
    assert isinstance(outcome.error, ToolsetError)
    assert provider.requests == []


def test_a_resumed_run_loads_again_before_running_the_approved_call() -> None:
    toolset = FakeToolset()
    toolset.tool = Tool(
        name="double", description=None, parameters={"type": "object"}, function=double, approval="require"
    )
    provider = ScriptedProvider([reply(tool_calls=[call("double", {"x": 2}, id="c1")]), reply("4")])
    chat = _chat_with(toolset, provider)
    paused = chat.complete_sync("hi")
    done = chat.resume_sync(paused.pause.approve("c1"))
    assert done.steps[0].content.tool_calls[0].result == 4
    assert toolset.loads == ["sync", "sync"]


def test_closing_the_chat_closes_its_toolsets() -> None:
    toolset = FakeToolset()
    chat = _chat_with(toolset, ScriptedProvider([]))
    with chat:
        pass

    async def main() -> None:
        async with chat:
            pass

    asyncio.run(main())
    assert toolset.closes == ["sync", "async"]
