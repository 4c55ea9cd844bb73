"""JSON schemas for the wire and validation messages for the model (shared by tools and structured output).

Strict schemas (OpenAI-style ``strict: true``, which OpenRouter forwards) accept a subset of JSON Schema, so
:func:`clean_schema` rewrites what pydantic generates:

* every object gets ``additionalProperties: false`` and lists *all* its properties in ``required`` --
  a field with a default is therefore still sent by the model (validation keeps accepting it missing);
  make it ``X | None`` if the model should be able to say "no value";
* ``default`` and ``title`` keywords are dropped (not part of the strict subset; titles only cost tokens);
* a ``$ref`` with sibling keywords (pydantic emits that for a described model-typed field) is inlined.

Constraints strict mode ignores or rejects on some providers (``pattern``, ``minLength``, ``format``)
are kept: OpenRouter passes the schema to the provider, which decides.
:func:`format_validation_errors` turns a pydantic ``ValidationError`` into lines a model can act on.
Neither imports pydantic at module level.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pydantic

__all__ = ["clean_schema", "format_validation_errors"]


def clean_schema(schema: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """A copy of a pydantic JSON schema without ``title`` noise, made strict-compatible if ``strict``.

    See the module docstring for the exact rewrites.
    """
    root = copy.deepcopy(schema)
    defs: dict[str, Any] = root.get("$defs", {})

    def visit(node: Any, expanding: frozenset[str] = frozenset()) -> Any:
        if not isinstance(node, dict):
            return node
        if strict:
            ref = node.get("$ref")
            # Inline a $ref that has siblings (strict mode rejects them), but never a ref inside its own
            # expansion: a recursive model would expand forever.
            if isinstance(ref, str) and len(node) > 1 and ref.startswith("#/$defs/") and ref not in expanding:
                target = defs.get(ref.removeprefix("#/$defs/"))
                if isinstance(target, dict):
                    siblings = {k: v for k, v in node.items() if k != "$ref"}
                    node.clear()
                    node.update(copy.deepcopy(target))
                    node.update(siblings)
                    expanding = expanding | {ref}
            node.pop("default", None)
        node.pop("title", None)
        properties = node.get("properties")
        if isinstance(properties, dict):
            for value in properties.values():
                visit(value, expanding)
            if strict:
                node["required"] = list(properties)
                node["additionalProperties"] = False
        elif strict and node.get("type") == "object" and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for key in ("items", "additionalProperties", "not", "contains"):
            if isinstance(node.get(key), dict):
                visit(node[key], expanding)
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            if isinstance(node.get(key), list):
                for item in node[key]:
                    visit(item, expanding)
        for key in ("$defs", "definitions"):
            if isinstance(node.get(key), dict):
                for item in node[key].values():
                    visit(item, expanding)
        return node

    result: dict[str, Any] = visit(root)
    return result


def format_validation_errors(exc: pydantic.ValidationError, *, what: str) -> str:
    """A message a model can act on: one line per problem, with the JSON path and pydantic's reason."""
    lines = [f"invalid {what}:"]
    for error in exc.errors(include_url=False):
        location = ".".join(str(p) for p in error.get("loc", ())) or "(root)"
        lines.append(f"- {location}: {error.get('msg', 'invalid value')}")
    return "\n".join(lines)
