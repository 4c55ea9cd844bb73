"""The I/O shell both wire clients share: encode with the codec, send through the :class:`Endpoint`,
decode with the codec. A wire's ``client.py`` only names its path and its codec functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar

from ..core.messages import Messages
from ..core.options import ChatOptions, OutputSchema
from ..core.response import ChatResponse
from ..core.stream import AsyncChatStream, ChatStream, StreamState
from ..core.tools import ToolLike
from .endpoint import Endpoint
from .retry import RetryPolicy

__all__ = ["WireClient"]


class WireClient:
    """Base of ``ResponsesClient`` and ``CompletionsClient``: same methods, same results on both wires.

    A built client is immutable and safe to share across threads and tasks. Close it (or use it as a
    context manager) to release pooled connections.
    """

    #: The endpoint path, relative to the base URL.
    path: ClassVar[str]
    #: Short wire name used in reprs and logs.
    wire: ClassVar[str]

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
        return body, opts, None

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
        data, headers = await self._endpoint.arequest_json(
            "POST", self.path, body, extra_headers=opts.extra_headers or None, retry=retry
        )
        return self._decode(data, headers)

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
        data, headers = self._endpoint.request_json(
            "POST", self.path, body, extra_headers=opts.extra_headers or None, retry=retry
        )
        return self._decode(data, headers)

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
        return AsyncChatStream(self._new_state(), lambda: endpoint.astream(path, body, extra_headers=headers, retry=retry))

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
        endpoint, path, headers = self._endpoint, self.path, opts.extra_headers or None
        return ChatStream(self._new_state(), lambda: endpoint.stream(path, body, extra_headers=headers, retry=retry))

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        self._endpoint.transport.close()

    async def aclose(self) -> None:
        await self._endpoint.transport.aclose()

    def __enter__(self) -> WireClient:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    async def __aenter__(self) -> WireClient:
        return self

    async def __aexit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

