"""Shared test plumbing: a recording ``httpx2.MockTransport`` that answers from a script of responses."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2

from _spec import load_fixture
from chat_openrouter.openrouter import OpenRouterBuilder


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Reply:
        return cls(status, json.dumps(data).encode(), {"content-type": "application/json", **headers})

    @classmethod
    def fixture(cls, name: str) -> Reply:
        """A recorded fixture's body with its recorded status and content type."""
        body, meta = load_fixture(name)
        response = meta.get("response", {})
        headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        default_type = "text/event-stream" if name.endswith(".sse") else "application/json"
        headers.setdefault("content-type", default_type)
        return cls(int(response.get("status") or 200), body, headers)


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    content: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.content)


class Recorder:
    """Answers requests with ``replies`` in order (or via ``route``) and remembers every request."""

    def __init__(self, replies: Sequence[Reply] = (), route: Callable[[Seen], Reply] | None = None) -> None:
        self.replies = list(replies)
        self.route = route
        self.seen: list[Seen] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        seen = Seen(
            request.method,
            request.url.path,
            dict(request.url.params),
            {k.lower(): v for k, v in request.headers.items()},
            request.read(),
        )
        self.seen.append(seen)
        if self.route is not None:
            reply = self.route(seen)
        else:
            assert self.replies, f"unexpected request {seen.method} {seen.path}"
            reply = self.replies.pop(0)
        return httpx2.Response(reply.status, headers=reply.headers, content=reply.body)

    @property
    def posts(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self)


def builder(
    recorder: Recorder, *, wire: str = "responses", model: str | None = "openai/gpt-4o"
) -> OpenRouterBuilder:
    """An OpenRouterBuilder wired to ``recorder`` (no retries, so scripted errors surface at once)."""
    b = OpenRouterBuilder().with_api_key("sk-or-v1-test").with_transport(recorder.transport()).with_retries(0)
    if model is not None:
        b = b.with_model(model)
    return b.with_completions() if wire == "completions" else b


WIRES = ("responses", "completions")
SCHEMA = {"responses": "ResponsesRequest", "completions": "ChatRequest"}
