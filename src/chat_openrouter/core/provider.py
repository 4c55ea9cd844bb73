"""The provider seam: what the Chat engine needs from a model client (both wire clients implement it).

The four functions at the bottom call a provider with a :class:`~.request.ModelRequest`: the one place
where the request value is unpacked into the public keyword signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .messages import Messages
    from .options import ChatOptions, OutputSchema
    from .request import ModelRequest
    from .response import ChatResponse
    from .stream import AsyncChatStream, ChatStream
    from .tools import ToolLike

__all__ = ["ChatProvider", "complete", "complete_sync", "stream", "stream_sync"]


@runtime_checkable
class ChatProvider(Protocol):
    """A model client: ``ResponsesClient``, ``CompletionsClient``, or ``testing.ScriptedProvider``."""

    async def complete(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatResponse: ...

    def complete_sync(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatResponse: ...

    def stream(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> AsyncChatStream: ...

    def stream_sync(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | None = None,
    ) -> ChatStream: ...


async def complete(provider: ChatProvider, request: ModelRequest) -> ChatResponse:
    """``await provider.complete(...)`` with the request's conversation, tools, options and output."""
    return await provider.complete(
        request.messages, tools=request.tools, options=request.options, output=request.output
    )


def complete_sync(provider: ChatProvider, request: ModelRequest) -> ChatResponse:
    """Synchronous twin of :func:`complete`."""
    return provider.complete_sync(
        request.messages, tools=request.tools, options=request.options, output=request.output
    )


def stream(provider: ChatProvider, request: ModelRequest) -> AsyncChatStream:
    """``provider.stream(...)`` with the request's conversation, tools, options and output."""
    return provider.stream(request.messages, tools=request.tools, options=request.options, output=request.output)


def stream_sync(provider: ChatProvider, request: ModelRequest) -> ChatStream:
    """Synchronous twin of :func:`stream`."""
    return provider.stream_sync(
        request.messages, tools=request.tools, options=request.options, output=request.output
    )
