"""Deterministic JSON values that validate against a JSON schema (the emulator's "model output").

The emulated models need arguments for whatever tool they are offered and JSON for whatever
``response_format`` / ``text.format`` they are asked for. :func:`sample_for_schema` walks the schema
and builds the plainest value that satisfies it, preferring what the schema itself suggests:
``const`` > ``default`` > ``examples[0]`` > ``enum[0]`` > a value built from ``type`` and its bounds.
So a pydantic field declared ``city: str = Field(examples=["Paris"])`` comes back as ``"Paris"``.

Covered: local ``$ref`` (``#/$defs/...``, ``#/definitions/...``), ``allOf`` (objects merged),
``anyOf``/``oneOf`` (first usable branch), type lists, objects (every declared property; strict
schemas require them all), ``prefixItems``/``items`` with ``minItems``/``maxItems``/``uniqueItems``,
numeric bounds and ``multipleOf``, string ``minLength``/``maxLength`` and common ``format`` values.
Not covered: ``pattern`` (use ``examples`` for patterned strings), ``not``, ``if``/``then``.
Recursive schemas stop at a depth limit by choosing ``null`` branches and empty arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["sample_for_schema"]

_MAX_DEPTH = 8

# Plain, obviously-fake values for common string formats (RFC 2606 / RFC 5737 / RFC 3849 ranges).
_FORMAT_SAMPLES = {
    "date-time": "2024-01-01T12:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "/example",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "regex": ".*",
}


def sample_for_schema(schema: Any, *, root: Any = None, label: str = "value") -> Any:
    """A JSON value valid for ``schema`` (a dict, or ``True``/``False``/absent for "anything").

    ``root`` is the document ``$ref`` pointers resolve against (defaults to ``schema`` itself);
    ``label`` names the value (used to make placeholder strings readable, e.g. ``"example city"``).
    """
    return _Sampler(root if root is not None else schema).sample(schema, label, 0, 0)


class _Sampler:
    def __init__(self, root: Any) -> None:
        self.root = root

    # -- dispatch ------------------------------------------------------------------------------------
    def sample(self, schema: Any, label: str, depth: int, variant: int) -> Any:
        if not isinstance(schema, Mapping):
            return f"example {label}" if schema is not False else None
        schema = self._resolve(schema, depth)
        for key in ("const", "default"):
            if key in schema:
                return schema[key]
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return examples[variant % len(examples)]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return enum[variant % len(enum)]
        if "allOf" in schema:
            return self.sample(self._merge_all_of(schema), label, depth, variant)
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                return self.sample(self._pick_branch(branches, depth), label, depth, variant)
        kind = self._type_of(schema, depth)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, label, depth)
        if kind == "string":
            return self._string(schema, label, variant)
        if kind == "integer":
            return self._integer(schema, variant)
        if kind == "number":
            return self._number(schema, variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return f"example {label}"

    # -- structure -----------------------------------------------------------------------------------
    def _resolve(self, schema: Mapping[str, Any], depth: int) -> Mapping[str, Any]:
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < 32:
            target = self._pointer(schema["$ref"])
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **siblings} if isinstance(target, Mapping) else siblings
            seen += 1
        return schema

    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}  # remote references are out of scope: anything goes
        node: Any = self.root
        for raw in ref[1:].lstrip("/").split("/") if ref != "#" else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return {}
        return node

    def _merge_all_of(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema.get("allOf") or []:
            if not isinstance(part, Mapping):
                continue
            part = self._resolve(part, 0)
            for key, value in part.items():
                if key == "properties" and isinstance(value, Mapping):
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def _pick_branch(self, branches: list[Any], depth: int) -> Any:
        # Prefer a concrete branch; once deep in a recursive schema prefer `null` to end the recursion.
        nullish = [b for b in branches if isinstance(b, Mapping) and b.get("type") == "null"]
        if depth >= _MAX_DEPTH and nullish:
            return nullish[0]
        for branch in branches:
            if not (isinstance(branch, Mapping) and branch.get("type") == "null"):
                return branch
        return branches[0]

    def _type_of(self, schema: Mapping[str, Any], depth: int) -> str | None:
        kind = schema.get("type")
        if isinstance(kind, list):
            concrete = [k for k in kind if k != "null"]
            if depth >= _MAX_DEPTH and "null" in kind:
                return "null"
            return concrete[0] if concrete else "null"
        if isinstance(kind, str):
            return kind
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        return None

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        result: dict[str, Any] = {}
        if isinstance(properties, Mapping):
            required = set(schema.get("required") or ())
            for name, sub in properties.items():
                # Past the depth limit only what is required is filled in (recursion ends).
                if depth >= _MAX_DEPTH and name not in required:
                    continue
                result[name] = self.sample(sub, str(name), depth + 1, 0)
        for name in schema.get("required") or ():
            if name not in result:
                extra = schema.get("additionalProperties")
                result[name] = self.sample(
                    extra if isinstance(extra, Mapping) else {}, str(name), depth + 1, 0
                )
        minimum = schema.get("minProperties")
        extra_schema = schema.get("additionalProperties")
        if isinstance(minimum, int) and extra_schema is not False:
            index = 0
            while len(result) < minimum:
                index += 1
                result[f"key{index}"] = self.sample(
                    extra_schema if isinstance(extra_schema, Mapping) else {}, f"key{index}", depth + 1, index
                )
        return result

    def _array(self, schema: Mapping[str, Any], label: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(items, list):  # draft-04..2019 tuple form
            prefix, items = items, schema.get("additionalItems")
        min_items, max_items = schema.get("minItems"), schema.get("maxItems")
        minimum = min_items if isinstance(min_items, int) else 0
        maximum = max_items if isinstance(max_items, int) else None
        count = max(minimum, 0 if depth >= _MAX_DEPTH else 1)
        if maximum is not None:
            count = min(count, maximum)
        out: list[Any] = []
        singular = label[:-1] if label.endswith("s") and len(label) > 1 else label
        for index in range(count):
            if isinstance(prefix, list) and index < len(prefix):
                sub = prefix[index]
            else:
                sub = items if isinstance(items, Mapping) else {}
            # A distinct variant per position keeps `uniqueItems` arrays unique.
            out.append(self.sample(sub, singular, depth + 1, index))
        return out

    # -- scalars -------------------------------------------------------------------------------------
    def _string(self, schema: Mapping[str, Any], label: str, variant: int) -> str:
        fmt = schema.get("format")
        value = _FORMAT_SAMPLES.get(fmt) if isinstance(fmt, str) else None
        if value is None:
            value = f"example {label}" + (f" {variant + 1}" if variant else "")
        minimum = schema.get("minLength")
        maximum = schema.get("maxLength")
        if isinstance(minimum, int) and len(value) < minimum:
            value = value + "x" * (minimum - len(value))
        if isinstance(maximum, int) and len(value) > maximum:
            value = (
                value[:maximum] if variant == 0 or maximum < 2 else value[: maximum - 1] + str(variant % 10)
            )
        return value

    def _integer(self, schema: Mapping[str, Any], variant: int) -> int:
        low, high = self._bounds(schema)
        step = schema.get("multipleOf")
        step = int(step) if isinstance(step, (int, float)) and step >= 1 and float(step).is_integer() else 1
        low_int = math.ceil(low) if low is not None else None
        high_int = math.floor(high) if high is not None else None
        start = 42 + variant
        if low_int is not None and start < low_int:
            start = low_int + variant
        if high_int is not None and start > high_int:
            start = high_int - variant
            if low_int is not None and start < low_int:
                start = low_int
        value = start - (start % step)
        if low_int is not None and value < low_int:
            value += step
        return value

    def _number(self, schema: Mapping[str, Any], variant: int) -> float | int:
        if isinstance(schema.get("multipleOf"), (int, float)):
            return (
                self._integer(schema, variant)
                if float(schema["multipleOf"]).is_integer()
                else self._multiple(schema)
            )
        low, high = self._bounds(schema)
        value = 3.5 + variant
        if low is not None and value < low:
            value = low + 0.5 if high is None or low + 0.5 <= high else low
        if high is not None and value > high:
            value = high - 0.5 if low is None or high - 0.5 >= low else high
        return value

    def _multiple(self, schema: Mapping[str, Any]) -> float:
        step = float(schema["multipleOf"])
        low, high = self._bounds(schema)
        count = math.ceil(low / step) if low is not None else 1
        value = count * step
        if high is not None and value > high:
            value = math.floor(high / step) * step
        return round(value, 12)

    @staticmethod
    def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, float | None]:
        def num(key: str) -> float | None:
            value = schema.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        low, high = num("minimum"), num("maximum")
        exclusive_low, exclusive_high = num("exclusiveMinimum"), num("exclusiveMaximum")
        if exclusive_low is not None:
            low = max(low, exclusive_low + 1e-9) if low is not None else exclusive_low + 1e-9
        if exclusive_high is not None:
            high = min(high, exclusive_high - 1e-9) if high is not None else exclusive_high - 1e-9
        return low, high
