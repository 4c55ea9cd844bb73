"""``TextBuffer``: whatever is appended comes back whole, in order, with the offsets ``append`` returns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter.wire.common.text import FOLD, TextBuffer

# Any text a JSON string can carry, lone surrogates included ("\ud83d" is valid JSON).
fragments = st.lists(st.text(st.characters(codec=None, exclude_categories=()), max_size=5), max_size=4 * FOLD + 3)


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(fragments, st.integers(0, 4 * FOLD))
def test_appended_text_comes_back_whole(pieces: list[str], peek_at: int) -> None:
    buffer = TextBuffer()
    expected = ""
    for n, piece in enumerate(pieces):
        assert buffer.append(piece) == len(expected)  # where the fragment starts, in characters
        expected += piece
        if n == peek_at:  # reading in the middle changes nothing
            assert buffer.value() == expected
    assert buffer.value() == expected and len(buffer) == len(expected) and bool(buffer) == bool(expected)


def test_the_buffer_keeps_few_objects() -> None:
    buffer = TextBuffer()
    for _ in range(100 * FOLD):
        buffer.append("it\u2019s ")
    assert len(buffer._pending) < FOLD and len(buffer._blocks) <= 8  # a binary counter of blocks
    assert all(isinstance(block, bytes) for block in buffer._blocks)  # UTF-8: 1 byte per ASCII character
