"""Responses API streams: SSE ``data`` payloads -> stream events and, at the end, the ``ChatResponse``.

:class:`ResponsesStreamState` is sans-I/O (``handle(data) -> events``, ``snapshot()``, ``finish()``; the
``core.stream.StreamState`` protocol). Events are dispatched on the payload's ``type`` -- OpenRouter sends
no ``event:`` lines (§8.1) -- and unknown types (keep-alives, server-tool progress, debug) are ignored.

The terminal event (``response.completed`` / ``.incomplete`` / ``.failed``) is authoritative: what
streamed is reconciled with the items it reports (:func:`.accumulate.reconcile`), whatever never arrived
as deltas is handed out then, and the final response is decoded from the reconciled items by the same
function that decodes a non-streamed body (:func:`.decode.response_from`). A streamed call and a
non-streamed one therefore give equal responses (property-tested in tests/wire/test_stream_equivalence.py).
Section numbers (§) refer to the OpenRouter reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ... import _json
from ...core.events import (
    ReasoningChunk,
    RefusalChunk,
    StreamEvent,
    TextChunk,
    ToolCall,
    ToolCallChunk,
)
from ...core.parts import ToolPart
from ...core.response import ChatResponse
from ...errors import DecodeError, IncompleteStreamError, StreamError
from ..common.decoding import adopt_emitted_calls, parse_payload, raw_arguments, token_logprobs
from ..common.lenient import as_int, as_mapping, as_str, dicts, opt_int
from ..common.reasoning import TEXT_SEPARATOR, reasoning_text
from .accumulate import StreamedItem, reconcile
from .decode import failure, is_error, response_from, tool_part_from_item

__all__ = ["ResponsesStreamState"]

_Handler = Callable[["ResponsesStreamState", dict[str, Any], list[StreamEvent]], None]


class ResponsesStreamState:
    """Sans-I/O accumulator of one streamed Responses call (implements ``core.stream.StreamState``).

    Feed it each SSE ``data`` payload (``[DONE]`` excluded) with :meth:`handle`; it returns the events
    that payload produces. :meth:`snapshot` is the response so far, :meth:`finish` the final one. Use it
    directly to decode streams you obtained elsewhere::

        state = ResponsesStreamState()
        for data in payloads:
            for event in state.handle(data):
                ...
        response = state.finish()

    Items are tracked by ``item_id`` and ``output_index`` and may finish in any order. Text, refusal and
    reasoning go out as :class:`TextChunk` / :class:`RefusalChunk` / :class:`ReasoningChunk` as they
    stream, and whatever arrives only whole (a ``.done`` event, the terminal copy) is handed out then, so
    the chunks add up to the final text. Each function call yields :class:`ToolCall` exactly once, when it
    is complete: at its ``output_item.done`` when that carries the call id and arguments, else at the
    terminal event, with the terminal copy's arguments. The final response is the terminal response's
    items reconciled with what streamed (see :mod:`.accumulate`); usage comes from the terminal response,
    which is kept as ``raw``.

    ``max_output_items`` bounds how many output items one stream may open (hostile or broken upstreams);
    going over raises :class:`~chat_openrouter.errors.DecodeError`.
    """

    def __init__(self, *, max_output_items: int = 1024) -> None:
        self.max_output_items = max_output_items
        self.status: str | None = None  # the terminal status: completed / incomplete / failed / error
        self._meta: dict[str, Any] = {}  # the response object's fields, merged from every response.* event
        self._terminal: dict[str, Any] | None = None
        self._final: list[tuple[StreamedItem | None, dict[str, Any]]] | None = None
        self._items: list[StreamedItem] = []
        self._by_index: dict[int, StreamedItem] = {}
        self._by_id: dict[str, StreamedItem] = {}
        self._tool_parts: dict[str, ToolPart] = {}  # call id -> the part handed out in its ToolCall

    # -- what is known so far (read-only views) ----------------------------------------------------------
    @property
    def id(self) -> str | None:
        return as_str(self._meta.get("id"))

    @property
    def model(self) -> str | None:
        return as_str(self._meta.get("model"))

    @property
    def provider(self) -> str | None:
        return as_str(self._meta.get("provider"))

    @property
    def created(self) -> int | None:
        return opt_int(self._meta.get("created_at"))

    @property
    def usage(self) -> Mapping[str, Any] | None:
        usage = self._meta.get("usage")
        return usage if isinstance(usage, Mapping) else None

    # -- StreamState ------------------------------------------------------------------------------------
    def handle(self, data: str) -> list[StreamEvent]:
        """Decode one event and return the stream events it produces.

        Raises :class:`StreamError` on an in-band failure and :class:`DecodeError` on invalid JSON.
        """
        if len(data) <= _json.UNCHECKED_SAFE_BYTES and self._terminal is None:
            text_events = self._text_delta(data)
            if text_events is not None:
                return text_events
        # A payload is what json.loads made of it, so its objects are plain dicts (`type(x) is dict`,
        # not an isinstance check against the Mapping ABC).
        try:
            event = _json.loads(data)
        except ValueError:
            event = parse_payload(data, what="a stream event", partial=self.snapshot)  # raises DecodeError
        if type(event) is not dict:
            return []
        kind = event.get("type")
        handler = _HANDLERS.get(kind) if type(kind) is str else None
        if handler is None or self._terminal is not None:
            return []  # unknown type, or trailing noise after the terminal event (the response is whole)
        events: list[StreamEvent] = []
        handler(self, event, events)
        return events

    def _text_delta(self, data: str) -> list[StreamEvent] | None:
        """The events of a text delta of a content entry already open, without log probabilities (nearly
        every event of an answer), else None: the ``output_text.delta`` handler, inlined.

        Parsed without ``_json.loads``'s checks (``loads_unchecked``): the event is short and only its
        strings, ``int``-typed content index and the emptiness of ``logprobs`` are read, which any JSON
        parser reads as the stdlib does; anything else goes to :meth:`handle`, which parses it again.
        """
        try:
            event = _json.loads_unchecked(data)
        except ValueError:
            return None
        if type(event) is not dict or event.get("type") != "response.output_text.delta":
            return None
        item_id, delta, index = event.get("item_id"), event.get("delta"), event.get("content_index")
        acc = self._by_id.get(item_id) if type(item_id) is str else None
        if acc is None or acc.kind is None or type(delta) is not str or not delta or type(index) is not int:
            return None
        entry = acc.content.get(index)
        if entry is None or event.get("logprobs"):
            return None
        entry.stream(delta)
        return [TextChunk(delta)]

    def snapshot(self) -> ChatResponse:
        """The response assembled so far (used as ``.partial`` on errors)."""
        if self._final is not None:
            items = [item for _, item in self._final]
        else:
            items = [acc.build() for acc in sorted(self._items, key=lambda acc: acc.output_index)]
        failed = self.status in ("failed", "cancelled", "error")
        response = response_from(
            self._meta,
            items,
            status=self.status,
            failed=failed,
            raw=self._terminal,
        )
        adopt_emitted_calls(response.content.parts, self._tool_parts)
        return response

    def finish(self) -> ChatResponse:
        """The final response. A stream that ended without a terminal event is an error, never a success."""
        if self.status is None:
            raise IncompleteStreamError(
                "the stream ended before the response finished (no response.completed/incomplete received)",
                partial=self.snapshot(),
                generation_id=self.id,
            )
        return self.snapshot()

    # -- items ------------------------------------------------------------------------------------------
    def _item(
        self, event: Mapping[str, Any], item_id: str | None = None, *, kind: str | None = None
    ) -> StreamedItem:
        """The item an event refers to (by ``item_id``, else ``output_index``), created if new.

        ``kind`` is the item type the event implies (a text delta: ``message``), used until the item's
        own ``type`` is known: events may arrive before their ``output_item.added`` (§8.3).
        """
        if not item_id:
            item_id = event.get("item_id")
            if type(item_id) is str and item_id:
                known = self._by_id.get(item_id)
                if known is not None and known.kind is not None:
                    return known  # a delta of an item already seen: nearly every event
            else:
                item_id = None
        acc = self._by_id.get(item_id) if item_id else None
        acc = self._by_id.get(item_id) if item_id else None
        index = opt_int(event.get("output_index"))
        if acc is None and index is not None:
            acc = self._by_index.get(index)
            if acc is not None and item_id and acc.id and acc.id != item_id:
                acc = None  # a different item claims the same index: keep both
        if acc is None:
            if len(self._items) >= self.max_output_items:
                raise DecodeError(
                    f"the stream opened more than {self.max_output_items} output items",
                    partial=self.snapshot(),
                )
            acc = StreamedItem(index if index is not None else len(self._items))
            self._items.append(acc)
            self._by_index.setdefault(acc.output_index, acc)
        if item_id and acc.id is None:
            acc.id = item_id
            self._by_id[item_id] = acc
        if acc.kind is None:
            acc.kind = kind
        return acc

    def _merge_meta(self, response: Any) -> None:
        """Keep the response object's fields (id, model, usage, service_tier, ...), later events winning;
        ``output`` is tracked item by item instead."""
        if isinstance(response, Mapping):
            for key, value in response.items():
                if value is not None and key != "output":
                    self._meta[key] = value

    # -- events out -------------------------------------------------------------------------------------
    def _emit_call(self, acc: StreamedItem | None, item: Mapping[str, Any], position: int) -> list[StreamEvent]:
        """The ToolCall of a complete function call (at most once per call), preceded by the arguments
        that never streamed as a :class:`ToolCallChunk`."""
        if acc is not None and acc.call_emitted:
            return []
        part = tool_part_from_item(item, position)
        if part.id in self._tool_parts:
            return []  # the same call id again (a broken upstream repeating itself): one ToolCall
        events: list[StreamEvent] = []
        streamed = acc.streamed_arguments() if acc is not None else ""
        if len(part.raw_arguments) > len(streamed) and part.raw_arguments.startswith(streamed):
            missing = part.raw_arguments[len(streamed) :]
            if acc is not None:
                acc.arguments.append(missing)
            events.append(ToolCallChunk(position, part.id, part.name or None, missing))
        if acc is not None:
            acc.call_emitted = True
        self._tool_parts[part.id] = part
        events.append(ToolCall(part))
        return events

    def _catch_up(
        self, acc: StreamedItem | None, events: list[StreamEvent], item: Mapping[str, Any] | None = None
    ) -> None:
        """Hand out whatever text, refusal or reasoning of an item never arrived as deltas (a ``.done``
        or the terminal event carried it whole), so the chunks always add up to the final response."""
        if item is None:
            if acc is None:
                return
            item = acc.build()
        kind = item.get("type")
        if kind == "message":
            entries = dicts(item.get("content"))
            for channel, entry_kind, key in (("text", "output_text", "text"), ("refusal", "refusal", "refusal")):
                expected = "".join(as_str(e.get(key)) or "" for e in entries if e.get("type") == entry_kind)
                self._send_missing(acc, channel, expected, events)
        elif kind == "reasoning":
            self._send_missing(acc, "reasoning", reasoning_text(item), events)

    def _send_missing(
        self, acc: StreamedItem | None, channel: str, expected: str, events: list[StreamEvent]
    ) -> None:
        sent = acc.emitted.get(channel) if acc is not None else None
        already = sent.value() if sent else ""
        if len(expected) <= len(already) or not expected.startswith(already):
            return  # nothing new, or the text changed under us: the final response has the real one
        missing = expected[len(already) :]
        if acc is not None:
            acc.emitted_text(channel).append(missing)
        if channel == "text":
            events.append(TextChunk(missing))
        elif channel == "refusal":
            events.append(RefusalChunk(missing))
        else:
            events.append(ReasoningChunk(missing))

    def _fail(self, response: Mapping[str, Any], error: Any, body: Any, fallback: str) -> StreamError:
        return failure(response, error, partial=self.snapshot(), body=body, fallback=fallback)


# -- event handlers (dispatched on the payload's `type`) -----------------------------------------------------


def _on_response(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    """``response.created`` / ``response.in_progress``: ids, model and timestamps."""
    state._merge_meta(event.get("response"))


def _on_terminal(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    """``response.completed`` / ``response.incomplete`` / ``response.failed``: the end of the stream.

    The terminal response's items are authoritative: what streamed is reconciled with them, and the
    calls, text and reasoning that only they carried still produce their events."""
    response = as_mapping(event.get("response"))
    state._merge_meta(response)
    kind = as_str(event.get("type")) or ""
    default = {"response.completed": "completed", "response.incomplete": "incomplete"}.get(kind, "failed")
    status = as_str(response.get("status"))
    if status not in ("completed", "incomplete", "failed", "cancelled"):
        status = default
    state._terminal = dict(response)
    output = response.get("output")
    final = [item for item in output if isinstance(item, Mapping)] if isinstance(output, list) else []
    state._final = reconcile(state._items, final)
    if status in ("failed", "cancelled") or is_error(response.get("error")):
        state.status = "failed"
        raise state._fail(response, response.get("error"), event, f"the response {status}")
    state.status = status
    for position, (acc, item) in enumerate(state._final):
        if item.get("type") == "function_call":
            events.extend(state._emit_call(acc, item, position))
        else:
            state._catch_up(acc, events, item)


def _on_error(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    """``error`` / ``response.error``: nested ``{error: {code, message}}`` or flat ``{code, message}``
    (the spec's ErrorEvent) -- both documented (§8.5, fixture doc-responses-stream-error-events)."""
    nested = event.get("error")
    error = nested if isinstance(nested, Mapping) else event
    state.status = "error"
    raise state._fail(event, error, event, "the stream reported an error")


def _on_item_added(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    item = as_mapping(event.get("item"))
    acc = state._item(event, as_str(item.get("id")))
    acc.added = item
    acc.kind = as_str(item.get("type")) or acc.kind
    if acc.kind == "function_call":
        events.append(_arguments_chunk(acc, raw_arguments(item.get("arguments"))))


def _on_item_done(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    item = as_mapping(event.get("item"))
    acc = state._item(event, as_str(item.get("id")))
    acc.done_item = dict(item)
    acc.kind = as_str(item.get("type")) or acc.kind
    if acc.kind != "function_call":
        state._catch_up(acc, events)
    elif as_str(item.get("call_id")) and raw_arguments(item.get("arguments")):
        # Complete. Without a call id or with empty arguments the terminal copy decides: real traffic
        # streamed `arguments: ""` and sent the arguments only in `response.completed` (issue 11).
        events.extend(state._emit_call(acc, item, acc.output_index))


def _arguments_chunk(acc: StreamedItem, fragment: str) -> ToolCallChunk:
    """A :class:`ToolCallChunk` of a function call, named as ``output_item.added`` announced it."""
    return ToolCallChunk(acc.output_index, acc.call_id, as_str(acc.added.get("name")), fragment)


def _on_part_added(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    part = as_mapping(event.get("part"))
    kind = as_str(part.get("type")) or "output_text"
    entry = state._item(event).content_entry(as_int(event.get("content_index")), kind)
    if not entry.annotations:
        entry.annotations = dicts(part.get("annotations"))


def _on_part_done(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    part = as_mapping(event.get("part"))
    kind = as_str(part.get("type")) or "output_text"
    acc = state._item(event)
    entry = acc.content_entry(as_int(event.get("content_index")), kind)
    text = as_str(part.get("refusal" if kind == "refusal" else "text"))
    if text is not None:
        entry.done = text
    annotations = dicts(part.get("annotations"))
    if annotations:  # the done part's list is complete: it replaces what streamed
        entry.annotations = annotations
    state._catch_up(acc, events)


def _text_delta(kind: str) -> _Handler:
    """A handler for ``output_text.delta`` / ``refusal.delta``: the fragment joins its entry and goes out
    as a :class:`TextChunk` (with its tokens' log probabilities) or :class:`RefusalChunk`."""
    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        delta = event.get("delta")
        if type(delta) is not str or not delta:
            return
        acc = state._item(event, kind="message")
        index = event.get("content_index")
        entry = acc.content.get(index) if type(index) is int else None
        if entry is None:
            entry = acc.content_entry(as_int(index), kind)
        entry.stream(delta)
        if kind == "refusal":
            events.append(RefusalChunk(delta))
            return
        logprobs = event.get("logprobs")
        if type(logprobs) is list and logprobs:
            entry.logprobs.extend(logprobs)
            events.append(TextChunk(delta, tuple(token_logprobs(logprobs))))
        else:
            events.append(TextChunk(delta))

    return handler


def _text_done(kind: str, key: str) -> _Handler:
    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        acc = state._item(event, kind="message")
        entry = acc.content_entry(as_int(event.get("content_index")), kind)
        text = as_str(event.get(key))
        if text is not None:
            entry.done = text
        logprobs = event.get("logprobs")
        if isinstance(logprobs, list) and logprobs and not entry.logprobs:
            entry.logprobs = list(logprobs)
        state._catch_up(acc, events)

    return handler


def _on_annotation(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    annotation = event.get("annotation")
    if isinstance(annotation, dict):
        entry = state._item(event).content_entry(as_int(event.get("content_index")), "output_text")
        if annotation not in entry.annotations:
            entry.annotations.append(annotation)


def _on_arguments_delta(
    state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]
) -> None:
    delta = event.get("delta")
    acc = state._item(event, kind="function_call")
    if isinstance(delta, str) and delta:
        acc.arguments.append(delta)
        events.append(_arguments_chunk(acc, delta))


def _on_arguments_done(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    """``function_call_arguments.done`` carries the whole arguments (§8.2): the deltas that fell short
    (or never came) still go out, so the chunks add up. The ToolCall waits for ``output_item.done``."""
    acc = state._item(event, kind="function_call")
    arguments = event.get("arguments")
    if isinstance(arguments, str):
        streamed = acc.streamed_arguments()
        if len(arguments) > len(streamed) and arguments.startswith(streamed):
            missing = arguments[len(streamed) :]
            acc.arguments.append(missing)
            events.append(_arguments_chunk(acc, missing))
        acc.arguments_done = arguments
    name = event.get("name")
    if isinstance(name, str) and name and not acc.added.get("name"):
        acc.added = {**acc.added, "name": name}


def _on_summary_part_added(
    state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]
) -> None:
    state._item(event, kind="reasoning").summary_entry(as_int(event.get("summary_index")))


def _reasoning_delta(section: str, index_key: str) -> _Handler:
    """A handler for ``reasoning_summary_text.delta`` (section ``summary``) or ``reasoning_text.delta``
    (section ``content``): the fragment joins its entry and goes out as a :class:`ReasoningChunk`."""

    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        delta = event.get("delta")
        if not isinstance(delta, str) or not delta:
            return
        acc = state._item(event, kind="reasoning")
        index = as_int(event.get(index_key))
        entry = acc.reasoning_entry(section, index)
        separator = ""
        if entry.channel and acc.last_section != (section, index):
            separator = TEXT_SEPARATOR  # a new summary / text entry: separated as in the final text
        acc.last_section = (section, index)
        entry.stream(delta, separator)
        events.append(ReasoningChunk(separator + delta if separator else delta))

    return handler


def _reasoning_done(section: str, index_key: str) -> _Handler:
    """A handler for the ``.done`` of a reasoning entry: its full text wins over the fragments."""

    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        acc = state._item(event, kind="reasoning")
        text = event.get("text")
        if not isinstance(text, str):
            text = as_mapping(event.get("part")).get("text")  # reasoning_summary_part.done carries the part
        if isinstance(text, str):
            acc.reasoning_entry(section, as_int(event.get(index_key))).done = text
        state._catch_up(acc, events)

    return handler


_HANDLERS: dict[str, _Handler] = {
    "response.created": _on_response,
    "response.in_progress": _on_response,
    "response.completed": _on_terminal,
    "response.incomplete": _on_terminal,
    "response.failed": _on_terminal,
    "error": _on_error,
    "response.error": _on_error,
    "response.output_item.added": _on_item_added,
    "response.output_item.done": _on_item_done,
    "response.content_part.added": _on_part_added,
    "response.content_part.done": _on_part_done,
    "response.output_text.delta": _text_delta("output_text"),
    "response.output_text.done": _text_done("output_text", "text"),
    "response.refusal.delta": _text_delta("refusal"),
    "response.refusal.done": _text_done("refusal", "refusal"),
    "response.output_text.annotation.added": _on_annotation,
    "response.function_call_arguments.delta": _on_arguments_delta,
    "response.function_call_arguments.done": _on_arguments_done,
    "response.reasoning_summary_part.added": _on_summary_part_added,
    "response.reasoning_summary_part.done": _reasoning_done("summary", "summary_index"),
    "response.reasoning_summary_text.delta": _reasoning_delta("summary", "summary_index"),
    "response.reasoning_summary_text.done": _reasoning_done("summary", "summary_index"),
    "response.reasoning_text.delta": _reasoning_delta("content", "content_index"),
    "response.reasoning_text.done": _reasoning_done("content", "content_index"),
}
