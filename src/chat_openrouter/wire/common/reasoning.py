"""Reasoning in both of OpenRouter's forms, and the pure conversions between them.

OpenRouter hands reasoning back in two shapes:

* **Chat form**: ``reasoning_details``, a flat list of entries (reference §4.1)::

      {"type": "reasoning.summary",   "summary": "...", "id": "rs_...", "format": "...", "index": 0}
      {"type": "reasoning.text",      "text": "...", "signature": "...", "id": ..., "format": ..., "index": 0}
      {"type": "reasoning.encrypted", "data": "<opaque>", "id": "rs_...", "format": "...", "index": 0}

* **Responses form**: ``reasoning`` output items (reference §6.1, §7)::

      {"type": "reasoning", "id": "rs_...", "summary": [{"type": "summary_text", "text": "..."}],
       "content": [{"type": "reasoning_text", "text": "..."}], "encrypted_content": "<opaque>",
       "signature": "...", "format": "openai-responses-v1"}

A :class:`~chat_openrouter.core.parts.ReasoningPart` decoded from the Responses wire keeps the item
verbatim in ``item`` *and* the equivalent entries in ``details`` (:func:`details_from_item`), so the
Chat Completions wire can replay it. A part decoded from the Chat wire has only ``details``; the
Responses wire rebuilds items from them (:func:`items_from_details`). Both directions keep every opaque
value (encrypted blobs, signatures, ids, formats) byte for byte: replaying reasoning unchanged is what
keeps tool loops working on stateless servers (reference §3.3, §13 "Reasoning continuity").

Everything here is pure: plain dicts in, plain dicts out, nothing validated, nothing fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...core.parts import ReasoningPart
from .lenient import as_str

__all__ = [
    "TEXT_SEPARATOR",
    "details_from_item",
    "is_replayable",
    "items_from_details",
    "part_from_item",
    "reasoning_text",
    "replay_items",
]

#: Separator between the summaries (or raw reasoning texts) of one item in the readable text.
TEXT_SEPARATOR = "\n\n"


def _texts(entries: Any, kind: str) -> list[str]:
    """The ``text`` of every ``{"type": kind, "text": ...}`` entry of a summary/content list, in order."""
    if not isinstance(entries, list):
        return []
    out: list[str] = []
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("type", kind) == kind:
            text = entry.get("text")
            if isinstance(text, str):
                out.append(text)
    return out


def reasoning_text(item: Mapping[str, Any]) -> str:
    """The readable reasoning of one Responses ``reasoning`` item.

    Raw reasoning (``content`` ``reasoning_text`` entries, e.g. gpt-oss) when there is any, else the
    summaries; several entries are separated by a blank line. Encrypted-only items read as ``""``.
    """
    content = [t for t in _texts(item.get("content"), "reasoning_text") if t]
    if content:
        return TEXT_SEPARATOR.join(content)
    return TEXT_SEPARATOR.join(t for t in _texts(item.get("summary"), "summary_text") if t)


def is_replayable(item: Mapping[str, Any]) -> bool:
    """Whether a ``reasoning`` item carries something a stateless server can use.

    An item with an empty summary, no raw text and no encrypted content is only an id; OpenRouter
    keeps no state, so such an item would be a lookup nobody can resolve (reference §6): don't send it.
    """
    if as_str(item.get("encrypted_content")):
        return True
    return any(_texts(item.get("summary"), "summary_text")) or any(
        _texts(item.get("content"), "reasoning_text")
    )


def details_from_item(item: Mapping[str, Any], *, index: int = 0) -> list[dict[str, Any]]:
    """The Chat-form ``reasoning_details`` equivalent to one Responses ``reasoning`` item.

    Mapping (every entry carries the item's ``id`` and, when the item has one, its ``format``):

    * each ``summary`` entry → ``{"type": "reasoning.summary", "summary", "id", "format", "index"}``;
    * each ``content`` ``reasoning_text`` → ``{"type": "reasoning.text", "text", "id", "format", "index"}``,
      the item's ``signature`` going on the last one (where Anthropic's chat form puts it);
    * ``encrypted_content`` → ``{"type": "reasoning.encrypted", "data", "id", "format", "index"}``, last.

    ``index`` is the item's position among the reasoning items of its response, shared by all entries of
    the item -- the way OpenRouter numbers the entries it derives itself (fixture
    chat-nonstream-tool-call-reasoning-roundtrip-turn1: summary and encrypted entry both at index 0).
    ``format`` is copied, never guessed: an item without one yields entries without one (the field is
    optional in the spec's ``ReasoningDetailUnion``; claiming ``openai-responses-v1`` could route an
    upstream-specific blob to the wrong provider). :func:`items_from_details` rebuilds the item from these
    entries (everything but ``status`` and fields the chat form has no place for).
    """
    item_id = as_str(item.get("id"))
    fmt = as_str(item.get("format"))

    def entry(kind: str, key: str, value: str, signature: str | None = None) -> dict[str, Any]:
        detail: dict[str, Any] = {"type": kind, key: value}
        if signature:
            detail["signature"] = signature
        if item_id is not None:
            detail["id"] = item_id
        if fmt is not None:
            detail["format"] = fmt
        detail["index"] = index
        return detail

    details = [entry("reasoning.summary", "summary", t) for t in _texts(item.get("summary"), "summary_text")]
    texts = _texts(item.get("content"), "reasoning_text")
    signature = as_str(item.get("signature")) or None
    if signature and not texts:
        texts = [""]  # a signature with no visible text still needs an entry to travel in
    last = len(texts) - 1
    details.extend(
        entry("reasoning.text", "text", text, signature if n == last else None)
        for n, text in enumerate(texts)
    )
    encrypted = as_str(item.get("encrypted_content"))
    if encrypted is not None:
        details.append(entry("reasoning.encrypted", "data", encrypted))
    return details


class _Group:
    """The details that become one reasoning item."""

    __slots__ = ("content", "encrypted", "format", "id", "signature", "summary")

    def __init__(self) -> None:
        self.id: str | None = None
        self.format: str | None = None
        self.summary: list[str] = []
        self.content: list[str] = []
        self.encrypted: str | None = None
        self.signature: str | None = None

    def accepts(self, detail: Mapping[str, Any]) -> bool:
        """False when ``detail`` cannot belong to the same item as what is already grouped."""
        detail_id = as_str(detail.get("id"))
        if detail_id and self.id and detail_id != self.id:
            return False
        if self.encrypted is not None:
            # The encrypted blob is an item's last entry (OpenRouter's order and ours), and an item holds
            # one: whatever follows it belongs to the next item.
            return False
        return not (self.signature and as_str(detail.get("signature")))

    def add(self, detail: Mapping[str, Any]) -> None:
        self.id = self.id or as_str(detail.get("id")) or None
        self.format = self.format or as_str(detail.get("format"))
        kind = detail.get("type")
        if kind == "reasoning.summary":
            summary = as_str(detail.get("summary"))
            if summary is not None:
                self.summary.append(summary)
        elif kind == "reasoning.text":
            text = as_str(detail.get("text"))
            if text:
                self.content.append(text)
            self.signature = as_str(detail.get("signature")) or self.signature
        elif kind == "reasoning.encrypted":
            self.encrypted = as_str(detail.get("data"))

    def build(self, fallback_id: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": "reasoning",
            "id": self.id or fallback_id,
            "summary": [{"type": "summary_text", "text": s} for s in self.summary],
        }
        if self.content:
            item["content"] = [{"type": "reasoning_text", "text": t} for t in self.content]
        if self.encrypted is not None:
            item["encrypted_content"] = self.encrypted
        if self.signature:
            item["signature"] = self.signature
        if self.format is not None:
            item["format"] = self.format
        return item


# Entry types a reasoning item can hold; others (e.g. `reasoning.server_tool_call`) have no place in it.
_ITEM_DETAIL_TYPES = frozenset({"reasoning.summary", "reasoning.text", "reasoning.encrypted"})


def items_from_details(
    details: Iterable[Mapping[str, Any]], *, id_prefix: str = "rs"
) -> list[dict[str, Any]]:
    """Responses ``reasoning`` items rebuilt from Chat-form ``reasoning_details`` (inverse of
    :func:`details_from_item`).

    All entries go into one item, except where one item cannot hold them: an entry with a different
    ``id``, anything after an encrypted blob (one blob per item, always its last entry), or a second
    signature start a new item. Each item gets the first ``id`` found among its entries (OpenRouter puts
    the ``rs_...`` id on the encrypted entry only), else ``f"{id_prefix}_{n}"``: the spec requires an id.
    ``reasoning.server_tool_call`` entries and unknown types have no Responses equivalent and are skipped.
    Items that carry nothing replayable (see :func:`is_replayable`) are dropped.
    """
    groups: list[_Group] = []
    for detail in details:
        if detail.get("type") not in _ITEM_DETAIL_TYPES:
            continue
        if not groups or not groups[-1].accepts(detail):
            groups.append(_Group())
        groups[-1].add(detail)
    items = [group.build(f"{id_prefix}_{n}") for n, group in enumerate(groups)]
    return [item for item in items if is_replayable(item)]


def part_from_item(item: Mapping[str, Any], *, index: int = 0) -> ReasoningPart:
    """A :class:`ReasoningPart` for one Responses ``reasoning`` item: the item verbatim in ``item``,
    its Chat-form entries in ``details`` (``index`` as in :func:`details_from_item`), the readable
    text in ``text`` and the item's ``signature``."""
    verbatim = dict(item)
    return ReasoningPart(
        text=reasoning_text(verbatim),
        signature=as_str(verbatim.get("signature")) or None,
        details=details_from_item(verbatim, index=index),
        item=verbatim,
    )


def replay_items(part: ReasoningPart, *, id_prefix: str = "rs") -> list[dict[str, Any]]:
    """The ``reasoning`` input items that replay ``part`` on the Responses wire.

    The verbatim ``item`` when the part came from that wire; else items rebuilt from ``details``
    (:func:`items_from_details`); else, for plain reasoning text with neither (a provider that only
    sends a ``reasoning`` string), one item carrying the text as ``reasoning_text`` content. Nothing
    that would be an id-only lookup is returned.
    """
    if part.item is not None:
        return [dict(part.item)] if is_replayable(part.item) else []
    if part.details:
        return items_from_details(part.details, id_prefix=id_prefix)
    if part.text:
        item: dict[str, Any] = {
            "type": "reasoning",
            "id": f"{id_prefix}_0",
            "summary": [],
            "content": [{"type": "reasoning_text", "text": part.text}],
        }
        if part.signature:
            item["signature"] = part.signature
        return [item]
    return []
