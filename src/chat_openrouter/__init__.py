"""chat-openrouter: a typed, fast, honest Python client for OpenRouter.

::

    from chat_openrouter import OpenRouterBuilder, ChatBuilder, messages

    client = OpenRouterBuilder().with_model("anthropic/claude-sonnet-4").build()   # ResponsesClient
    chat = ChatBuilder().with_model(client).build()
    response = chat.complete_sync(messages.from_user("Hello!"))
    print(response.text, response.usage.cost)

Importing this package is cheap: clients, the Chat engine and pydantic-backed tools load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from .core import messages
from .core.approval import Pause
from .core.events import (
    Done,
    Paused,
    ReasoningChunk,
    StreamEvent,
    Structured,
    TextChunk,
    ToolCall,
    ToolCallChunk,
    ToolResult,
)
from .core.messages import Content, Messages
from .core.options import ChatOptions, OutputSchema, Reasoning
from .core.parts import FilePart, Part, ReasoningPart, Role, StructuredPart, TextPart, ToolPart, ToolStatus
from .core.response import ChatResponse
from .core.stream import AsyncChatStream, ChatStream
from .core.tools import ToolSpec
from .core.usage import Usage
from .errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ChatError,
    ChatOpenRouterError,
    ConfigurationError,
    DecodeError,
    IncompleteStreamError,
    InsufficientCreditsError,
    MaxStepsExceededError,
    ModelCapabilityError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    StreamError,
    StructuredOutputError,
    ToolsetError,
    TransportError,
)
from .transport.base import Timeouts
from .transport.endpoint import Limits
from .transport.retry import RetryPolicy

if TYPE_CHECKING:
    from .core.chat import AsyncChatRunStream, Chat, ChatBuilder, ChatRunStream
    from .core.tool import Tool, ToolArgumentsError, tool
    from .openrouter.account import Credits, Generation, KeyInfo
    from .openrouter.builder import OpenRouterBuilder
    from .openrouter.catalog import ModelInfo, ModelPricing
    from .openrouter.plugins import (
        ContextCompressionPlugin,
        FileParserPlugin,
        ResponseHealingPlugin,
        UrlCitation,
        WebPlugin,
        WebSearch,
        citations,
    )
    from .openrouter.routing import (
        CacheControl,
        MaxPrice,
        OpenRouterOptions,
        ProviderPreferences,
        request_options,
    )
    from .wire.completions.client import CompletionsBuilder, CompletionsClient
    from .wire.responses.client import ResponsesBuilder, ResponsesClient

__version__ = "0.1.0"

# Loaded on first access (PEP 562) so `import chat_openrouter` stays cheap.
_LAZY = {
    "Chat": "chat_openrouter.core.chat",
    "ChatBuilder": "chat_openrouter.core.chat",
    "ChatRunStream": "chat_openrouter.core.chat",
    "AsyncChatRunStream": "chat_openrouter.core.chat",
    "Tool": "chat_openrouter.core.tool",
    "ToolArgumentsError": "chat_openrouter.core.tool",
    "tool": "chat_openrouter.core.tool",
    "OpenRouterBuilder": "chat_openrouter.openrouter.builder",
    "Credits": "chat_openrouter.openrouter.account",
    "Generation": "chat_openrouter.openrouter.account",
    "KeyInfo": "chat_openrouter.openrouter.account",
    "ModelInfo": "chat_openrouter.openrouter.catalog",
    "ModelPricing": "chat_openrouter.openrouter.catalog",
    "ContextCompressionPlugin": "chat_openrouter.openrouter.plugins",
    "FileParserPlugin": "chat_openrouter.openrouter.plugins",
    "ResponseHealingPlugin": "chat_openrouter.openrouter.plugins",
    "UrlCitation": "chat_openrouter.openrouter.plugins",
    "WebPlugin": "chat_openrouter.openrouter.plugins",
    "WebSearch": "chat_openrouter.openrouter.plugins",
    "citations": "chat_openrouter.openrouter.plugins",
    "CacheControl": "chat_openrouter.openrouter.routing",
    "MaxPrice": "chat_openrouter.openrouter.routing",
    "OpenRouterOptions": "chat_openrouter.openrouter.routing",
    "ProviderPreferences": "chat_openrouter.openrouter.routing",
    "request_options": "chat_openrouter.openrouter.routing",
    "CompletionsBuilder": "chat_openrouter.wire.completions.client",
    "CompletionsClient": "chat_openrouter.wire.completions.client",
    "ResponsesBuilder": "chat_openrouter.wire.responses.client",
    "ResponsesClient": "chat_openrouter.wire.responses.client",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chat_openrouter' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "APIError",
    "APIStatusError",
    "AsyncChatRunStream",
    "AsyncChatStream",
    "AuthenticationError",
    "BadRequestError",
    "CacheControl",
    "Chat",
    "ChatBuilder",
    "ChatError",
    "ChatOpenRouterError",
    "ChatOptions",
    "ChatResponse",
    "ChatRunStream",
    "ChatStream",
    "CompletionsBuilder",
    "CompletionsClient",
    "ConfigurationError",
    "Content",
    "ContextCompressionPlugin",
    "Credits",
    "DecodeError",
    "Done",
    "FileParserPlugin",
    "FilePart",
    "Generation",
    "IncompleteStreamError",
    "InsufficientCreditsError",
    "KeyInfo",
    "Limits",
    "MaxPrice",
    "MaxStepsExceededError",
    "Messages",
    "ModelCapabilityError",
    "ModelInfo",
    "ModelPricing",
    "NotFoundError",
    "OpenRouterBuilder",
    "OpenRouterOptions",
    "OutputSchema",
    "Part",
    "Pause",
    "Paused",
    "PermissionDeniedError",
    "ProviderPreferences",
    "RateLimitError",
    "Reasoning",
    "ReasoningChunk",
    "ReasoningPart",
    "RequestTimeoutError",
    "ResponseHealingPlugin",
    "ResponsesBuilder",
    "ResponsesClient",
    "RetryPolicy",
    "Role",
    "ServerError",
    "StreamError",
    "StreamEvent",
    "Structured",
    "StructuredOutputError",
    "StructuredPart",
    "TextChunk",
    "TextPart",
    "Timeouts",
    "Tool",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallChunk",
    "ToolPart",
    "ToolResult",
    "ToolSpec",
    "ToolStatus",
    "ToolsetError",
    "TransportError",
    "UrlCitation",
    "Usage",
    "WebPlugin",
    "WebSearch",
    "citations",
    "errors",
    "messages",
    "request_options",
    "tool",
]
