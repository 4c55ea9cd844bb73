"""What an emulated chat model says this turn, decided once and wire-neutrally (``_chat``/``_responses`` render it).

Every model is deterministic: the same conversation always gets the same answer (ids aside, which come
from the emulator's seeded generator). The behaviours (see ``_catalog``):

``echo``
    repeats the last user message.
``tools``
    calls every offered function tool with arguments generated from its JSON schema (all at once, or
    one per turn with ``parallel_tool_calls: false``); once the tool results are in the conversation it
    answers from them. Structured output is honoured.
``json``
    answers with JSON valid for the requested ``response_format`` / ``text.format`` schema.
``reasoning``
    like ``tools``, and reasons first: reasoning text + signed ``reasoning_details`` on Chat
    Completions, a ``reasoning`` item with a summary and ``encrypted_content`` on the Responses API.
``image`` / ``audio``
    echo, plus a picture or speech of the answer when ``modalities`` asks for it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _synth
from ._catalog import EmulatedModel
from ._conversation import Conversation, ToolDef
from ._errors import RequestError
from ._schema import sample_for_schema

__all__ = [
    "AUDIO_FORMATS",
    "Generation",
    "Plan",
    "PlannedAudio",
    "PlannedCall",
    "PlannedImage",
    "count_tokens",
    "plan_turn",
    "prompt_tokens",
    "split_deltas",
]

_TOKEN = re.compile(r"\w+|[^\w\s]")
# What a generated picture and a second of speech count as output tokens (Gemini bills an image as 1290
# tokens; OpenAI's audio models about ten a second): enough to show up in usage and cost.
IMAGE_TOKENS = 1290
AUDIO_TOKENS_PER_SECOND = 10
#: Formats ``emulator/audio-output`` speaks on Chat Completions (``audio.format``).
AUDIO_FORMATS = ("wav", "mp3", "pcm16")


# -- tokens --------------------------------------------------------------------------------------------
def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def prompt_tokens(conversation: Conversation) -> int:
    """Input tokens: every message's text and tool calls, plus the tool declarations, plus 3 per message."""
    total = 0
    for entry in conversation.entries:
        total += 3 + count_tokens(entry.text)
        for call in entry.calls:
            total += count_tokens(call.name) + count_tokens(call.arguments)
    for tool in conversation.tools:
        total += (
            count_tokens(tool.name)
            + count_tokens(tool.description)
            + count_tokens(json.dumps(tool.parameters))
        )
    return total


def split_deltas(text: str) -> list[str]:
    """Stream fragments the way tokens arrive: each word with the whitespace before it."""
    if not text:
        return []
    pieces = re.findall(r"\s*\S+|\s+$", text)
    return pieces if "".join(pieces) == text else [text]


def _truncate_tokens(text: str, limit: int) -> str:
    matches = list(_TOKEN.finditer(text))
    if len(matches) <= limit:
        return text
    return text[: matches[limit - 1].end()] if limit > 0 else ""


# -- planning ------------------------------------------------------------------------------------------
@dataclass(slots=True)
class PlannedCall:
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class PlannedImage:
    """A picture the model makes (``modalities`` with ``"image"``): a small PNG drawn from the answer."""

    png: bytes
    width: int
    height: int

    @property
    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True, slots=True)
class PlannedAudio:
    """Speech the model makes (``modalities`` with ``"audio"``): the answer read aloud."""

    format: str
    data: bytes
    transcript: str
    voice: str
    seconds: float

    @property
    def tokens(self) -> int:
        return max(1, round(self.seconds * AUDIO_TOKENS_PER_SECOND))


@dataclass(slots=True)
class Plan:
    """What the model says this turn, wire-neutral; ``_chat``/``_responses`` render it."""

    text: str = ""
    reasoning: str = ""
    reasoning_visible: bool = True
    calls: list[PlannedCall] = field(default_factory=list)
    finish_reason: str = "stop"
    native_finish_reason: str = "stop"
    image: PlannedImage | None = None
    audio: PlannedAudio | None = None

    @property
    def completion_tokens(self) -> int:
        return (
            count_tokens(self.text)
            + self.reasoning_tokens
            + sum(count_tokens(c.name) + count_tokens(c.arguments) for c in self.calls)
            + self.image_tokens
            + self.audio_tokens
        )

    @property
    def image_tokens(self) -> int:
        return IMAGE_TOKENS if self.image is not None else 0

    @property
    def audio_tokens(self) -> int:
        return self.audio.tokens if self.audio is not None else 0

    @property
    def reasoning_tokens(self) -> int:
        return count_tokens(self.reasoning)


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tools_to_call(conversation: Conversation) -> list[ToolDef]:
    choice = conversation.tool_choice
    if not conversation.tools or choice == "none":
        return []
    candidates = conversation.tools
    if isinstance(choice, Mapping):
        # {"type":"function","function":{"name"}} on Chat, {"type":"function","name"} on Responses.
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        candidates = [t for t in conversation.tools if t.name == name]
        if not candidates:
            raise RequestError(400, f"tool_choice names a function that is not in tools: {name!r}")
    called = {call.name for entry in conversation.since_last_user for call in entry.calls}
    pending = [t for t in candidates if t.name not in called]
    if not pending and choice == "required":
        pending = list(candidates)  # "required" means every turn must call a tool
    if not conversation.parallel_tool_calls:
        pending = pending[:1]
    return pending


def _answer_from_results(conversation: Conversation) -> str | None:
    loop = conversation.since_last_user
    names = {call.call_id: call.name for entry in loop for call in entry.calls}
    results = [(names.get(e.call_id or "", "tool"), e.text) for e in loop if e.role == "tool"]
    if not results:
        return None
    if len(results) == 1:
        return f"Based on {results[0][0]}: {results[0][1]}"
    return "Based on the tools: " + "; ".join(f"{name}: {output}" for name, output in results)


def _json_answer(conversation: Conversation, always: bool) -> str | None:
    if conversation.json_mode == "json_schema" and conversation.output_schema is not None:
        return json.dumps(sample_for_schema(conversation.output_schema, label="answer"), ensure_ascii=False)
    if conversation.json_mode == "json_object" or always:
        return json.dumps({"answer": conversation.last_user_text}, ensure_ascii=False)
    return None


def plan_turn(model: EmulatedModel, conversation: Conversation, new_call_id: Callable[[], str]) -> Plan:
    """Decide this turn's output for ``model`` (deterministic apart from ``new_call_id``)."""
    behaviour = model.behaviour
    plan = Plan()
    last = conversation.last_user_text
    if behaviour in ("tools", "reasoning"):
        tools = _tools_to_call(conversation)
        if tools:
            for tool in tools:
                arguments = sample_for_schema(tool.parameters, label=tool.name)
                if not isinstance(arguments, dict):
                    arguments = {}
                plan.calls.append(
                    PlannedCall(
                        new_call_id(),
                        tool.name,
                        json.dumps(arguments, ensure_ascii=False, separators=(",", ":")),
                    )
                )
            plan.finish_reason = plan.native_finish_reason = "tool_calls"
            names = ", ".join(t.name for t in tools)
            plan.reasoning = f"The user wrote “{_quote(last)}”. To answer I need {names}; calling it first."
        else:
            from_results = _answer_from_results(conversation)
            structured = _json_answer(conversation, always=False)
            plan.text = structured or from_results or _echo(last)
            plan.reasoning = (
                "The user wants JSON for the requested schema; filling in every field."
                if structured
                else "The tool results are in; summarising them for the user."
                if from_results
                else f"The user wrote “{_quote(last)}”. The clearest answer is to repeat it back."
            )
    elif behaviour == "json":
        plan.text = _json_answer(conversation, always=True) or ""
    else:
        plan.text = _echo(last)

    if behaviour != "reasoning" or conversation.reasoning.get("effort") == "none":
        plan.reasoning = ""
    plan.reasoning_visible = not conversation.reasoning_excluded
    _apply_limits(plan, conversation)
    if "image" in conversation.modalities:
        plan.image = _picture(plan.text, conversation.image_config)
    if "audio" in conversation.modalities:
        plan.audio = _speech(plan.text, conversation.audio)
    return plan


def _picture(text: str, config: Mapping[str, Any]) -> PlannedImage:
    ratio = config.get("aspect_ratio")
    width, height = _synth.image_size(ratio if isinstance(ratio, str) else None)
    return PlannedImage(_synth.png(text, width, height), width, height)


def _speech(text: str, options: Mapping[str, Any]) -> PlannedAudio:
    fmt = options.get("format", "wav")
    if fmt not in AUDIO_FORMATS:
        raise RequestError(
            400, f"audio.format: {fmt!r} is not supported (the emulator speaks {', '.join(AUDIO_FORMATS)})"
        )
    voice = options.get("voice", "alloy")
    if not isinstance(voice, str) or not voice:
        raise RequestError(400, "audio.voice: expected a voice name")
    seconds = _synth.speech_seconds(text)
    data = (
        _synth.wav(text, seconds)
        if fmt == "wav"
        else _synth.mp3(text, seconds)
        if fmt == "mp3"
        else _synth.pcm16(text, seconds)
    )
    return PlannedAudio(str(fmt), data, text, voice, seconds)


def _echo(text: str) -> str:
    return text if text.strip() else "(nothing to echo)"


def _apply_limits(plan: Plan, conversation: Conversation) -> None:
    for stop in conversation.stop:
        cut = plan.text.find(stop)
        if cut >= 0:
            plan.text = plan.text[:cut]
    limit = conversation.max_tokens
    if limit is not None and not plan.calls and count_tokens(plan.text) > limit:
        plan.text = _truncate_tokens(plan.text, limit)
        plan.finish_reason = "length"
        plan.native_finish_reason = "max_output_tokens" if conversation.wire == "responses" else "length"


@dataclass(slots=True)
class Generation:
    """The bookkeeping of one model call: ids, token counts and cost (both renderers read it).

    Built once the plan is final: its token counts and costs are computed here, once.
    """

    id: str
    created: int
    model: EmulatedModel
    plan: Plan
    prompt_tokens: int
    item_ids: dict[str, str] = field(default_factory=dict)
    reasoning_signature: str = ""
    encrypted_reasoning: str = ""
    completion_tokens: int = field(init=False)
    costs: tuple[float, float, float] = field(init=False)

    def __post_init__(self) -> None:
        self.completion_tokens = self.plan.completion_tokens
        self.costs = self.model.cost(self.prompt_tokens, self.completion_tokens)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
