"""Responses API client: ``POST {base}/responses``. Thin: the codec does the work.

Stateless: every request carries the whole conversation (reference §6).
"""

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

__all__ = ["ResponsesClient"]


class ResponsesClient(WireClient):
    """Talks OpenRouter's Responses API wire. Same methods and results as ``CompletionsClient``."""

    path = "responses"
    wire = "responses"
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
            body, generation_id=header(headers, "x-generation-id"), max_output_items=self.endpoint.limits.max_output_items
        )

    def _new_state(self) -> codec.ResponsesStreamState:
        return codec.ResponsesStreamState(max_output_items=self.endpoint.limits.max_output_items)

    def _new_turn_cache(self) -> TurnCache:
        return TurnCache()
