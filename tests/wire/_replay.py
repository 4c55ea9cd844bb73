"""Replay plumbing shared by both wires' fixture tests: a real client on a recording mock transport.

Each wire's test module names its own builder (``OpenRouterBuilder()`` on its wire) and keeps
what is wire-specific (rebuilding a conversation from a recorded request, normalising request bodies);
serving a body, calling the client sync or async, streaming or not, is the same on both wires.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx2

from _spec import load_fixture
from chat_openrouter.core.events import Done, StreamEvent
from chat_openrouter.core.messages import Messages
from chat_openrouter.core.options import ChatOptions
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.tools import ToolLike
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.base import WireClient

MODES = ("sync", "async")

#: One client call's arguments: the conversation, the tools and the per-call options.
Call = tuple[Messages, list[ToolLike] | None, ChatOptions | None]


@dataclass
class Replay:
    """A client wired to one canned response, and the requests it sent."""

    client: WireClient
    requests: list[httpx2.Request]

    def sent_body(self) -> dict[str, Any]:
        assert len(self.requests) == 1, "exactly one HTTP request per call (no retries configured)"
        body: dict[str, Any] = json.loads(self.requests[0].content)
        return body


def serve(
    builder: OpenRouterBuilder,
    content: bytes,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    model: str = "openai/gpt-4o",
) -> Replay:
    """A client from ``builder`` whose transport answers every request with ``content``."""
    requests: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        return httpx2.Response(status, headers=headers or {}, content=content)

    client = (
        builder.with_model(model)
        .with_api_key("sk-or-test-key")
        .with_retries(0)  # 429/5xx fixtures must surface, not sleep and retry
        .with_transport(httpx2.MockTransport(handler))
        .build()
    )
    return Replay(client, requests)


def serve_fixture(
    builder: OpenRouterBuilder,
    name: str,
    *,
    model: str = "openai/gpt-4o",
    extra_headers: dict[str, str] | None = None,
) -> Replay:
    """A client answering every request with fixture ``name``, with its recorded status and headers."""
    content, meta = load_fixture(name)
    response = meta["response"]
    headers = dict(response.get("headers") or {})
    headers.update(extra_headers or {})
    if not any(k.lower() == "content-type" for k in headers):
        # Pasted fixtures carry no headers: serve them as their body type.
        headers["content-type"] = "text/event-stream" if name.endswith(".sse") else "application/json"
    # Documented bodies have no recorded status: they are what arrives inside an HTTP 200.
    return serve(builder, content, status=response.get("status") or 200, headers=headers, model=model)


def complete(r: Replay, mode: str, call: Call) -> ChatResponse:
    """``complete_sync`` or ``complete``, closing the client afterwards."""
    msgs, tools, options = call
    if mode == "sync":
        with r.client:
            return r.client.complete_sync(msgs, tools=tools, options=options)

    async def go() -> ChatResponse:
        async with r.client:
            return await r.client.complete(msgs, tools=tools, options=options)

    return asyncio.run(go())


def stream(r: Replay, mode: str, call: Call, events: list[StreamEvent]) -> ChatResponse:
    """Stream into ``events`` (so a test still sees them when the stream raises); return Done's response."""
    msgs, tools, options = call
    if mode == "sync":
        with r.client, r.client.stream_sync(msgs, tools=tools, options=options) as s:
            events.extend(s)
    else:

        async def go() -> None:
            async with r.client, r.client.stream(msgs, tools=tools, options=options) as s:
                async for event in s:
                    events.append(event)

        asyncio.run(go())
    assert [type(e) for e in events].count(Done) == 1
    assert isinstance(events[-1], Done)
    return events[-1].response


def comparable(response: ChatResponse) -> dict[str, Any]:
    """Everything a caller reads from a response (``raw`` aside: a merged stream is not the body)."""
    return {
        "parts": response.content.parts,
        "text": response.text,
        "refusal": response.refusal,
        "reasoning": response.reasoning,
        "tool_calls": [(p.id, p.name, p.raw_arguments, p.arguments) for p in response.tool_calls],
        "id": response.id,
        "model": response.model,
        "provider": response.provider,
        "created": response.created,
        "finish_reason": response.finish_reason,
        "native_finish_reason": response.native_finish_reason,
        "usage": response.usage,
        "cost": response.usage.cost,
        "system_fingerprint": response.system_fingerprint,
        "service_tier": response.service_tier,
        "logprobs": response.logprobs,
    }
