"""``ScriptedProvider``: a fake model that answers from a script, for testing your own agents offline.

It implements the same :class:`~chat_openrouter.core.provider.ChatProvider` protocol as the real wire
clients, so a :class:`~chat_openrouter.Chat` cannot tell the difference::

    from chat_openrouter import ChatBuilder, messages, tool
    from chat_openrouter.testing import ScriptedProvider, call, reply

    @tool
    def add(a: int, b: int) -> int:
        '''Add two integers.'''
        return a + b

    model = ScriptedProvider([
        reply(tool_calls=[call("add", {"a": 2, "b": 40})]),   # step 1: the model calls a tool
        reply("It is 42."),                                    # step 2: it answers
    ])
    chat = ChatBuilder().with_model(model).with_tools([add]).build()
    assert chat.complete_sync(messages.from_user("2 + 40?")).text == "It is 42."

    model.requests[1].messages[-1].tool_calls[0].result     # 42: what the model was sent back
    model.requests[0].tool_names                             # ["add"]

Every request is recorded (a deep copy of the messages as they were sent, the tools, the options, the
output schema, and whether it streamed). Streaming goes through the real ``ChatStream`` /
``AsyncChatStream`` classes with a realistic event sequence: reasoning chunks, text chunks, one
``ToolCallChunk`` per argument piece, ``ToolCall`` per finished call, then ``Done``.
An item of the script may also be a ``ChatResponse`` (returned as is), an exception (raised by that
call), or a function ``(ScriptedRequest) -> ScriptedReply`` that answers by looking at the request.
Instead of a list, the whole script may be such a function. Free of pytest: usable anywhere.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..core.events import ReasoningChunk, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from ..core.messages import Content, Messages
from ..core.options import ChatOptions, OutputSchema
from ..core.parts import Part, ReasoningPart, Role, TextPart, ToolPart
from ..core.response import ChatResponse
from ..core.stream import AsyncChatStream, ChatStream
from ..core.tools import ToolLike, ToolSpec
from ..core.usage import Usage

__all__ = [
    "ScriptExhaustedError",
    "ScriptedProvider",
    "ScriptedReply",
    "ScriptedRequest",
    "ScriptedToolCall",
    "call",
    "reply",
]


class ScriptExhaustedError(AssertionError):
    """The code under test called the model more often than the script allows."""


@dataclass(frozen=True)
class ScriptedToolCall:
    """A tool call the scripted model makes. ``arguments`` as a dict, or a raw string (may be broken JSON)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None


def call(
    name: str, arguments: dict[str, Any] | str | None = None, *, id: str | None = None
) -> ScriptedToolCall:
    """A scripted tool call: ``call("search", {"q": "cats"})`` or ``call("search", '{"q": broken')``."""
    return ScriptedToolCall(name, {} if arguments is None else arguments, id)


@dataclass(frozen=True)
class ScriptedReply:
    """One scripted model turn. Build it with :func:`reply`."""

    text: str = ""
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    reasoning: str = ""
    reasoning_details: tuple[dict[str, Any], ...] = ()
    signature: str | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    model: str | None = None
    provider: str | None = None
    #: Raised by this call: at once without streaming, after the content's events when streaming.
    error: BaseException | None = None


def reply(
    text: str = "",
    *,
    tool_calls: Iterable[ScriptedToolCall | tuple[str, dict[str, Any] | str]] = (),
    reasoning: str = "",
    reasoning_details: Sequence[dict[str, Any]] = (),
    signature: str | None = None,
    usage: Usage | None = None,
    finish_reason: str | None = None,
    model: str | None = None,
    provider: str | None = None,
    error: BaseException | None = None,
) -> ScriptedReply:
    """A scripted model turn: text, reasoning (with verbatim ``reasoning_details``), tool calls, usage.

    ``tool_calls`` items are :func:`call` results or ``(name, arguments)`` tuples. ``finish_reason``
    defaults to ``"tool_calls"`` when there are tool calls, else ``"stop"``.
    """
    calls = tuple(c if isinstance(c, ScriptedToolCall) else ScriptedToolCall(c[0], c[1]) for c in tool_calls)
    return ScriptedReply(
        text=text,
        tool_calls=calls,
        reasoning=reasoning,
        reasoning_details=tuple(copy.deepcopy(list(reasoning_details))),
        signature=signature,
        usage=usage,
        finish_reason=finish_reason,
        model=model,
        provider=provider,
        error=error,
    )


@dataclass(frozen=True)
class ScriptedRequest:
    """What the provider was asked: a snapshot taken when the call was made."""

    index: int
    messages: Messages
    tools: list[ToolLike]
    options: ChatOptions | None
    output: OutputSchema | None
    stream: bool

    @property
    def tool_names(self) -> list[str]:
        """Names of the function tools offered (raw server-tool dicts by their ``type``)."""
        return [t.name if isinstance(t, ToolSpec) else str(t.get("type")) for t in self.tools]

    @property
    def last_user_text(self) -> str:
        """The text of the latest user turn ("" if none): handy in a script function."""
        for content in reversed(self.messages):
            if content.role is Role.USER:
                return content.text
        return ""


#: One entry of a script: a turn, a ready response, an exception to raise, or a function of the request.
ScriptItem = (
    ScriptedReply | ChatResponse | BaseException | Callable[[ScriptedRequest], ScriptedReply | ChatResponse]
)


class ScriptedProvider:
    """A fake model client (``ChatProvider``) answering from a script. See the module docstring.

    ``chunk_size`` is how many characters go in each streamed text/reasoning/argument chunk.
    ``model`` is reported as the response's model unless a reply sets its own. Thread- and task-safe:
    each call takes the next script item under a lock.
    """

    def __init__(
        self,
        script: Iterable[ScriptItem] | Callable[[ScriptedRequest], ScriptedReply | ChatResponse],
        *,
        model: str = "scripted/model",
        chunk_size: int = 8,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self._function = script if callable(script) else None
        self._script: list[ScriptItem] = [] if callable(script) else list(script)
        self.model = model
        self.chunk_size = chunk_size
        self.requests: list[ScriptedRequest] = []
        self._lock = threading.Lock()
        self._call_ids = 0

    def __repr__(self) -> str:
        left = "function" if self._function is not None else f"{len(self._script) - len(self.requests)} left"
        return f"ScriptedProvider(model={self.model!r}, script={left})"

    @property
    def remaining(self) -> int:
        """Script items not used yet (0 for a script function)."""
        return 0 if self._function is not None else max(0, len(self._script) - len(self.requests))

    # -- ChatProvider --------------------------------------------------------------------------------------
    async def complete(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatResponse:
        """Return the next scripted turn."""
        return self.complete_sync(messages, tools=tools, options=options, output=output)

    def complete_sync(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatResponse:
        """Return the next scripted turn (sync twin)."""
        item, request = self._next(messages, tools, options, output, stream=False)
        if isinstance(item, ChatResponse):
            return item
        if item.error is not None:
            raise item.error
        return self._response(item, request)

    def stream(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> AsyncChatStream:
        """Stream the next scripted turn through a real ``AsyncChatStream``."""
        state = self._stream_state(messages, tools, options, output)

        @asynccontextmanager
        async def source() -> AsyncIterator[AsyncIterator[str]]:
            async def payloads() -> AsyncIterator[str]:
                for index in range(len(state.events)):
                    yield str(index)

            yield payloads()

        return AsyncChatStream(state, source)

    def stream_sync(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatStream:
        """Stream the next scripted turn through a real ``ChatStream``."""
        state = self._stream_state(messages, tools, options, output)

        @contextmanager
        def source() -> Iterator[Iterator[str]]:
            yield iter([str(index) for index in range(len(state.events))])

        return ChatStream(state, source)

    # -- internals -----------------------------------------------------------------------------------------
    def _next(
        self,
        messages: Messages,
        tools: Sequence[ToolLike] | None,
        options: ChatOptions | None,
        output: OutputSchema | None,
        *,
        stream: bool,
    ) -> tuple[ScriptedReply | ChatResponse, ScriptedRequest]:
        with self._lock:
            index = len(self.requests)
            # A deep copy: the Chat engine fills tool results in later, the record shows what was sent.
            request = ScriptedRequest(
                index, copy.deepcopy(messages), list(tools or ()), options, output, stream
            )
            self.requests.append(request)
            if self._function is not None:
                item: ScriptItem = self._function
            elif index < len(self._script):
                item = self._script[index]
            else:
                raise ScriptExhaustedError(
                    f"ScriptedProvider: request #{index + 1} but the script has only "
                    f"{len(self._script)} item(s)"
                )
        if isinstance(item, BaseException):
            raise item
        if callable(item) and not isinstance(item, (ScriptedReply, ChatResponse)):
            item = item(request)
        return item, request

    def _new_call_id(self) -> str:
        with self._lock:
            self._call_ids += 1
            return f"call_{self._call_ids}"

    def _response(self, item: ScriptedReply, request: ScriptedRequest) -> ChatResponse:
        parts: list[Part] = []
        if item.reasoning or item.reasoning_details:
            parts.append(
                ReasoningPart(
                    text=item.reasoning,
                    signature=item.signature,
                    details=copy.deepcopy(list(item.reasoning_details)),
                )
            )
        if item.text:
            parts.append(TextPart(item.text))
        for scripted in item.tool_calls:
            call_id = scripted.id or self._new_call_id()
            if isinstance(scripted.arguments, str):
                parts.append(ToolPart(id=call_id, name=scripted.name, raw_arguments=scripted.arguments))
            else:
                parts.append(
                    ToolPart(id=call_id, name=scripted.name, arguments=copy.deepcopy(scripted.arguments))
                )
        finish = item.finish_reason or ("tool_calls" if item.tool_calls else "stop")
        return ChatResponse(
            content=Content(Role.MODEL, parts),
            id=f"gen-scripted-{request.index + 1}",
            model=item.model or self.model,
            provider=item.provider or "scripted",
            finish_reason=finish,
            native_finish_reason=finish,
            usage=copy.deepcopy(item.usage) if item.usage is not None else Usage(),
        )

    def _stream_state(
        self,
        messages: Messages,
        tools: Sequence[ToolLike] | None,
        options: ChatOptions | None,
        output: OutputSchema | None,
    ) -> ScriptedStreamState:
        item, request = self._next(messages, tools, options, output, stream=True)
        if isinstance(item, ChatResponse):
            return ScriptedStreamState(_events_for(item, self.chunk_size), item)
        response = self._response(item, request)
        return ScriptedStreamState(_events_for(response, self.chunk_size), response, error=item.error)


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _events_for(response: ChatResponse, size: int) -> list[StreamEvent]:
    """The events a wire would produce for ``response``, in wire order."""
    events: list[StreamEvent] = []
    calls: list[ToolPart] = []
    for part in response.content.parts:
        if isinstance(part, ReasoningPart):
            events.extend(ReasoningChunk(piece) for piece in _pieces(part.text, size))
        elif isinstance(part, TextPart):
            events.extend(TextChunk(piece) for piece in _pieces(part.text, size))
        elif isinstance(part, ToolPart):
            index = len(calls)
            calls.append(part)
            pieces = _pieces(part.raw_arguments, size) or [""]
            events.append(ToolCallChunk(index, part.id, part.name, pieces[0]))
            events.extend(ToolCallChunk(index, None, None, piece) for piece in pieces[1:])
    # Both wires announce a finished call once its arguments are complete: at the end of the turn.
    events.extend(ToolCall(part) for part in calls)
    return events


class ScriptedStreamState:
    """A ``StreamState`` replaying precomputed events; payload ``"i"`` yields event ``i``.

    ``snapshot()`` is the response built from the events replayed so far (what a real wire's partial
    would hold); ``finish()`` returns the scripted response, or raises the scripted error.
    """

    def __init__(
        self, events: list[StreamEvent], response: ChatResponse, *, error: BaseException | None = None
    ) -> None:
        self.events = events
        self._response = response
        self._error = error
        self._replayed = 0

    def handle(self, data: str) -> list[StreamEvent]:
        """Payload ``"i"`` replays event ``i`` (the scripted source sends ``"0"``, ``"1"``, ...)."""
        index = int(data)
        self._replayed = max(self._replayed, index + 1)
        return [self.events[index]]

    def snapshot(self) -> ChatResponse:
        """The response the events replayed so far add up to."""
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolPart] = []
        for event in self.events[: self._replayed]:
            if isinstance(event, TextChunk):
                text.append(event.text)
            elif isinstance(event, ReasoningChunk):
                reasoning.append(event.text)
            elif isinstance(event, ToolCall):
                calls.append(event.part)
        parts: list[Part] = []
        if reasoning:
            parts.append(ReasoningPart(text="".join(reasoning)))
        if text:
            parts.append(TextPart("".join(text)))
        parts.extend(calls)
        return ChatResponse(
            content=Content(Role.MODEL, parts), id=self._response.id, model=self._response.model
        )

    def finish(self) -> ChatResponse:
        """The scripted response, or the scripted error raised once every event was replayed."""
        if self._error is not None:
            raise self._error
        return self._response
