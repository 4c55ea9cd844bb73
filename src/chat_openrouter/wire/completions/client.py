"""Chat Completions client: ``POST {base}/chat/completions``. Thin: the codec does the work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...core.messages import Messages
from ...core.options import ChatOptions, OutputSchema
from ...core.response import ChatResponse
from ...core.tools import ToolLike
from ...transport.base import header
from ...transport.builder import ClientBuilder
from ...transport.wire_client import WireClient
from . import codec

__all__ = ["CompletionsBuilder", "CompletionsClient"]


class CompletionsClient(WireClient):
    """Talks OpenRouter's Chat Completions wire. Same methods and results as ``ResponsesClient``."""

    path = "chat/completions"
    wire = "completions"

    def _encode(
        self,
        messages: Messages,
        *,
        tools: Sequence[ToolLike] | None,
        options: ChatOptions,
        output: OutputSchema | None,
        stream: bool,
    ) -> dict[str, Any]:
        return codec.encode_request(
            messages, model=self.model, tools=tools, options=options, output=output, stream=stream
        )

    def _decode(self, body: Any, headers: Mapping[str, str]) -> ChatResponse:
        return codec.decode_response(body, generation_id=header(headers, "x-generation-id"))

    def _new_state(self) -> codec.CompletionsStreamState:
        return codec.CompletionsStreamState(max_tool_calls=self.endpoint.limits.max_tool_calls)


class CompletionsBuilder(ClientBuilder[CompletionsClient]):
    """Builds a :class:`CompletionsClient`: ``CompletionsBuilder().with_model("openai/gpt-4o").build()``."""

    def build(self) -> CompletionsClient:
        cfg = self._config
        return CompletionsClient(
            self._endpoint(), model=cfg.model, options=cfg.options, server_tools=cfg.server_tools
        )
