"""What a Chat Completions stream has delivered so far: tool calls and reasoning details, merged from
their fragments in O(text) (one :class:`~chat_openrouter.wire.common.text.TextBuffer` per growing string,
no list of deltas).

A Chat stream has no terminal copy of the message: the chunks *are* the message, merged field by field
the way OpenRouter splits it (§5.3): content, refusal and ``reasoning`` strings concatenate; tool calls
accumulate by ``index``; ``reasoning_details`` entries by ``index`` and ``type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common.text import TextBuffer

__all__ = ["DetailAccumulator", "ToolCallAccumulator"]


class ToolCallAccumulator:
    """One tool call being streamed: ``index``, id and name from its first fragment, arguments joined."""

    __slots__ = ("arguments", "call_id", "emitted", "index", "name", "position")

    def __init__(self, position: int, call_id: str | None, index: int | None) -> None:
        self.position = position  # its place among the stream's calls (the fallback id is call_<position>)
        self.call_id = call_id
        self.index = index
        self.name = ""
        self.arguments = TextBuffer()
        self.emitted = False  # a ToolCall event went out for it

    def to_json(self) -> dict[str, Any]:
        """The call as a non-streamed message lists it in ``tool_calls``."""
        call: dict[str, Any] = {}
        if self.index is not None:
            call["index"] = self.index
        if self.call_id is not None:
            call["id"] = self.call_id
        call["type"] = "function"
        call["function"] = {"name": self.name, "arguments": self.arguments.value()}
        return call


class DetailAccumulator:
    """One ``reasoning_details`` entry merged from its streamed fragments (§5.3).

    ``text``/``summary`` fragments are appended; other fields keep the first value unless a later
    fragment brings a non-empty one (the Anthropic ``signature`` arrives in its own fragment with empty
    text -- fixture chat-stream-reasoning-anthropic-signature; encrypted ``data`` arrives whole). Key
    order is that of the first fragment.
    """

    __slots__ = ("fields", "has_text", "summary", "text")

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.text = TextBuffer()
        self.summary = TextBuffer()
        self.has_text = False  # whether any non-empty text has been appended (for "\n\n" separators)

    @property
    def type(self) -> Any:
        return self.fields.get("type")

    def merge(self, fragment: Mapping[str, Any]) -> str:
        """Fold one fragment in; return its new readable text ("" if none)."""
        new_text = ""
        fields = self.fields
        for key, value in fragment.items():
            if key == "text" or key == "summary":
                if key not in fields:
                    fields[key] = value  # placeholder keeps the key order; replaced in to_json()
                if isinstance(value, str) and value:
                    (self.text if key == "text" else self.summary).append(value)
                    new_text += value
            elif key not in fields or (value is not None and value != ""):
                fields[key] = value
        return new_text

    def to_json(self) -> dict[str, Any]:
        """The entry as a non-streamed message lists it in ``reasoning_details``."""
        detail = dict(self.fields)
        if "text" in detail and self.text:
            detail["text"] = self.text.value()
        if "summary" in detail and self.summary:
            detail["summary"] = self.summary.value()
        return detail
