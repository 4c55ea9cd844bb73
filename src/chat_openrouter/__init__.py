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
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    StreamError,
    StructuredOutputError,
    TransportError,
)
from .transport.base import Timeouts
from .transport.endpoint import Limits
from .transport.retry import RetryPolicy

if TYPE_CHECKING:
    from .openrouter.builder import OpenRouterBuilder
    from .wire.completions.client import CompletionsBuilder, CompletionsClient
    from .wire.responses.client import ResponsesBuilder, ResponsesClient

__version__ = "0.1.0"

# Loaded on first access (PEP 562) so `import chat_openrouter` stays cheap.
_LAZY = {
    "OpenRouterBuilder": "chat_openrouter.openrouter.builder",
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
    "AsyncChatStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatError",
    "ChatOpenRouterError",
    "ChatOptions",
    "ChatResponse",
    "ChatStream",
    "CompletionsBuilder",
    "CompletionsClient",
    "ConfigurationError",
    "Content",
    "DecodeError",
    "Done",
    "FilePart",
    "IncompleteStreamError",
    "InsufficientCreditsError",
    "Limits",
    "MaxStepsExceededError",
    "Messages",
    "NotFoundError",
    "OpenRouterBuilder",
    "OutputSchema",
    "Part",
    "Pause",
    "Paused",
    "PermissionDeniedError",
    "RateLimitError",
    "Reasoning",
    "ReasoningChunk",
    "ReasoningPart",
    "RequestTimeoutError",
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
    "ToolCall",
    "ToolCallChunk",
    "ToolPart",
    "ToolResult",
    "ToolSpec",
    "ToolStatus",
    "TransportError",
    "Usage",
    "errors",
    "messages",
]
