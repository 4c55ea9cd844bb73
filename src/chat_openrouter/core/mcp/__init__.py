"""MCP servers' tools for the Chat engine: ``ChatBuilder().with_mcp(server, ...)``.

::

    from chat_openrouter import ChatBuilder

    chat = (
        ChatBuilder()
        .with_model(client)
        .with_mcp("https://mcp.example.com/mcp", headers={"Authorization": "Bearer ..."})   # Streamable HTTP
        .with_mcp(["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"],           # stdio subprocess
                  prefix="fs", allow=["read_text_file", "list_directory"])
        .with_mcp(my_mcp_server, approval="require")                                        # in-process MCPServer
        .build()
    )
    with chat:                                   # or: async with chat / chat.close() / await chat.aclose()
        print(chat.complete_sync("What is in /tmp?").text)

An MCP tool is an ordinary :class:`~chat_openrouter.core.tool.Tool` once listed, so approvals, pauses,
stream events and error results work as for local tools. Needs the official SDK
(``pip install "chat-openrouter[mcp]"``); nothing here imports it until a chat connects.

Why this lives in ``core``: ``ChatBuilder.with_mcp`` is in ``core/chat.py`` and core imports nothing of
ours above it; MCP tools are provider-neutral tools, like local ones. The engine itself knows only the
:class:`~chat_openrouter.core.toolset.Toolset` protocol; :class:`MCPToolset` is its implementation.
"""

from __future__ import annotations

from ._config import MCPAllow, MCPApproval, MCPServerConfig, MCPServerSource
from ._convert import MCPToolError, MCPToolInfo
from ._toolset import MCPToolset

__all__ = [
    "MCPAllow",
    "MCPApproval",
    "MCPServerConfig",
    "MCPServerSource",
    "MCPToolError",
    "MCPToolInfo",
    "MCPToolset",
]
