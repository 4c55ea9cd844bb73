"""Helpers for the emulator tests: a raw httpx2 client on the in-process transport and an SSE splitter."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx2

from _spec import operation_pointer, schema_errors, spec_errors, stream_event_errors
from chat_openrouter.testing.emulator import Emulator

KEY = "sk-or-v1-test-key-0123456789"


def strict_emulator(**kwargs: Any) -> Emulator:
    """An emulator that rejects any request body the OpenAPI spec rejects (a 400 names the field)."""
    kwargs.setdefault("clock", lambda: 1_767_225_600)
    return Emulator(validator=spec_errors, **kwargs)


def raw_client(
    emulator: Emulator, *, key: str | None = KEY, base: str = "http://emulator.test/api/v1"
) -> httpx2.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx2.Client(transport=emulator.transport(), base_url=base, headers=headers)


@dataclass
class SSE:
    """An event-stream body split the way a client sees it."""

    comments: list[str] = field(default_factory=list)
    data: list[Any] = field(default_factory=list)
    done: bool = False
    field_names: set[str] = field(default_factory=set)
    order: list[str] = field(default_factory=list)  # "comment" / "data" / "done", in arrival order


def parse_sse(body: bytes) -> SSE:
    out = SSE()
    for block in body.decode("utf-8").split("\n\n"):
        for line in block.split("\n"):
            if not line:
                continue
            if line.startswith(":"):
                out.comments.append(line)
                out.order.append("comment")
                continue
            name, _, value = line.partition(": ")
            out.field_names.add(name)
            if name == "data" and value == "[DONE]":
                out.done = True
                out.order.append("done")
            elif name == "data":
                out.data.append(json.loads(value))
                out.order.append("data")
    return out


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "examples": ["Paris"]},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit", "days"],
    "additionalProperties": False,
}
TIME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"zone": {"type": "string"}},
    "required": ["zone"],
}


def chat_tools() -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER_SCHEMA},
        },
        {
            "type": "function",
            "function": {"name": "get_time", "description": "Time", "parameters": TIME_SCHEMA},
        },
    ]


def responses_tools() -> list[dict[str, Any]]:
    return [
        {"type": "function", "name": "get_weather", "description": "Weather", "parameters": WEATHER_SCHEMA},
        {"type": "function", "name": "get_time", "description": "Time", "parameters": TIME_SCHEMA},
    ]


# -- answers against the spec ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpecGap:
    """A place where the emulator deliberately departs from the spec's response schemas, and why.

    ``evidence`` names the real capture that shows OpenRouter departing the same way (test_spec_gaps
    checks that the capture really breaks the spec there), or None when the departure is the emulator's
    own (said in ``why``).
    """

    why: str
    path: re.Pattern[str]
    message: re.Pattern[str]
    evidence: str | None


SPEC_GAPS = (
    SpecGap(
        "response.created / response.in_progress carry `usage: null` (the spec wants an object): "
        "no usage exists before the response completes",
        re.compile(r"^response/usage$"),
        re.compile(r"^None is not of type 'object'$"),
        "responses-stream-text.sse",
    ),
    SpecGap(
        "`provider_name` is 'Emulator', which is not in the spec's closed `ProviderName` list of real "
        "providers: the emulator is not one of them and says so",
        re.compile(r"(^|/)provider_name$"),
        re.compile(r"^'Emulator' is not one of \["),
        None,
    ),
)


def _unexplained(errors: list[str]) -> list[str]:
    kept = []
    for error in errors:
        path, _, message = error.partition(": ")
        if not any(gap.path.search(path) and gap.message.search(message) for gap in SPEC_GAPS):
            kept.append(error)
    return kept


def assert_spec_valid(value: Any, schema: str) -> None:
    """``value`` validates against ``schema`` (component name or pointer), known gaps aside."""
    errors = _unexplained(schema_errors(value, schema))
    assert not errors, f"does not validate against {schema}:\n" + "\n".join(errors[:20])


def assert_events_valid(events: list[dict[str, Any]]) -> None:
    """Every Responses stream event validates against its ``StreamEvents`` member, known gaps aside, and
    against the ``StreamEvents`` union itself when no gap is involved (its ``oneOf`` must pick one)."""
    for event in events:
        member_errors = stream_event_errors(event)
        errors = _unexplained(member_errors)
        assert not errors, f"{event.get('type')} does not validate:\n" + "\n".join(errors[:20])
        if not member_errors:
            assert schema_errors(event, "StreamEvents") == [], event.get("type")


def assert_answer_valid(method: str, path: str, response: httpx2.Response) -> None:
    """A JSON answer validates against the schema the spec declares for its path, method and status."""
    assert response.headers["content-type"].startswith("application/json"), response.headers
    pointer = operation_pointer(method, path, status=response.status_code)
    assert_spec_valid(response.json(), pointer)
