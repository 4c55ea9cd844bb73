"""What a Responses stream has delivered so far, item by item, and how it meets the terminal response.

:class:`StreamedItem` accumulates one output item from its events (``output_item.added``, text /
refusal / reasoning / argument deltas and their ``.done`` events, ``output_item.done``) in O(text): the
deltas of each channel (text, refusal, reasoning) go once into one
:class:`~chat_openrouter.wire.common.text.TextBuffer` -- what went out as chunks -- and each entry only
notes which spans of it are its own; no list of deltas and no second copy of the text is kept. :func:`reconcile` pairs the streamed items with the copies the terminal event
(``response.completed`` / ``.incomplete`` / ``.failed``) reports -- the authoritative ones.

Why matching by id is not enough (real traffic, issue 11): OpenRouter streams items under temporary ids
(``rs_tmp_…``, ``fc_tmp_…``, reference §1.3) and the terminal copy may carry another id, or none at all
(a ``function_call`` streamed with ``arguments: ""`` and no deltas whose terminal copy has the arguments
but no ``id``; a reasoning item whose terminal copy alone has ``signature`` and ``format``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..common.decoding import raw_arguments
from ..common.lenient import as_str
from ..common.reasoning import is_replayable
from ..common.text import TextBuffer

__all__ = ["CHANNEL", "StreamedItem", "TextEntry", "reconcile"]


#: The output channel each kind of entry streams into (message text and refusals go out as different
#: chunks; reasoning summaries and raw reasoning text both as reasoning).
CHANNEL = {"output_text": "text", "refusal": "refusal", "summary_text": "reasoning", "reasoning_text": "reasoning"}


class TextEntry:
    """One text-bearing entry of an item: a message content part (``output_text`` / ``refusal``), a
    reasoning summary or a raw reasoning text. The ``.done`` text, when it came, wins over the deltas.

    Its deltas live in the item's buffer for the entry's channel (``channel``); the entry keeps the
    spans that are its own (consecutive deltas extend one span)."""

    __slots__ = ("annotations", "channel", "done", "kind", "logprobs", "spans")

    def __init__(self, kind: str, channel: TextBuffer) -> None:
        self.kind = kind
        self.channel = channel
        self.spans: list[list[int]] = []  # [start, end) in the channel buffer
        self.done: str | None = None
        self.annotations: list[dict[str, Any]] = []
        self.logprobs: list[Any] = []  # token entries (only non-empty deltas add any)

    def stream(self, delta: str, separator: str = "") -> None:
        """A delta of this entry, going out as a chunk: into the channel, after ``separator`` (which
        belongs to the channel's text, not to this entry)."""
        channel = self.channel
        if separator:
            channel.append(separator)
        start = channel.append(delta)
        spans = self.spans
        if spans and spans[-1][1] == start:
            spans[-1][1] = start + len(delta)
        else:
            spans.append([start, start + len(delta)])

    def streamed(self) -> str:
        """What arrived as deltas."""
        if not self.spans:
            return ""
        channel = self.channel.value()
        return "".join([channel[start:end] for start, end in self.spans])

    def text(self) -> str:
        return self.done if self.done is not None else self.streamed()

    def to_json(self) -> dict[str, Any]:
        """The entry as the content / summary JSON the item carries."""
        if self.kind == "refusal":
            return {"type": "refusal", "refusal": self.text()}
        if self.kind == "output_text":
            return {
                "type": "output_text",
                "text": self.text(),
                "annotations": list(self.annotations),
                "logprobs": list(self.logprobs),
            }
        return {"type": self.kind, "text": self.text()}


class StreamedItem:
    """One output item being streamed, known by ``output_index`` and (once seen) its ``item_id``.

    ``emitted`` holds, per channel (``text``, ``refusal``, ``reasoning``), what already went out as
    chunks, so that whatever arrives whole later (a ``.done`` event, the terminal copy) is handed out
    exactly once and the chunks always add up to the final text.
    """

    __slots__ = (
        "added",
        "arguments",
        "arguments_done",
        "call_emitted",
        "content",
        "done_item",
        "emitted",
        "id",
        "kind",
        "last_section",
        "output_index",
        "summary",
    )

    def __init__(self, output_index: int) -> None:
        self.output_index = output_index
        self.id: str | None = None
        self.kind: str | None = None
        self.added: Mapping[str, Any] = {}  # the item as `output_item.added` announced it
        self.done_item: dict[str, Any] | None = None  # the item as `output_item.done` delivered it
        self.content: dict[int, TextEntry] = {}  # message parts / reasoning_text, by content_index
        self.summary: dict[int, TextEntry] = {}  # reasoning summaries, by summary_index
        self.arguments = TextBuffer()
        self.arguments_done: str | None = None
        self.emitted: dict[str, TextBuffer] = {}
        self.last_section: tuple[str, int] | None = None  # where the last reasoning fragment came from
        self.call_emitted = False  # a ToolCall event went out for this function call

    # -- entries ----------------------------------------------------------------------------------------
    def content_entry(self, index: int, kind: str) -> TextEntry:
        entry = self.content.get(index)
        if entry is None:
            entry = self.content[index] = TextEntry(kind, self.emitted_text(CHANNEL.get(kind, kind)))
        return entry

    def summary_entry(self, index: int) -> TextEntry:
        entry = self.summary.get(index)
        if entry is None:
            entry = self.summary[index] = TextEntry("summary_text", self.emitted_text("reasoning"))
        return entry

    def reasoning_entry(self, section: str, index: int) -> TextEntry:
        """A reasoning item's ``summary`` entry or raw ``content`` (``reasoning_text``) entry."""
        if section == "summary":
            return self.summary_entry(index)
        return self.content_entry(index, "reasoning_text")

    def emitted_text(self, channel: str) -> TextBuffer:
        buffer = self.emitted.get(channel)
        if buffer is None:
            buffer = self.emitted[channel] = TextBuffer()
        return buffer

    # -- what is known of the item ----------------------------------------------------------------------
    @property
    def call_id(self) -> str | None:
        source = self.done_item if self.done_item is not None else self.added
        return as_str(source.get("call_id")) or as_str(self.added.get("call_id"))

    def streamed_arguments(self) -> str:
        """The arguments as announced plus every delta so far (the ``.done`` text not included)."""
        return raw_arguments(self.added.get("arguments")) + self.arguments.value()

    def build(self) -> dict[str, Any]:
        """The item: as ``output_item.done`` delivered it, else assembled from what streamed so far."""
        if self.done_item is not None:
            return self.done_item
        item: dict[str, Any] = dict(self.added)
        if self.kind is not None:
            item["type"] = self.kind
        if self.id is not None:
            item["id"] = self.id
        if self.kind == "function_call":
            done = self.arguments_done
            item["arguments"] = done if done is not None else self.streamed_arguments()
        elif self.kind == "reasoning":
            item["summary"] = [self.summary[i].to_json() for i in sorted(self.summary)]
            if self.content:
                item["content"] = [self.content[i].to_json() for i in sorted(self.content)]
        elif self.content or self.kind == "message":
            item["content"] = [self.content[i].to_json() for i in sorted(self.content)]
        return item

    def has_output(self) -> bool:
        """Whether the item carries anything a caller could have seen or must replay: a call, streamed
        text / refusal / reasoning, or replayable (e.g. encrypted) reasoning."""
        if self.kind == "function_call" or any(self.emitted.values()):
            return True
        return self.kind == "reasoning" and is_replayable(self.build())


def _same_call(streamed: StreamedItem, final: Mapping[str, Any]) -> bool:
    """Two function calls with different ``call_id`` s are different calls, whatever else matches."""
    if streamed.kind != "function_call":
        return True
    mine, theirs = streamed.call_id, as_str(final.get("call_id"))
    return not (mine and theirs and mine != theirs)


def _match(streamed: Sequence[StreamedItem], final: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """Streamed item position -> terminal item position, for the pairs that are the same item.

    In order of confidence (issue 11 item 2): the same ``id``; else the same ``output_index`` and type;
    else, for a function call, the same ``call_id``; else the position among the remaining items of that
    type. Each terminal item completes at most one streamed item, and calls with different ``call_id``
    never pair.
    """
    kinds = [as_str(item.get("type")) for item in final]
    pairs: dict[int, int] = {}
    used: set[int] = set()

    def fits(s: int, n: int) -> bool:
        return n not in used and kinds[n] == streamed[s].kind and _same_call(streamed[s], final[n])

    by_id: dict[str, int] = {}
    for n, item in enumerate(final):
        item_id = as_str(item.get("id"))
        if item_id:
            by_id.setdefault(item_id, n)
    for s, acc in enumerate(streamed):
        same_id = by_id.get(acc.id) if acc.id else None
        if same_id is not None and fits(s, same_id):
            pairs[s] = same_id
            used.add(same_id)
    for s, acc in enumerate(streamed):
        n = acc.output_index
        if s not in pairs and 0 <= n < len(final) and fits(s, n):
            pairs[s] = n
            used.add(n)
    for s, acc in enumerate(streamed):
        if s in pairs or acc.kind != "function_call" or not acc.call_id:
            continue
        for n, item in enumerate(final):
            if fits(s, n) and as_str(item.get("call_id")) == acc.call_id:
                pairs[s] = n
                used.add(n)
                break
    for s in sorted((s for s in range(len(streamed)) if s not in pairs), key=lambda s: streamed[s].output_index):
        first = next((n for n in range(len(final)) if fits(s, n)), None)
        if first is not None:
            pairs[s] = first
            used.add(first)
    return pairs


def reconcile(
    streamed: Sequence[StreamedItem], final: Sequence[Mapping[str, Any]]
) -> list[tuple[StreamedItem | None, dict[str, Any]]]:
    """Every output item of the finished response, in output order, with the streamed item it completes.

    The terminal response is authoritative: each of its items is taken verbatim (its ``arguments``,
    ``signature``, ``format``, ``encrypted_content``, ``status`` and id win), and a terminal item that
    completes a streamed one never becomes an extra item. A streamed item the terminal response does not
    report is kept (as streamed) when it carried output, so nothing a caller already saw goes missing --
    or all of them, when the terminal response lists no output at all.
    """
    pairs = _match(streamed, final)
    completes = {n: streamed[s] for s, n in pairs.items()}
    ordered: list[tuple[int, int, StreamedItem | None, dict[str, Any]]] = [
        (n, 0, completes.get(n), dict(item)) for n, item in enumerate(final)
    ]
    for s, acc in enumerate(streamed):
        if s not in pairs and (not final or acc.has_output()):
            ordered.append((acc.output_index, 1 + s, acc, acc.build()))
    ordered.sort(key=lambda entry: (entry[0], entry[1]))
    return [(acc, item) for _, _, acc, item in ordered]
