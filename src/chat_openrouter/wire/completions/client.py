"""Chat Completions client: ``POST {base}/chat/completions``. Thin: the codec does the work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.options import ChatOptions
from ...core.request import ModelRequest
from ...core.response import ChatResponse
from ...transport.base import header
from ..base import WireClient
from ..common.turns import TurnCache
from . import codec

__all__ = ["CompletionsClient"]


class CompletionsClient(WireClient):
    """Talks OpenRouter's Chat Completions wire. Same methods and results as ``ResponsesClient``."""

    path = "chat/completions"
    wire = "completions"
    _turns: TurnCache

    def _encode(self, request: ModelRequest, *, stream: bool) -> dict[str, Any]:
        # The codec's signature stays the codec's own: the request value is unpacked here.
        return codec.encode_request(
            request.messages,
            model=self.model,
            tools=request.tools,
            options=request.options or ChatOptions(),
            output=request.output,
            stream=stream,
            turns=self._turns,
        )

    def _decode(self, body: Any, headers: Mapping[str, str]) -> ChatResponse:
        return codec.decode_response(
            body, generation_id=header(headers, "x-generation-id"), max_tool_calls=self.endpoint.limits.max_tool_calls
        )

    def _new_state(self) -> codec.CompletionsStreamState:
        return codec.CompletionsStreamState(max_tool_calls=self.endpoint.limits.max_tool_calls)

    def _new_turn_cache(self) -> TurnCache:
        return TurnCache()
