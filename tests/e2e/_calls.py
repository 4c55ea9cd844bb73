"""Client plumbing shared by the loopback tests of both wires: a client on a server, calls sync or async."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from _spec import load_fixture
from chat_openrouter.core.events import StreamEvent
from chat_openrouter.core.messages import Messages
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.base import WireClient

from ._server import LoopbackServer

MODES = ("sync", "async")


def sse_events(name: str) -> list[bytes]:
    """A recorded stream cut into its events (comments included), each sent as its own HTTP chunk."""
    data, _ = load_fixture(name)
    return [piece + b"\n\n" for piece in re.split(rb"\n\n", data) if piece]


def loopback_client(builder: OpenRouterBuilder, server: LoopbackServer, model: str) -> Any:
    """The client ``builder`` makes for ``server``, on the default httpx2 transport, without retries."""
    return (
        builder.with_base_url(server.url + "/api/v1/")
        .with_model(model)
        .with_api_key("sk-or-test-key")
        .with_retries(0)
        .build()
    )


def complete(client: WireClient, mode: str, msgs: Messages, **kwargs: Any) -> ChatResponse:
    """``complete_sync`` or ``complete``, closing the client afterwards."""
    if mode == "sync":
        with client:
            return client.complete_sync(msgs, **kwargs)

    async def go() -> ChatResponse:
        async with client:
            return await client.complete(msgs, **kwargs)

    return asyncio.run(go())


def stream(client: WireClient, mode: str, msgs: Messages, events: list[StreamEvent], **kwargs: Any) -> None:
    """Stream into ``events`` (so a test still sees them when the stream raises), closing the client."""
    if mode == "sync":
        with client, client.stream_sync(msgs, **kwargs) as s:
            events.extend(s)
        return

    async def go() -> None:
        async with client, client.stream(msgs, **kwargs) as s:
            async for event in s:
                events.append(event)

    asyncio.run(go())
