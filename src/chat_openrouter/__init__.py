"""chat-openrouter: a typed, fast, honest Python client for OpenRouter.

::

    from chat_openrouter import OpenRouterBuilder, ChatBuilder, messages

    client = OpenRouterBuilder().with_model("anthropic/claude-sonnet-4").build()   # ResponsesClient
    chat = ChatBuilder().with_model(client).build()
    response = chat.complete_sync(messages.from_user("Hello!"))
    print(response.text, response.usage.cost)

Importing this package is cheap: clients, the Chat engine and pydantic-backed tools load on first use.
How the package is laid out, and the path of one request through it: ARCHITECTURE.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from .core import messages
from .core.approval import Pause
from .core.embeddings import Embeddings, EmbeddingsProvider, EmbeddingUsage
from .core.events import (
    AudioChunk,
    Done,
    Paused,
    ReasoningChunk,
    RefusalChunk,
    StreamEvent,
    Structured,
    TextChunk,
    ToolCall,
    ToolCallChunk,
    ToolResult,
)
from .core.messages import Content, Messages
from .core.options import AudioOutput, ChatOptions, ImageConfig, OutputSchema, Reasoning
from .core.parts import (
    AudioPart,
    FilePart,
    Part,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
)
from .core.response import ChatResponse, TokenLogprob, TopLogprob
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
    InsecureTransportWarning,
    InsufficientCreditsError,
    MaxStepsExceededError,
    ModelCapabilityError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    RequestTimeoutError,
    ServerError,
    StreamError,
    StructuredOutputError,
    ToolsetError,
    TransportError,
)
from .transport.base import Timeouts
from .transport.limits import Limits
from .transport.retry import RetryPolicy

if TYPE_CHECKING:
    from .core.chat import Chat, ChatBuilder
    from .core.run import AsyncChatRunStream, ChatRunStream
    from .core.tools import Tool, ToolArgumentsError, tool
    from .openrouter.api import Credits, Generation, KeyInfo, ModelInfo, ModelPricing, OpenRouterAPI
    from .openrouter.builder import OpenRouterBuilder
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
        Trace,
        request_options,
    )
    from .openrouter.wire_builders import CompletionsBuilder, ResponsesBuilder
    from .wire.completions.client import CompletionsClient
    from .wire.responses.client import ResponsesClient

    __version__: str

# Loaded on first access (PEP 562) so `import chat_openrouter` stays cheap.
_LAZY = {
    "Chat": "chat_openrouter.core.chat",
    "ChatBuilder": "chat_openrouter.core.chat",
    "ChatRunStream": "chat_openrouter.core.run",
    "AsyncChatRunStream": "chat_openrouter.core.run",
    "Tool": "chat_openrouter.core.tools",
    "ToolArgumentsError": "chat_openrouter.core.tools",
    "tool": "chat_openrouter.core.tools",
    "OpenRouterBuilder": "chat_openrouter.openrouter.builder",
    "OpenRouterAPI": "chat_openrouter.openrouter.api",
    "Credits": "chat_openrouter.openrouter.api",
    "Generation": "chat_openrouter.openrouter.api",
    "KeyInfo": "chat_openrouter.openrouter.api",
    "ModelInfo": "chat_openrouter.openrouter.api",
    "ModelPricing": "chat_openrouter.openrouter.api",
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
    "Trace": "chat_openrouter.openrouter.routing",
    "request_options": "chat_openrouter.openrouter.routing",
    "CompletionsBuilder": "chat_openrouter.openrouter.wire_builders",
    "CompletionsClient": "chat_openrouter.wire.completions.client",
    "ResponsesBuilder": "chat_openrouter.openrouter.wire_builders",
    "ResponsesClient": "chat_openrouter.wire.responses.client",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # From the package metadata, on first access (importlib.metadata is not cheap to import).
        from ._version import version

        return version()
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
    "AudioChunk",
    "AudioOutput",
    "AudioPart",
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
    "EmbeddingUsage",
    "Embeddings",
    "EmbeddingsProvider",
    "FileParserPlugin",
    "FilePart",
    "Generation",
    "ImageConfig",
    "IncompleteStreamError",
    "InsecureTransportWarning",
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
    "OpenRouterAPI",
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
    "RedirectError",
    "RefusalChunk",
    "RefusalPart",
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
    "TokenLogprob",
    "Tool",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallChunk",
    "ToolPart",
    "ToolResult",
    "ToolSpec",
    "ToolStatus",
    "ToolsetError",
    "TopLogprob",
    "Trace",
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
