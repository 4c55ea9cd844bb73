"""The thin I/O shells that run a whole-response :func:`~.flows.call_flow`: blocking, and awaitable.

They execute the flow's commands and nothing else -- every decision (status, retry, wait, decode) is in
the flow. The streaming twins are the payload streams of :mod:`.payloads`.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any, TypeVar

from ..errors import ChatOpenRouterError
from .base import Transport
from .flows import Command, Send, Sleep
from .retry import RetryPolicy

__all__ = ["asleep", "run_call", "run_call_async"]

T = TypeVar("T")


def run_call(flow: Generator[Command, Any, T], transport: Transport, policy: RetryPolicy, max_bytes: int) -> T:
    """Run a call flow with blocking I/O; return its value or raise its final error."""
    value: Any = None
    thrown: ChatOpenRouterError | None = None
    while True:
        try:
            command = flow.send(value) if thrown is None else flow.throw(thrown)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, thrown = None, None
        try:
            if isinstance(command, Send):
                value = transport.send(command.request, max_bytes=max_bytes)
            elif isinstance(command, Sleep):
                (policy.sleep or time.sleep)(command.seconds)
        except ChatOpenRouterError as error:
            thrown = error  # thrown into the flow outside this block: no chaining across attempts


async def run_call_async(
    flow: Generator[Command, Any, T], transport: Transport, policy: RetryPolicy, max_bytes: int
) -> T:
    """Async twin of :func:`run_call`."""
    value: Any = None
    thrown: ChatOpenRouterError | None = None
    while True:
        try:
            command = flow.send(value) if thrown is None else flow.throw(thrown)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, thrown = None, None
        try:
            if isinstance(command, Send):
                value = await transport.asend(command.request, max_bytes=max_bytes)
            elif isinstance(command, Sleep):
                await asleep(policy, command.seconds)
        except ChatOpenRouterError as error:
            thrown = error


async def asleep(policy: RetryPolicy, seconds: float) -> None:
    """Wait ``seconds`` the async way (the policy's test seam when set)."""
    if policy.asleep is not None:
        await policy.asleep(seconds)
        return
    import asyncio  # here, not at module level: `import chat_openrouter` stays cheap for sync users

    await asyncio.sleep(seconds)
