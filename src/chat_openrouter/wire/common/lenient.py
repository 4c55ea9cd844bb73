"""Lenient readers for JSON we did not write: response bodies, stream events, catalogue and account records.

Each function takes whatever ``json.loads`` produced and returns a value of one type, and never raises:
a missing or mistyped field reads as ``None``, ``0`` or empty ("lenient on read", STYLE.md habit 2).
They live here once so that both wire codecs and the OpenRouter decoders (``openrouter/``, which sits
above the wires) agree on the edge cases -- above all that a JSON ``true`` is never a number, although
Python's ``bool`` subclasses ``int``.

They sit in per-chunk hot paths: plain ``isinstance`` checks, no allocation unless a copy is the point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["as_count", "as_int", "as_mapping", "as_str", "dicts", "opt_bool", "opt_float", "opt_int", "strings"]


def as_str(value: Any) -> str | None:
    """``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


def opt_int(value: Any) -> int | None:
    """``value`` if it is an integer (not a bool), else None -- for ids, indexes and timestamps."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_int(value: Any) -> int:
    """A token count: integers and integral floats (``12.0``, as some upstreams send) as ``int``, else 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return 0


def as_count(value: Any) -> int:
    """A token count: a non-negative integer (or an integral float such as ``12.0``), else 0.

    NaN, infinities (``json.loads`` reads ``NaN``/``Infinity``/``1e999``), negatives and fractions are
    not counts: they read as 0, like a missing field, so no sum or comparison downstream meets them.
    """
    count = as_int(value)
    return count if count > 0 else 0


def opt_float(value: Any) -> float | None:
    """A finite number (int or float, not a bool) as ``float``, else None -- for costs and amounts.

    NaN and infinities (which ``json.loads`` accepts) and integers beyond the float range are None, as
    if the field were absent: a server's number never turns a sum or a comparison into NaN.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return None
    return None


def opt_bool(value: Any) -> bool | None:
    """``value`` if it is a bool, else None (``0``/``"false"`` are not booleans)."""
    return value if isinstance(value, bool) else None


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one (so ``.get`` chains never fail)."""
    return value if isinstance(value, Mapping) else {}


def dicts(value: Any) -> list[dict[str, Any]]:
    """The object entries of a JSON array (annotations, reasoning details), in order; [] for a non-list."""
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def strings(value: Any) -> tuple[str, ...]:
    """The string entries of a JSON array (modalities, parameter names), in order; () for a non-list."""
    return tuple(entry for entry in value if isinstance(entry, str)) if isinstance(value, list) else ()
