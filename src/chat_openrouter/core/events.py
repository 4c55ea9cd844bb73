"""Stream events. Names mirror chat-rs. Every stream ends with exactly one :class:`Done`, or raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Union

from .parts import ToolPart
from .response import OutputT

if TYPE_CHECKING:
    from .approval import Pause
    from .response import ChatResponse, TokenLogprob

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


@dataclass(frozen=True, slots=True)
class TextChunk:
    """A piece of the answer's text; ``logprobs`` are its tokens' log probabilities when they were asked
    for (``ChatOptions(logprobs=True)``) and the server sent them with this piece."""

    text: str
    logprobs: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True, slots=True)
class RefusalChunk:
    """A piece of the model's refusal message (the final one is ``ChatResponse.refusal``); never text."""

    text: str


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
