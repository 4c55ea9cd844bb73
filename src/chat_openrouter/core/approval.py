"""Human-in-the-loop pauses: tool calls waiting for a person to approve or reject them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .messages import Messages
from .parts import ToolPart

__all__ = ["Pause"]


@dataclass(slots=True)
class Pause:
    """The Chat engine stopped because some tool calls need approval.

    ``pending`` are the tool calls waiting (status ``pending``); ``messages`` is the conversation to
    resume from. Approve or reject by call id, then call ``chat.resume(pause)``.
    """

    pending: list[ToolPart] = field(default_factory=list)
    messages: Messages = field(default_factory=Messages)
