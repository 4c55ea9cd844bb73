"""``MCPToolset``: a Chat's MCP servers as a :class:`~chat_openrouter.core.toolset.Toolset`.

Shape of it::

    MCPToolset                      one per Chat (built by ChatBuilder.build), any thread
      └── _Runtime                  created on first use, dropped by close(); a later use makes a new one
            ├── LoopThread          the private event loop every session lives on (see _loop.py)
            └── _Connection x N     one per with_mcp(...) call
                  └── owner task    opens mcp.Client, lists the tools, waits for close, exits the client

Each connection is held open by one long-lived *owner task*: anyio requires a task group (and so an MCP
client) to be exited by the task that entered it, and a Chat is closed from wherever the user calls
``close()``. Tool calls are separate tasks on the same loop that only send requests on the open session.

Failures are sorted by when they happen. Connecting or listing fails -> :class:`ToolsetError` from
``load``: the run does not start (there is nothing sensible to tell the model). A failure during a call
-- an ``isError`` result, a JSON-RPC error, a timeout, a server that died -- is an :class:`MCPToolError`
from the tool's function, which the engine turns into an error result the model reads. A connection that
died is noticed there and reopened (the tool list fetched again) at the next run's ``load``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import threading
import weakref
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from ...errors import ToolsetError
from ..tools import Tool
from ._convert import (
    MCPToolError,
    exposed_names,
    parameters_schema,
    result_value,
    scrub,
    select,
    strategy,
    tool_info,
)
from ._loop import LoopClosedError, LoopThread

if TYPE_CHECKING:
    from mcp import Client
    from mcp.types import Tool as MCPTool

    from ._config import MCPServerConfig

__all__ = ["MCPToolset"]

logger = logging.getLogger("chat_openrouter")

#: A paginating server whose cursor never ends must not hang the run.
_MAX_LIST_PAGES = 100
#: How long closing waits for one session to wind down before cancelling it. The SDK bounds its own
#: stdio shutdown (close stdin, wait, SIGTERM, SIGKILL: about 6 s at worst) and HTTP session DELETE.
_CLOSE_WAIT = 15.0
#: How long close() waits for all sessions to end before stopping the loop regardless.
_SHUTDOWN_WAIT = 2 * _CLOSE_WAIT


class MCPToolset:
    """The MCP servers of one Chat: connects lazily, lists tools once per connection, closes with the Chat.

    Thread-safe: ``load``/``load_sync`` and the tools' calls may run from any thread or event loop at
    once; they all hop to the toolset's private loop. ``close``/``aclose`` are idempotent; loading again
    afterwards starts a new loop thread and reconnects.
    """

    def __init__(self, servers: Sequence[MCPServerConfig]) -> None:
        self._servers = tuple(servers)
        self._lock = threading.Lock()
        self._runtime: _Runtime | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __repr__(self) -> str:
        labels = ", ".join(s.label for s in self._servers)
        return f"MCPToolset([{labels}], open={self._runtime is not None})"

    @property
    def servers(self) -> tuple[MCPServerConfig, ...]:
        """The configured servers, in ``with_mcp`` order."""
        return self._servers

    @property
    def thread(self) -> threading.Thread | None:
        """The loop thread while the toolset is open, else None (tests assert it ended after close)."""
        runtime = self._runtime
        return runtime.loop.thread if runtime is not None else None

    def _open_runtime(self) -> _Runtime:
        with self._lock:
            if self._runtime is None:
                runtime = _Runtime(self._servers)
                # Closes the sessions (and ends their subprocesses) when the Chat is garbage-collected
                # or the interpreter exits without close(); the finalizer must not reference self.
                self._finalizer = weakref.finalize(self, runtime.shutdown)
                self._runtime = runtime
            return self._runtime

    def _take_runtime(self) -> _Runtime | None:
        with self._lock:
            runtime, self._runtime = self._runtime, None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
            return runtime

    async def load(self) -> list[Tool]:
        """Connect every server not yet connected (concurrently) and return all their tools, in order."""
        runtime = self._open_runtime()
        cached = runtime.cached_tools()
        if cached is not None:
            return cached
        try:
            return await runtime.loop.run_async(runtime.load())
        except LoopClosedError:  # a concurrent close() won the race
            raise ToolsetError("the chat's MCP connections were closed while connecting") from None

    def load_sync(self) -> list[Tool]:
        """Synchronous twin of :meth:`load`."""
        runtime = self._open_runtime()
        # An in-process MCP tool running its own chat synchronously: blocking the loop would deadlock.
        if runtime.loop.in_loop_thread:
            raise ToolsetError(
                "a chat cannot run synchronously inside one of its own in-process MCP tools; "
                "use `await chat.complete(...)` there"
            )
        cached = runtime.cached_tools()
        if cached is not None:
            return cached
        try:
            return runtime.loop.run_sync(runtime.load())
        except LoopClosedError:
            raise ToolsetError("the chat's MCP connections were closed while connecting") from None

    async def aclose(self) -> None:
        """Close every session, end stdio subprocesses, stop the loop thread."""
        runtime = self._take_runtime()
        if runtime is not None:
            await runtime.ashutdown()

    def close(self) -> None:
        """Synchronous twin of :meth:`aclose`."""
        runtime = self._take_runtime()
        if runtime is not None:
            runtime.shutdown()


class _Runtime:
    """One generation of open state: the loop thread and a connection per server."""

    def __init__(self, servers: Sequence[MCPServerConfig]) -> None:
        self.loop = LoopThread("chat-openrouter-mcp")
        self.connections = [_Connection(server, self) for server in servers]

    def cached_tools(self) -> list[Tool] | None:
        """Every server's tools when all are connected, read from the caller's thread; else None.

        Every run starts with a load, and a hop to the loop thread costs a thread switch or two: when
        nothing needs connecting the answer is already here. A connection found usable here may die a
        moment later -- exactly as it may right after a hop -- and its calls then report it.
        """
        tools: list[Tool] = []
        for connection in self.connections:
            listed = connection.cached_tools()
            if listed is None:
                return None
            tools.extend(listed)
        return tools

    async def load(self) -> list[Tool]:
        results = await asyncio.gather(*(c.open() for c in self.connections), return_exceptions=True)
        tools: list[Tool] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            tools.extend(result)
        return tools

    async def _close_connections(self) -> None:
        await asyncio.gather(*(c.close() for c in self.connections), return_exceptions=True)

    def shutdown(self) -> None:
        if self.loop.in_loop_thread:  # dropped on the loop itself (GC there): stop without joining
            self.loop.stop()
            return
        try:
            self.loop.run_sync(self._close_connections(), timeout=_SHUTDOWN_WAIT)
        except LoopClosedError:
            pass
        except concurrent.futures.TimeoutError:  # not the builtin TimeoutError before Python 3.11
            logger.warning(
                "MCP sessions did not close within %s s; stopping their loop anyway", _SHUTDOWN_WAIT
            )
        finally:
            self.loop.stop()

    async def ashutdown(self) -> None:
        try:
            await asyncio.wait_for(self.loop.run_async(self._close_connections()), _SHUTDOWN_WAIT)
        except LoopClosedError:
            pass
        except TimeoutError:
            logger.warning(
                "MCP sessions did not close within %s s; stopping their loop anyway", _SHUTDOWN_WAIT
            )
        finally:
            # The loop has nothing left to run, so this join is immediate; it keeps the promise that no
            # thread outlives aclose() without borrowing an executor thread from the caller's loop.
            self.loop.stop()


class _Connection:
    """One server's session, owned by one task on the runtime's loop. Every method runs on that loop."""

    def __init__(self, config: MCPServerConfig, runtime: _Runtime) -> None:
        self.config = config
        self._runtime = runtime
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._client: Client | None = None
        self._tools: list[Tool] | None = None
        self._connect_error: BaseException | None = None
        #: Why an open session stopped working (the next open() reconnects); None while it works.
        self._lost: str | None = None

    @property
    def _usable(self) -> bool:
        return (
            self._tools is not None
            and self._lost is None
            and self._owner is not None
            and not self._owner.done()
        )

    def cached_tools(self) -> list[Tool] | None:
        """The listing while the connection is usable (safe to call from any thread: reads only)."""
        tools = self._tools
        return tools if tools is not None and self._usable else None

    async def open(self) -> list[Tool]:
        """The tools, connecting (or reconnecting after a loss) first when needed."""
        async with self._lock:
            if self._usable:
                assert self._tools is not None
                return self._tools
            await self._stop_owner()
            ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._closing = asyncio.Event()
            self._connect_error = None
            self._lost = None
            self._owner = asyncio.get_running_loop().create_task(
                self._own(ready), name=f"mcp {self.config.label}"
            )
            try:
                done, _ = await asyncio.wait({ready}, timeout=self.config.connect_timeout)
            except asyncio.CancelledError:
                await self._stop_owner()
                raise
            if not done:
                await self._stop_owner()
                raise ToolsetError(
                    f"MCP server {self.config.label} did not answer within "
                    f"connect_timeout={self.config.connect_timeout} s"
                )
            if self._connect_error is not None or self._tools is None:
                error = self._connect_error
                await self._stop_owner()
                raise ToolsetError(
                    f"cannot use MCP server {self.config.label}: {self._describe(error) if error else 'closed'}"
                )
            return self._tools

    async def _own(self, ready: asyncio.Future[None]) -> None:
        """Open the session, list the tools, keep the session open until close(); record every failure."""
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(await self._client_for(stack))
                listing = await _list_tools(client)
                self._tools = self._to_tools(listing)
                self._client = client
                ready.set_result(None)
                await self._closing.wait()
        except asyncio.CancelledError:
            raise  # close() gave up waiting, or the loop is shutting down
        except BaseException as exc:  # anything else (exception groups included) ends this connection:
            # recorded for open() or the next call, never re-raised on a thread nobody is watching
            if not ready.done():
                self._connect_error = exc
            else:
                self._lost = self._describe(exc)
                logger.warning("MCP server %s: the session ended: %s", self.config.label, self._lost)
        finally:
            self._client = None
            if not ready.done():
                ready.set_result(None)

    async def _client_for(self, stack: AsyncExitStack) -> Client:
        from mcp import Client, StdioServerParameters

        config = self.config
        if config.kind == "http":
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            # Our own client, so headers= can be sent; the timeouts are the SDK's defaults for MCP
            # (a server may hold its response stream open for minutes). Redirects stay off: the SDK
            # follows same-origin ones itself.
            http = httpx2.AsyncClient(headers=dict(config.headers), timeout=httpx2.Timeout(30.0, read=300.0))
            await stack.enter_async_context(http)
            return Client(streamable_http_client(config.target, http_client=http))
        if config.kind == "stdio":
            target = config.target
            if not isinstance(target, StdioServerParameters):
                target = StdioServerParameters(command=target[0], args=list(target[1:]))
            if config.env:  # the SDK merges these over its minimal default environment
                target = target.model_copy(update={"env": {**(target.env or {}), **config.env}})
            return Client(target)
        return Client(config.target)

    def _to_tools(self, listing: list[MCPTool]) -> list[Tool]:
        config = self.config
        kept = []
        for info in select((tool_info(t, config.label) for t in listing), config.allow):
            schema = parameters_schema(info.input_schema)
            if schema is None:
                logger.warning(
                    "MCP server %s: tool %r is left out: its inputSchema does not describe a JSON object",
                    config.label,
                    info.name,
                )
                continue
            kept.append((info, schema))
        names = exposed_names([info.name for info, _ in kept], config.prefix)
        return [
            Tool(
                name=name,
                description=info.description or info.title,
                parameters=schema,
                function=functools.partial(_call_tool, self, info.name),
                approval=strategy(info, config.approval),
            )
            for name, (info, schema) in zip(names, kept, strict=True)
        ]

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call one tool on the open session; every failure becomes an :class:`MCPToolError`."""
        import anyio
        from mcp import MCPError
        from mcp.types import CONNECTION_CLOSED

        label = self.config.label
        client = self._client
        if client is None or self._lost is not None:
            reason = f" ({self._lost})" if self._lost else ""
            raise MCPToolError(
                f"MCP server {label} is not connected{reason}; the chat reconnects on its next run"
            )
        timeout = self.config.timeout
        try:
            with anyio.fail_after(timeout):
                result = await client.call_tool(name, arguments)
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED:  # the process exited, or the HTTP session ended
                self._lost = "the connection closed"
                raise MCPToolError(f"MCP server {label} closed the connection during the call") from None
            raise MCPToolError(
                f"MCP server {label} answered error {exc.code}: {self._clip(exc.message)}"
            ) from None
        except TimeoutError:
            raise MCPToolError(f"MCP tool {name!r} on {label} did not answer within {timeout} s") from None
        except Exception as exc:  # a malformed result, a broken pipe...: the model is told, the run goes on
            raise MCPToolError(
                f"calling MCP tool {name!r} on {label} failed: {self._describe(exc)}"
            ) from None
        return result_value(result)

    async def close(self) -> None:
        # Not under the lock: closing must not wait for a connection attempt to time out first.
        await self._stop_owner()

    async def _stop_owner(self) -> None:
        owner, self._owner = self._owner, None
        self._tools = None
        if owner is None:
            return
        if self._client is None and not owner.done():
            owner.cancel()  # still connecting: nothing to close gracefully
        self._closing.set()
        done, _ = await asyncio.wait({owner}, timeout=_CLOSE_WAIT)
        if not done:
            logger.warning(
                "MCP server %s did not close within %s s; cancelling it", self.config.label, _CLOSE_WAIT
            )
            owner.cancel()
            await asyncio.wait({owner})

    def _describe(self, error: BaseException) -> str:
        # anyio raises exception groups from task groups: the first leaf says what happened.
        while isinstance(getattr(error, "exceptions", None), (list, tuple)) and error.exceptions:  # type: ignore[attr-defined]
            error = error.exceptions[0]  # type: ignore[attr-defined]
        return f"{type(error).__name__}: {self._clip(str(error))}" if str(error) else type(error).__name__

    def _clip(self, text: str) -> str:
        # The server's own URL is named by its label; any other URL loses its userinfo and query.
        if self.config.kind == "http":
            text = text.replace(self.config.target, self.config.label)
        return scrub(text)


async def _list_tools(client: Client) -> list[MCPTool]:
    tools: list[MCPTool] = []
    cursor: str | None = None
    for _ in range(_MAX_LIST_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


async def _call_tool(connection: _Connection, mcp_name: str, /, **arguments: Any) -> Any:
    """A tool's function: hop to the connection's loop and call the tool there (positional-only
    parameters, so a tool argument named ``connection`` cannot collide)."""
    loop = connection._runtime.loop
    try:
        return await loop.run_async(connection.call(mcp_name, arguments))
    except LoopClosedError:  # the chat was closed after this run loaded its tools
        raise MCPToolError("the chat's MCP connections were closed during this run") from None
