"""The API key, held so that it cannot leak: no repr, no str, no pickle, and scrubbed from errors."""

from __future__ import annotations

from typing import Any

__all__ = ["Secret", "scrub"]


class Secret:
    """Holds the API key; its repr/str never reveal it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # refuse to pickle a key into a cache or a queue by accident
        raise TypeError("API keys are not picklable")


def scrub(value: Any, secret: str) -> Any:
    """``value`` with every occurrence of ``secret`` in its strings replaced (JSON-like data).

    Iterative, not recursive: an error body nested thousands of levels deep (a hostile server) is
    scrubbed like any other, never a ``RecursionError``.
    """
    if isinstance(value, str):
        return value.replace(secret, "[redacted]") if secret in value else value
    if not isinstance(value, (dict, list)):
        return value
    root: list[Any] = [None]
    # Each entry: (the copy being filled, the key/index in it, the original value to copy there).
    pending: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    while pending:
        target, slot, item = pending.pop()
        if isinstance(item, str):
            target[slot] = item.replace(secret, "[redacted]") if secret in item else item
        elif isinstance(item, dict):
            copy: dict[Any, Any] = dict.fromkeys(item)
            target[slot] = copy
            pending.extend((copy, key, child) for key, child in item.items())
        elif isinstance(item, list):
            items: list[Any] = [None] * len(item)
            target[slot] = items
            pending.extend((items, index, child) for index, child in enumerate(item))
        else:
            target[slot] = item
    return root[0]
