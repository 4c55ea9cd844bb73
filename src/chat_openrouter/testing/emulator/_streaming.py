"""Streamed answers: server-sent events with OpenRouter's keep-alives, and plain byte streams.

OpenRouter sends ``: OPENROUTER PROCESSING`` comments while a model warms up (reference §5.1) and ends an
event stream with ``data: [DONE]``. A stream stops as soon as the client goes away, and says so through
``on_cancel`` (the generation record then reads ``cancelled: true``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

from ._asgi import Reply, sse, wait_for_event
from ._faults import Timing

__all__ = ["DONE", "KEEPALIVE", "byte_stream", "event_stream"]

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"


def event_stream(
    frames: list[dict[str, Any]],
    timing: Timing,
    headers: Iterable[tuple[str, str]],
    *,
    keepalive_interval: float,
    done: bool = True,
    on_cancel: Callable[[], None] | None = None,
) -> Reply:
    """An SSE reply: a keep-alive, more while ``timing.start_delay`` lasts, then one event per frame.

    ``done=False`` leaves out ``data: [DONE]`` (a stream that breaks off).
    """

    async def chunks(disconnected: asyncio.Event) -> AsyncGenerator[bytes, None]:
        finished = False
        try:
            # At least one comment up front, then one per keep-alive interval for as long as the delay lasts.
            yield KEEPALIVE
            waited = 0.0
            while waited < timing.start_delay:
                step = min(keepalive_interval, timing.start_delay - waited)
                if await wait_for_event(disconnected, step):
                    return
                waited += step
                yield KEEPALIVE
            for index, frame in enumerate(frames):
                if index and timing.chunk_delay and await wait_for_event(disconnected, timing.chunk_delay):
                    return
                yield sse(frame)
            if done:
                yield DONE
            finished = True
        finally:
            if not finished and on_cancel is not None:
                on_cancel()  # the client went away mid-stream

    stream_headers = [("content-type", "text/event-stream"), ("cache-control", "no-cache"), *headers]
    return Reply(200, stream_headers, chunks=chunks)


def byte_stream(
    parts: list[bytes], content_type: str, headers: Iterable[tuple[str, str]] = (), *, status: int = 200
) -> Reply:
    """A binary body sent in ``parts`` as they come (chunked transfer: no ``Content-Length``)."""

    async def chunks(disconnected: asyncio.Event) -> AsyncGenerator[bytes, None]:
        for part in parts:
            if disconnected.is_set():
                return
            yield part
            await asyncio.sleep(0)  # let the server flush each part as its own chunk

    return Reply(status, [("content-type", content_type), *headers], chunks=chunks)
