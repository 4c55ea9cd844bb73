"""An append-only text buffer: what stream states accumulate fragments in.

A stream of N deltas must cost O(text), not O(N) objects kept alive nor O(N²) copies: a list of every
delta keeps one string object (~60 bytes with its list slot) per token, and ``text += delta`` on an
attribute copies the whole text each time. ``io.StringIO`` looks like the answer but is not on Python
3.11: while it only appends it keeps the written strings themselves (until 100,000 of them), so it holds
every delta alive just the same (bench/ stream_memory measured ~60 bytes per 6-byte chunk).

:class:`TextBuffer` joins the fragments itself: every :data:`FOLD` pending fragments become one block,
and a block merges with the block before it while that one is no larger (a binary counter), so the
buffer holds the text, at most ``FOLD`` pending fragments and a logarithmic number of blocks, and each
character is copied O(log n) times. Blocks are UTF-8 bytes, not ``str``: a ``str`` takes 2 or 4 bytes
per character for all of its text as soon as one character needs it (PEP 393), so one curly quote or
emoji in a block of English would double or quadruple its size; UTF-8 costs what the text weighs on
the wire (lone surrogates, which JSON can carry, survive through ``surrogatepass``).
"""

from __future__ import annotations

__all__ = ["FOLD", "TextBuffer"]

#: Fragments kept as they came before they are joined into a block.
FOLD = 64


class TextBuffer:
    """Fragments joined as they come.

    >>> buffer = TextBuffer()
    >>> buffer.append("Hel"); buffer.append("lo")
    >>> buffer.value(), len(buffer), bool(buffer)
    ('Hello', 5, True)
    """

    __slots__ = ("_blocks", "_joined", "_length", "_pending")

    def __init__(self, initial: str = "") -> None:
        self._blocks: list[bytes] = []
        self._pending: list[str] = []
        self._length = 0  # in characters
        self._joined: str | None = None  # the value, until the next append
        if initial:
            self.append(initial)

    def append(self, fragment: str) -> int:
        """Add ``fragment`` at the end; return where it starts (the length before it)."""
        start = self._length
        if fragment:
            self._joined = None
            pending = self._pending
            pending.append(fragment)
            self._length = start + len(fragment)
            if len(pending) >= FOLD:
                self._fold()
        return start

    def value(self) -> str:
        """Everything appended so far, as one string."""
        joined = self._joined
        if joined is None:
            if self._pending:
                self._fold()
            blocks = self._blocks
            if len(blocks) > 1:
                blocks[:] = [b"".join(blocks)]
            joined = self._joined = blocks[0].decode("utf-8", "surrogatepass") if blocks else ""
        return joined

    def _fold(self) -> None:
        pending = self._pending
        block = "".join(pending).encode("utf-8", "surrogatepass")
        pending.clear()
        blocks = self._blocks
        while blocks and len(blocks[-1]) <= len(block):
            block = blocks.pop() + block
        blocks.append(block)

    def __len__(self) -> int:
        return self._length

    def __bool__(self) -> bool:
        return self._length > 0

    def __repr__(self) -> str:
        return f"TextBuffer({self._length} chars)"
