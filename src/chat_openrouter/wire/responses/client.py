"""Responses API client: ``POST {base}/responses``. Thin: the codec does the work.

Stateless: every request carries the whole conversation (reference §6).
"""

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

__all__ = ["ResponsesBuilder", "ResponsesClient"]


class ResponsesClient(WireClient):
    """Talks OpenRouter's Responses API wire. Same methods and results as ``CompletionsClient``."""

    path = "responses"
    wire = "responses"

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

    def _new_state(self) -> codec.ResponsesStreamState:
        return codec.ResponsesStreamState(max_output_items=self.endpoint.limits.max_output_items)


class ResponsesBuilder(ClientBuilder[ResponsesClient]):
    """Builds a :class:`ResponsesClient`:
    ``ResponsesBuilder().with_model("anthropic/claude-sonnet-4").build()``."""

    def build(self) -> ResponsesClient:
        cfg = self._config
        return ResponsesClient(
            self._endpoint(), model=cfg.model, options=cfg.options, server_tools=cfg.server_tools
        )
