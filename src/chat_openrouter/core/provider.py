"""The provider seam: what the Chat engine needs from a model client (both wire clients implement it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .messages import Messages
    from .options import ChatOptions, OutputSchema
    from .response import ChatResponse
    from .stream import AsyncChatStream, ChatStream
    from .tools import ToolLike

__all__ = ["ChatProvider"]


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
