"""The result of a model call (or of a whole Chat run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .messages import Content, Messages
from .parts import RefusalPart, Role, TextPart, ToolPart
from .usage import Usage

if TYPE_CHECKING:
    from .approval import Pause

__all__ = ["FINISH_REASONS", "ChatResponse", "TokenLogprob", "TopLogprob", "normalise_finish_reason"]

#: The normalised finish reasons; anything else is kept as the raw string. ``refusal``: the model declined
#: (its message is :attr:`ChatResponse.refusal`); the wire's own value stays in ``native_finish_reason``.
FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter", "error", "refusal"})

_ALIASES = {
    # Responses API / provider-native spellings mapped onto the normalised set.
    "completed": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "STOP": "stop",
    "max_tokens": "length",
    "max_output_tokens": "length",
    "MAX_TOKENS": "length",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
    "SAFETY": "content_filter",
}


@dataclass(frozen=True, slots=True)
class TopLogprob:
    """One alternative the model considered for a token position: the token, its log probability and its
    UTF-8 ``bytes`` (None when the server did not send them)."""

    token: str
    logprob: float
    bytes: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """The log probability of one generated token, with the ``top_logprobs`` alternatives when asked for
    (``ChatOptions(logprobs=True, top_logprobs=5)``). Same shape on both wires: Chat Completions
    ``choices[].logprobs.content[]`` and Responses ``output_text.logprobs[]``.

    >>> import math
    >>> lp = TokenLogprob(" Paris", -0.01, (32, 80, 97, 114, 105, 115))
    >>> round(math.exp(lp.logprob), 2)
    0.99
    """

    token: str
    logprob: float
    bytes: tuple[int, ...] | None = None
    top_logprobs: tuple[TopLogprob, ...] = ()


def normalise_finish_reason(raw: str | None) -> str | None:
    """Map a wire's finish reason onto ``stop``/``length``/``tool_calls``/``content_filter``/``error``.

    Unknown values are returned unchanged, never an error (new providers invent new reasons).
    """
    if raw is None or raw in FINISH_REASONS:
        return raw
    return _ALIASES.get(raw, raw)


@dataclass(slots=True)
class ChatResponse:
    """One model turn and everything known about how it was produced.

    ``content`` is the model's turn (push it onto your :class:`~chat_openrouter.Messages` to continue);
    ``text``/``reasoning`` are convenience strings (empty when absent); ``model`` is the model the server
    reports, which may differ from the one requested (fallbacks, permaslugs).
    The Chat engine also fills ``steps`` (one response per model call), ``output`` (the validated
    structured value), ``pause`` (tool calls waiting for approval) and ``messages`` (the whole
    conversation after the run: your input plus every model turn and tool result -- continue from it).

    What the server reports about how it answered is kept on every path, streamed or not:
    ``system_fingerprint`` and ``service_tier`` (None when not sent), ``logprobs`` (the answer's tokens
    when asked for with ``ChatOptions(logprobs=True)``, else empty) and ``raw``: the response body, or for a
    stream the terminal response object (Responses) or the chunks merged into one ``chat.completion``
    (Chat Completions). A refusal is its own part: :attr:`refusal` reads it and ``finish_reason`` says
    ``"refusal"``; :attr:`text` never includes it.
    """

    content: Content = field(default_factory=lambda: Content(Role.MODEL))
    id: str | None = None
    model: str | None = None
    provider: str | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    created: int | None = None
    raw: dict[str, Any] | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    logprobs: list[TokenLogprob] = field(default_factory=list)
    steps: list[ChatResponse] = field(default_factory=list)
    output: Any = None
    pause: Pause | None = None
    messages: Messages | None = None

    @property
    def text(self) -> str:
        """The answer's text (every text part joined; "" when the model only called tools)."""
        return self.content.text

    @property
    def reasoning(self) -> str:
        """The readable reasoning ("" when the provider sent none, or only encrypted reasoning)."""
        return self.content.reasoning

    @property
    def refusal(self) -> str | None:
        """The model's refusal message when it declined to answer, else None (see :class:`RefusalPart`)."""
        texts = [p.text for p in self.content.parts if isinstance(p, RefusalPart)]
        return "".join(texts) if texts else None

    @property
    def tool_calls(self) -> list[ToolPart]:
        """The tool calls the model made in this turn."""
        return self.content.tool_calls

    @property
    def annotations(self) -> list[dict[str, Any]]:
        """Citations and file annotations from every text part, verbatim."""
        return [a for p in self.content.parts if isinstance(p, TextPart) for a in p.annotations]

    @property
    def generation_id(self) -> str | None:
        """OpenRouter's ``gen-...`` id (the response id on both wires): use it with ``get_generation``."""
        return self.id

    @property
    def is_paused(self) -> bool:
        """True when the run stopped for tool calls awaiting approval (see :attr:`pause`)."""
        return self.pause is not None
