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
from typing import TYPE_CHECKING, Any, Generic, overload

from ..errors import ConfigurationError
from .approval import APPROVAL_STRATEGIES, ApprovalPolicy, ApprovalStrategy, Pause
from .embeddings import Embeddings, EmbeddingsInput, EmbeddingsProvider
from .engine import Flow, RunConfig, check_resumable, run
from .messages import ConversationInput, Messages, as_messages
from .observe import NOOP_OBSERVER, Observer
from .options import ChatOptions, OutputSchema
from .provider import ChatProvider
from .response import ChatResponse, OutputT
from .run import AsyncChatRunStream, ChatRunStream, drive_async, drive_sync
from .tools import Tool, ToolSpec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider
    from typing_extensions import TypeVar

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
#: Kept for compatibility: what ``complete``/``stream`` accept is :data:`~chat_openrouter.core.messages.ConversationInput`.
MessagesInput = ConversationInput

if not TYPE_CHECKING:
    from typing import TypeVar
T = TypeVar("T")


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
    reset_tool_choice: bool = True
    embeddings: EmbeddingsProvider | None = None
    embedding_model: str | None = None
    tracing: Tracing | None = None


class ChatBuilder(Generic[OutputT]):
    """Configure a :class:`Chat`. Every ``with_*`` returns a new builder; the original is unchanged.

    ``with_model`` is the only required call; it takes any
    :class:`~chat_openrouter.core.provider.ChatProvider` (``ResponsesClient``, ``CompletionsClient``,
    ``testing.ScriptedProvider``).

    Generic over the structured output's type: ``ChatBuilder()`` builds a ``Chat[None]``;
    ``.with_structured_output(Person)`` makes it a ``ChatBuilder[Person]``, whose ``Chat[Person]``
    answers ``ChatResponse[Person]`` -- ``response.output`` is a ``Person`` to a type checker too.
    """

    __slots__ = ("_config",)

    def __init__(self, _config: _ChatConfig | None = None) -> None:
        self._config = _config or _ChatConfig()

    def _with(self, **changes: Any) -> ChatBuilder[OutputT]:
        return ChatBuilder(replace(self._config, **changes))

    def with_model(self, provider: ChatProvider) -> ChatBuilder[OutputT]:
        """The model client to call (a wire client built by ``OpenRouterBuilder``, or a fake)."""
        if not isinstance(provider, ChatProvider):
            hint = ""
            if isinstance(provider, str):
                hint = (
                    f"; a model name goes to the client: "
                    f"ChatBuilder().with_model(OpenRouterBuilder().with_model({provider!r}).build())"
                )
            raise ConfigurationError(
                "with_model expects a client with complete/complete_sync/stream/stream_sync, "
                f"got {type(provider).__name__}{hint}"
            )
        return self._with(provider=provider)

    def with_tools(self, tools: Iterable[ToolInput]) -> ChatBuilder[OutputT]:
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
    ) -> ChatBuilder[OutputT]:
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

    def with_max_steps(self, max_steps: int) -> ChatBuilder[OutputT]:
        """How many model calls one run may make before :class:`MaxStepsExceededError` (default 10)."""
        if max_steps < 1:
            raise ConfigurationError("max_steps must be at least 1")
        return self._with(max_steps=max_steps)

    @overload
    def with_structured_output(
        self, output_type: type[T], *, name: str | None = None, strict: bool = True
    ) -> ChatBuilder[T]: ...
    @overload
    def with_structured_output(
        self, output_type: Any, *, name: str | None = None, strict: bool = True
    ) -> ChatBuilder[Any]: ...
    def with_structured_output(
        self, output_type: Any, *, name: str | None = None, strict: bool = True
    ) -> ChatBuilder[Any]:
        """Ask for JSON matching ``output_type`` (a pydantic model, or any type pydantic's ``TypeAdapter``
        accepts) and validate the final answer into ``response.output``. A ready
        :class:`~chat_openrouter.OutputSchema` is sent as it is, and the answer parsed as JSON.

        A refusal ends the run with the refusal (``response.refusal``, ``finish_reason == "refusal"``,
        ``output`` None): it is the model's answer, not invalid JSON to ask again for.

        The schema is sent strict (see :mod:`chat_openrouter.core.structured` for how it is made
        strict-compatible); ``name`` defaults to the type's name. The builder becomes a
        ``ChatBuilder[T]`` for a class ``T`` (``list[int]`` works too); a type form that is not a class,
        such as a union, gives ``ChatBuilder[Any]``.
        """
        return self._with(output_type=output_type, output_name=name, output_strict=strict, has_output=True)

    def with_reset_tool_choice(self, reset: bool = True) -> ChatBuilder[OutputT]:
        """Whether a forced ``tool_choice`` applies to the first model call of a run only (the default).

        ``ChatOptions(tool_choice="required")`` or a named function makes the model call a tool; forced on
        every call it would call one again after each result until ``max_steps``. So after the first
        call the engine sends ``tool_choice="auto"`` and the model can answer. ``with_reset_tool_choice(
        False)`` keeps the choice forced on every call (the OpenAI Agents SDK's ``reset_tool_choice``).
        """
        return self._with(reset_tool_choice=bool(reset))

    def with_output_retries(self, retries: int) -> ChatBuilder[OutputT]:
        """How many times to tell the model its structured answer was invalid and ask again (default 2)."""
        if retries < 0:
            raise ConfigurationError("output retries cannot be negative")
        return self._with(output_retries=retries)

    def with_options(self, options: ChatOptions) -> ChatBuilder[OutputT]:
        """Default request options for every model call (merged over the client's, under per-call ones)."""
        merged = self._config.options.merged(options) if self._config.options is not None else options
        return self._with(options=merged)

    def with_embeddings(self, provider: EmbeddingsProvider, *, model: str | None = None) -> ChatBuilder[OutputT]:
        """Let the chat embed text too (``chat.embed(...)``), e.g. with ``OpenRouterAPI(client)``.

        ``model`` is the embedding model used when ``embed`` is given none (else the provider's own
        default). The Rust crate's ``ChatBuilder::with_embeddings`` counterpart.
        """
        if not isinstance(provider, EmbeddingsProvider):
            raise ConfigurationError(
                f"with_embeddings expects an object with embed/embed_sync, got {type(provider).__name__}"
            )
        return self._with(embeddings=provider, embedding_model=model)

    def with_approval(self, policy: ApprovalStrategy | ApprovalPolicy) -> ChatBuilder[OutputT]:
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
    ) -> ChatBuilder[OutputT]:
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
    ) -> ChatBuilder[OutputT]:
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

    def build(self) -> Chat[OutputT]:
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
                if isinstance(cfg.output_type, OutputSchema):  # a ready schema: used as it is
                    output = StructuredOutput.for_schema(cfg.output_type)
                else:
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
            reset_tool_choice=cfg.reset_tool_choice,
            default_tool_choice=_default_tool_choice(cfg.provider),
        )
        embeddings = (cfg.embeddings, cfg.embedding_model) if cfg.embeddings is not None else None
        from .tracing import chat_observer

        return Chat(cfg.provider, run_config, chat_observer(cfg.tracing), embeddings=embeddings)


def _default_tool_choice(provider: ChatProvider) -> str | dict[str, Any] | None:
    # A wire client's default options (OpenRouterBuilder.with_options) are merged into every request by
    # the client itself: the engine must know a forced choice there to reset it after the first call.
    options = getattr(provider, "options", None)
    return options.tool_choice if isinstance(options, ChatOptions) else None


class Chat(Generic[OutputT]):
    """Runs conversations through the tool loop. Build one with :class:`ChatBuilder`.

    Generic over the structured output's type (see :class:`ChatBuilder`): every method of a
    ``Chat[T]`` answers a ``ChatResponse[T]``, its streams end with a ``Done[T]``.

    A run that fails loses nothing: the exception that ends it -- an API error on step 3, a timeout, a
    hook that raised, ``MaxStepsExceededError`` -- has ``error.run``, a ``ChatResponse`` of the run so
    far (``.messages`` with every tool result already produced, ``.steps``, ``.usage`` summed with its
    cost), in all four modes. Log it, bill it, or continue from ``error.run.messages``.

    Each method has a sync twin (``complete``/``complete_sync``, ``stream``/``stream_sync``,
    ``resume``/``resume_sync``, ``resume_stream``/``resume_stream_sync``). The messages you pass are
    never modified: the conversation after the run is ``response.messages``. A chat with MCP servers
    owns their connections: close it (``with chat:``, ``async with chat:``, ``close()``, ``aclose()``).
    """

    __slots__ = ("_config", "_embeddings", "_observer", "provider")

    def __init__(
        self,
        provider: ChatProvider,
        config: RunConfig,
        observer: Observer = NOOP_OBSERVER,
        *,
        embeddings: tuple[EmbeddingsProvider, str | None] | None = None,
    ) -> None:
        self.provider = provider
        self._config = config
        self._observer = observer
        self._embeddings = embeddings

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

    # -- embeddings (ChatBuilder.with_embeddings) ----------------------------------------------------------
    def _embedder(self, model: str | None) -> tuple[EmbeddingsProvider, str | None]:
        if self._embeddings is None:
            raise ConfigurationError("this chat has no embeddings: build it with ChatBuilder().with_embeddings(...)")
        provider, default = self._embeddings
        return provider, model or default

    async def embed(
        self, inputs: EmbeddingsInput, *, model: str | None = None, dimensions: int | None = None
    ) -> Embeddings:
        """Embed texts (or multimodal inputs) with the chat's embeddings provider: one vector per input."""
        provider, chosen = self._embedder(model)
        return await provider.embed(inputs, model=chosen, dimensions=dimensions)

    def embed_sync(
        self, inputs: EmbeddingsInput, *, model: str | None = None, dimensions: int | None = None
    ) -> Embeddings:
        """Synchronous twin of :meth:`embed`."""
        provider, chosen = self._embedder(model)
        return provider.embed_sync(inputs, model=chosen, dimensions=dimensions)

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

    def __enter__(self) -> Chat[OutputT]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Chat[OutputT]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _flow(self, method: str, messages: ConversationInput, options: ChatOptions | None) -> Flow:
        where = f"Chat.{method}()"
        if options is not None and not isinstance(options, ChatOptions):
            raise TypeError(f"{where}: options= expects a ChatOptions, got {type(options).__name__}")
        return run(self._config, messages=as_messages(messages, where=where), options=options)

    def _resume_flow(self, pause: Pause, options: ChatOptions | None) -> Flow:
        check_resumable(pause)  # fail here, not on first iteration of a stream
        return run(self._config, pause=pause, options=options)

    # -- async ------------------------------------------------------------------------------------------
    async def complete(
        self, messages: ConversationInput, *, options: ChatOptions | None = None
    ) -> ChatResponse[OutputT]:
        """Run the loop until the model answers without calling tools; return the aggregated response.

        Returns early with ``response.pause`` set when a tool call needs approval. Raises
        ``MaxStepsExceededError`` or ``StructuredOutputError`` when the run cannot finish. Whatever error
        ends a run (those, an API error or timeout on any step, a hook that raised) carries the run so
        far as ``error.run``: its ``messages`` (tool results included), ``steps`` and summed ``usage``.
        """
        return await drive_async(self.provider, self._flow("complete", messages, options), self._observer)

    def stream(
        self, messages: ConversationInput, *, options: ChatOptions | None = None
    ) -> AsyncChatRunStream[OutputT]:
        """Stream the whole run: ``async for event in chat.stream(msgs)``; ends with one ``Done``."""
        return AsyncChatRunStream(self.provider, self._flow("stream", messages, options), self._observer)

    async def resume(self, pause: Pause, *, options: ChatOptions | None = None) -> ChatResponse[OutputT]:
        """Continue a paused run once every pending call was approved or rejected."""
        return await drive_async(self.provider, self._resume_flow(pause, options), self._observer)

    def resume_stream(
        self, pause: Pause, *, options: ChatOptions | None = None
    ) -> AsyncChatRunStream[OutputT]:
        """Continue a paused run, streaming (tool results of the decided calls come first)."""
        return AsyncChatRunStream(self.provider, self._resume_flow(pause, options), self._observer)

    # -- sync -------------------------------------------------------------------------------------------
    def complete_sync(
        self, messages: ConversationInput, *, options: ChatOptions | None = None
    ) -> ChatResponse[OutputT]:
        """Synchronous twin of :meth:`complete` (tools run one after another; works inside a running loop)."""
        return drive_sync(self.provider, self._flow("complete_sync", messages, options), self._observer)

    def stream_sync(
        self, messages: ConversationInput, *, options: ChatOptions | None = None
    ) -> ChatRunStream[OutputT]:
        """Synchronous twin of :meth:`stream`: ``for event in chat.stream_sync(msgs)``."""
        return ChatRunStream(self.provider, self._flow("stream_sync", messages, options), self._observer)

    def resume_sync(self, pause: Pause, *, options: ChatOptions | None = None) -> ChatResponse[OutputT]:
        """Synchronous twin of :meth:`resume`."""
        return drive_sync(self.provider, self._resume_flow(pause, options), self._observer)

    def resume_stream_sync(self, pause: Pause, *, options: ChatOptions | None = None) -> ChatRunStream[OutputT]:
        """Synchronous twin of :meth:`resume_stream`."""
        return ChatRunStream(self.provider, self._resume_flow(pause, options), self._observer)
