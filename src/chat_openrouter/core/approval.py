"""Human approval of tool calls: the strategies, the per-call policy, and the pause a run stops at.

Every approval type lives here: :data:`ApprovalStrategy` (what a tool declares: run, ask, refuse),
:data:`ApprovalPolicy` (``ChatBuilder.with_approval``: decide per call) and :class:`Pause` (the run
stopped for a person).

A tool declared with ``@tool(approval="require")`` (or a ``with_approval`` policy) does not run when the
model calls it. The Chat run stops instead and returns a response whose ``.pause`` lists the waiting
calls; nothing is raised. Decide each call by id, then resume::

    response = chat.complete_sync(msgs)
    while response.pause:
        for call in response.pause.pending:
            if ask_user(call.name, call.arguments):
                response.pause.approve(call.id)                         # or approve(id, arguments={...})
            else:
                response.pause.reject(call.id, "not today")
        response = chat.resume_sync(response.pause)

A rejected call is reported to the model as an error result ``"rejected by user: <reason>"`` so it can
choose another way. Approving with edited ``arguments`` replaces the call's arguments in the conversation
too, so the model sees the call that actually ran next to its result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .. import _json
from .messages import Messages
from .parts import ToolPart, ToolStatus
from .usage import Usage

__all__ = ["APPROVAL_STRATEGIES", "ApprovalPolicy", "ApprovalStrategy", "Pause"]

#: What happens when the model calls a tool: run it, pause for a person to approve, or refuse it.
ApprovalStrategy = Literal["execute", "require", "reject"]
APPROVAL_STRATEGIES: tuple[ApprovalStrategy, ...] = ("execute", "require", "reject")

#: Decides per call, overriding the tool's own strategy; return None to keep the tool's strategy.
ApprovalPolicy = Callable[[ToolPart], ApprovalStrategy | None]


@dataclass(slots=True)
class Pause:
    """The Chat engine stopped because some tool calls need approval.

    ``pending`` are the tool calls waiting (status ``pending`` until decided); ``messages`` is the
    conversation to resume from (its last model turn holds these calls). ``steps`` and ``usage`` carry the
    run so far, so the response after ``resume`` aggregates the whole run. Approve or reject by call id,
    then call ``chat.resume(pause)``.
    """

    pending: list[ToolPart] = field(default_factory=list)
    messages: Messages = field(default_factory=Messages)
    #: The run's :class:`~chat_openrouter.ChatResponse` so far, one per model call. Typed loosely because
    #: a response refers to its pause (``response.pause``): naming the response type here would make the
    #: two modules import each other (ARCHITECTURE.md, "No cycles").
    steps: list[Any] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    #: Structured-output retries already spent in this run (the budget continues after resume).
    output_retries_used: int = 0

    def call(self, call_id: str) -> ToolPart:
        """The pending tool call with this id (``KeyError`` naming the known ids otherwise)."""
        for part in self.pending:
            if part.id == call_id:
                return part
        known = ", ".join(repr(p.id) for p in self.pending) or "none"
        raise KeyError(f"no pending tool call with id {call_id!r} (pending: {known})")

    def approve(self, call_id: str, *, arguments: dict[str, object] | None = None) -> Pause:
        """Let this call run, optionally with edited ``arguments`` (they replace the model's). Chainable."""
        part = self.call(call_id)
        if arguments is not None:
            part.arguments = dict(arguments)
            part.raw_arguments = _json.dumps_text(part.arguments)
        part.status = ToolStatus.APPROVED
        part.error = None
        return self

    def reject(self, call_id: str, reason: str | None = None) -> Pause:
        """Refuse this call; the model receives ``"rejected by user"`` and the reason. Chainable."""
        part = self.call(call_id)
        part.status = ToolStatus.REJECTED
        part.error = f"rejected by user: {reason}" if reason else "rejected by user"
        return self

    def approve_all(self) -> Pause:
        """Approve every call still undecided."""
        for part in self.undecided:
            self.approve(part.id)
        return self

    def reject_all(self, reason: str | None = None) -> Pause:
        """Reject every call still undecided."""
        for part in self.undecided:
            self.reject(part.id, reason)
        return self

    @property
    def undecided(self) -> list[ToolPart]:
        """Calls neither approved nor rejected yet (``resume`` refuses to continue while any remain)."""
        return [p for p in self.pending if p.status is ToolStatus.PENDING]

    @property
    def decided(self) -> bool:
        """True once every pending call was approved or rejected: the pause can be resumed."""
        return not self.undecided
