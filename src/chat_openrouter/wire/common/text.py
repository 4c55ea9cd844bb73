"""An append-only text buffer: what stream states accumulate fragments in.

A stream of N deltas must cost O(text), not O(N) objects kept alive nor O(N²) copies: a list of every
delta keeps one string object (~50 bytes of overhead) per token, and ``text += delta`` on an attribute
copies the whole text each time. :class:`TextBuffer` appends into one growing buffer
(:class:`io.StringIO`, amortised O(1) per append) and materialises the text only when asked.
"""

from __future__ import annotations

import io

__all__ = ["TextBuffer"]


class TextBuffer:
    """Fragments joined as they come.

    >>> buffer = TextBuffer()
    >>> buffer.append("Hel"); buffer.append("lo")
    >>> buffer.value(), len(buffer), bool(buffer)
    ('Hello', 5, True)
    """

    __slots__ = ("_buffer", "_length")

    def __init__(self, initial: str = "") -> None:
        self._buffer: io.StringIO | None = None
        self._length = 0
        if initial:
            self.append(initial)

    def append(self, fragment: str) -> None:
        """Add ``fragment`` at the end."""
        if not fragment:
            return
        if self._buffer is None:
            self._buffer = io.StringIO()
        self._buffer.write(fragment)
        self._length += len(fragment)

    def value(self) -> str:
        """Everything appended so far, as one string."""
        return self._buffer.getvalue() if self._buffer is not None else ""

    def __len__(self) -> int:
        return self._length

    def __bool__(self) -> bool:
        return self._length > 0

    def __repr__(self) -> str:
        return f"TextBuffer({self._length} chars)"
