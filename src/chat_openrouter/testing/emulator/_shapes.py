"""Request-body checks for the endpoints beyond inference, with the spec's constraints written down small.

The emulator does not ship OpenRouter's 1.3 MB OpenAPI document; each room declares the constraints of
its request bodies (types, required fields, enums, bounds) in the JSON Schema subset below, transcribed from
the spec's request schemas, and :func:`check` turns the first violation into OpenRouter's 400. Tests plug
the full spec in on top (``Emulator(validator=...)``) and check that both agree.

Supported keywords: ``type`` (a name or a list), ``required``, ``properties``, ``enum``, ``minimum``,
``maximum``, ``minLength``, ``maxLength``, ``minItems``, ``maxItems``, ``items``, ``anyOf``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._errors import RequestError

__all__ = ["Shape", "check", "problems"]

Shape = Mapping[str, Any]

_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def problems(value: Any, shape: Shape, path: str = "") -> list[str]:
    """Every way ``value`` breaks ``shape``, as ``"path: what is wrong"`` (empty when it conforms)."""
    where = path or "body"
    kinds = shape.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_TYPES[name](value) for name in names):
            return [f"{where}: expected {' or '.join(names)}"]
    if "anyOf" in shape and all(problems(value, branch, path) for branch in shape["anyOf"]):
        return [f"{where}: does not match any allowed form"]
    if "enum" in shape and value not in shape["enum"]:
        return [f"{where}: must be one of {', '.join(map(str, shape['enum']))}"]
    found: list[str] = []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in shape and value < shape["minimum"]:
            found.append(f"{where}: must be at least {shape['minimum']}")
        if "maximum" in shape and value > shape["maximum"]:
            found.append(f"{where}: must be at most {shape['maximum']}")
    if isinstance(value, str):
        if len(value) < shape.get("minLength", 0):
            found.append(f"{where}: must not be shorter than {shape['minLength']} characters")
        if "maxLength" in shape and len(value) > shape["maxLength"]:
            found.append(f"{where}: must not be longer than {shape['maxLength']} characters")
    if isinstance(value, list):
        if len(value) < shape.get("minItems", 0):
            found.append(f"{where}: needs at least {shape['minItems']} items")
        if "maxItems" in shape and len(value) > shape["maxItems"]:
            found.append(f"{where}: takes at most {shape['maxItems']} items")
        if "items" in shape:
            for index, item in enumerate(value):
                found.extend(problems(item, shape["items"], f"{path}[{index}]" if path else f"[{index}]"))
    if isinstance(value, dict):
        for name in shape.get("required", ()):
            if name not in value:
                found.append(f"{_join(path, name)}: required")
        for name, sub in shape.get("properties", {}).items():
            if name in value:
                found.extend(problems(value[name], sub, _join(path, name)))
    return found


def check(value: Any, shape: Shape) -> None:
    """Raise OpenRouter's 400 for the first problem of ``value`` against ``shape``."""
    found = problems(value, shape)
    if found:
        raise RequestError(400, f"Invalid request: {found[0]}", metadata={"errors": found[:20]})


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
