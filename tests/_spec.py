"""Validate request bodies against OpenRouter's OpenAPI spec (tests/fixtures/spec), treating it as ground truth.

Everything read here lives in the repository (tests/fixtures/README.md names the sources and licences);
a missing file is a loud error, never a skipped test.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

FIXTURES_ROOT = Path(__file__).resolve().parent / "fixtures"
SPEC_PATH = FIXTURES_ROOT / "spec" / "openrouter-openapi.json"
FIXTURES = FIXTURES_ROOT / "openrouter"


@functools.lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


@functools.lru_cache(maxsize=8)
def _validator(schema_name: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = _spec()
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openrouter-spec", resource)
    schema = {"$ref": f"urn:openrouter-spec#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=registry)


# Fields OpenRouter documents and accepts that the spec's request schemas miss (spec/README.md,
# reference §3.4): they are stripped before validation so the rest of the body is still checked.
SPEC_MISSING_CHAT = {"reasoning": {"exclude", "max_tokens", "enabled"}}


def spec_errors(body: dict[str, Any], schema_name: str) -> list[str]:
    """Human-readable validation errors of ``body`` against ``components.schemas[schema_name]``.

    ``schema_name`` may also be an operation, ``"POST /embeddings"``: its JSON request body schema (the
    emulator names inline request schemas this way; see ``Validator`` in the emulator).
    """
    body = json.loads(json.dumps(body))
    if schema_name == "ChatRequest":
        for key, fields in SPEC_MISSING_CHAT.items():
            if isinstance(body.get(key), dict):
                for f in fields:
                    body[key].pop(f, None)
    if " " in schema_name:
        method, path = schema_name.split(" ", 1)
        return schema_errors(body, operation_pointer(method, path))
    validator = _validator(schema_name)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(body)]


def assert_valid_request(body: dict[str, Any], schema_name: str) -> None:
    errors = spec_errors(body, schema_name)
    assert not errors, f"request does not validate against {schema_name}:\n" + "\n".join(errors[:20])


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def load_fixture(name: str) -> tuple[bytes, dict[str, Any]]:
    """(body bytes, meta dict) of a recorded fixture, e.g. ``load_fixture("chat-stream-text.sse")``."""
    body = (FIXTURES / name).read_bytes()
    stem = name.rsplit(".", 1)[0]
    meta = json.loads((FIXTURES / f"{stem}.meta.json").read_text())
    return body, meta


# -- responses and other operations ---------------------------------------------------------------------
def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def operation_pointer(
    method: str, path: str, *, status: int | None = None, content_type: str = "application/json"
) -> str:
    """JSON pointer to an operation's request schema (``status=None``) or a response schema.

    ``path`` is the spec's template (``/keys/{hash}``); ``content_type`` picks the media type.
    """
    base = f"#/paths/{_escape(path)}/{method.lower()}"
    if status is None:
        return f"{base}/requestBody/content/{_escape(content_type)}/schema"
    return f"{base}/responses/{status}/content/{_escape(content_type)}/schema"


def _resolve(pointer: str) -> Any:
    node: Any = _spec()
    for raw in pointer.lstrip("#/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@functools.lru_cache(maxsize=128)
def _pointer_validator(pointer: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    _resolve(pointer)  # a wrong pointer is a loud KeyError here, not a schema that accepts anything
    resource = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openrouter-spec", resource)
    return Draft202012Validator({"$ref": f"urn:openrouter-spec{pointer}"}, registry=registry)


def schema_errors(value: Any, schema: str) -> list[str]:
    """Validation errors of ``value`` against a component name (``ChatResult``) or a pointer (``#/paths/...``)."""
    pointer = schema if schema.startswith("#") else f"#/components/schemas/{schema}"
    validator = _pointer_validator(pointer)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    ]


def assert_valid(value: Any, schema: str) -> None:
    """Assert ``value`` validates against ``schema`` (a component name or a JSON pointer into the spec)."""
    errors = schema_errors(value, schema)
    assert not errors, f"does not validate against {schema}:\n" + "\n".join(errors[:20])


def stream_event_errors(event: dict[str, Any]) -> list[str]:
    """Errors of one Responses stream event, checked against the ``StreamEvents`` member its ``type`` names.

    The union's own ``oneOf`` only says "not valid under any of the given schemas"; the discriminator
    mapping points at the member, whose errors say what is wrong. An unknown ``type`` is an error.
    """
    mapping = _spec()["components"]["schemas"]["StreamEvents"]["discriminator"]["mapping"]
    target = mapping.get(event.get("type"))
    if target is None:
        return [f"type: {event.get('type')!r} is not a StreamEvents member"]
    return schema_errors(event, target)


def declared_statuses(method: str, path: str) -> set[int]:
    """The HTTP statuses the spec declares for an operation (``"GET"``, ``"/keys/{hash}"``)."""
    return {int(code) for code in _spec()["paths"][path][method.lower()]["responses"]}


def spec_paths() -> dict[str, Any]:
    """The spec's ``paths`` object, in the spec's order."""
    return dict(_spec()["paths"])
