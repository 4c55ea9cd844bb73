"""Toolsets: tools known only once a connection is open (MCP servers), owned by a :class:`Chat`.

A local :class:`~chat_openrouter.core.tool.Tool` is known when the Chat is built. A toolset's tools are
not: an MCP server lists them when a client connects. So the engine asks every toolset for its tools at
the start of each run (the ``LoadTools`` effect; the sync shell calls :meth:`Toolset.load_sync`, the
async one awaits :meth:`Toolset.load`), and the toolset connects on first use and answers from the
listing it fetched once per connection. What comes back are ordinary ``Tool`` objects, so everything the
engine does for local tools -- approvals and pauses, argument errors, error results, stream events --
applies to them unchanged.

The Chat owns its toolsets: ``chat.close()`` / ``await chat.aclose()`` (or ``with chat:`` /
``async with chat:``) closes them. A closed toolset reconnects if the Chat is used again.

This module imports nothing beyond the standard library and our core: the MCP adapter
(:mod:`chat_openrouter.core.mcp`) is the one implementation, and it is imported only by
``ChatBuilder.with_mcp``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import ConfigurationError
from .tool import Tool

if TYPE_CHECKING:
    from .engine import RunConfig

__all__ = ["Toolset", "with_loaded_tools"]


@runtime_checkable
class Toolset(Protocol):
    """A source of tools that needs a connection, and the owner of that connection.

    ``load``/``load_sync`` connect if needed and return the tools (they raise
    :class:`~chat_openrouter.errors.ToolsetError` when the source cannot be reached: the run does not
    start). Calling a returned tool never raises for a remote failure: its function raises an ordinary
    exception that the engine turns into an error result for the model. ``close``/``aclose`` release
    everything (connections, threads, subprocesses) and are idempotent.
    """

    async def load(self) -> Sequence[Tool]:
        """Connect if needed; the tools this toolset offers now."""
        ...

    def load_sync(self) -> Sequence[Tool]:
        """Synchronous twin of :meth:`load`."""
        ...

    async def aclose(self) -> None:
        """Close every connection; a later ``load`` reconnects."""
        ...

    def close(self) -> None:
        """Synchronous twin of :meth:`aclose`."""
        ...


def with_loaded_tools(config: RunConfig, loaded: Sequence[Tool]) -> RunConfig:
    """``config`` with the toolsets' tools added after the local ones (declared to the model in that order).

    A name offered twice -- by a local tool and a server, or by two servers -- is a ``ConfigurationError``:
    silently letting one shadow the other would route the model's calls to the wrong place.
    """
    tools = dict(config.tools)
    for tool in loaded:
        if tool.name in tools:
            raise ConfigurationError(
                f"two tools are named {tool.name!r} (a local tool and an MCP tool, or two MCP servers); "
                "give with_mcp(..., prefix=...) to tell them apart, or allow=... to leave one out"
            )
        tools[tool.name] = tool
    return replace(config, tools=tools, tool_specs=(*config.tool_specs, *(t.spec for t in loaded)))
