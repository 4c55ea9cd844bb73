"""Per-request options shared by both wires, and the structured-output request."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import ConfigurationError

__all__ = [
    "REASONING_EFFORTS",
    "REASONING_SUMMARIES",
    "AudioOutput",
    "ChatOptions",
    "ImageConfig",
    "OutputSchema",
    "Reasoning",
    "Timeouts",
    "merge_json",
]

#: The most alternatives per token OpenRouter returns (spec ChatRequest.top_logprobs: 0-20).
MAX_TOP_LOGPROBS = 20
#: What a model can be asked to produce (spec ChatRequest.modalities; the Responses API: text, image).
MODALITIES = ("text", "image", "audio")
# Sampling knobs and their documented ranges (reference §3.1, OpenRouter's parameters guide).
_RANGES: dict[str, tuple[float, float]] = {
    "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
    "repetition_penalty": (0.0, 2.0),
    "min_p": (0.0, 1.0),
    "top_a": (0.0, 1.0),
}
_LOGIT_BIAS = 100.0  # OpenAI's bound on a token's bias, which OpenRouter passes on
#: OpenRouter's reasoning efforts, least to most (spec ``ReasoningEffort``, both wires).
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
#: Reasoning summary verbosities (spec ``ReasoningSummaryVerbosity``).
REASONING_SUMMARIES = ("auto", "concise", "detailed")
#: Sampling ranges OpenRouter documents (spec ``ChatRequest``: "Sampling temperature (0-2)",
#: "Nucleus sampling parameter (0-1)"); a value outside them is a 400 later, or silently clamped upstream.
TEMPERATURE_RANGE = (0.0, 2.0)
TOP_P_RANGE = (0.0, 1.0)


def _type_name(value: Any) -> str:
    return type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_number(
    where: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
) -> None:
    """Raise :class:`ConfigurationError` unless ``value`` is a finite number (an ``int`` when ``integer``)
    within ``[low, high]`` (``(low, high]`` when ``low_open``). ``where`` names it: ``"ChatOptions.temperature"``."""
    kind = "an integer" if integer else "a number"
    bounds = ""
    if low is not None and high is not None:
        bounds = f" from {low:g} to {high:g}" if not low_open else f" above {low:g} and at most {high:g}"
    elif low is not None:
        bounds = f" > {low:g}" if low_open else f" >= {low:g}"
    ok_type = isinstance(value, int) if integer else _is_number(value)
    if not ok_type or isinstance(value, bool):
        raise ConfigurationError(f"{where} must be {kind}{bounds}, got {value!r} ({_type_name(value)})")
    if not math.isfinite(value) or (
        (low is not None and (value <= low if low_open else value < low))
        or (high is not None and value > high)
    ):
        raise ConfigurationError(f"{where} must be {kind}{bounds}, got {value!r}")


def check_choice(where: str, value: Any, choices: Sequence[str], *, escape: str = "") -> None:
    """Raise :class:`ConfigurationError` unless ``value`` is one of ``choices``; a near miss gets a
    "did you mean" and the message lists every accepted value (and ``escape``, how to send another one)."""
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{where} must be one of {', '.join(map(repr, choices))}, got {value!r} ({_type_name(value)})"
        )
    if value in choices:
        return
    import difflib

    folded = value.strip().lower()
    near = [folded] if folded in choices else difflib.get_close_matches(folded, choices, n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise ConfigurationError(
        f"unknown {where} {value!r}{hint}; accepted: {', '.join(map(repr, choices))}{escape}"
    )


def merge_json(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` merged in recursively: where both hold a JSON object the objects are
    merged key by key, anywhere else the value of ``override`` replaces (lists and ``None`` included).
    Neither argument is modified.

    This is how ``extra_body`` meets the request a wire computed, so an extra can add one field to an
    object without dropping its siblings:

    >>> merge_json({"text": {"format": {"type": "json_schema"}}}, {"text": {"verbosity": "low"}})
    {'text': {'format': {'type': 'json_schema'}, 'verbosity': 'low'}}
    >>> merge_json({"include": ["a"], "provider": {"sort": "price"}}, {"include": ["b"], "provider": None})
    {'include': ['b'], 'provider': None}
    """
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_json(current, value)
        else:
            merged[key] = _copy_json(value)
    return merged


def _copy_json(value: Any) -> Any:
    """A copy of the containers of an ``extra_body`` value, so a request body never aliases caller data."""
    if isinstance(value, Mapping):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Timeouts sized for LLMs, in seconds (None = no limit for that phase).

    * ``connect``: TCP + TLS connect (and waiting for a pooled connection). 10 s: a healthy edge answers
      in well under a second; longer means a network problem worth retrying.
    * ``first_byte``: from sending the request until the response headers. 600 s: a *non-streaming* call
      gets its headers only once the whole answer is generated, and slow reasoning models take minutes.
      (Streams get their headers at once: OpenRouter answers 200 and then sends keep-alive comments.)
    * ``idle``: the longest silence between two body reads. 300 s: OpenRouter's ``: OPENROUTER
      PROCESSING`` comments count as activity (they are bytes on the socket), so a reasoning model that
      thinks for minutes before its first token never trips it; a stream silent for 5 minutes is dead.
    * ``total``: a deadline for the whole call -- every attempt, the waits between retries and, for a
      stream, everything until its last event. 3600 s: longer than any real generation, yet a stream of
      endless keep-alives (a stuck upstream) cannot hang a program forever.
    * ``write``: sending one chunk of the request body (large images and PDFs on a slow uplink).

    Set them on the builder (``with_timeouts(first_byte=30)``) or per call
    (``ChatOptions(timeout=20)`` for the overall deadline, ``ChatOptions(timeouts=Timeouts(...))`` for all).
    """

    connect: float | None = 10.0
    first_byte: float | None = 600.0
    idle: float | None = 300.0
    total: float | None = 3600.0
    write: float | None = 60.0

    def __post_init__(self) -> None:
        # A zero or negative budget would fail every call; "no limit" is spelled None, not 0 or inf.
        for phase in ("connect", "first_byte", "idle", "total", "write"):
            value = getattr(self, phase)
            if value is not None:
                check_number(f"Timeouts.{phase} (seconds; None for no limit)", value, low=0, low_open=True)


_UNKNOWN_HINT = (
    "; a value newer than this library goes through with Reasoning(..., allow_unknown=True)"
)


@dataclass(frozen=True, slots=True)
class Reasoning:
    """OpenRouter's unified ``reasoning`` request object (valid on both wires).

    ``effort``: ``none``/``minimal``/``low``/``medium``/``high``/``xhigh``/``max``. ``max_tokens``: a
    thinking budget (Anthropic/Gemini/Qwen style). ``exclude``: reason but do not return it. ``enabled``:
    turn reasoning on at the default effort. ``summary``: ``auto``/``concise``/``detailed``
    (Responses-style summaries).

    Values are checked when the object is made, so a typo fails here with the accepted values listed
    (``Reasoning(effort="hihg")`` -> "did you mean 'high'?") instead of as a 400 -- or, worse, a default
    effort -- later. An effort or summary newer than this library is sent as given with
    ``allow_unknown=True``: ``Reasoning(effort="ultra", allow_unknown=True)`` (never sent itself).
    """

    effort: str | None = None
    max_tokens: int | None = None
    exclude: bool | None = None
    enabled: bool | None = None
    summary: str | None = None
    allow_unknown: bool = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.effort is not None:
            if self.allow_unknown:
                _check_text("Reasoning.effort", self.effort)
            else:
                check_choice("reasoning effort", self.effort, REASONING_EFFORTS, escape=_UNKNOWN_HINT)
        if self.summary is not None:
            if self.allow_unknown:
                _check_text("Reasoning.summary", self.summary)
            else:
                check_choice("reasoning summary", self.summary, REASONING_SUMMARIES, escape=_UNKNOWN_HINT)
        if self.max_tokens is not None:
            check_number("Reasoning.max_tokens", self.max_tokens, low=0, integer=True)
        for flag in ("exclude", "enabled"):
            value = getattr(self, flag)
            if value is not None and not isinstance(value, bool):
                raise ConfigurationError(f"Reasoning.{flag} must be True, False or None, not {value!r}")

    def to_json(self) -> dict[str, Any]:
        """The request's ``reasoning`` object: the fields that are set."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "allow_unknown" and getattr(self, f.name) is not None
        }


def _check_text(where: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where} must be a non-empty string, got {value!r}")


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """How an image-output model draws (``image_config``): ``aspect_ratio`` (``"16:9"``...), ``image_size``
    (``"1K"``, ``"2K"``, ``"4K"``), and any provider-specific key in ``extra`` (spec ``ImageConfig``)."""

    aspect_ratio: str | None = None
    image_size: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        if self.aspect_ratio is not None:
            out["aspect_ratio"] = self.aspect_ratio
        if self.image_size is not None:
            out["image_size"] = self.image_size
        return out


@dataclass(frozen=True, slots=True)
class AudioOutput:
    """Spoken answers (Chat Completions ``audio``, with ``modalities`` including ``"audio"``): the
    ``voice`` and the ``format`` (``wav``, ``mp3``, ``pcm16``...) the model speaks in."""

    voice: str = "alloy"
    format: str = "wav"

    def to_json(self) -> dict[str, str]:
        return {"voice": self.voice, "format": self.format}


@dataclass(frozen=True, slots=True)
class OutputSchema:
    """A JSON-schema structured-output request (``response_format`` / ``text.format``)."""

    name: str
    schema: dict[str, Any]
    strict: bool = True
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Sampling and request options. Every field left None is not sent (OpenRouter does not default them).

    ``max_tokens`` becomes ``max_completion_tokens`` on Chat Completions and ``max_output_tokens`` on the
    Responses API. ``logprobs=True`` asks for the answer's token log probabilities
    (``ChatResponse.logprobs``) and ``top_logprobs`` (0-20) for that many alternatives per token; the
    Responses API has only ``top_logprobs``, so set it (1-20) to get log probabilities on that wire.
    ``extra_body`` is merged last into the request JSON, recursively (:func:`merge_json`: an object
    extends the object already there, any other value replaces): the escape hatch for anything not
    modelled here. ``extra_headers`` are added to this request only.

    Sampling knobs beyond temperature/top_p: ``frequency_penalty``, ``presence_penalty`` (-2..2),
    ``repetition_penalty`` (0..2), ``top_k``, ``min_p``, ``top_a`` (0..1) and ``logit_bias`` (token id ->
    -100..100). ``modalities`` asks for image or audio output besides text (``("image", "text")``), shaped
    by ``image_config`` and, for audio, ``audio``. Each wire sends what it has: the Responses API has no
    ``repetition_penalty``, ``min_p``, ``top_a``, ``logit_bias``, ``stop``, ``seed``, audio output or
    ``audio`` modality -- those are left out there with a warning. ``user`` (your end user's stable id) is
    ``user`` on Chat Completions and ``safety_identifier`` on the Responses API (spec).

    Per-call reliability settings (never sent to the model; left None they fall back to the builder's):
    ``retries`` replaces the retry count, ``timeout`` the overall deadline in seconds, and ``timeouts``
    every phase's timeout (``timeout``, when also given, still wins for the overall deadline).
    """

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    user: str | None = None
    reasoning: Reasoning | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    repetition_penalty: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    top_a: float | None = None
    logit_bias: Mapping[int | str, float] | None = None
    modalities: tuple[str, ...] | None = None
    image_config: ImageConfig | None = None
    audio: AudioOutput | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    extra_headers: dict[str, str] = field(default_factory=dict)
    retries: int | None = None
    timeout: float | None = None
    timeouts: Timeouts | None = None

    def __post_init__(self) -> None:
        # Checked here, where the mistake is made, rather than as a 400 from the server later (or a
        # TypeError deep in a codec). Every failure is a ConfigurationError (a ValueError too).
        if self.temperature is not None:
            check_number("ChatOptions.temperature", self.temperature, low=TEMPERATURE_RANGE[0],
                         high=TEMPERATURE_RANGE[1])  # fmt: skip
        if self.top_p is not None:
            check_number("ChatOptions.top_p", self.top_p, low=TOP_P_RANGE[0], high=TOP_P_RANGE[1])
        if self.max_tokens is not None:
            check_number("ChatOptions.max_tokens", self.max_tokens, low=1, integer=True)
        if self.seed is not None:
            check_number("ChatOptions.seed", self.seed, integer=True)
        if self.retries is not None:
            check_number("ChatOptions.retries", self.retries, low=0, integer=True)
        if self.timeout is not None:
            check_number("ChatOptions.timeout (seconds)", self.timeout, low=0, low_open=True)
        self._check_types()
        if self.logprobs is not None and not isinstance(self.logprobs, bool):
            raise ConfigurationError(f"logprobs must be True, False or None, not {self.logprobs!r}")
        top = self.top_logprobs
        if top is not None and (
            isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MAX_TOP_LOGPROBS
        ):
            raise ConfigurationError(
                f"top_logprobs must be an integer from 0 to {MAX_TOP_LOGPROBS}, not {top!r}"
            )
        if top and self.logprobs is False:
            raise ConfigurationError(
                "top_logprobs needs logprobs: drop logprobs=False or set top_logprobs=None"
            )
        self._check_sampling()

    def _check_types(self) -> None:
        stop = self.stop
        if stop is not None and not (
            isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
        ):
            raise ConfigurationError(f"ChatOptions.stop must be a string or a list of strings, got {stop!r}")
        if self.tool_choice is not None and not isinstance(self.tool_choice, (str, dict)):
            raise ConfigurationError(
                "ChatOptions.tool_choice must be 'auto', 'none', 'required' or a tool-choice object, "
                f"got {self.tool_choice!r}"
            )
        for flag in ("parallel_tool_calls",):
            value = getattr(self, flag)
            if value is not None and not isinstance(value, bool):
                raise ConfigurationError(f"ChatOptions.{flag} must be True, False or None, not {value!r}")
        if self.user is not None and not isinstance(self.user, str):
            raise ConfigurationError(f"ChatOptions.user must be a string, got {self.user!r}")
        reasoning = self.reasoning
        if reasoning is not None and not isinstance(reasoning, Reasoning):
            if not isinstance(reasoning, Mapping):
                raise ConfigurationError(
                    f"ChatOptions.reasoning must be a Reasoning (or a dict of its fields), got {reasoning!r}"
                )
            try:  # forgiving: ChatOptions(reasoning={"effort": "high"}) means Reasoning(effort="high")
                coerced = Reasoning(**reasoning)
            except TypeError:
                known = [f.name for f in fields(Reasoning)]
                raise ConfigurationError(
                    f"ChatOptions.reasoning: unknown field(s) in {dict(reasoning)!r}; known: {known}"
                ) from None
            object.__setattr__(self, "reasoning", coerced)
        if not isinstance(self.extra_body, dict):
            raise ConfigurationError(f"ChatOptions.extra_body must be a dict, got {self.extra_body!r}")
        headers = self.extra_headers
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ConfigurationError(
                f"ChatOptions.extra_headers must be a dict of strings, got {_type_name(headers)}"
            )
        if self.timeouts is not None and not isinstance(self.timeouts, Timeouts):
            raise ConfigurationError(f"ChatOptions.timeouts must be a Timeouts, got {self.timeouts!r}")

    def _check_sampling(self) -> None:
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high
            ):
                raise ConfigurationError(f"{name} must be a number from {low:g} to {high:g}, not {value!r}")
        top_k = self.top_k
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0):
            raise ConfigurationError(f"top_k must be a non-negative integer, not {top_k!r}")
        if self.logit_bias is not None:
            for token, bias in self.logit_bias.items():
                if not str(token).isdigit():
                    raise ConfigurationError(f"logit_bias keys are token ids, not {token!r}")
                if isinstance(bias, bool) or not isinstance(bias, (int, float)) or abs(bias) > _LOGIT_BIAS:
                    raise ConfigurationError(f"logit_bias values are numbers from -100 to 100, not {bias!r}")
        if self.modalities is not None:
            if isinstance(self.modalities, str):
                raise ConfigurationError(f"modalities is a sequence such as ('image', 'text'), not {self.modalities!r}")
            object.__setattr__(self, "modalities", tuple(self.modalities))
            unknown = [m for m in self.modalities if m not in MODALITIES]
            if unknown or not self.modalities:
                raise ConfigurationError(f"modalities are some of {', '.join(MODALITIES)}, not {list(self.modalities)!r}")

    def merged(self, override: ChatOptions | None) -> ChatOptions:
        """``self`` with every field ``override`` sets taking precedence (``extra_*`` dicts are merged
        key by key: a per-call ``extra_body["provider"]`` replaces the default one as a whole -- what
        you pass is what is sent; it is the wire's request body that ``extra_body`` merges into
        recursively)."""
        if override is None:
            return self
        changes: dict[str, Any] = {}
        for name in _PLAIN_FIELDS:  # names listed once (dataclasses.fields() per call: ~2 us)
            value = getattr(override, name)
            if value is not None:
                changes[name] = value
        for name in _MERGED_DICTS:
            value = getattr(override, name)
            if value:
                changes[name] = {**getattr(self, name), **value}
        return replace(self, **changes) if changes else self


#: ChatOptions' fields that ``merged`` merges key by key, and all the others (which an override replaces).
_MERGED_DICTS = ("extra_body", "extra_headers")
_PLAIN_FIELDS = tuple(f.name for f in fields(ChatOptions) if f.name not in _MERGED_DICTS)
