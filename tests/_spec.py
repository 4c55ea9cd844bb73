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
    """Human-readable validation errors of ``body`` against ``components.schemas[schema_name]``."""
    body = json.loads(json.dumps(body))
    if schema_name == "ChatRequest":
        for key, fields in SPEC_MISSING_CHAT.items():
            if isinstance(body.get(key), dict):
                for f in fields:
                    body[key].pop(f, None)
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
