"""Spec examples as test inputs: the documented answer of an operation, served by a recording transport."""

from __future__ import annotations

import json
from typing import Any

from _spec import FIXTURES_ROOT, assert_valid, operation_pointer

from .._support import Recorder, Reply, Seen

_SPEC = json.loads((FIXTURES_ROOT / "spec" / "openrouter-openapi.json").read_text())


def spec_example(method: str, path: str, status: int = 200) -> Any:
    """The documented example answer of ``method path`` (the media type's example, else its schema's)."""
    media = _SPEC["paths"][path][method.lower()]["responses"][str(status)]["content"]["application/json"]
    return media["example"] if "example" in media else media["schema"]["example"]


# Examples the spec's own response schema rejects (the example predates a required field).
EXAMPLES_AGAINST_THEIR_SCHEMA = {
    ("GET", "/videos/models"),  # lacks the required upscale_factor, creativity
    ("GET", "/models/user"),  # lacks the required total_count, links
}


def example_reply(method: str, path: str, status: int = 200, **headers: str) -> Reply:
    """The spec's example answer as a reply; it validates against the operation's response schema."""
    body = spec_example(method, path, status)
    if (method, path) not in EXAMPLES_AGAINST_THEIR_SCHEMA:
        assert_valid(body, operation_pointer(method, path, status=status))
    return Reply.json(body, status=status, **headers)


def sent_body(recorder: Recorder, index: int = -1) -> dict[str, Any]:
    seen: Seen = recorder.seen[index]
    body: dict[str, Any] = seen.json
    return body


def assert_valid_body(body: Any, method: str, path: str) -> None:
    """A request body we sent validates against the operation's JSON request schema."""
    assert_valid(body, operation_pointer(method, path))
