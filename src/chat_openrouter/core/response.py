"""The result of a model call (or of a whole Chat run)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, overload

from ..errors import DecodeError
from . import serialization
from .messages import Content, Messages
from .parts import AudioPart, RefusalPart, Role, TextPart, ToolPart
from .usage import Usage

if TYPE_CHECKING:
    # PEP 696 (a TypeVar default) for type checkers only: a bare `ChatResponse` is a `ChatResponse[None]`
    # -- one model call, no structured output -- and `Chat[Person]` runs answer `ChatResponse[Person]`.
    # At run time a plain TypeVar: Python 3.11's typing has no defaults, typing_extensions is no dependency.
    from typing_extensions import TypeVar

    from .approval import Pause

    OutputT = TypeVar("OutputT", default=None)
    T = TypeVar("T")
else:
    from typing import TypeVar

    OutputT = TypeVar("OutputT")
    T = TypeVar("T")

__all__ = [
    "FINISH_REASONS",
    "ChatResponse",
    "OutputT",
    "TokenLogprob",
    "TopLogprob",
    "normalise_finish_reason",
]

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
class ChatResponse(Generic[OutputT]):
    """One model turn and everything known about how it was produced.

    ``content`` is the model's turn; ``messages`` is the whole conversation after the call -- what was
    sent, then this turn (after a Chat run: your input plus every model turn, tool result and retry
    prompt) -- so ``response.messages.user("And then?")`` continues it; your own ``Messages`` is never
    modified. ``text``/``reasoning`` are convenience strings (empty when absent); ``model`` is the model
    the server reports, which may differ from the one requested (fallbacks, permaslugs).
    The Chat engine also fills ``steps`` (one response per model call, each with ``messages`` as they
    were after it), ``output`` (the validated structured value) and ``pause`` (tool calls waiting for
    approval).

    Generic over the structured output's type: a ``Chat`` built with ``with_structured_output(Person)``
    answers ``ChatResponse[Person]`` (``output: Person``); a plain call is a ``ChatResponse[None]``.

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
    # None until a structured run validates the answer: the type says what a successful run holds.
    output: OutputT = None  # type: ignore[assignment]
    pause: Pause | None = None
    messages: Messages = field(default_factory=Messages)

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
    def audio(self) -> AudioPart | None:
        """The model's speech when it was asked to speak (``with_audio_output``), else None."""
        return next((p for p in self.content.parts if isinstance(p, AudioPart)), None)

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

    def to_json(self, *, indent: int | None = None) -> str:
        """The lossless, versioned JSON form of this response: content, usage and cost, ids, ``raw``,
        ``steps``, ``messages``, a ``pause`` awaiting approval, and ``output`` as JSON data
        (see :mod:`chat_openrouter.core.serialization`)."""
        return serialization.dumps(self.to_dict(), indent=indent)

    def to_dict(self) -> dict[str, Any]:
        """The document :meth:`to_json` writes, as a dict."""
        return serialization.document(serialization.RESPONSE_FORMAT, {"response": _encode(self, "response")})

    @overload
    @staticmethod
    def from_json(data: str | bytes | Mapping[str, Any]) -> ChatResponse[Any]: ...
    @overload
    @staticmethod
    def from_json(data: str | bytes | Mapping[str, Any], *, output_type: type[T]) -> ChatResponse[T]: ...
    @overload
    @staticmethod
    def from_json(data: str | bytes | Mapping[str, Any], *, output_type: Any) -> ChatResponse[Any]: ...
    @staticmethod
    def from_json(data: str | bytes | Mapping[str, Any], *, output_type: Any = None) -> ChatResponse[Any]:
        """Load what :meth:`to_json` wrote. ``output`` comes back as JSON data, or validated into
        ``output_type`` (e.g. the pydantic model the Chat was built with) when given.

        Raises :class:`~chat_openrouter.errors.DecodeError` naming the problem and where it is."""
        body = serialization.open_document(data, serialization.RESPONSE_FORMAT)
        try:
            response: ChatResponse[Any] = _decode(body.get("response"), "response")
        except RecursionError:
            raise DecodeError("saved response: steps are nested too deeply") from None
        if output_type is not None and response.output is not None:
            from pydantic import TypeAdapter

            response.output = TypeAdapter(output_type).validate_python(response.output)
        return response


def _is_snapshot(step: Messages, conversation: Messages) -> bool:
    """True when ``step`` holds the first turns of ``conversation`` (the very objects, as a run leaves them)."""
    n = len(step)
    return 0 < n <= len(conversation) and all(a is b for a, b in zip(step, conversation, strict=False))


def _encode(response: ChatResponse[Any], path: str, conversation: Messages | None = None) -> dict[str, Any]:
    """``response`` as saved. ``conversation`` is the enclosing run's (for a step): a step's ``messages``
    that are a snapshot of it are left out and rebuilt from it on load, so saving a long tool loop stays
    linear in its length."""
    out: dict[str, Any] = {
        "content": serialization.encode_turns([response.content], f"{path}.content")[0],
        "usage": serialization.encode_usage(response.usage, f"{path}.usage"),
    }
    names = ("id", "model", "provider", "finish_reason", "native_finish_reason", "created", "raw",
             "system_fingerprint", "service_tier")
    for name in names:
        value = getattr(response, name)
        if value is not None:
            out[name] = serialization.jsonable(value, f"{path}.{name}")
    if response.logprobs:
        out["logprobs"] = [_encode_logprob(lp) for lp in response.logprobs]
    snapshot = conversation is not None and _is_snapshot(response.messages, conversation)
    if response.steps:
        # Steps may refer to this response's conversation only when it is written out in full.
        written = None if snapshot else response.messages
        out["steps"] = [_encode(step, f"{path}.steps[{n}]", written) for n, step in enumerate(response.steps)]
    if response.output is not None:
        out["output"] = serialization.jsonable(response.output, f"{path}.output")
    if snapshot:
        # A run's step: its conversation is the run's first N turns. Older readers ignore the key (their
        # steps had no conversation), so the format version stays.
        out["messages_until"] = len(response.messages)
    elif response.messages:
        out["messages"] = serialization.encode_turns(response.messages, f"{path}.messages")
    pause = response.pause
    if pause is not None:
        out["pause"] = {
            "pending": [
                serialization.encode_part(p, f"{path}.pause.pending[{n}]")
                for n, p in enumerate(pause.pending)
            ],
            "messages": serialization.encode_turns(pause.messages, f"{path}.pause.messages"),
            "steps": [
                _encode(step, f"{path}.pause.steps[{n}]", pause.messages) for n, step in enumerate(pause.steps)
            ],
            "usage": serialization.encode_usage(pause.usage, f"{path}.pause.usage"),
            "output_retries_used": pause.output_retries_used,
        }
    return out


def _encode_logprob(lp: TokenLogprob | TopLogprob) -> dict[str, Any]:
    out: dict[str, Any] = {"token": lp.token, "logprob": lp.logprob}
    if lp.bytes is not None:
        out["bytes"] = list(lp.bytes)
    if isinstance(lp, TokenLogprob) and lp.top_logprobs:
        out["top_logprobs"] = [_encode_logprob(top) for top in lp.top_logprobs]
    return out


def _logprob_fields(value: Any, path: str) -> tuple[serialization.ObjectReader, str, float, tuple[int, ...] | None]:
    r = serialization.ObjectReader(value, path)
    logprob = r.value("logprob")
    if not isinstance(logprob, (int, float)) or isinstance(logprob, bool):
        raise DecodeError(f"saved response: {r.at('logprob')}: expected a number, got {logprob!r}")
    raw_bytes = r.value("bytes")
    if raw_bytes is not None and not (
        isinstance(raw_bytes, list) and all(isinstance(b, int) and 0 <= b < 256 for b in raw_bytes)
    ):
        raise DecodeError(f"saved response: {r.at('bytes')}: expected a list of byte values")
    return r, r.req_str("token"), float(logprob), None if raw_bytes is None else tuple(raw_bytes)


def _decode_logprob(value: Any, path: str) -> TokenLogprob:
    r, token, logprob, raw_bytes = _logprob_fields(value, path)
    tops = []
    for n, item in enumerate(r.items("top_logprobs")):
        _, top_token, top_logprob, top_bytes = _logprob_fields(item, f"{r.at('top_logprobs')}[{n}]")
        tops.append(TopLogprob(top_token, top_logprob, top_bytes))
    return TokenLogprob(token, logprob, raw_bytes, tuple(tops))


def _messages(value: Any, path: str) -> Messages:
    return Messages(Content(role, parts) for role, parts in serialization.decode_turns(value, path))


def _restore_snapshots(r: serialization.ObjectReader, steps: list[ChatResponse[Any]], conversation: Messages) -> None:
    """Give each step saved with ``messages_until`` its conversation back: the run's first N turns, the
    very objects (as after a run, where approving a call edits what the next request sends); its own turn,
    when it is the last of them, becomes that object too."""
    for n, (step, raw) in enumerate(zip(steps, r.items("steps"), strict=True)):
        until = serialization.ObjectReader(raw, f"{r.at('steps')}[{n}]").opt_int("messages_until")
        if until is None:
            continue
        if not 0 < until <= len(conversation):
            raise DecodeError(
                f"saved response: {r.at('steps')}[{n}].messages_until: {until} is not within the "
                f"{len(conversation)} turns of the conversation"
            )
        step.messages = conversation[:until]
        if conversation[until - 1] == step.content:
            step.content = conversation[until - 1]


def _decode(value: Any, path: str) -> ChatResponse[Any]:
    r = serialization.ObjectReader(value, path)
    [(role, parts)] = serialization.decode_turns([r.value("content")], r.at("content"))
    response = ChatResponse(
        content=Content(role, parts),
        id=r.opt_str("id"),
        model=r.opt_str("model"),
        provider=r.opt_str("provider"),
        finish_reason=r.opt_str("finish_reason"),
        native_finish_reason=r.opt_str("native_finish_reason"),
        usage=serialization.decode_usage(r.mapping("usage"), r.at("usage")),
        created=r.opt_int("created"),
        raw=r.opt_dict("raw"),
        system_fingerprint=r.opt_str("system_fingerprint"),
        service_tier=r.opt_str("service_tier"),
        logprobs=[_decode_logprob(item, f"{r.at('logprobs')}[{n}]") for n, item in enumerate(r.items("logprobs"))],
        steps=[_decode(step, f"{r.at('steps')}[{n}]") for n, step in enumerate(r.items("steps"))],
        output=r.value("output"),
    )
    if "messages" in r.obj:
        response.messages = _messages(r.value("messages"), r.at("messages"))
        # The engine's final turn is the conversation's last one: keep them one object, as after a run.
        if response.messages and response.messages[-1] == response.content:
            response.content = response.messages[-1]
    _restore_snapshots(r, response.steps, response.messages)
    if "pause" in r.obj:
        response.pause = _decode_pause(serialization.ObjectReader(r.value("pause"), r.at("pause")), response)
    return response


def _decode_pause(r: serialization.ObjectReader, response: ChatResponse[Any]) -> Pause:
    from .approval import Pause

    messages = _messages(r.value("messages"), r.at("messages"))
    if response.messages == messages:
        messages = response.messages  # the engine pauses with the run's own conversation object
    # Pending calls are parts of the conversation's last model turn: approving one must change the
    # conversation that resume() sends, so point at those very parts again.
    in_conversation = [p for turn in reversed(messages) for p in turn.tool_calls]
    pending: list[ToolPart] = []
    for n, item in enumerate(r.items("pending")):
        part = serialization.decode_part(item, f"{r.at('pending')}[{n}]")
        if not isinstance(part, ToolPart):
            raise DecodeError(
                f"saved response: {r.at('pending')}[{n}]: expected a tool call, got {part.kind}"
            )
        same = next((p for p in in_conversation if p == part), None)
        pending.append(same if same is not None else part)
    steps = [_decode(step, f"{r.at('steps')}[{n}]") for n, step in enumerate(r.items("steps"))]
    _restore_snapshots(r, steps, messages)
    if response.steps == steps:
        steps = list(response.steps)  # the very step objects of the run, as the engine pauses with them
    return Pause(
        pending=pending,
        messages=messages,
        steps=steps,
        usage=serialization.decode_usage(r.mapping("usage"), r.at("usage")),
        output_retries_used=r.req_int("output_retries_used"),
    )
