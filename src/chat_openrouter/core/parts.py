"""Message parts: the provider-neutral pieces a conversation is made of.

A :class:`Content` (one turn) holds an ordered list of parts. Each part has a ``kind`` tag so code can
discriminate without ``isinstance`` chains. Parts are wire-neutral: a model turn decoded from the Responses
API can be re-encoded for Chat Completions and back without loss (see ``ReasoningPart``).

There is no ``tool`` role: a tool call and its result live together in one :class:`ToolPart` of the
model's turn, with a status lifecycle ``pending → approved/rejected → running → completed/failed``.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from .. import _json

__all__ = [
    "AudioPart",
    "FilePart",
    "Part",
    "ReasoningPart",
    "RefusalPart",
    "Role",
    "StructuredPart",
    "TextPart",
    "ToolPart",
    "ToolStatus",
]


class Role(str, Enum):
    """Who said it. A tool result is part of the model's turn, so there are only three roles."""

    USER = "user"
    SYSTEM = "system"
    MODEL = "model"

    def __str__(self) -> str:
        return self.value


class ToolStatus(str, Enum):
    """Lifecycle of one tool call: ``pending → approved/rejected → running → completed/failed``."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


@dataclass(slots=True)
class TextPart:
    """Plain text. ``annotations`` keeps citations (url_citation, file) verbatim as the wire sent them."""

    text: str
    annotations: list[dict[str, Any]] = field(default_factory=list)
    cache_control: dict[str, Any] | None = None
    kind: Literal["text"] = field(default="text", init=False)


@dataclass(slots=True)
class ReasoningPart:
    """The model's reasoning, kept losslessly so it can be replayed on the next turn.

    ``details`` are OpenRouter's ``reasoning_details`` entries (``reasoning.text`` / ``reasoning.summary`` /
    ``reasoning.encrypted``, with ``id``, ``format``, ``index``, ``signature``) **verbatim**, in the order
    received. That is OpenRouter's own provider-neutral form, used on both wires.
    ``item`` is the Responses API ``reasoning`` output item verbatim, when this part came from that wire:
    the Responses codec replays it unchanged; the Completions codec replays ``details``.
    ``text`` is the readable reasoning (concatenated text or summaries); ``signature`` the last signature.
    """

    text: str = ""
    signature: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)
    item: dict[str, Any] | None = None
    kind: Literal["reasoning"] = field(default="reasoning", init=False)

    @property
    def encrypted(self) -> bool:
        """True when the provider returned opaque (encrypted) reasoning that must be replayed verbatim."""
        return any(d.get("type") == "reasoning.encrypted" for d in self.details) or bool(
            self.item and self.item.get("encrypted_content")
        )


@dataclass(slots=True)
class ToolPart:
    """One tool call and, once run, its result.

    ``arguments`` is the parsed JSON object (None when ``raw_arguments`` is not valid JSON -- the engine
    then reports the error back to the model); ``raw_arguments`` is the exact string the model produced.
    ``result`` is whatever the tool returned (JSON-able); ``error`` a message when it failed or was
    rejected. ``provider_data`` keeps wire ids the round trip needs (e.g. the Responses ``fc_...`` item id).
    """

    id: str
    name: str
    raw_arguments: str = ""
    arguments: dict[str, Any] | None = None
    status: ToolStatus = ToolStatus.PENDING
    result: Any = None
    error: str | None = None
    provider_data: dict[str, Any] = field(default_factory=dict)
    kind: Literal["tool"] = field(default="tool", init=False)

    def __post_init__(self) -> None:
        if self.arguments is None and self.raw_arguments:
            self.arguments = parse_arguments(self.raw_arguments)
        elif self.arguments is not None and not self.raw_arguments:
            self.raw_arguments = _json.dumps_text(self.arguments)

    @property
    def has_result(self) -> bool:
        """True once the call was answered: completed, failed or rejected (the wires send it back)."""
        return self.status in (ToolStatus.COMPLETED, ToolStatus.FAILED, ToolStatus.REJECTED)

    def output_text(self) -> str:
        """The result as the string the wires send back (``tool`` message / ``function_call_output``)."""
        if self.status in (ToolStatus.FAILED, ToolStatus.REJECTED) or (self.error and self.result is None):
            return json.dumps({"error": self.error or "tool call rejected"}, ensure_ascii=False)
        if isinstance(self.result, str):
            return self.result
        return json.dumps(self.result, ensure_ascii=False, default=_json_default)


def parse_arguments(raw: str) -> dict[str, Any] | None:
    """Parse a tool call's argument string; an empty string is ``{}``, anything invalid is None.

    "Invalid" includes JSON nested too deeply to parse (a hostile or broken model): never a
    ``RecursionError``.
    """
    if not raw.strip():
        return {}
    try:
        value = _json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _json_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return str(value)


@dataclass(slots=True)
class FilePart:
    """An image, PDF, audio or video file, by URL or by bytes with a MIME type.

    Build one with :meth:`from_path`, :meth:`from_bytes` or :meth:`from_url`.
    """

    mime_type: str
    url: str | None = None
    data: bytes | None = None
    filename: str | None = None
    detail: str | None = None
    cache_control: dict[str, Any] | None = None
    kind: Literal["file"] = field(default="file", init=False)

    def __post_init__(self) -> None:
        if (self.url is None) == (self.data is None):
            raise ValueError("FilePart needs exactly one of url= or data=")

    @classmethod
    def from_url(cls, url: str, *, mime_type: str | None = None, filename: str | None = None) -> FilePart:
        """A file OpenRouter fetches by URL (https or ``data:``). The MIME type is guessed from the name."""
        if mime_type is None and url.startswith("data:"):
            mime_type = url[5:].split(";", 1)[0].split(",", 1)[0] or None
        guessed = mime_type or mimetypes.guess_type(url.split("?", 1)[0])[0] or "application/octet-stream"
        return cls(mime_type=guessed, url=url, filename=filename)

    @classmethod
    def from_bytes(cls, data: bytes, mime_type: str, *, filename: str | None = None) -> FilePart:
        """A file sent inline (base64 on the wire)."""
        return cls(mime_type=mime_type, data=bytes(data), filename=filename)

    @classmethod
    def from_path(cls, path: str | Path, *, mime_type: str | None = None) -> FilePart:
        """Read a local file; the MIME type is guessed from its extension unless given."""
        p = Path(path)
        guessed = mime_type or mimetypes.guess_type(p.name)[0] or "application/octet-stream"
        return cls(mime_type=guessed, data=p.read_bytes(), filename=p.name)

    @property
    def category(self) -> Literal["image", "pdf", "audio", "video", "other"]:
        """What the MIME type says the file is; the wires pick the content part shape from it."""
        major = self.mime_type.split("/", 1)[0]
        if major in ("image", "audio", "video"):
            return major  # type: ignore[return-value]
        if self.mime_type == "application/pdf":
            return "pdf"
        return "other"

    def base64(self) -> str:
        """The inline bytes as base64 (empty for URL files)."""
        return base64.b64encode(self.data).decode("ascii") if self.data is not None else ""

    def data_url(self) -> str:
        """A ``data:`` URL for inline bytes, or the URL itself."""
        if self.url is not None:
            return self.url
        return f"data:{self.mime_type};base64,{self.base64()}"

    def __repr__(self) -> str:  # never dump megabytes of file data into a traceback
        src = self.url if self.url and not self.url.startswith("data:") else f"<{self.size} bytes>"
        return f"FilePart(mime_type={self.mime_type!r}, source={src!r}, filename={self.filename!r})"

    @property
    def size(self) -> int:
        """Bytes of inline data, or the length of the URL."""
        if self.data is not None:
            return len(self.data)
        return len(self.url or "")


@dataclass(slots=True)
class RefusalPart:
    """The model declined to answer: its refusal message, never mixed into the answer's text.

    Both wires send refusals apart from the answer (Chat ``message.refusal`` / ``delta.refusal``, the
    Responses ``refusal`` content part and its ``response.refusal.*`` events). A response whose turn holds
    one reads it as :attr:`ChatResponse.refusal <chat_openrouter.ChatResponse.refusal>` and finishes with
    ``finish_reason == "refusal"`` -- an answer the caller must see, not an error and not an empty success.
    Kept in the conversation, it is sent back as what the model said (see each wire's encoder).
    """

    text: str
    kind: Literal["refusal"] = field(default="refusal", init=False)


#: MIME types of the formats chat models speak in (``audio.format``; OpenRouter's audio guide).
_AUDIO_MIME = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "pcm16": "audio/pcm",
    "pcm": "audio/pcm",
}


@dataclass(slots=True)
class AudioPart:
    """Speech the model produced (audio output: ``modalities`` with ``"audio"``, Chat Completions).

    ``data`` is the audio in ``format`` (``wav``, ``mp3``, ``pcm16``... as asked for); ``transcript`` what
    it says; ``id`` and ``expires_at`` (Unix seconds) the provider's reference to it. Kept in the
    conversation, it goes back as its transcript: the reference expires, the words do not.
    """

    data: bytes
    format: str | None = None
    transcript: str = ""
    id: str | None = None
    expires_at: int | None = None
    kind: Literal["audio"] = field(default="audio", init=False)

    @property
    def mime_type(self) -> str:
        """The audio's MIME type (``audio/wav``, ``audio/mpeg``...; ``application/octet-stream`` if unknown)."""
        return _AUDIO_MIME.get((self.format or "").lower(), "application/octet-stream")

    def as_file(self) -> FilePart:
        """The audio as a :class:`FilePart` (to save it, or send it to a model that listens)."""
        return FilePart.from_bytes(self.data, self.mime_type)

    def __repr__(self) -> str:  # never dump the audio into a traceback
        return f"AudioPart(<{len(self.data)} bytes>, format={self.format!r}, transcript={self.transcript!r})"


@dataclass(slots=True)
class StructuredPart:
    """A JSON value the model produced for a structured-output request."""

    value: Any
    kind: Literal["structured"] = field(default="structured", init=False)


Part = TextPart | ReasoningPart | ToolPart | FilePart | StructuredPart | RefusalPart | AudioPart
