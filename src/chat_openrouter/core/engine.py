"""The Chat engine's logic, written once and free of I/O.

:func:`run` is a generator: it *yields* effects -- "call the model with these messages", "run these tool
functions", "call this hook", "emit this stream event" -- and is *sent* their results. It returns the
run's final :class:`ChatResponse` (``StopIteration.value``) or raises a :class:`ChatError`. The sync and
async shells in :mod:`chat_openrouter.core.run` perform the effects (``complete_sync`` vs ``await
complete``, one tool after another vs concurrently); the decisions -- which tool runs, what the model
is told when arguments do not validate, when to pause, when to give up -- live here, and only here.
It is the trick of httpx's ``Auth.auth_flow``, applied to a tool loop.

One run::

    LoadTools              -> only with toolsets (MCP servers): connect, add their tools for this run
    step = 1, 2, ...
      before_model_call hook
      CallModel            -> the model's turn is pushed onto the conversation
      no tool calls        -> (structured output: validate; on failure tell the model and retry) -> done
      tool calls           -> each one is: unknown / bad JSON / invalid arguments / rejected -> error
                              result for the model; needs approval -> pending; else RunTools
      after_step hook
      pending approvals    -> emit Paused, return a response with .pause
      step == max_steps    -> raise MaxStepsExceededError (the tool results are in its .messages)

Tool results are written into the model turn's own :class:`ToolPart` (status, result, error): the wire
codecs encode a model turn with answered tool calls as assistant tool calls followed by their outputs.
Everything else in that turn -- reasoning parts with their opaque details and signatures -- is left
untouched, so it is replayed verbatim on the next step (reasoning models reject a tool turn without it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .. import _json
from ..errors import ChatOpenRouterError, ConfigurationError, MaxStepsExceededError, StructuredOutputError
from .approval import ApprovalPolicy, Pause
from .events import Paused, StreamEvent, Structured, ToolResult
from .messages import Content, Messages
from .options import ChatOptions
from .parts import ToolPart, ToolStatus
from .request import ModelRequest
from .response import ChatResponse
from .structured import InvalidStructuredOutput, StructuredOutput
from .tools import Tool, ToolArgumentsError, ToolLike
from .usage import Usage

if TYPE_CHECKING:
    from .toolset import Toolset

__all__ = [
    "ApprovalPolicy",
    "CallHook",
    "CallModel",
    "Effect",
    "Emit",
    "LoadTools",
    "RunConfig",
    "RunTools",
    "ToolInvocation",
    "ToolOutcome",
    "check_resumable",
    "is_forced",
    "run",
    "run_so_far",
    "to_jsonable",
]

logger = logging.getLogger("chat_openrouter")


# -- effects: what the engine asks its shell to do ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CallModel:
    """Call the model once with ``request``; send back its :class:`ChatResponse` (streaming shells
    forward its events). ``step`` is the 1-based number of this model call in the run."""

    request: ModelRequest
    step: int


@dataclass(frozen=True, slots=True)
class ToolInvocation:
    """One validated call: ``tool.function(**arguments)``."""

    part: ToolPart
    tool: Tool
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What a tool function did: returned ``value``, or raised ``error``."""

    value: Any = None
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class RunTools:
    """Run these calls (concurrently in async shells, in order in sync ones); send back one
    :class:`ToolOutcome` per call, in the same order."""

    calls: tuple[ToolInvocation, ...]


@dataclass(frozen=True, slots=True)
class CallHook:
    """Call a user hook with ``args`` (it may be sync or async); send back None."""

    function: Callable[..., Any]
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Emit:
    """A stream event produced by the engine itself (not by the model): streaming shells yield it."""

    event: StreamEvent


@dataclass(frozen=True, slots=True)
class LoadTools:
    """Connect the Chat's toolsets (MCP servers) if needed; send back all their tools as one list."""

    toolsets: tuple[Toolset, ...]


Effect = CallModel | RunTools | CallHook | Emit | LoadTools
Flow = Generator[Effect, Any, ChatResponse]


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs to know about the Chat (built once by ``ChatBuilder.build``)."""

    tools: Mapping[str, Tool] = field(default_factory=dict)
    #: Declarations sent to the model: each Tool's spec plus raw server tools, in configured order.
    tool_specs: tuple[ToolLike, ...] = ()
    options: ChatOptions | None = None
    output: StructuredOutput | None = None
    max_steps: int = 10
    output_retries: int = 2
    approval: ApprovalPolicy | None = None
    before_model_call: Callable[..., Any] | None = None
    after_step: Callable[..., Any] | None = None
    #: Sources of tools known only once connected (MCP servers); loaded at the start of every run.
    toolsets: tuple[Toolset, ...] = ()
    #: A forced tool choice applies to the first model call only (then "auto"); False keeps it forced.
    reset_tool_choice: bool = True
    #: The provider's own default ``tool_choice`` (a wire client's ``options``), so the reset sees it.
    default_tool_choice: str | dict[str, Any] | None = None


@dataclass
class _RunState:
    conversation: Messages
    steps: list[ChatResponse] = field(default_factory=list)
    output_retries_used: int = 0

    def usage(self) -> Usage:
        if len(self.steps) == 1:
            return self.steps[0].usage  # keep the step's raw usage when there is nothing to sum
        total = Usage()
        for step in self.steps:
            total = total + step.usage
        return total


# -- the flow ------------------------------------------------------------------------------------------------
def check_resumable(pause: Pause) -> None:
    """Raise ``ValueError`` unless every pending call of ``pause`` was approved or rejected."""
    undecided = [p.id for p in pause.undecided]
    if undecided:
        raise ValueError(
            f"approve or reject every pending tool call before resuming (undecided: {undecided})"
        )


def run(
    config: RunConfig,
    *,
    messages: Messages | None = None,
    pause: Pause | None = None,
    options: ChatOptions | None = None,
) -> Flow:
    """The engine: start from ``messages``, or continue from a decided ``pause``.

    The caller's ``messages`` object is never modified (the run works on a copy; the final response's
    ``messages`` is the continued conversation).

    Any exception that ends the run -- thrown into the flow by a shell (an API error, a timeout, a hook
    that raised) or raised here (max steps, structured output) -- leaves with the run so far attached
    as its ``run`` attribute (see :func:`run_so_far`): nothing already paid for is lost.
    """
    if pause is not None:
        check_resumable(pause)
        state = _RunState(pause.messages.copy(), list(pause.steps), pause.output_retries_used)
    else:
        state = _RunState((messages if messages is not None else Messages()).copy())
    try:
        return (yield from _run(config, state, pause, options))
    except Exception as error:
        _attach_run(error, state)
        raise


def _run(config: RunConfig, state: _RunState, pause: Pause | None, options: ChatOptions | None) -> Flow:
    if config.toolsets:  # before anything runs: a resumed run's approved calls may be MCP tools too
        config = with_loaded_tools(config, (yield LoadTools(config.toolsets)))
    if pause is not None:
        approved = [p for p in pause.pending if p.status is ToolStatus.APPROVED]
        yield from _finish_tool_round(config, approved, report=pause.pending)
        _check_step_budget(config, state)

    call_options = config.options.merged(options) if config.options is not None else options
    later_options = _after_first_call(config, call_options)
    output_schema = config.output.schema if config.output is not None else None
    tool_specs = config.tool_specs or None
    while True:
        step = len(state.steps) + 1
        if config.before_model_call is not None:
            yield CallHook(config.before_model_call, (state.conversation, step))
        request = ModelRequest(
            state.conversation, tool_specs, call_options if not state.steps else later_options, output_schema
        )
        response: ChatResponse = yield CallModel(request, step)
        state.steps.append(response)
        state.conversation.push(response.content)
        # Each step's `messages` is the conversation as it stood after that call (a wire client already
        # says so; any provider does now). Only the list is copied: the turns are the run's own objects.
        response.messages = state.conversation.copy()

        calls = [p for p in response.content.tool_calls if p.status is ToolStatus.PENDING]
        if calls:
            pending = yield from _tool_round(config, calls)
            if config.after_step is not None:
                yield CallHook(config.after_step, (response,))
            if pending:
                paused = Pause(
                    pending, state.conversation, list(state.steps), state.usage(), state.output_retries_used
                )
                yield Emit(Paused(paused))
                return _final(state, pause=paused)
            _check_step_budget(config, state)
            continue

        if config.after_step is not None:
            yield CallHook(config.after_step, (response,))
        if config.output is None or _refused(response):
            # A refusal is the model's answer, not invalid JSON: asking again would only repeat it (and
            # bill it). The run ends with it visible (`response.refusal`, finish_reason "refusal").
            return _final(state)
        try:
            value = config.output.parse(response)
        except InvalidStructuredOutput as invalid:
            if state.output_retries_used >= config.output_retries:
                attempts = state.output_retries_used + 1
                raise StructuredOutputError(
                    f"the answer did not match the output type after {attempts} attempt(s): {invalid}",
                    raw_text=response.text,
                    attempts=attempts,
                    errors=invalid.errors or str(invalid),
                ) from None
            state.output_retries_used += 1
            state.conversation.push(Content.user(config.output.retry_message(invalid)))
            continue
        yield Emit(Structured(value))
        return _final(state, output=value)


def _refused(response: ChatResponse) -> bool:
    return response.finish_reason == "refusal" or (response.refusal is not None and not response.text)


def is_forced(tool_choice: Any) -> bool:
    """True for a ``tool_choice`` that makes the model call a tool (``"required"``, a named function, ...);
    False for ``None``, ``"auto"`` and ``"none"``."""
    return tool_choice is not None and tool_choice not in ("auto", "none")


def _after_first_call(config: RunConfig, options: ChatOptions | None) -> ChatOptions | None:
    """The options of every model call after the first: a forced tool choice goes back to ``"auto"``.

    Forcing a tool on every call would make the model call it again after each result, until
    ``max_steps`` (the OpenAI Agents SDK resets it for the same reason). The choice may come from the
    run's options or the provider's own defaults (``config.default_tool_choice``); ``"auto"`` is sent
    explicitly so that it also overrides the latter. ``RunConfig.reset_tool_choice=False`` keeps it.
    """
    choice = options.tool_choice if options is not None and options.tool_choice is not None else None
    if choice is None:
        choice = config.default_tool_choice
    if not config.reset_tool_choice or not is_forced(choice):
        return options
    return replace(options or ChatOptions(), tool_choice="auto")


def _tool_round(config: RunConfig, calls: list[ToolPart]) -> Generator[Effect, Any, list[ToolPart]]:
    """Decide each call of a model turn, run the runnable ones, report results.

    Returns the calls awaiting approval."""
    pending: list[ToolPart] = []
    runnable: list[ToolPart] = []
    for part in calls:
        tool = config.tools.get(part.name)
        if tool is None or part.arguments is None:
            runnable.append(part)  # _finish_tool_round turns these into error results for the model
            continue
        strategy = (config.approval(part) if config.approval is not None else None) or tool.approval
        if strategy == "reject":
            part.status = ToolStatus.REJECTED
            part.error = f"rejected: tool {part.name!r} is not allowed to run"
        elif strategy == "require":
            pending.append(part)
        else:
            part.status = ToolStatus.APPROVED
            runnable.append(part)
    yield from _finish_tool_round(config, runnable, report=calls)
    return pending


def _finish_tool_round(
    config: RunConfig, approved: list[ToolPart], *, report: list[ToolPart]
) -> Generator[Effect, Any, None]:
    """Validate and run the ``approved`` calls, then emit one ToolResult per answered call of ``report``
    (in the model's order, so sync and async runs emit the same sequence)."""
    invocations: list[ToolInvocation] = []
    for part in approved:
        invocation = _prepare(config, part)
        if invocation is not None:
            part.status = ToolStatus.RUNNING
            invocations.append(invocation)
    if invocations:
        outcomes: list[ToolOutcome] = yield RunTools(tuple(invocations))
        for invocation, outcome in zip(invocations, outcomes, strict=True):
            _record(invocation, outcome)
    for part in report:
        if part.has_result:
            yield Emit(ToolResult(part))


def _prepare(config: RunConfig, part: ToolPart) -> ToolInvocation | None:
    """A ready-to-run invocation, or None after marking ``part`` failed with a message for the model."""
    tool = config.tools.get(part.name)
    if tool is None:
        available = ", ".join(sorted(config.tools)) or "none"
        _fail(part, f"unknown tool {part.name!r}; available tools: {available}")
        return None
    if part.arguments is None:
        _fail(part, f"invalid JSON arguments for tool {part.name!r}: {_json_problem(part.raw_arguments)}")
        return None
    try:
        arguments = tool.validate(part.arguments)
    except ToolArgumentsError as invalid:
        _fail(part, str(invalid))
        return None
    return ToolInvocation(part, tool, arguments)


def _fail(part: ToolPart, message: str) -> None:
    part.status = ToolStatus.FAILED
    part.error = message
    part.result = None


def _json_problem(raw: str) -> str:
    try:
        value = _json.loads(raw)
    except ValueError as exc:
        return f"{exc}; send the arguments as one JSON object"
    except RecursionError:
        return "the JSON is nested too deeply; send the arguments as one flat JSON object"
    return f"expected a JSON object, got {type(value).__name__}"


def _record(invocation: ToolInvocation, outcome: ToolOutcome) -> None:
    part = invocation.part
    if outcome.error is not None:
        error = outcome.error
        # The type only: the message may quote user data, and log records reach telemetry too (it goes
        # to the model, in the tool result, and stays in `response.messages`).
        logger.warning("tool %r (call %s) raised %s", part.name, part.id, type(error).__name__)
        _fail(part, f"{type(error).__name__}: {error}")
        return
    try:
        part.result = to_jsonable(outcome.value)
    except Exception as exc:  # an unserialisable return value is the tool's bug: tell the model, go on
        _fail(part, f"the tool returned a value that cannot be sent as JSON: {exc}")
        return
    part.status = ToolStatus.COMPLETED
    part.error = None


def to_jsonable(value: Any) -> Any:
    """A tool's return value as JSON-able data: strings as they are, pydantic models/dataclasses dumped."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value)


def _check_step_budget(config: RunConfig, state: _RunState) -> None:
    if len(state.steps) >= config.max_steps:
        raise MaxStepsExceededError(
            f"the model was still calling tools after {len(state.steps)} model calls "
            f"(max_steps={config.max_steps}); raise it with ChatBuilder.with_max_steps(), or continue "
            "from this error's .messages",
            messages=state.conversation,
            usage=state.usage(),
            steps=len(state.steps),
        )


def _final(state: _RunState, *, pause: Pause | None = None, output: Any = None) -> ChatResponse:
    last = state.steps[-1]
    return ChatResponse(
        content=last.content,
        id=last.id,
        model=last.model,
        provider=last.provider,
        finish_reason=last.finish_reason,
        native_finish_reason=last.native_finish_reason,
        usage=state.usage(),
        created=last.created,
        raw=last.raw,
        system_fingerprint=last.system_fingerprint,
        service_tier=last.service_tier,
        logprobs=last.logprobs,
        steps=list(state.steps),
        output=output,
        pause=pause,
        messages=state.conversation,
    )


def run_so_far(state: _RunState, error: BaseException | None = None) -> ChatResponse:
    """The run up to a failure, as a :class:`ChatResponse`: ``messages`` (tool results included),
    ``steps`` (the completed model calls) and ``usage`` summed over them -- plus what a failed streamed
    call reported before it broke (its ``partial``), when it reported usage at all."""
    response = _final(state) if state.steps else ChatResponse(messages=state.conversation)
    partial = getattr(error, "partial", None)
    if isinstance(partial, ChatResponse) and not partial.usage.is_empty:
        response.usage = response.usage + partial.usage
    return response


def _attach_run(error: Exception, state: _RunState) -> None:
    """Give the error that ends a run the run so far (``error.run``), unless it cannot take it."""
    if not isinstance(error, ChatOpenRouterError) and hasattr(error, "run"):
        return  # someone else's exception with a `run` of its own: leave it alone
    try:
        error.run = run_so_far(state, error)  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # an exception class with __slots__
        pass


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
