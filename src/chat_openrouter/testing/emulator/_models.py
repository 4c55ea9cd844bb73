"""The emulator's built-in models: their catalog entries, their prices, and what they answer.

Every model is deterministic: the same conversation always gets the same answer (ids aside, which
come from the emulator's seeded generator). Four *behaviours* decide the answer:

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

A model may also carry a *fault* (see ``_app``): ``emulator/rate-limit`` answers like echo after one
429, ``emulator/slow`` streams like echo but slowly, and so on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ._conversation import Conversation, Entry, RequestError, ToolDef
from ._schema import sample_for_schema

__all__ = [
    "BUILTIN_MODELS",
    "EmulatedModel",
    "Generation",
    "Plan",
    "PlannedCall",
    "ReasoningSigner",
    "check_reasoning_replay",
    "count_tokens",
    "plan_turn",
    "prompt_tokens",
    "split_deltas",
]

_TOKEN = re.compile(r"\w+|[^\w\s]")

_BASE_PARAMETERS = ("max_completion_tokens", "max_tokens", "seed", "stop", "temperature", "top_p")
_TOOL_PARAMETERS = ("parallel_tool_calls", "tool_choice", "tools")
_JSON_PARAMETERS = ("response_format", "structured_outputs")
_REASONING_PARAMETERS = ("include_reasoning", "reasoning")


@dataclass(frozen=True, slots=True)
class EmulatedModel:
    """One model the emulator serves: its catalog entry (``GET /models``) and its behaviour.

    Prices are decimal strings in USD per token, as OpenRouter publishes them (reference §10.1);
    usage ``cost`` is computed from them. ``fault`` names a fault the model always injects
    (``rate-limit``, ``error-500``, ``midstream-error``, ``slow``, ...).
    """

    id: str
    name: str
    description: str
    behaviour: str
    prompt_price: str
    completion_price: str
    context_length: int = 131072
    max_completion_tokens: int = 16384
    supported_parameters: tuple[str, ...] = _BASE_PARAMETERS
    fault: str | None = None
    created: int = 1767225600  # 2026-01-01, fixed so the catalog is stable

    def cost(self, prompt_tokens: int, completion_tokens: int) -> tuple[float, float, float]:
        """``(total, prompt part, completion part)`` in USD, exact decimal arithmetic rounded once."""
        prompt = Decimal(self.prompt_price) * prompt_tokens
        completion = Decimal(self.completion_price) * completion_tokens
        return float(prompt + completion), float(prompt), float(completion)

    def catalog_entry(self) -> dict[str, Any]:
        """This model as ``GET /models`` lists it (the shape of fixture models-list-truncated)."""
        reasoning = self.behaviour == "reasoning"
        entry: dict[str, Any] = {
            "id": self.id,
            "canonical_slug": self.id,
            "hugging_face_id": "",
            "name": self.name,
            "created": self.created,
            "description": self.description,
            "context_length": self.context_length,
            "architecture": {
                "modality": "text->text",
                "input_modalities": ["text"],
                "output_modalities": ["text"],
                "tokenizer": "Other",
                "instruct_type": None,
            },
            "pricing": {
                "prompt": self.prompt_price,
                "completion": self.completion_price,
                "input_cache_read": "0",
                "input_cache_write": "0",
            },
            "top_provider": {
                "context_length": self.context_length,
                "max_completion_tokens": self.max_completion_tokens,
                "is_moderated": False,
            },
            "per_request_limits": None,
            "supported_parameters": sorted(self.supported_parameters),
            "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None},
            "supported_voices": None,
            "knowledge_cutoff": None,
            "expiration_date": None,
            "links": {"details": f"/api/v1/models/{self.id}/endpoints"},
        }
        if reasoning:
            entry["pricing"]["internal_reasoning"] = self.completion_price
            entry["reasoning"] = {
                "mandatory": False,
                "default_enabled": True,
                "supported_efforts": ["minimal", "low", "medium", "high"],
                "default_effort": "medium",
                "supports_max_tokens": True,
            }
        return entry

    def aliased(self, model_id: str) -> EmulatedModel:
        """The same behaviour under another id (e.g. to stand in for ``openai/gpt-4o`` in tests)."""
        return replace(self, id=model_id, name=f"{self.name} (as {model_id})")


def _model(
    model_id: str,
    name: str,
    description: str,
    behaviour: str,
    prices: tuple[str, str],
    extra: Iterable[str] = (),
    fault: str | None = None,
) -> EmulatedModel:
    return EmulatedModel(
        model_id,
        name,
        description,
        behaviour,
        prices[0],
        prices[1],
        supported_parameters=(*_BASE_PARAMETERS, *extra),
        fault=fault,
    )


#: The built-in models, in catalog order.
BUILTIN_MODELS: tuple[EmulatedModel, ...] = (
    _model(
        "emulator/echo",
        "Emulator: Echo",
        "Repeats the last user message.",
        "echo",
        ("0.0000001", "0.0000002"),
    ),
    _model(
        "emulator/tools",
        "Emulator: Tools",
        "Calls every offered function tool with schema-valid arguments, then answers from the results.",
        "tools",
        ("0.000001", "0.000002"),
        (*_TOOL_PARAMETERS, *_JSON_PARAMETERS),
    ),
    _model(
        "emulator/json",
        "Emulator: JSON",
        "Answers with JSON valid for the requested schema.",
        "json",
        ("0.0000005", "0.0000015"),
        _JSON_PARAMETERS,
    ),
    _model(
        "emulator/reasoning",
        "Emulator: Reasoning",
        "Reasons (signed reasoning details / encrypted reasoning items), calls tools, answers; rejects "
        "tool-call history whose reasoning was not replayed verbatim.",
        "reasoning",
        ("0.000003", "0.000015"),
        (*_TOOL_PARAMETERS, *_JSON_PARAMETERS, *_REASONING_PARAMETERS),
    ),
    _model(
        "emulator/rate-limit",
        "Emulator: Rate limited once",
        "Answers 429 with Retry-After to the first attempt of each conversation, then echoes.",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="rate-limit",
    ),
    _model(
        "emulator/error-500",
        "Emulator: Always 500",
        "Every request fails with HTTP 500.",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="error-500",
    ),
    _model(
        "emulator/midstream-error",
        "Emulator: Mid-stream error",
        "Starts answering, then fails inside the HTTP 200 (error chunk / response.failed).",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="midstream-error",
    ),
    _model(
        "emulator/slow",
        "Emulator: Slow",
        "Echoes slowly: keep-alive comments first, then one word per tick.",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="slow",
    ),
)


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


# -- signed reasoning ----------------------------------------------------------------------------------
class ReasoningSigner:
    """Signs the reasoning the emulator emits so a later request can prove it was replayed verbatim.

    Chat Completions carries a ``signature`` on ``reasoning.text`` details (Anthropic style, fixture
    chat-stream-reasoning-anthropic-signature); the Responses API carries ``encrypted_content``, to which
    OpenRouter appends ``.<base64 JSON {"endpoint_slug": ...}>``
    (fixture responses-stream-reasoning-encrypted).
    Both are HMACs of the reasoning text under the emulator's secret, so verification is stateless.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def signature(self, text: str) -> str:
        digest = hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(b"EMU1" + digest).decode("ascii")

    def valid_signature(self, text: str, signature: str) -> bool:
        return hmac.compare_digest(self.signature(text), signature)

    def encrypted_content(self, text: str, model_id: str) -> str:
        payload = json.dumps({"text": text, "sig": self.signature(text)}, separators=(",", ":"))
        slug = json.dumps({"endpoint_slug": f"{model_id}|emulator"}, separators=(",", ":"))
        return f"{_b64url(payload)}.{_b64url(slug)}"

    def decrypt(self, content: str) -> str | None:
        """The reasoning text inside ``encrypted_content``, or None when it was altered."""
        try:
            head = content.split(".", 1)[0]
            payload = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
            text, sig = payload["text"], payload["sig"]
        except (ValueError, KeyError, TypeError):
            return None
        if isinstance(text, str) and isinstance(sig, str) and self.valid_signature(text, sig):
            return text
        return None


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def check_reasoning_replay(conversation: Conversation, signer: ReasoningSigner) -> None:
    """Reject history whose reasoning was dropped or altered, like Gemini/Anthropic/OpenAI do.

    * Altered reasoning (bad signature or encrypted content) anywhere → 400, as Anthropic rejects an
      invalid thinking-block signature.
    * An assistant turn with tool calls and no reasoning → 400 with the message OpenRouter relays from
      Gemini 3 (fixture error-400-gemini-reasoning-details-required; reference §3.3).
    """
    for position, entry in enumerate(conversation.entries):
        if entry.role != "assistant":
            continue
        verdict = _reasoning_verdict(entry, signer)
        if verdict == "altered":
            raise RequestError(
                400,
                "Provider returned error",
                metadata={
                    "provider_name": "Emulator",
                    "raw": json.dumps(
                        {
                            "type": "error",
                            "error": {
                                "type": "invalid_request_error",
                                "message": f"messages.{position}.content.0: "
                                "Invalid `signature` in `thinking` block",
                            },
                        }
                    ),
                },
            )
        if verdict == "missing" and entry.calls:
            call = entry.calls[0]
            raise RequestError(
                400,
                "Provider returned error",
                metadata={
                    "provider_name": "Emulator",
                    "raw": (
                        "Gemini models require OpenRouter reasoning details to be preserved in each "
                        "request. Please refer to our docs: https://openrouter.ai/docs/use-cases/"
                        "reasoning-tokens#preserving-reasoning-blocks. Upstream error: Function call is "
                        f"missing a thought_signature in functionCall parts (function call `{call.name}`, "
                        f"message {position})."
                    ),
                },
            )


def _reasoning_verdict(entry: Entry, signer: ReasoningSigner) -> str:
    """``ok`` (verifiable reasoning present), ``missing`` or ``altered``."""
    if not entry.reasoning:
        return "missing"
    texts: dict[Any, list[str]] = {}
    signatures: dict[Any, str] = {}
    found = False
    for record in entry.reasoning:
        kind = record.get("type")
        if kind == "reasoning.text":
            # Streamed details may be replayed fragment by fragment: join them per index.
            key = record.get("index", 0)
            if isinstance(record.get("text"), str):
                texts.setdefault(key, []).append(record["text"])
            if isinstance(record.get("signature"), str) and record["signature"]:
                signatures[key] = record["signature"]
        elif kind == "reasoning.encrypted" or (kind == "reasoning" and record.get("encrypted_content")):
            data = record.get("data") if kind == "reasoning.encrypted" else record.get("encrypted_content")
            if not isinstance(data, str) or signer.decrypt(data) is None:
                return "altered"
            found = True
    for key, signature in signatures.items():
        if not signer.valid_signature("".join(texts.get(key, [])), signature):
            return "altered"
        found = True
    return "ok" if found else "missing"


# -- planning ------------------------------------------------------------------------------------------
@dataclass(slots=True)
class PlannedCall:
    call_id: str
    name: str
    arguments: str


@dataclass(slots=True)
class Plan:
    """What the model says this turn, wire-neutral; ``_chat``/``_responses`` render it."""

    text: str = ""
    reasoning: str = ""
    reasoning_visible: bool = True
    calls: list[PlannedCall] = field(default_factory=list)
    finish_reason: str = "stop"
    native_finish_reason: str = "stop"

    @property
    def completion_tokens(self) -> int:
        return (
            count_tokens(self.text)
            + self.reasoning_tokens
            + sum(count_tokens(c.name) + count_tokens(c.arguments) for c in self.calls)
        )

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
    return plan


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
    """The bookkeeping of one model call: ids, token counts and cost (both renderers read it)."""

    id: str
    created: int
    model: EmulatedModel
    plan: Plan
    prompt_tokens: int
    item_ids: dict[str, str] = field(default_factory=dict)
    reasoning_signature: str = ""
    encrypted_reasoning: str = ""

    @property
    def completion_tokens(self) -> int:
        return self.plan.completion_tokens

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def costs(self) -> tuple[float, float, float]:
        return self.model.cost(self.prompt_tokens, self.completion_tokens)
