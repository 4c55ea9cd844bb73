"""Conversations: :class:`Content` (one turn) and :class:`Messages` (the ordered list of turns).

Typical use::

    from chat_openrouter import messages
    msgs = messages.from_system("Be brief.").user("Hello!")
    msgs.push(response.content)      # keep the model's turn (text, reasoning, tool calls + results)
    msgs.user("And then?")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from . import serialization
from .parts import FilePart, Part, ReasoningPart, Role, StructuredPart, TextPart, ToolPart

__all__ = ["Content", "Messages", "from_model", "from_system", "from_user"]

PartLike = str | Part


def _as_parts(items: Iterable[PartLike]) -> list[Part]:
    return [TextPart(p) if isinstance(p, str) else p for p in items]


# weakref_slot: a wire client's turn cache keeps each turn's encoding only while the turn lives
# (wire/common/turns.py).
@dataclass(slots=True, weakref_slot=True)
class Content:
    """One turn of the conversation: a role and its ordered parts."""

    role: Role
    parts: list[Part] = field(default_factory=list)

    @classmethod
    def user(cls, *parts: PartLike) -> Content:
        """A user turn: ``Content.user("Describe this", FilePart.from_path("cat.png"))`` (str = text)."""
        return cls(Role.USER, _as_parts(parts))

    @classmethod
    def system(cls, *parts: PartLike) -> Content:
        """A system turn (instructions). It stays where it is put in the conversation, on both wires."""
        return cls(Role.SYSTEM, _as_parts(parts))

    @classmethod
    def model(cls, *parts: PartLike) -> Content:
        """A model turn written by you: a few-shot example, a greeting or a prefill."""
        return cls(Role.MODEL, _as_parts(parts))

    @property
    def text(self) -> str:
        """All text parts joined (no separator: streamed text is split arbitrarily)."""
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def reasoning(self) -> str:
        """The readable reasoning of every reasoning part joined ("" when encrypted-only or absent)."""
        return "".join(p.text for p in self.parts if isinstance(p, ReasoningPart))

    @property
    def tool_calls(self) -> list[ToolPart]:
        """The tool calls of this turn, in order, each with its result once answered."""
        return [p for p in self.parts if isinstance(p, ToolPart)]

    @property
    def files(self) -> list[FilePart]:
        """The files of this turn (attachments, or images an image-output model produced)."""
        return [p for p in self.parts if isinstance(p, FilePart)]

    @property
    def structured(self) -> StructuredPart | None:
        """The first structured value of this turn, if any."""
        for p in self.parts:
            if isinstance(p, StructuredPart):
                return p
        return None


class Messages(Sequence[Content]):
    """An ordered, mutable list of :class:`Content` turns. Methods that add return ``self`` for chaining."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Content] = ()) -> None:
        self._items: list[Content] = list(items)

    def push(self, content: Content) -> Messages:
        """Append one turn (e.g. ``response.content``)."""
        if not isinstance(content, Content):
            raise TypeError(f"Messages.push expects a Content, got {type(content).__name__}")
        self._items.append(content)
        return self

    def extend(self, contents: Iterable[Content]) -> Messages:
        """Append several turns, in order."""
        for c in contents:
            self.push(c)
        return self

    def user(self, *parts: PartLike) -> Messages:
        """Append a user turn (see :meth:`Content.user`)."""
        return self.push(Content.user(*parts))

    def system(self, *parts: PartLike) -> Messages:
        """Append a system turn (see :meth:`Content.system`)."""
        return self.push(Content.system(*parts))

    def model(self, *parts: PartLike) -> Messages:
        """Append a model turn (see :meth:`Content.model`)."""
        return self.push(Content.model(*parts))

    def copy(self) -> Messages:
        """A shallow copy (the turns are shared, the list is not)."""
        return Messages(self._items)

    def to_json(self, *, indent: int | None = None) -> str:
        """The lossless, versioned JSON form (see :mod:`chat_openrouter.core.serialization`): save it and
        continue later with :meth:`from_json`. Reasoning, tool calls and results, files are all kept."""
        return serialization.dumps(self.to_dict(), indent=indent)

    def to_dict(self) -> dict[str, Any]:
        """The document :meth:`to_json` writes, as a dict (to embed in a larger JSON document)."""
        return serialization.document(
            serialization.MESSAGES_FORMAT, {"messages": serialization.encode_turns(self)}
        )

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Messages:
        """Load what :meth:`to_json` (or :meth:`to_dict`) wrote, by this or an older version.

        Raises :class:`~chat_openrouter.errors.DecodeError` naming the problem (not JSON, an unknown
        part kind, a newer format version) and where it is."""
        body = serialization.open_document(data, serialization.MESSAGES_FORMAT)
        turns = serialization.decode_turns(body.get("messages"), "messages")
        return cls(Content(role, parts) for role, parts in turns)

    @overload
    def __getitem__(self, index: int) -> Content: ...
    @overload
    def __getitem__(self, index: slice) -> Messages: ...
    def __getitem__(self, index: int | slice) -> Content | Messages:
        if isinstance(index, slice):
            return Messages(self._items[index])
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Content]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Messages):
            return self._items == other._items
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Messages({self._items!r})"


def from_user(*parts: PartLike) -> Messages:
    """A new conversation starting with a user turn: ``messages.from_user("Hello!")``."""
    return Messages().user(*parts)


def from_system(*parts: PartLike) -> Messages:
    """A new conversation starting with a system prompt."""
    return Messages().system(*parts)


def from_model(*parts: PartLike) -> Messages:
    """A new conversation starting with a model turn (e.g. a greeting, or a prefill)."""
    return Messages().model(*parts)
