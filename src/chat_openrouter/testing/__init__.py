"""What you need to test your own code offline (free of pytest).

* :class:`ScriptedProvider` (with :func:`reply` and :func:`call`): a fake model answering from a script,
  recording every request -- hand it to ``ChatBuilder().with_model(...)``.
"""

from __future__ import annotations

from .scripted import (
    ScriptedProvider,
    ScriptedReply,
    ScriptedRequest,
    ScriptedToolCall,
    ScriptExhaustedError,
    call,
    reply,
)

__all__ = [
    "ScriptExhaustedError",
    "ScriptedProvider",
    "ScriptedReply",
    "ScriptedRequest",
    "ScriptedToolCall",
    "call",
    "reply",
]
