"""The Chat Completions codec: core objects <-> ``/chat/completions`` JSON. Pure: no I/O, no clocks.

The entry points :class:`~chat_openrouter.wire.completions.client.CompletionsClient` uses, gathered from
the three modules that implement them (mirrored file for file by ``wire/responses``):

* :mod:`.encode` -- :func:`encode_request` turns a conversation, tools and options into the request body;
* :mod:`.decode` -- :func:`decode_response` turns a non-streaming body into a
  :class:`~chat_openrouter.ChatResponse`;
* :mod:`.stream` -- :class:`CompletionsStreamState` folds streamed chunks (one SSE ``data`` payload at a
  time) into stream events and, at the end, the same :class:`~chat_openrouter.ChatResponse`.
"""

from __future__ import annotations

from .decode import decode_response, decode_usage
from .encode import encode_messages, encode_request, encode_tool
from .stream import CompletionsStreamState

__all__ = [
    "CompletionsStreamState",
    "decode_response",
    "decode_usage",
    "encode_messages",
    "encode_request",
    "encode_tool",
]
