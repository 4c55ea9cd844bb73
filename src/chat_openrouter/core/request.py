"""``ModelRequest``: one model call as a value -- the conversation, the tools, the options, the output.

The public methods keep their keyword signatures (``complete(messages, *, tools, options, output)``);
inside, the four travel together as one immutable value: the engine yields it, the shells pass it to a
provider, a wire client resolves its defaults into it and encodes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .messages import Messages
from .options import ChatOptions, OutputSchema
from .tools import ToolLike

__all__ = ["ModelRequest"]


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """What one model call sends, before any wire shapes it.

    ``messages``: the conversation (never modified by the call). ``tools``: declarations the model may
    call (:class:`~chat_openrouter.ToolSpec` or raw server-tool dicts), None for none. ``options``: the
    per-call options, merged over the client's defaults by the client. ``output``: the JSON schema the
    answer must match, None for free text.
    """

    messages: Messages
    tools: Sequence[ToolLike] | None = None
    options: ChatOptions | None = None
    output: OutputSchema | None = None
