"""OpenRouterBuilder().build() is precise. A trailing R-comment names what mypy must reveal on that line,
an E-comment the error code it must report (tests/typing/test_typing.py)."""

from typing import reveal_type

from chat_openrouter import ChatOptions, OpenRouterBuilder, messages
from chat_openrouter.wire.base import WireClient

reveal_type(OpenRouterBuilder().build())  # R: chat_openrouter.wire.responses.client.ResponsesClient
reveal_type(OpenRouterBuilder().with_model("m").with_completions().with_api_key("k").build())  # R: chat_openrouter.wire.completions.client.CompletionsClient
reveal_type(OpenRouterBuilder().with_completions().with_responses().build())  # R: chat_openrouter.wire.responses.client.ResponsesClient

# A variable that may hold either wire is a builder of WireClient (the parameter is covariant).
either: OpenRouterBuilder[WireClient] = OpenRouterBuilder()
either = either.with_completions()

client = OpenRouterBuilder().with_model("m").build()
# Every shape of conversation the clients accept, and what they refuse.
reveal_type(client.complete_sync("Hi"))  # R: chat_openrouter.core.response.ChatResponse[None]
client.complete_sync(messages.from_user("Hi"))
client.complete_sync([{"role": "user", "content": "Hi"}])
client.complete_sync(42)  # E: arg-type
reveal_type(client.complete_sync("Hi").messages)  # R: chat_openrouter.core.messages.Messages
client.complete_sync("Hi", options=ChatOptions(temperature=0.2))
