"""What a wire client keeps of the turns it has sent, so a growing conversation is encoded once.

An agent resends its whole conversation on every step (OpenRouter's APIs are stateless). Encoding it
again each time made a tool loop quadratic: at step 100, 100 tool results serialised once more, a file's
base64 recomputed, every message rebuilt and written as JSON (issue 18). A :class:`TurnCache` keeps,
for each :class:`~chat_openrouter.core.messages.Content` a client has encoded, the turn's wire items
and their JSON bytes, so the next request encodes only what is new and splices the rest in as bytes
(:class:`chat_openrouter._json.EncodedArray`).

**Turns are mutable, and a changed turn is never sent from the cache.** An entry is used only when the
turn is provably what it was when it was encoded:

* the same ``Content`` object (the entry holds a weak reference: it dies with the turn), the same
  ``role``, and as many parts, each of the same class;
* every field of every part as it was: strings, bytes, ``None`` and enum members compared by value
  (equal values encode alike), everything else -- a tool result, annotations, reasoning details, a
  ``cache_control`` dict, numbers -- through an exact fingerprint, :func:`marshal.dumps`, which writes
  exact types (``1``, ``1.0`` and ``True`` differ), values (``-0.0``, NaN bit patterns) and key order.
  Equal fingerprints load back to equal values of equal types, so they encode to the same JSON; a
  value ``marshal`` cannot write (an object of your own, a ``str`` subclass) makes the turn uncacheable:
  it is encoded on every request, as before;
* on the Responses wire, the same position in ``input`` (reasoning and message ids derive from it).

So a tool result mutated in place, a part appended or replaced, a text reassigned: the turn is encoded
again. The checks cost what a fingerprint costs (~1 µs for a 1 KB tool result, ~1.5 ms for a 1 MB one,
against 7 µs and 11 ms to serialise them again with the standard library), and nothing for the strings
and bytes that make up most conversations.

Memory: an entry holds the turn's items and their JSON (about twice the turn's encoded size, plus the
fingerprints of its containers) and is dropped with the turn. A cache belongs to one wire client (and the
copies :meth:`~chat_openrouter.wire.base.WireClient.with_options` makes); the two wires encode turns
differently and never share one.
"""

from __future__ import annotations

import marshal
import weakref
from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any

from ... import _json
from ...core.messages import Content
from ...core.parts import (
    FilePart,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
)

__all__ = ["Turn", "TurnCache"]

#: Field values whose equality means "encodes alike": immutable, and equal only to values of their kind.
_COMPARED_BY_VALUE = frozenset({str, bytes, type(None), Role, ToolStatus})
_CONTAINERS = frozenset({list, dict, tuple})
#: Fields no encoder reads: ``ToolPart.arguments`` is the parsed form of ``raw_arguments``, which is
#: what both wires send. Leaving it out saves a fingerprint per tool call per request.
_NOT_ENCODED = {ToolPart: frozenset({"arguments"})}

_Reader = Callable[[Any], tuple[Any, ...]]


def _reader(cls: type[Any]) -> _Reader:
    skip = _NOT_ENCODED.get(cls, frozenset())
    names = [f.name for f in fields(cls) if f.name not in skip]
    # Every part class has at least two fields (its data and `kind`), so attrgetter returns a tuple.
    assert len(names) > 1, cls
    return attrgetter(*names)


#: Per part class, a reader of every field an encoder may look at (exact class: a subclass of a part
#: may hold more, so its turns are not cached).
_READERS: dict[type[Any], _Reader] = {
    cls: _reader(cls) for cls in (TextPart, ReasoningPart, ToolPart, FilePart, StructuredPart, RefusalPart)
}


class Turn:
    """One turn's wire items and their JSON (``fragment``: the items comma-separated, ``b""`` for none),
    and what the turn looked like when they were encoded."""

    __slots__ = ("checks", "fingerprints", "fragment", "items", "offset", "ref", "role")

    def __init__(self, items: list[Any], fragment: bytes) -> None:
        self.items = items
        self.fragment = fragment
        self.ref: weakref.ref[Content] | None = None
        self.offset: int | None = None
        self.role: Any = None
        #: Per part: its class, the reader of its fields, and the values read when it was encoded.
        self.checks: tuple[tuple[type[Any], _Reader, tuple[Any, ...]], ...] = ()
        #: (part index, field index, fingerprint) of every value not compared by equality.
        self.fingerprints: tuple[tuple[int, int, bytes], ...] = ()

    def describes(self, content: Content, offset: int | None) -> bool:
        """Whether ``content`` (at ``offset``) still encodes to these items. A part may have been replaced
        by an equal one: what counts is what its fields hold, read afresh."""
        if content.role is not self.role or self.offset != offset:
            return False
        parts = content.parts
        checks = self.checks
        if len(parts) != len(checks):
            return False
        live: list[tuple[Any, ...]] = []
        for part, (cls, reader, values) in zip(parts, checks, strict=True):
            if type(part) is not cls:
                return False
            now = reader(part)
            if now != values:
                return False
            live.append(now)
        for index, field_index, fingerprint in self.fingerprints:
            if marshal.dumps(live[index][field_index]) != fingerprint:
                return False
        return True


def _snapshot(turn: Turn, content: Content, offset: int | None) -> bool:
    """Record what ``content`` looks like now in ``turn``; False when it cannot be checked later."""
    checks: list[tuple[type[Any], _Reader, tuple[Any, ...]]] = []
    fingerprints: list[tuple[int, int, bytes]] = []
    for index, part in enumerate(content.parts):
        cls = type(part)
        reader = _READERS.get(cls)
        if reader is None:
            return False
        values = list(reader(part))
        for field_index, value in enumerate(values):
            kind = type(value)
            if kind in _COMPARED_BY_VALUE:
                continue
            if kind in _CONTAINERS and not value:
                # Compared by the tuple's `==` with a new empty container: the live one may be filled in
                # place later, and `==` would find it identical to itself.
                values[field_index] = kind()
                continue
            try:
                fingerprints.append((index, field_index, marshal.dumps(value)))
            except ValueError:  # not something marshal writes exactly: never trust a copy of it
                return False
        checks.append((cls, reader, tuple(values)))
    turn.offset = offset
    turn.role = content.role
    turn.checks = tuple(checks)
    turn.fingerprints = tuple(fingerprints)
    return True


def encode_items(items: list[Any]) -> bytes:
    """The JSON of ``items`` without the brackets: what a turn contributes to the body's array."""
    return _json.dumps(items)[1:-1]


class TurnCache:
    """The encoded turns of one wire client, each kept while its ``Content`` lives (see the module doc).

    Thread-safe without a lock (each dict operation is atomic): two threads encoding the same turn at
    once both encode it and the last one is kept, and an entry is only ever used after it passed
    :meth:`Turn.describes`, so a race costs at most a re-encoding.
    """

    __slots__ = ("__weakref__", "_entries")

    def __init__(self) -> None:
        self._entries: dict[int, Turn] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"TurnCache({len(self._entries)} turns)"

    def get(self, content: Content, offset: int | None = None) -> Turn | None:
        """The cached encoding of ``content`` if it is still exact, else None."""
        # Turn.describes, unrolled for the one-part turns most conversations are made of: this runs for
        # every turn of every request (5,000 times for a 5,000-message history).
        turn = self._entries.get(id(content))
        if turn is None or turn.ref is None or turn.ref() is not content:
            return None
        if content.role is not turn.role or turn.offset != offset:
            return None
        parts, checks = content.parts, turn.checks
        if len(parts) != 1 or len(checks) != 1:
            return turn if turn.describes(content, offset) else None
        cls, reader, values = checks[0]
        part = parts[0]
        if type(part) is not cls:
            return None
        now = reader(part)
        if now != values:
            return None
        for _, field_index, fingerprint in turn.fingerprints:
            if marshal.dumps(now[field_index]) != fingerprint:
                return None
        return turn

    def put(self, content: Content, offset: int | None, items: list[Any]) -> Turn:
        """Encode ``items`` (the wire items of ``content``) to JSON and keep them for the next request,
        unless the turn holds something that cannot be checked for changes."""
        turn = Turn(items, encode_items(items))
        if _snapshot(turn, content, offset):
            key = id(content)
            turn.ref = weakref.ref(content, self._forget(key))
            self._entries[key] = turn
        return turn

    def _forget(self, key: int) -> Callable[[weakref.ref[Content]], None]:
        """The callback that drops the entry when its turn is garbage (the cache itself held weakly)."""
        cache_ref = weakref.ref(self)

        def forget(ref: weakref.ref[Content]) -> None:
            cache = cache_ref()
            if cache is not None:
                turn = cache._entries.get(key)
                if turn is not None and turn.ref is ref:  # not a newer turn that reused the id
                    cache._entries.pop(key, None)

        return forget
