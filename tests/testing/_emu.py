"""Helpers for the emulator tests: a raw httpx2 client on the in-process transport and an SSE splitter."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx2

from _spec import spec_errors
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
