"""MCP servers for the tests: a well-behaved one (in-process, stdio or HTTP) and a hostile one.

``weather_server`` is an ``MCPServer`` (the SDK's high-level server). Its argument schemas carry
``examples``, so the emulator's ``emulator/tools`` model -- which calls every offered tool with arguments
generated from the schema, preferring examples -- asks for ``add(2, 40)`` and ``get_weather("Paris")``.
``odd_server`` is a low-level ``Server`` answering what a careless or hostile server may send: names our
wires refuse, schemas without ``type`` or with a non-object root, non-text content, JSON-RPC errors,
pagination. ``HttpMCPServer`` serves an app over Streamable HTTP on loopback.

This directory has no ``__init__.py`` on purpose: a ``tests/mcp`` *package* would shadow the SDK's
``mcp`` package for every test (pytest puts ``tests/`` first on ``sys.path``).
"""

from __future__ import annotations

import base64
import os
import socket
import threading
from typing import Annotated, Any

import anyio
import uvicorn
from mcp import MCPError
from mcp.server import Server, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import (
    BlobResourceContents,
    CallToolRequestParams,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ListToolsResult,
    PaginatedRequestParams,
    ResourceLink,
    TextContent,
    TextResourceContents,
    Tool,
    ToolAnnotations,
)
from pydantic import Field

STDIO_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stdio_server.py")


def weather_server(name: str = "weather", *, stdio: bool = False) -> MCPServer:
    """The well-behaved server. ``die`` (exit mid-call) exists only where it cannot kill pytest itself."""
    server = MCPServer(name)

    @server.tool()
    def add(a: Annotated[int, Field(examples=[2])], b: Annotated[int, Field(examples=[40])]) -> int:
        """Add two integers."""
        return a + b

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    def get_weather(city: Annotated[str, Field(examples=["Paris"])]) -> dict[str, Any]:
        """Current weather for a city."""
        return {"city": city, "temp_c": 21}

    @server.tool()
    def fail(reason: Annotated[str, Field(examples=["no such city"])]) -> str:
        """Always reports an error (an isError result)."""
        raise ToolError(f"cannot do it: {reason}")

    @server.tool()
    def pid() -> int:
        """The server's process id."""
        return os.getpid()

    @server.tool()
    async def wait(seconds: Annotated[float, Field(examples=[30.0])]) -> str:
        """Sleep, then answer (for timeouts and cancellation)."""
        await anyio.sleep(seconds)
        return "waited"

    if stdio:

        @server.tool()
        def die() -> str:
            """End the server process in the middle of the call."""
            os._exit(3)

        @server.tool()
        def getenv(name: str) -> str:
            """An environment variable of the server process."""
            return os.environ.get(name, "<unset>")

    return server


# -- a server that sends what the spec allows and our wires do not -------------------------------------------
_LONG = "x" * 100

ODD_TOOLS = [
    # MCP allows dots and slashes in names; OpenAI-compatible function names do not.
    Tool(
        name="files/read.text",
        description="Read a file.",
        input_schema={"type": "object", "properties": {"path": {"type": "string"}}},
    ),
    Tool(
        name="files_read_text",
        description="A name that collides once the first is cleaned.",
        input_schema={"type": "object"},
    ),
    # Two names over 64 characters that differ only at the end.
    Tool(name=_LONG + "_one", input_schema={"type": "object", "properties": {}}),
    Tool(name=_LONG + "_two", input_schema={"type": "object", "properties": {}}),
    Tool(name="media", description="Returns every kind of content.", input_schema={"type": "object"}),
    Tool(name="rpc_error", description="Answers with a JSON-RPC error.", input_schema={"type": "object"}),
    Tool(
        name="structured_only",
        description="Structured content, no content blocks.",
        input_schema={"type": "object"},
    ),
]
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 92).decode()


async def _list_odd_tools(
    ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
) -> ListToolsResult:
    # Two pages, to check the client follows nextCursor.
    if params is None or params.cursor is None:
        return ListToolsResult(tools=ODD_TOOLS[:3], next_cursor="page-2")
    return ListToolsResult(tools=ODD_TOOLS[3:])


async def _call_odd_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
    if params.name == "media":
        return CallToolResult(
            content=[
                TextContent(text="Here you are."),
                ImageContent(data=PNG, mime_type="image/png"),
                EmbeddedResource(resource=TextResourceContents(uri="file:///notes.txt", text="some notes")),
                EmbeddedResource(
                    resource=BlobResourceContents(
                        uri="file:///a.bin", blob=PNG, mime_type="application/octet-stream"
                    )
                ),
                ResourceLink(name="report", uri="file:///report.pdf", mime_type="application/pdf"),
            ]
        )
    if params.name == "rpc_error":
        raise MCPError(-32602, "invalid params: nothing is ever right")
    if params.name == "structured_only":
        return CallToolResult(content=[], structured_content={"answer": 42})
    return CallToolResult(content=[TextContent(text=f"called {params.name} with {params.arguments}")])


def odd_server() -> Server[Any]:
    """A low-level server with the listing above."""
    return Server("odd", on_list_tools=_list_odd_tools, on_call_tool=_call_odd_tool)


# -- a server that counts what it is asked ---------------------------------------------------------------------
class Counts:
    """How often a ``counting_server`` was asked for its tools and called."""

    def __init__(self) -> None:
        self.lists = 0
        self.calls = 0


def counting_server(counts: Counts) -> Server[Any]:
    """One tool, ``add``; every ``tools/list`` and ``tools/call`` is counted."""
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        counts.lists += 1
        return ListToolsResult(tools=[Tool(name="add", description="Add two integers.", input_schema=schema)])

    async def call_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        counts.calls += 1
        arguments = params.arguments or {}
        return CallToolResult(content=[TextContent(text=str(arguments["a"] + arguments["b"]))])

    return Server("counting", on_list_tools=list_tools, on_call_tool=call_tool)


# -- Streamable HTTP on loopback ------------------------------------------------------------------------------
class _Uvicorn(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started_event = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self._started_event.set()


class HttpMCPServer:
    """``server.streamable_http_app()`` under uvicorn on ``127.0.0.1:<free port>``, as a context manager.

    Unlike ``e2e._server.LoopbackServer`` it runs the ASGI lifespan: the SDK's session manager starts there.
    """

    def __init__(self, server: MCPServer) -> None:
        self._app = server.streamable_http_app()
        self._started = threading.Event()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(self._app, lifespan="on", log_level="warning", http="h11", loop="asyncio")
        self._server = _Uvicorn(config, self._started)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def __enter__(self) -> HttpMCPServer:
        self._thread.start()
        self._started.wait()
        assert self._server.started, "the MCP HTTP server did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(30)
        assert not self._thread.is_alive(), "the MCP HTTP server thread did not stop"
        self._socket.close()
