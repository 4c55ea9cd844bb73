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
    """``value`` with every occurrence of ``secret`` in its strings replaced (JSON-like data)."""
    if isinstance(value, str):
        return value.replace(secret, "[redacted]") if secret in value else value
    if isinstance(value, dict):
        return {key: scrub(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, secret) for item in value]
    return value
