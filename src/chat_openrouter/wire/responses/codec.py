"""The Responses API codec: core objects <-> ``/responses`` JSON. Pure: no I/O, no clocks.

The entry points :class:`~chat_openrouter.wire.responses.client.ResponsesClient` uses, gathered from the
three modules that implement them (mirrored file for file by ``wire/completions``):

* :mod:`.encode` -- :func:`encode_request` turns a conversation, tools and options into the request body;
* :mod:`.decode` -- :func:`decode_response` turns a non-streaming body into a
  :class:`~chat_openrouter.ChatResponse`;
* :mod:`.stream` -- :class:`ResponsesStreamState` folds stream events (one SSE ``data`` payload at a time)
  into stream events and, at the end, the same :class:`~chat_openrouter.ChatResponse`.
"""

from __future__ import annotations

from .decode import decode_response, decode_usage
from .encode import ENCRYPTED_REASONING, encode_input, encode_request, encode_tool
from .stream import ResponsesStreamState

__all__ = [
    "ENCRYPTED_REASONING",
    "ResponsesStreamState",
    "decode_response",
    "decode_usage",
    "encode_input",
    "encode_request",
    "encode_tool",
]
