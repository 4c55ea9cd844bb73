"""A pure (sans-I/O) Server-Sent Events decoder that works on bytes.

Why not ``httpx2.EventSource``? It decodes with ``errors="replace"``, so invalid UTF-8 silently becomes
U+FFFD inside tool arguments, and it hides comment lines, which we count as liveness (OpenRouter's
``: OPENROUTER PROCESSING`` keep-alives). This decoder follows the same three-layer shape as httpx-sse
(lines → fields → events) but splits lines on bytes, decodes each line strictly, and bounds the size of
one event. Framing per the WHATWG SSE spec: ``\\n``, ``\\r\\n`` and ``\\r`` end lines; a blank line
dispatches; ``:`` starts a comment; multi-line ``data:`` fields are joined with ``\\n``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DecodeError

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "SSEDecoder", "ServerSentEvent"]

#: A ``retry:`` field longer than this (milliseconds: 18 digits is 30 million years) is ignored.
_MAX_RETRY_DIGITS = 18

#: 8 MiB: far above any real OpenRouter event (an encrypted reasoning blob is tens of KiB), far below harm.
DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None


def _snippet(raw: bytes, limit: int = 80) -> str:
    return raw[:limit].decode("utf-8", errors="backslashreplace") + ("…" if len(raw) > limit else "")


class SSEDecoder:
    """Feed it bytes as they arrive; it returns complete events.

    ``comments`` counts comment lines seen (keep-alives); callers use it as a liveness signal.
    """

    def __init__(self, max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self.comments = 0
        self._buffer = bytearray()
        self._trailing_cr = False
        self._event = ""
        self._data: list[str] = []
        self._id = ""
        self._retry: int | None = None
        self._pending = False
        self._event_bytes = 0
        self._data_only = False
        self._out: list[ServerSentEvent | str] = []

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode ``chunk``; return every event it completes (possibly none)."""
        self._data_only = False
        return self._feed(chunk)  # type: ignore[return-value]

    def feed_data(self, chunk: bytes) -> list[str]:
        """:meth:`feed`, returning only each completed event's ``data`` (the stream payloads) -- what a
        client reading OpenRouter's streams needs, without building an event object per chunk."""
        limit = self.max_event_bytes
        if (
            chunk[-2:] == b"\n\n"
            and chunk[:6] == b"data: "
            and not self._buffer
            and not self._pending
            and not self._trailing_cr
            and chunk.count(b"\n") == 2
            and b"\r" not in chunk
            and (limit is None or len(chunk) - 2 <= limit)
        ):
            # The chunk is exactly one one-line event, as OpenRouter sends nearly all of them.
            try:
                payload = chunk[6:-2].decode("utf-8")
            except UnicodeDecodeError:
                pass  # the general path raises the error, with its position
            else:
                self._event_bytes = 0
                return [payload]
        self._data_only = True
        return self._feed(chunk)  # type: ignore[return-value]

    def _feed(self, chunk: bytes) -> list[ServerSentEvent | str]:
        if not chunk:
            return []
        out: list[ServerSentEvent | str] = []
        self._out = out
        buf = self._buffer
        if self._trailing_cr:
            # A "\r" ended the previous chunk: a following "\n" belongs to the same line ending.
            self._trailing_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if (
            chunk[-2:] == b"\n\n"
            and chunk[:6] == b"data: "
            and not buf
            and not self._pending
            and chunk.count(b"\n") == 2
            and b"\r" not in chunk
        ):
            # Fastest path: the chunk is exactly one one-line event, as OpenRouter sends nearly all of them.
            limit = self.max_event_bytes
            if limit is None or len(chunk) - 2 <= limit:
                try:
                    payload = chunk[6:-2].decode("utf-8")
                except UnicodeDecodeError:
                    pass  # the general path below raises the error, with its position
                else:
                    self._event_bytes = 0
                    out.append(payload if self._data_only else ServerSentEvent("message", payload, self._id))
                    return out
        if not buf and b"\r" not in chunk:
            # Fast path for the common case (OpenRouter frames with "\n" and a chunk usually ends on an
            # event boundary): one C-level split, and the two lines of nearly every event -- its one
            # `data:` line and the blank line that dispatches it -- handled inline.
            lines = chunk.split(b"\n")
            tail = lines.pop()  # b"" when the chunk ended on a line ending
            line = self._line
            for raw in lines:
                if not raw:
                    self._event_bytes = 0
                    if self._pending:
                        self._dispatch()
                elif raw.startswith(b"data: ") and not self._data and not self._event_bytes:
                    # The first data line of an event (no limit can be crossed that the size check of
                    # the whole line would miss).
                    limit = self.max_event_bytes
                    if limit is not None and len(raw) > limit:
                        line(raw)  # raises the size error
                    self._event_bytes = len(raw)
                    try:
                        self._data.append(raw[6:].decode("utf-8"))
                    except UnicodeDecodeError:
                        line(raw)  # raises the DecodeError with the position
                    self._pending = True
                else:
                    line(raw)
            if tail:
                buf += tail
                self._check_size(len(buf))
            return out
        # What is left in the buffer from earlier chunks holds no line ending (every complete line was
        # consumed), so searches start at the new bytes: a long line arriving in many chunks is scanned
        # once, not once per chunk.
        scanned = len(buf)
        buf += chunk
        start = 0
        length = len(buf)
        while True:
            pos = start if start > scanned else scanned
            nl = buf.find(b"\n", pos)
            cr = buf.find(b"\r", pos, nl if nl != -1 else length)
            if cr != -1:
                end, nxt = cr, cr + 1
                if nxt < length and buf[nxt] == 0x0A:
                    nxt += 1
                elif nxt == length:
                    self._trailing_cr = True
            elif nl != -1:
                end, nxt = nl, nl + 1
            else:
                break
            self._line(bytes(buf[start:end]))
            start = nxt
        del buf[:start]
        self._check_size(len(buf))
        return out

    def flush(self) -> list[ServerSentEvent]:
        """End of input: an unterminated last line still counts; a pending event is dispatched."""
        self._data_only = False
        return self._flush()  # type: ignore[return-value]

    def flush_data(self) -> list[str]:
        """:meth:`flush`, returning only the data of the events it completes (see :meth:`feed_data`)."""
        self._data_only = True
        return self._flush()  # type: ignore[return-value]

    def _flush(self) -> list[ServerSentEvent | str]:
        out: list[ServerSentEvent | str] = []
        self._out = out
        if self._buffer:
            line = bytes(self._buffer)
            self._buffer.clear()
            self._line(line)
        self._line(b"")
        return out

    @property
    def has_pending(self) -> bool:
        """True when an event has started (fields seen) but no blank line dispatched it yet."""
        return self._pending or bool(self._buffer)

    def _check_size(self, pending: int = 0) -> None:
        limit = self.max_event_bytes
        if limit is not None and self._event_bytes + pending > limit:
            raise DecodeError(
                f"server-sent event exceeds the {limit}-byte limit",
                snippet=_snippet(bytes(self._buffer[:80])) if self._buffer else "",
            )

    def _dispatch(self) -> None:
        data = self._data
        payload = data[0] if len(data) == 1 else "\n".join(data)
        if self._data_only:
            self._out.append(payload)
        else:
            self._out.append(ServerSentEvent(self._event or "message", payload, self._id, self._retry))
        self._event, self._data, self._retry, self._pending = "", [], None, False

    def _line(self, raw: bytes) -> None:
        if not raw:
            self._event_bytes = 0
            if self._pending:
                self._dispatch()
            return
        if raw[:1] == b":":
            self.comments += 1
            return
        self._event_bytes += len(raw)
        self._check_size()
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"invalid UTF-8 in server-sent event at byte {exc.start}", snippet=_snippet(raw)
            ) from None
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._pending = True
        elif name == "event":
            self._event = value
            self._pending = True
        elif name == "id":
            if "\0" not in value:
                self._id = value
                self._pending = True
        elif name == "retry" and value.isascii() and value.isdigit() and len(value) <= _MAX_RETRY_DIGITS:
            # WHATWG: "only ASCII digits" (str.isdigit also takes "²" and Arabic-Indic digits, which
            # int() then refuses or reads); a longer run is no reconnection time anyone means (and
            # int() refuses more than 4,300 digits): both are ignored like any invalid field.
            self._retry = int(value)
            self._pending = True
