"""Stream events. Names mirror chat-rs. Every stream ends with exactly one :class:`Done`, or raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .parts import ToolPart

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
class Structured:
    """The final structured output, validated (the Chat engine's ``with_structured_output``)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Paused:
    """The run stopped for human approval; the stream ends after this event."""

    pause: Pause


@dataclass(frozen=True, slots=True)
class Done:
    """The last event: the complete response."""

    response: ChatResponse


StreamEvent = (
    TextChunk
    | RefusalChunk
    | ReasoningChunk
    | AudioChunk
    | ToolCallChunk
    | ToolCall
    | ToolResult
    | Structured
    | Paused
    | Done
)
