"""Bounds on what we read from the network: a broken or hostile server cannot make us hold unbounded data."""

from __future__ import annotations

from dataclasses import dataclass

from .sse import DEFAULT_MAX_EVENT_BYTES

__all__ = ["MAX_DRAIN_BYTES", "MAX_ERROR_BODY_BYTES", "SNIPPET_CHARS", "Limits"]

#: Error bodies (and JSON bodies where a stream was expected) are read up to this many bytes: enough to
#: explain, never enough to hurt. The rest is dropped, never an error of its own.
MAX_ERROR_BODY_BYTES = 64 * 1024
#: After ``[DONE]`` the rest of the body is read (so the connection returns to the pool) up to this much.
MAX_DRAIN_BYTES = 64 * 1024
#: How much of an offending body a ``DecodeError`` quotes.
SNIPPET_CHARS = 120


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on hostile or broken input; going over raises :class:`~chat_openrouter.errors.DecodeError`.

    ``max_body_bytes``: a non-streamed response body (32 MiB: a long answer with a few generated images).
    ``max_event_bytes``: one server-sent event (8 MiB: real events are at most tens of KiB).
    ``max_tool_calls``: distinct tool calls in one streamed answer. ``max_output_items``: output items in
    one Responses API answer.
    """

    max_body_bytes: int = 32 * 1024 * 1024
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    max_tool_calls: int = 256
    max_output_items: int = 1024
