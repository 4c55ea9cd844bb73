"""What every endpoint group of :class:`~chat_openrouter.openrouter.api.OpenRouterAPI` shares.

An endpoint method is written once, as a *flow*: a generator that yields :class:`Get` / :class:`Post`
(a JSON call through the endpoint) or :class:`Wait`, is sent the decoded body back, and returns the
typed result. :class:`ApiCalls` runs a flow with blocking I/O (:meth:`ApiCalls.run_sync`) or awaitable
I/O (:meth:`ApiCalls.run`), so each sync/async pair of public methods is two one-line shells::

    def _key(self) -> CallFlow[KeyInfo]:
        body = yield Get("key")
        return KeyInfo.from_json(unwrap_data(body, "GET /key"))

    def get_key_sync(self) -> KeyInfo:
        return self._calls.run_sync(self._key())

Retries, timeouts, error mapping (including an ``error`` object in a 200 body) and key scrubbing are the
endpoint's (:meth:`~chat_openrouter.transport.Endpoint.request_json`); an error is thrown into the flow
at the call that failed, so a flow may catch one (``get_generation`` polls through early 404s).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any, TypeVar

from ...errors import ChatOpenRouterError, DecodeError
from ...transport.endpoint import Endpoint

__all__ = ["ApiCalls", "CallFlow", "EndpointGroup", "Get", "Post", "Wait", "unwrap_data"]

T = TypeVar("T")


class Get:
    """``GET {base}/{path}?{params}``; the flow is sent the decoded JSON body."""

    __slots__ = ("params", "path")

    def __init__(self, path: str, params: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.params = params


class Post:
    """``POST {base}/{path}`` with a JSON ``body``; the flow is sent the decoded JSON body."""

    __slots__ = ("body", "path")

    def __init__(self, path: str, body: Mapping[str, Any]) -> None:
        self.path = path
        self.body = body


class Wait:
    """Pause ``seconds`` (polling); the flow is sent None."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


#: An endpoint method written once: yields calls and waits, returns the typed result.
CallFlow = Generator[Get | Post | Wait, Any, T]


def unwrap_data(body: Any, what: str) -> Mapping[str, Any]:
    """The ``data`` object most OpenRouter REST answers wrap their record in (spec examples)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise DecodeError(f"{what}: expected a JSON object with a 'data' object", snippet=str(body)[:120])
    return data


class ApiCalls:
    """Runs call flows against one endpoint, sync or async (``sleep``/``asleep`` are test seams)."""

    __slots__ = ("_asleep", "_sleep", "endpoint")

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        sleep: Callable[[float], None] | None = None,
        asleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._sleep = sleep or time.sleep
        self._asleep = asleep

    def run_sync(self, flow: CallFlow[T]) -> T:
        """Run ``flow`` with blocking I/O; return its result or raise its error."""
        reply: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            try:
                command = flow.send(reply) if thrown is None else flow.throw(thrown)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            reply, thrown = None, None
            try:
                if isinstance(command, Get):
                    reply, _ = self.endpoint.request_json("GET", command.path, params=command.params)
                elif isinstance(command, Post):
                    reply, _ = self.endpoint.request_json("POST", command.path, command.body)
                else:
                    self._sleep(command.seconds)
            except ChatOpenRouterError as error:
                thrown = error  # thrown into the flow outside this block: no chaining across calls

    async def run(self, flow: CallFlow[T]) -> T:
        """Async twin of :meth:`run_sync`."""
        reply: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            try:
                command = flow.send(reply) if thrown is None else flow.throw(thrown)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            reply, thrown = None, None
            try:
                if isinstance(command, Get):
                    reply, _ = await self.endpoint.arequest_json("GET", command.path, params=command.params)
                elif isinstance(command, Post):
                    reply, _ = await self.endpoint.arequest_json("POST", command.path, command.body)
                else:
                    await self._await_sleep(command.seconds)
            except ChatOpenRouterError as error:
                thrown = error

    async def _await_sleep(self, seconds: float) -> None:
        if self._asleep is not None:
            await self._asleep(seconds)
            return
        import asyncio  # here, not at module level: building the API object stays cheap

        await asyncio.sleep(seconds)


class EndpointGroup:
    """Base of the endpoint groups (models, generations, account, ...) :class:`OpenRouterAPI` is made of.

    A group is a mixin: its public methods are sync/async shells over its flows, run by ``_calls``,
    which :class:`OpenRouterAPI` sets up once for all groups.
    """

    _calls: ApiCalls
