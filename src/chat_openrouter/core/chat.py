"""``ChatBuilder`` and ``Chat``: the tool loop, human approval, structured output and multi-step streaming.

::

    from chat_openrouter import ChatBuilder, OpenRouterBuilder, messages, tool

    @tool
    def add(a: int, b: int) -> int:
        '''Add two integers.'''
        return a + b

    chat = (
        ChatBuilder()
        .with_model(OpenRouterBuilder().with_model("openai/gpt-4o").build())
        .with_tools([add])
        .build()
    )
    response = chat.complete_sync(messages.from_user("What is 2 + 40?"))
    response.text                 # "42"
    response.steps                # one ChatResponse per model call
    response.usage.cost           # summed over every call
    response.messages             # the conversation after the run, tool results included

The loop itself lives in :mod:`chat_openrouter.core.engine` as a sans-I/O generator; the thin shells
that perform its effects (sync: one call after another; async: tools run concurrently) and the streams
that span several model calls are in :mod:`chat_openrouter.core.run`. This module is the configuration:
the builder and the ``Chat`` it builds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from .approval import APPROVAL_STRATEGIES, ApprovalPolicy, ApprovalStrategy, Pause
from .engine import Flow, RunConfig, check_resumable, run
from .messages import Messages
from .observe import NOOP_OBSERVER, Observer
from .options import ChatOptions
from .provider import ChatProvider
from .response import ChatResponse
from .run import AsyncChatRunStream, ChatRunStream, drive_async, drive_sync
from .tools import Tool, ToolSpec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from .mcp import MCPAllow, MCPApproval, MCPServerConfig, MCPServerSource
    from .toolset import Toolset
    from .tracing import Tracing

__all__ = ["DEFAULT_MAX_STEPS", "AsyncChatRunStream", "Chat", "ChatBuilder", "ChatRunStream"]

#: Model calls allowed per run. A tool round trip needs at least 2 (call the tool, then answer); the
#: Rust crate's default of 1 made every tool call fail. 10 leaves room for a few dependent rounds (search,
#: then read, then answer) yet stops a model stuck in a tool loop before it burns real money. Same order
#: of magnitude as the OpenAI Agents SDK's ``max_turns=10``.
DEFAULT_MAX_STEPS = 10
#: Extra model calls allowed when the final answer does not validate against the output type.
DEFAULT_OUTPUT_RETRIES = 2

ToolInput = Tool | Callable[..., Any] | dict[str, Any]
MessagesInput = Messages | str


@dataclass(frozen=True)
class _ChatConfig:
    provider: ChatProvider | None = None
    tools: tuple[Tool, ...] = ()
    server_tools: tuple[dict[str, Any], ...] = ()
    max_steps: int = DEFAULT_MAX_STEPS
    output_type: Any = None
    output_name: str | None = None
    output_strict: bool = True
    output_retries: int = DEFAULT_OUTPUT_RETRIES
    options: ChatOptions | None = None
    approval: ApprovalPolicy | None = None
    before_model_call: Callable[..., Any] | None = None
    after_step: Callable[..., Any] | None = None
    has_output: bool = False
    mcp_servers: tuple[MCPServerConfig, ...] = ()
    tracing: Tracing | None = None


class ChatBuilder:
    """Configure a :class:`Chat`. Every ``with_*`` returns a new builder; the original is unchanged.

    ``with_model`` is the only required call; it takes any
    :class:`~chat_openrouter.core.provider.ChatProvider` (``ResponsesClient``, ``CompletionsClient``,
    ``testing.ScriptedProvider``).
    """

    __slots__ = ("_config",)

    def __init__(self, _config: _ChatConfig | None = None) -> None:
        self._config = _config or _ChatConfig()

    def _with(self, **changes: Any) -> ChatBuilder:
        return ChatBuilder(replace(self._config, **changes))

    def with_model(self, provider: ChatProvider) -> ChatBuilder:
        """The model client to call (a wire client built by ``OpenRouterBuilder``, or a fake)."""
        if not isinstance(provider, ChatProvider):
            raise ConfigurationError(
                "with_model expects a client with complete/complete_sync/stream/stream_sync, "
                f"got {type(provider).__name__}"
            )
        return self._with(provider=provider)

    def with_tools(self, tools: Iterable[ToolInput]) -> ChatBuilder:
        """Add tools: :class:`Tool` objects, plain functions (wrapped with ``Tool.from_function``), or raw
        server-tool dicts such as ``{"type": "openrouter:web_search"}`` (OpenRouter runs those itself).

        Adds to the tools configured so far; a repeated name is a ``ConfigurationError`` at ``build()``.
        """
        local = list(self._config.tools)
        server = list(self._config.server_tools)
        for item in tools:
            if isinstance(item, Tool):
                local.append(item)
            elif isinstance(item, dict):
                server.append(dict(item))
            elif isinstance(item, ToolSpec):
                raise ConfigurationError(
                    f"ToolSpec {item.name!r} has no function to run; use Tool(..., function=...) or @tool"
                )
            elif callable(item):
                local.append(Tool.from_function(item))
            else:
                raise ConfigurationError(f"not a tool: {item!r}")
        return self._with(tools=tuple(local), server_tools=tuple(server))

    def with_mcp(
        self,
        server: MCPServerSource,
        *,
        prefix: str | None = None,
        allow: MCPAllow | None = None,
        approval: MCPApproval | None = None,
        headers: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = 300.0,
        connect_timeout: float = 60.0,
    ) -> ChatBuilder:
        """Add the tools of an MCP server (``pip install "chat-openrouter[mcp]"``).

        ``server`` is a URL (Streamable HTTP; ``headers`` are sent with every request), a command line
        (a string or an argv list, run as a stdio subprocess; ``env`` is added to a minimal environment,
        so your API keys are not passed on), or an in-process ``MCPServer`` / low-level ``Server``.
        The chat connects on first use, lists the tools once per connection, and closes with the chat
        (``with chat:`` / ``async with chat:`` / ``close()`` / ``aclose()``). ``prefix`` renames tools to
        ``{prefix}_{name}``; ``allow`` keeps the tools named in it (or those a predicate accepts);
        ``approval`` is each tool's own strategy (``"require"``, ...) or a function of the tool's
        :class:`~chat_openrouter.core.mcp.MCPToolInfo`. ``timeout`` bounds each call (None: no limit).
        See docs/engine.md, "MCP tools".
        """
        from .mcp import MCPServerConfig

        config = MCPServerConfig.create(
            server,
            prefix=prefix,
            allow=allow,
            approval=approval,
            headers=headers,
            env=env,
            timeout=timeout,
            connect_timeout=connect_timeout,
        )
        return self._with(mcp_servers=(*self._config.mcp_servers, config))

    def with_max_steps(self, max_steps: int) -> ChatBuilder:
        """How many model calls one run may make before :class:`MaxStepsExceededError` (default 10)."""
        if max_steps < 1:
            raise ConfigurationError("max_steps must be at least 1")
        return self._with(max_steps=max_steps)

    def with_structured_output(
        self, output_type: Any, *, name: str | None = None, strict: bool = True
    ) -> ChatBuilder:
        """Ask for JSON matching ``output_type`` (a pydantic model, or any type pydantic's ``TypeAdapter``
        accepts) and validate the final answer into ``response.output``.

        The schema is sent strict (see :mod:`chat_openrouter.core.structured` for how it is made
        strict-compatible); ``name`` defaults to the type's name.
        """
        return self._with(output_type=output_type, output_name=name, output_strict=strict, has_output=True)

    def with_output_retries(self, retries: int) -> ChatBuilder:
        """How many times to tell the model its structured answer was invalid and ask again (default 2)."""
        if retries < 0:
            raise ConfigurationError("output retries cannot be negative")
        return self._with(output_retries=retries)

    def with_options(self, options: ChatOptions) -> ChatBuilder:
        """Default request options for every model call (merged over the client's, under per-call ones)."""
        merged = self._config.options.merged(options) if self._config.options is not None else options
        return self._with(options=merged)

    def with_approval(self, policy: ApprovalStrategy | ApprovalPolicy) -> ChatBuilder:
        """Override the tools' own approval strategies.

        ``policy`` is ``"execute"``, ``"require"`` or ``"reject"`` for every call, or a function
        ``(call: ToolPart) -> "execute" | "require" | "reject" | None`` deciding per call (None keeps
        the tool's strategy) -- e.g. require approval only when ``call.arguments["amount"] > 100``.
        """
        if isinstance(policy, str):
            if policy not in APPROVAL_STRATEGIES:
                raise ConfigurationError(f"unknown approval strategy {policy!r}")
            strategy: ApprovalStrategy = policy

            def fixed(_call: Any) -> ApprovalStrategy:
                return strategy

            return self._with(approval=fixed)
        return self._with(approval=policy)

    def with_hooks(
        self,
        *,
        before_model_call: Callable[[Messages, int], Any] | None = None,
        after_step: Callable[[ChatResponse], Any] | None = None,
    ) -> ChatBuilder:
        """Observe the run (logging, metrics). Hooks may be sync or async functions.

        ``before_model_call(messages, step)`` gets the conversation about to be sent and the 1-based step;
        ``after_step(response)`` gets each model call's response once its tool calls were answered
        (statuses and results are filled in). An exception in a hook aborts the run.
        """
        changes: dict[str, Any] = {}
        if before_model_call is not None:
            changes["before_model_call"] = before_model_call
        if after_step is not None:
            changes["after_step"] = after_step
        return self._with(**changes)

    def with_tracing(
        self,
        enabled: bool = True,
        *,
        capture_content: bool | None = None,
        agent_name: str | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> ChatBuilder:
        """OpenTelemetry spans for this chat's runs: ``invoke_agent`` per run, ``execute_tool`` per tool run.

        On by default when ``opentelemetry-api`` is installed; ``with_tracing(False)`` turns it off for the
        chat's runs *and* the model calls they make. ``capture_content=True`` records prompts, answers,
        tool arguments and results (on the chat's spans and its model calls' spans); None leaves it to
        ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` (off unless ``true``). ``agent_name`` names
        the run spans (``invoke_agent {agent_name}``). The providers default to the global ones.
        See docs/tracing.md.
        """
        from .tracing import Tracing

        tracing = Tracing(enabled, capture_content, agent_name, tracer_provider, meter_provider)
        return self._with(tracing=tracing)

    def build(self) -> Chat:
        """The configured :class:`Chat` (immutable, safe to share between threads and tasks)."""
        cfg = self._config
        if cfg.provider is None:
            raise ConfigurationError("ChatBuilder needs a model: call .with_model(client) before .build()")
        names = [t.name for t in cfg.tools]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigurationError(f"two tools share the name(s) {duplicates}")
        output = None
        if cfg.has_output:
            from .structured import StructuredOutput

            try:
                output = StructuredOutput.for_type(
                    cfg.output_type, name=cfg.output_name, strict=cfg.output_strict
                )
            except Exception as exc:  # pydantic cannot describe the type: say so at build time
                raise ConfigurationError(
                    f"cannot use {cfg.output_type!r} as structured output: {exc}"
                ) from exc
        toolsets: tuple[Toolset, ...] = ()
        if cfg.mcp_servers:
            from .mcp import MCPToolset

            toolsets = (MCPToolset(cfg.mcp_servers),)  # one per Chat: the Chat owns its connections
        run_config = RunConfig(
            tools={t.name: t for t in cfg.tools},
            tool_specs=(*(t.spec for t in cfg.tools), *cfg.server_tools),
            options=cfg.options,
            output=output,
            max_steps=cfg.max_steps,
            output_retries=cfg.output_retries,
            approval=cfg.approval,
            before_model_call=cfg.before_model_call,
            after_step=cfg.after_step,
            toolsets=toolsets,
        )
        from .tracing import chat_observer

        return Chat(cfg.provider, run_config, chat_observer(cfg.tracing))


class Chat:
    """Runs conversations through the tool loop. Build one with :class:`ChatBuilder`.

    Each method has a sync twin (``complete``/``complete_sync``, ``stream``/``stream_sync``,
    ``resume``/``resume_sync``, ``resume_stream``/``resume_stream_sync``). The messages you pass are
    never modified: the conversation after the run is ``response.messages``. A chat with MCP servers
    owns their connections: close it (``with chat:``, ``async with chat:``, ``close()``, ``aclose()``).
    """

    __slots__ = ("_config", "_observer", "provider")

    def __init__(self, provider: ChatProvider, config: RunConfig, observer: Observer = NOOP_OBSERVER) -> None:
        self.provider = provider
        self._config = config
        self._observer = observer

    def __repr__(self) -> str:
        tools = ", ".join(self._config.tools) or "none"
        return f"Chat(provider={self.provider!r}, tools=[{tools}], max_steps={self._config.max_steps})"

    @property
    def tools(self) -> tuple[Tool, ...]:
        """The function tools this chat runs (server tools are sent along but run by OpenRouter)."""
        return tuple(self._config.tools.values())

    @property
    def max_steps(self) -> int:
        """Model calls allowed per run (see :meth:`ChatBuilder.with_max_steps`)."""
        return self._config.max_steps

    @property
    def output_type(self) -> Any:
        """The structured output type, or None."""
        return self._config.output.output_type if self._config.output is not None else None

    # -- lifetime: the chat owns its MCP connections ----------------------------------------------------
    def close(self) -> None:
        """Close the MCP connections (their subprocesses and thread) this chat opened; idempotent.

        A chat without MCP servers holds nothing. Using the chat again later reconnects.
        """
        for toolset in self._config.toolsets:
            toolset.close()

    async def aclose(self) -> None:
        """Asynchronous twin of :meth:`close`."""
        for toolset in self._config.toolsets:
            await toolset.aclose()

    def __enter__(self) -> Chat:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Chat:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _flow(self, messages: MessagesInput, options: ChatOptions | None) -> Flow:
        msgs = Messages().user(messages) if isinstance(messages, str) else messages
        return run(self._config, messages=msgs, options=options)

    def _resume_flow(self, pause: Pause, options: ChatOptions | None) -> Flow:
        check_resumable(pause)  # fail here, not on first iteration of a stream
        return run(self._config, pause=pause, options=options)

    # -- async ------------------------------------------------------------------------------------------
    async def complete(self, messages: MessagesInput, *, options: ChatOptions | None = None) -> ChatResponse:
        """Run the loop until the model answers without calling tools; return the aggregated response.

        Returns early with ``response.pause`` set when a tool call needs approval. Raises
        ``MaxStepsExceededError`` or ``StructuredOutputError`` when the run cannot finish.
        """
        return await drive_async(self.provider, self._flow(messages, options), self._observer)

    def stream(self, messages: MessagesInput, *, options: ChatOptions | None = None) -> AsyncChatRunStream:
        """Stream the whole run: ``async for event in chat.stream(msgs)``; ends with one ``Done``."""
        return AsyncChatRunStream(self.provider, self._flow(messages, options), self._observer)

    async def resume(self, pause: Pause, *, options: ChatOptions | None = None) -> ChatResponse:
        """Continue a paused run once every pending call was approved or rejected."""
        return await drive_async(self.provider, self._resume_flow(pause, options), self._observer)

    def resume_stream(self, pause: Pause, *, options: ChatOptions | None = None) -> AsyncChatRunStream:
        """Continue a paused run, streaming (tool results of the decided calls come first)."""
        return AsyncChatRunStream(self.provider, self._resume_flow(pause, options), self._observer)

    # -- sync -------------------------------------------------------------------------------------------
    def complete_sync(self, messages: MessagesInput, *, options: ChatOptions | None = None) -> ChatResponse:
        """Synchronous twin of :meth:`complete` (tools run one after another; works inside a running loop)."""
        return drive_sync(self.provider, self._flow(messages, options), self._observer)

    def stream_sync(self, messages: MessagesInput, *, options: ChatOptions | None = None) -> ChatRunStream:
        """Synchronous twin of :meth:`stream`: ``for event in chat.stream_sync(msgs)``."""
        return ChatRunStream(self.provider, self._flow(messages, options), self._observer)

    def resume_sync(self, pause: Pause, *, options: ChatOptions | None = None) -> ChatResponse:
        """Synchronous twin of :meth:`resume`."""
        return drive_sync(self.provider, self._resume_flow(pause, options), self._observer)

    def resume_stream_sync(self, pause: Pause, *, options: ChatOptions | None = None) -> ChatRunStream:
        """Synchronous twin of :meth:`resume_stream`."""
        return ChatRunStream(self.provider, self._resume_flow(pause, options), self._observer)
