"""``_json.dumps_body``: a body with a pre-encoded array is written exactly as ``dumps`` writes it.

Runs on whichever backend is active (``CHAT_OPENROUTER_JSON=stdlib`` in CI's stdlib step): splicing
fragments must never change a byte, whatever the JSON library.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter import _json

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)


def encoded(turns: list[list[Any]]) -> _json.EncodedArray:
    """The array of every turn's items, with each turn's items pre-encoded as one fragment."""
    items = [item for turn in turns for item in turn]
    return _json.EncodedArray(items, [_json.dumps(turn)[1:-1] for turn in turns])


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    st.lists(st.lists(values, max_size=3), max_size=5),
    st.dictionaries(st.sampled_from(["model", "stream", "tools", "x"]), values, max_size=3),
    st.sampled_from(["messages", "input"]),
    st.integers(0, 3),
)
def test_a_spliced_body_is_the_body_encoded(
    turns: list[list[Any]], others: dict[str, Any], key: str, position: int
) -> None:
    entries = list(others.items())
    entries.insert(min(position, len(entries)), (key, encoded(turns)))
    body = dict(entries)
    plain = {k: list(v) if isinstance(v, list) else v for k, v in body.items()}
    assert _json.dumps_body(body) == _json.dumps(plain)


def test_a_big_first_or_last_turn_is_spliced_too() -> None:
    big = "x" * 100_000
    for turns in ([[big], [1]], [[1], [big]], [[big]]):
        body = {"model": "m", "messages": encoded(turns), "stream": True}
        assert _json.dumps_body(body) == _json.dumps({**body, "messages": list(body["messages"])})


def test_a_changed_array_is_encoded_from_its_values() -> None:
    array = encoded([[1, 2], [3]])
    array.append(4)  # its fragments no longer describe it
    assert _json.dumps_body({"messages": array}) == b'{"messages":[1,2,3,4]}'


@pytest.mark.parametrize(
    "body",
    [
        {"a": _json.EncodedArray([1], [b"1"]), "b": _json.EncodedArray([2], [b"2"])},  # two arrays
        {1: "one", "a": _json.EncodedArray([1], [b"1"])},  # a key the stdlib writes as "1"
        {"a": _json.EncodedArray([], [b"", b""])},  # turns without items
        [_json.EncodedArray([1], [b"1"])],  # not a dict at the top
        {},
    ],
)
def test_other_shapes_are_encoded_as_dumps_would(body: Any) -> None:
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return [plain(v) for v in value] if isinstance(value, list) else value

    assert _json.dumps_body(body) == _json.dumps(plain(body))
