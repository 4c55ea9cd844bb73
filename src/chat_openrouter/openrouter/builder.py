"""``OpenRouterBuilder``: picks one of OpenRouter's two wires and returns that wire's client itself.

::

    client = OpenRouterBuilder().with_model("anthropic/claude-sonnet-4").build()              # ResponsesClient
    client = OpenRouterBuilder().with_completions().with_model("openai/gpt-4o").build()       # CompletionsClient
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..transport.builder import ClientBuilder, ClientConfig
from ..wire.completions.client import CompletionsBuilder, CompletionsClient
from ..wire.responses.client import ResponsesBuilder, ResponsesClient

__all__ = ["OpenRouterBuilder"]


@dataclass(frozen=True)
class OpenRouterConfig(ClientConfig):
    wire: Literal["responses", "completions"] = "responses"


class OpenRouterBuilder(ClientBuilder[Any]):
    """Configure an OpenRouter client. Immutable: each ``with_*`` returns a new builder.

    ``build()`` returns a :class:`ResponsesClient` (OpenRouter's default wire) or, after
    :meth:`with_completions`, a :class:`CompletionsClient` -- no wrapper type in between.
    """

    _config: OpenRouterConfig

    def __init__(self, config: ClientConfig | None = None) -> None:
        if config is not None and not isinstance(config, OpenRouterConfig):
            config = OpenRouterConfig(**{f: getattr(config, f) for f in config.__dataclass_fields__})
        super().__init__(config or OpenRouterConfig())

    def with_completions(self) -> OpenRouterBuilder:
        """Use the Chat Completions wire (``POST /chat/completions``) instead of the Responses API."""
        return self._with(wire="completions")

    def with_responses(self) -> OpenRouterBuilder:
        """Use the Responses API wire (the default)."""
        return self._with(wire="responses")

    def with_app(self, *, url: str | None = None, title: str | None = None, categories: Sequence[str] = ()) -> OpenRouterBuilder:
        """App attribution headers: ``HTTP-Referer``, ``X-OpenRouter-Title``, ``X-OpenRouter-Categories``.

        Nothing is sent by default; only the values you give here are.
        """
        headers: dict[str, str] = {}
        if url:
            headers["HTTP-Referer"] = url
        if title:
            headers["X-OpenRouter-Title"] = title
        if categories:
            headers["X-OpenRouter-Categories"] = ",".join(categories)
        return self.with_headers(headers)

    @property
    def wire(self) -> str:
        return self._config.wire

    def build(self) -> ResponsesClient | CompletionsClient:
        """The wire client: ``ResponsesClient`` by default, ``CompletionsClient`` after ``with_completions()``."""
        base = {f: getattr(self._config, f) for f in ClientConfig.__dataclass_fields__}
        if self._config.wire == "completions":
            return CompletionsBuilder(ClientConfig(**base)).build()
        return ResponsesBuilder(ClientConfig(**base)).build()
