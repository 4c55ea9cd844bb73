"""Conversations: :class:`Content` (one turn) and :class:`Messages` (the ordered list of turns).

Typical use::

    from chat_openrouter import messages
    msgs = messages.from_system("Be brief.").user("Hello!")
    msgs.push(response.content)      # keep the model's turn (text, reasoning, tool calls + results)
    msgs.user("And then?")

A conversation you already hold as OpenAI-style dicts converts both ways::

    msgs = messages.from_openai([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    msgs.to_openai()                 # the same list of dicts back

Every method that takes a conversation (``complete``/``stream`` on the clients and on ``Chat``) accepts a
``str`` (one user message), a :class:`Messages`, or such a list of dicts (see :func:`as_messages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from . import openai_format, serialization
from .parts import (
    AudioPart,
    FilePart,
    Part,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
)

__all__ = [
    "Content",
    "ConversationInput",
    "Messages",
    "as_messages",
    "from_model",
    "from_openai",
    "from_system",
    "from_user",
]

PartLike = str | Part

_PART_TYPES = (TextPart, FilePart, ReasoningPart, ToolPart, StructuredPart, RefusalPart, AudioPart)
_ACCEPTED_PARTS = "a str (text) or a part (TextPart, FilePart, ...)"


def _as_parts(items: Iterable[PartLike]) -> list[Part]:
    parts: list[Part] = []
    for item in items:
        if isinstance(item, str):
            parts.append(TextPart(item))
        elif isinstance(item, _PART_TYPES):
            parts.append(item)
        else:
            # Fail here, where the mistake is made, not later as "'dict' object has no attribute 'kind'".
            hint = (
                "; for an OpenAI-style message dict use messages.from_openai([...])"
                if isinstance(item, Mapping)
                else ""
            )
            raise TypeError(f"a message part must be {_ACCEPTED_PARTS}, got {type(item).__name__}{hint}")
    return parts


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
        for item in self._items:
            if not isinstance(item, Content):
                raise TypeError(
                    f"Messages(...) holds Content turns, got {type(item).__name__}"
                    + ("; for OpenAI-style dicts use messages.from_openai([...])" if isinstance(item, Mapping) else "")
                )

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

    def to_openai(self) -> list[dict[str, Any]]:
        """This conversation as OpenAI-style chat messages (``[{"role": "user", "content": "Hi"}, ...]``).

        A model turn with tool results becomes the ``assistant`` message with ``tool_calls`` and one
        ``tool`` message per answered call; reasoning goes in OpenRouter's ``reasoning`` /
        ``reasoning_details``. :func:`from_openai` reads it back. What that format cannot hold is left
        out (a Responses reasoning item, a tool result's type -- it is sent as text); ``to_json()`` is the
        lossless form. See :mod:`chat_openrouter.core.openai_format`.
        """
        return openai_format.encode_openai((c.role, c.parts) for c in self._items)

    @classmethod
    def from_openai(cls, messages: Sequence[Mapping[str, Any]]) -> Messages:
        """Same as :func:`chat_openrouter.messages.from_openai`."""
        return cls(Content(role, parts) for role, parts in openai_format.decode_openai(messages))

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


def from_openai(messages: Sequence[Mapping[str, Any]]) -> Messages:
    """A conversation from OpenAI-style chat messages.

    ``system``/``developer``/``user``/``assistant``/``tool`` roles; ``content`` as a string or a list of
    ``text``, ``image_url``, ``input_audio``, ``file``, ``video_url`` (and, from the assistant,
    ``refusal``) parts; assistant ``tool_calls`` with the ``tool`` messages answering them (the result is
    kept on the call, as our turns keep it); OpenRouter's ``reasoning`` and ``reasoning_details``,
    verbatim, so reasoning is replayed as received::

        msgs = messages.from_openai([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                         {"type": "image_url", "image_url": {"url": "https://..."}}]},
        ])

    ``TypeError`` when ``messages`` is not a list of dicts; ``ValueError`` naming the place
    (``messages[1].role: ...``) when a message is malformed. :meth:`Messages.to_openai` converts back.
    """
    return Messages.from_openai(messages)


ConversationInput = Messages | str | Sequence[Mapping[str, Any]]
"""What a ``complete``/``stream`` method accepts as the conversation: see :func:`as_messages`."""


def as_messages(conversation: object, *, where: str = "the conversation") -> Messages:
    """A conversation given as a ``str`` (one user message), a :class:`Messages` (used as is, never
    modified by a call) or a list of OpenAI-style message dicts (:func:`from_openai`), as ``Messages``.

    Anything else -- a dict, a ``Content``, bytes, None -- is a ``TypeError`` naming what is accepted, raised
    at once (before any request is built). ``where`` names the caller in that message.
    """
    if isinstance(conversation, Messages):
        return conversation
    if isinstance(conversation, str):
        return Messages().user(conversation)
    if isinstance(conversation, Sequence) and not isinstance(conversation, (bytes, bytearray)):
        if all(isinstance(item, Content) for item in conversation):
            return Messages(conversation)  # a plain list of turns (e.g. a slice of a conversation)
        if all(isinstance(item, Mapping) for item in conversation):
            return from_openai(conversation)
    hint = ""
    if isinstance(conversation, Mapping):
        hint = " (one message dict: put it in a list)"
    elif isinstance(conversation, Content):
        hint = " (one turn: Messages([turn]))"
    raise TypeError(
        f"{where} expects the conversation as a str, a Messages, or a list of OpenAI-style message dicts "
        f'([{{"role": "user", "content": "Hi"}}]); got {type(conversation).__name__}{hint}'
    )
