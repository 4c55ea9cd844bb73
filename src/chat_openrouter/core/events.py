"""Stream events. Names mirror chat-rs. Every stream ends with exactly one :class:`Done`, or raises."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

from .parts import ToolPart
from .response import OutputT

if TYPE_CHECKING:
    from .approval import Pause
    from .response import ChatResponse, TokenLogprob

_E = TypeVar("_E")


def _stored_directly(cls: type[_E]) -> type[_E]:
    """Give a frozen, slotted dataclass an ``__init__`` that stores each field through its slot.

    A frozen dataclass's generated ``__init__`` goes through ``object.__setattr__`` for every field
    (its own ``__setattr__`` refuses); the slot descriptors store the same values for about a third less
    CPU (bench: ~90 ns per event), which counts for the events built for every streamed chunk. The
    signature, defaults, immutability, equality and hash stay the dataclass's.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    params = []
    namespace: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        else:
            params.append(f.name)
        namespace[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
    body = "\n".join(f"    _set_{name}(self, {name})" for name in names) or "    pass"
    # Generated as dataclasses generates its own __init__ (exec of a def), so the signature stays the same.
    exec(f"def __init__(self, {', '.join(params)}):\n{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    setattr(cls, "__init__", init)  # noqa: B010 -- mypy refuses assigning a method
    return cls


__all__ = [
    "AudioChunk",
    "Done",
    "Paused",
    "ReasoningChunk",
    "RefusalChunk",
    "StreamEvent",
    "Structured",
    "TextChunk",
    "ToolCall",
    "ToolCallChunk",
    "ToolResult",
]


@_stored_directly
@dataclass(frozen=True, slots=True)
class TextChunk:
    """A piece of the answer's text; ``logprobs`` are its tokens' log probabilities when they were asked
    for (``ChatOptions(logprobs=True)``) and the server sent them with this piece."""

    text: str
    logprobs: tuple[TokenLogprob, ...] = ()


@_stored_directly
@dataclass(frozen=True, slots=True)
class RefusalChunk:
    """A piece of the model's refusal message (the final one is ``ChatResponse.refusal``); never text."""

    text: str


@_stored_directly
@dataclass(frozen=True, slots=True)
class AudioChunk:
    """A piece of the model's speech (audio output): ``data`` bytes to play or save in order, and the
    piece of the ``transcript`` they carry. The whole is the answer's :class:`~.parts.AudioPart`."""

    data: bytes
    transcript: str = ""

    def __repr__(self) -> str:
        return f"AudioChunk(<{len(self.data)} bytes>, transcript={self.transcript!r})"


@dataclass(frozen=True, slots=True)
class ReasoningChunk:
    """A piece of the model's visible reasoning (raw text or summary)."""

    text: str


@_stored_directly
@dataclass(frozen=True, slots=True)
class ToolCallChunk:
    """A tool call is being streamed: ``name`` is set on the first chunk, ``arguments_delta`` grows it."""

    index: int
    id: str | None
    name: str | None
    arguments_delta: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call is complete (its arguments fully received)."""

    part: ToolPart


@dataclass(frozen=True, slots=True)
class ToolResult:
    """The Chat engine ran (or rejected) a tool; ``part`` carries the result or error."""

    part: ToolPart


@dataclass(frozen=True, slots=True)
class Structured(Generic[OutputT]):
    """The final structured output, validated (the Chat engine's ``with_structured_output``)."""

    value: OutputT


@dataclass(frozen=True, slots=True)
class Paused:
    """The run stopped for human approval; the stream ends after this event."""

    pause: Pause


@dataclass(frozen=True, slots=True)
class Done(Generic[OutputT]):
    """The last event: the complete response (a ``ChatResponse[T]`` in a ``Chat[T]`` run's stream)."""

    response: ChatResponse[OutputT]


# A generic alias: `StreamEvent` alone is a model call's events (`Done[None]`); a `Chat[T]` run's stream
# yields `StreamEvent[T]`, so `case Done(response=r): r.output` is a `T`.
StreamEvent = Union[  # noqa: UP007 - a generic alias over a TypeVar needs Union[...] on Python 3.11
    TextChunk,
    RefusalChunk,
    ReasoningChunk,
    AudioChunk,
    ToolCallChunk,
    ToolCall,
    ToolResult,
    Structured[OutputT],
    Paused,
    Done[OutputT],
]
