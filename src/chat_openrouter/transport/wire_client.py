"""The I/O shell both wire clients share: encode with the codec, send through the :class:`Endpoint`,
decode with the codec. A wire's ``client.py`` only names its path and its codec functions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..core.messages import Messages
from ..core.options import ChatOptions, OutputSchema, Timeouts
from ..core.response import ChatResponse
from ..core.stream import AsyncChatStream, AsyncSource, ChatStream, StreamState
from ..core.tools import ToolLike
from .base import header
from .endpoint import Endpoint
from .retry import RetryPolicy

if TYPE_CHECKING:  # OpenRouter-only types, implemented in chat_openrouter.openrouter (imported lazily below)
    from ..openrouter.account import Credits, Generation, KeyInfo, OpenRouterAPI
    from ..openrouter.catalog import ModelInfo

__all__ = ["RequestCheck", "WireClient"]


class RequestCheck(Protocol):
    """A pre-flight check run on every encoded request body before it is sent; raise to refuse it.

    Sync and async twins: ``check`` runs for ``complete_sync``/``stream_sync``, ``acheck`` for
    ``complete``/``stream`` (so a check that needs I/O never blocks the event loop).
    """

    def check(self, client: WireClient, body: Mapping[str, Any]) -> None: ...
    async def acheck(self, client: WireClient, body: Mapping[str, Any]) -> None: ...


class WireClient:
    """Base of ``ResponsesClient`` and ``CompletionsClient``: same methods, same results on both wires.

    A built client is immutable and safe to share across threads and tasks. Close it (or use it as a
    context manager) to release pooled connections.
    """

    #: The endpoint path, relative to the base URL.
    path: ClassVar[str]
    #: Short wire name used in reprs and logs.
    wire: ClassVar[str]
    #: Optional pre-flight check (``OpenRouterBuilder.with_capability_check()`` installs one).
    preflight: RequestCheck | None = None
    _openrouter: OpenRouterAPI | None = None

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        model: str | None,
        options: ChatOptions | None = None,
        server_tools: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self._endpoint = endpoint
        self.model = model
        self.options = options or ChatOptions()
        self.server_tools: tuple[dict[str, Any], ...] = tuple(dict(t) for t in server_tools)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={self._endpoint.base_url!r})"

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    @property
    def base_url(self) -> str:
        return self._endpoint.base_url

    def with_options(self, options: ChatOptions) -> WireClient:
        """A copy of this client whose default options are merged with ``options``."""
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        clone.options = self.options.merged(options)
        return clone

    # -- codec hooks (implemented by each wire) --------------------------------------------------------
    def _encode(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None,
        options: ChatOptions,
        output: OutputSchema | None,
        stream: bool,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _decode(self, body: Any, headers: Mapping[str, str]) -> ChatResponse:
        raise NotImplementedError

    def _decode_response(self, body: Any, headers: Mapping[str, str]) -> ChatResponse:
        response = self._decode(body, headers)
        if response.provider is None:
            # Responses API bodies carry no `provider` field; OpenRouter exposes the upstream in the
            # `X-Provider-Name` response header on every inference endpoint (reference §1.2).
            response.provider = header(headers, "x-provider-name")
        return response

    def _new_state(self) -> StreamState:
        raise NotImplementedError

    # -- shared plumbing -------------------------------------------------------------------------------
    def _prepare(
        self,
        messages: Messages,
        tools: Sequence[ToolLike] | None,
        options: ChatOptions | None,
        output: OutputSchema | None,
        stream: bool,
    ) -> tuple[dict[str, Any], ChatOptions, RetryPolicy | None]:
        opts = self.options.merged(options)
        all_tools: list[ToolLike] = [*self.server_tools, *(tools or ())]
        body = self._encode(messages, tools=all_tools or None, options=opts, output=output, stream=stream)
        retry = None if opts.retries is None else replace(self._endpoint.retry, max_retries=opts.retries)
        return body, opts, retry

    def _timeouts(self, opts: ChatOptions) -> Timeouts | None:
        """Per-call timeouts: ``options.timeouts`` replaces the builder's, ``options.timeout`` its total."""
        if opts.timeouts is None and opts.timeout is None:
            return None
        timeouts = opts.timeouts or self._endpoint.timeouts
        return timeouts if opts.timeout is None else replace(timeouts, total=opts.timeout)

    async def complete(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatResponse:
        """Send the conversation and return the model's answer."""
        body, opts, retry = self._prepare(messages, tools, options, output, stream=False)
        if self.preflight is not None:
            await self.preflight.acheck(self, body)
        # Decoding runs inside the retry loop: an error object in a 200 body is retried like its status.
        return await self._endpoint.arequest_decoded(
            "POST",
            self.path,
            body,
            decode=self._decode_response,
            extra_headers=opts.extra_headers or None,
            retry=retry,
            timeouts=self._timeouts(opts),
        )

    def complete_sync(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatResponse:
        """Synchronous twin of :meth:`complete` (real sync I/O: safe inside a running event loop)."""
        body, opts, retry = self._prepare(messages, tools, options, output, stream=False)
        if self.preflight is not None:
            self.preflight.check(self, body)
        return self._endpoint.request_decoded(
            "POST",
            self.path,
            body,
            decode=self._decode_response,
            extra_headers=opts.extra_headers or None,
            retry=retry,
            timeouts=self._timeouts(opts),
        )

    def stream(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> AsyncChatStream:
        """Stream the answer: ``async for event in client.stream(msgs)``. Ends with one ``Done``."""
        body, opts, retry = self._prepare(messages, tools, options, output, stream=True)
        endpoint, path, headers = self._endpoint, self.path, opts.extra_headers or None
        timeouts = self._timeouts(opts)
        if self.preflight is not None:
            source = self._checked_source(body, headers, retry, timeouts)
            return AsyncChatStream(self._new_state(), source, new_state=self._new_state)
        return AsyncChatStream(
            self._new_state(),
            lambda: endpoint.astream(path, body, extra_headers=headers, retry=retry, timeouts=timeouts),
            new_state=self._new_state,
        )

    def stream_sync(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatStream:
        """Synchronous twin of :meth:`stream`: ``for event in client.stream_sync(msgs)``."""
        body, opts, retry = self._prepare(messages, tools, options, output, stream=True)
        if self.preflight is not None:
            self.preflight.check(self, body)
        endpoint, path, headers = self._endpoint, self.path, opts.extra_headers or None
        timeouts = self._timeouts(opts)
        return ChatStream(
            self._new_state(),
            lambda: endpoint.stream(path, body, extra_headers=headers, retry=retry, timeouts=timeouts),
            new_state=self._new_state,
        )

    def _checked_source(
        self,
        body: dict[str, Any],
        headers: Mapping[str, str] | None,
        retry: RetryPolicy | None,
        timeouts: Timeouts | None = None,
    ) -> AsyncSource:
        # `stream()` is not a coroutine, so its async pre-flight runs when the stream is opened.
        @asynccontextmanager
        async def source() -> AsyncIterator[AsyncIterator[str]]:
            if self.preflight is not None:
                await self.preflight.acheck(self, body)
            async with self._endpoint.astream(
                self.path, body, extra_headers=headers, retry=retry, timeouts=timeouts
            ) as payloads:
                yield payloads

        return source

    # -- OpenRouter catalogue and account ---------------------------------------------------------------
    # Implemented in chat_openrouter.openrouter.account and imported on first use: the wires stay free of
    # OpenRouter's account vocabulary, yet `client.get_generation(id)` works on every built client.
    @property
    def openrouter(self) -> OpenRouterAPI:
        """OpenRouter's models / generation / key / credits endpoints, sharing this client's connection."""
        if self._openrouter is None:
            from ..openrouter.account import OpenRouterAPI

            self._openrouter = OpenRouterAPI(self._endpoint)
        return self._openrouter

    async def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Every model OpenRouter lists, typed (``GET /models``, cached with a TTL)."""
        return await self.openrouter.list_models(refresh=refresh)

    def list_models_sync(self, *, refresh: bool = False) -> list[ModelInfo]:
        return self.openrouter.list_models_sync(refresh=refresh)

    async def get_model(self, model_id: str) -> ModelInfo | None:
        """One model from the cached catalogue, or None when OpenRouter does not list it."""
        return await self.openrouter.get_model(model_id)

    def get_model_sync(self, model_id: str) -> ModelInfo | None:
        return self.openrouter.get_model_sync(model_id)

    async def get_generation(self, generation_id: str, *, wait: float = 15.0) -> Generation:
        """OpenRouter's record of a generation (cost, tokens, provider); retries its early 404s politely."""
        return await self.openrouter.get_generation(generation_id, wait=wait)

    def get_generation_sync(self, generation_id: str, *, wait: float = 15.0) -> Generation:
        return self.openrouter.get_generation_sync(generation_id, wait=wait)

    async def get_key(self) -> KeyInfo:
        """Limits and usage of the calling API key (``GET /key``)."""
        return await self.openrouter.get_key()

    def get_key_sync(self) -> KeyInfo:
        return self.openrouter.get_key_sync()

    async def get_credits(self) -> Credits:
        """Credits bought and used (``GET /credits``; needs a management key)."""
        return await self.openrouter.get_credits()

    def get_credits_sync(self) -> Credits:
        return self.openrouter.get_credits_sync()

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        self._endpoint.transport.close()

    async def aclose(self) -> None:
        await self._endpoint.transport.aclose()

    def __enter__(self) -> WireClient:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> WireClient:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
