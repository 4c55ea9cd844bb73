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
from typing import Protocol, runtime_checkable

from .tools import Tool

__all__ = ["Toolset"]


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
