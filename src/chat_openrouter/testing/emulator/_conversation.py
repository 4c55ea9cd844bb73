"""Both wires' request bodies, read into one neutral conversation the emulated models reason about.

Chat Completions sends ``messages`` (reference §3.2); the Responses API sends ``instructions`` + ``input``
items (reference §6.1). Both become a list of :class:`Entry` turns. Assistant-side Responses items that
follow each other (``reasoning``, ``function_call``, an assistant ``message``) are grouped into one
assistant turn, which is how Chat Completions carries them (one assistant message with ``tool_calls``
and ``reasoning_details``).

Reading is lenient where OpenRouter is lenient (unknown fields and item types are ignored) and raises
:class:`RequestError` (a 400) where OpenRouter rejects the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import RequestError

__all__ = [
    "Conversation",
    "Entry",
    "ToolCallRecord",
    "ToolDef",
    "read_chat",
    "read_responses",
]


@dataclass(slots=True)
class ToolCallRecord:
    """A tool call found in the history (assistant ``tool_calls`` / a ``function_call`` item)."""

    call_id: str
    name: str
    arguments: str
    item_id: str | None = None


@dataclass(slots=True)
class Entry:
    """One turn. ``reasoning`` holds replayed reasoning verbatim: Chat ``reasoning_details`` entries or
    Responses ``reasoning`` items, whichever the wire carried."""

    role: str
    text: str = ""
    calls: list[ToolCallRecord] = field(default_factory=list)
    call_id: str | None = None
    reasoning: list[dict[str, Any]] = field(default_factory=list)
    attachments: int = 0


@dataclass(frozen=True, slots=True)
class ToolDef:
    """A function tool offered to the model."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(slots=True)
class Conversation:
    """Everything an emulated model looks at, wire-neutral."""

    wire: str
    model: str | None
    fallback_models: list[str]
    entries: list[Entry]
    tools: list[ToolDef]
    tool_choice: Any
    parallel_tool_calls: bool
    output_schema: dict[str, Any] | None
    json_mode: str | None  # "json_schema" | "json_object" | None
    max_tokens: int | None
    stop: list[str]
    reasoning: dict[str, Any]
    stream: bool
    modalities: list[str] = field(default_factory=list)
    image_config: dict[str, Any] = field(default_factory=dict)
    audio: dict[str, Any] = field(default_factory=dict)

    @property
    def last_user_text(self) -> str:
        for entry in reversed(self.entries):
            if entry.role == "user":
                return entry.text
        return ""

    @property
    def since_last_user(self) -> list[Entry]:
        """The turns after the last user message: the current tool loop, if any."""
        for index in range(len(self.entries) - 1, -1, -1):
            if self.entries[index].role == "user":
                return self.entries[index + 1 :]
        return list(self.entries)

    @property
    def reasoning_excluded(self) -> bool:
        return (
            bool(self.reasoning.get("exclude"))
            or self.reasoning.get("effort") == "none"
            or (self.reasoning.get("enabled") is False)
        )


def _text_of(content: Any) -> tuple[str, int]:
    """The text of a string-or-parts content, and how many non-text parts it had."""
    if content is None:
        return "", 0
    if isinstance(content, str):
        return content, 0
    if not isinstance(content, list):
        raise RequestError(400, "content must be a string or an array of content parts")
    texts: list[str] = []
    others = 0
    for part in content:
        if isinstance(part, Mapping) and part.get("type") in ("text", "input_text", "output_text"):
            text = part.get("text")
            if isinstance(text, str):
                texts.append(text)
        elif isinstance(part, Mapping):
            others += 1
    return "".join(texts), others


def _int_or_none(body: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise RequestError(400, f"{key} must be a positive integer")
            return value
    return None


def _stops(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [s for s in value if isinstance(s, str) and s]
    return []


def _schema_of(parameters: Any, where: str) -> dict[str, Any]:
    if parameters is None:
        return {"type": "object", "properties": {}}
    if not isinstance(parameters, Mapping):
        raise RequestError(400, f"{where}: parameters must be a JSON schema object")
    return dict(parameters)


def _models(body: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise RequestError(400, "model must be a string")
    models = body.get("models")
    fallbacks = [m for m in models if isinstance(m, str)] if isinstance(models, list) else []
    return model, fallbacks


# -- Chat Completions ----------------------------------------------------------------------------------
def read_chat(body: Mapping[str, Any]) -> Conversation:
    """Read a ``POST /chat/completions`` body (reference §3)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError(400, "messages: expected a non-empty array of messages")
    entries: list[Entry] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise RequestError(400, f"messages[{index}]: expected an object")
        role = message.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool"):
            raise RequestError(400, f"messages[{index}].role: invalid role {role!r}")
        text, attachments = _text_of(message.get("content"))
        entry = Entry(role=str(role), text=text, attachments=attachments)
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                function = call.get("function") if isinstance(call, Mapping) else None
                if not isinstance(function, Mapping) or not isinstance(call.get("id"), str):
                    raise RequestError(
                        400, f"messages[{index}].tool_calls: each call needs an id and a function"
                    )
                arguments = function.get("arguments")
                entry.calls.append(
                    ToolCallRecord(
                        call["id"],
                        str(function.get("name", "")),
                        arguments if isinstance(arguments, str) else json.dumps(arguments),
                    )
                )
            details = message.get("reasoning_details")
            if isinstance(details, list):
                entry.reasoning = [dict(d) for d in details if isinstance(d, Mapping)]
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str):
                raise RequestError(400, f"messages[{index}].tool_call_id: required on tool messages")
            entry.call_id = call_id
        entries.append(entry)
    _check_tool_results(entries)

    tools: list[ToolDef] = []
    for index, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, Mapping):
            raise RequestError(400, f"tools[{index}]: expected an object")
        if tool.get("type") != "function":
            continue  # server tools (openrouter:web_search, ...) are accepted and not emulated
        function = tool.get("function")
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            # The flat Responses shape sent to this wire is a common client bug: reject it like OpenRouter.
            raise RequestError(
                400,
                f"tools[{index}].function: required (Chat Completions nests name/parameters "
                "under 'function')",
            )
        tools.append(
            ToolDef(
                function["name"],
                str(function.get("description") or ""),
                _schema_of(function.get("parameters"), f"tools[{index}]"),
            )
        )

    output_schema, json_mode = None, None
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        if kind == "json_schema":
            spec = response_format.get("json_schema")
            if not isinstance(spec, Mapping) or not isinstance(spec.get("schema", {}), Mapping):
                raise RequestError(400, "response_format.json_schema: expected {name, schema}")
            output_schema, json_mode = dict(spec.get("schema") or {}), "json_schema"
        elif kind == "json_object":
            json_mode = "json_object"

    reasoning = dict(body["reasoning"]) if isinstance(body.get("reasoning"), Mapping) else {}
    if isinstance(body.get("reasoning_effort"), str):
        reasoning.setdefault("effort", body["reasoning_effort"])
    if body.get("include_reasoning") is False:
        reasoning.setdefault("exclude", True)
    model, fallbacks = _models(body)
    return Conversation(
        wire="completions",
        model=model,
        fallback_models=fallbacks,
        entries=entries,
        tools=tools,
        tool_choice=body.get("tool_choice", "auto"),
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        output_schema=output_schema,
        json_mode=json_mode,
        max_tokens=_int_or_none(body, "max_completion_tokens", "max_tokens"),
        stop=_stops(body.get("stop")),
        reasoning=reasoning,
        stream=body.get("stream") is True,
        **_output_options(body, "completions"),
    )


_MODALITIES = {"completions": ("text", "image", "audio"), "responses": ("text", "image")}


def _output_options(body: Mapping[str, Any], wire: str) -> dict[str, Any]:
    """``modalities``, ``image_config`` and (Chat Completions) ``audio``: what to make besides text.

    The spec's ``modalities`` enum is text/image/audio on Chat Completions and text/image on Responses.
    """
    modalities = body.get("modalities")
    allowed = _MODALITIES[wire]
    if modalities is not None and not (
        isinstance(modalities, list) and all(isinstance(m, str) and m in allowed for m in modalities)
    ):
        raise RequestError(400, f"modalities: expected an array of {', '.join(allowed)}")
    image_config, audio = body.get("image_config"), body.get("audio")
    if image_config is not None and not isinstance(image_config, Mapping):
        raise RequestError(400, "image_config: expected an object")
    if audio is not None and not isinstance(audio, Mapping):
        raise RequestError(400, "audio: expected an object {voice, format}")
    return {
        "modalities": list(modalities or []),
        "image_config": dict(image_config or {}),
        "audio": dict(audio or {}),
    }


# -- Responses API -------------------------------------------------------------------------------------
_ASSISTANT_ITEMS = ("reasoning", "function_call")


def read_responses(body: Mapping[str, Any]) -> Conversation:
    """Read a ``POST /responses`` body (reference §6). Stateless: the whole conversation is in ``input``."""
    # OpenRouter's Responses API keeps no state (reference §6): these two are rejected outright.
    if body.get("previous_response_id") is not None:
        raise RequestError(
            400,
            "previous_response_id is not supported: the OpenRouter Responses API is stateless; "
            "send the whole conversation in input",
        )
    if body.get("store") is True:
        raise RequestError(
            400,
            "store: true is not supported: the OpenRouter Responses API is stateless (store must be false)",
        )
    if "messages" in body and "input" not in body:
        raise RequestError(400, "input: required (the Responses API takes 'input', not 'messages')")
    raw_input = body.get("input")
    entries: list[Entry] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        entries.append(Entry(role="system", text=instructions))
    if isinstance(raw_input, str):
        entries.append(Entry(role="user", text=raw_input))
    elif isinstance(raw_input, list):
        for index, item in enumerate(raw_input):
            _read_item(entries, item, index)
    else:
        raise RequestError(400, "input: expected a string or an array of input items")
    _check_tool_results(entries)

    tools: list[ToolDef] = []
    for index, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, Mapping):
            raise RequestError(400, f"tools[{index}]: expected an object")
        if tool.get("type") != "function":
            continue
        if not isinstance(tool.get("name"), str):
            raise RequestError(
                400,
                f"tools[{index}].name: required (Responses API function tools are flat: "
                "{type, name, parameters})",
            )
        tools.append(
            ToolDef(
                tool["name"],
                str(tool.get("description") or ""),
                _schema_of(tool.get("parameters"), f"tools[{index}]"),
            )
        )

    output_schema, json_mode = None, None
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    if isinstance(fmt, Mapping):
        if fmt.get("type") == "json_schema":
            schema = fmt.get("schema")
            if not isinstance(schema, Mapping):
                raise RequestError(400, "text.format.schema: required for json_schema output")
            output_schema, json_mode = dict(schema), "json_schema"
        elif fmt.get("type") == "json_object":
            json_mode = "json_object"

    reasoning = dict(body["reasoning"]) if isinstance(body.get("reasoning"), Mapping) else {}
    model, fallbacks = _models(body)
    return Conversation(
        wire="responses",
        model=model,
        fallback_models=fallbacks,
        entries=entries,
        tools=tools,
        tool_choice=body.get("tool_choice", "auto"),
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        output_schema=output_schema,
        json_mode=json_mode,
        max_tokens=_int_or_none(body, "max_output_tokens"),
        stop=[],
        reasoning=reasoning,
        stream=body.get("stream") is True,
        **_output_options(body, "responses"),
    )


def _assistant_entry(entries: list[Entry]) -> Entry:
    if entries and entries[-1].role == "assistant":
        return entries[-1]
    entry = Entry(role="assistant")
    entries.append(entry)
    return entry


def _read_item(entries: list[Entry], item: Any, index: int) -> None:
    if not isinstance(item, Mapping):
        raise RequestError(400, f"input[{index}]: expected an object")
    kind = item.get("type", "message" if "role" in item else None)
    if kind == "message":
        role = item.get("role")
        if role not in ("user", "system", "developer", "assistant"):
            raise RequestError(400, f"input[{index}].role: invalid role {role!r}")
        text, attachments = _text_of(item.get("content"))
        if role == "assistant":
            entry = _assistant_entry(entries)
            entry.text += text
        else:
            entries.append(Entry(role=str(role), text=text, attachments=attachments))
    elif kind == "function_call":
        call_id, name = item.get("call_id"), item.get("name")
        if not isinstance(call_id, str) or not isinstance(name, str):
            raise RequestError(400, f"input[{index}]: function_call items need call_id and name")
        arguments = item.get("arguments")
        item_id = item.get("id")
        _assistant_entry(entries).calls.append(
            ToolCallRecord(
                call_id,
                name,
                arguments if isinstance(arguments, str) else json.dumps(arguments),
                item_id if isinstance(item_id, str) else None,
            )
        )
    elif kind == "function_call_output":
        call_id = item.get("call_id")
        if not isinstance(call_id, str):
            raise RequestError(400, f"input[{index}]: function_call_output items need call_id")
        output = item.get("output")
        text = output if isinstance(output, str) else _text_of(output)[0] if isinstance(output, list) else ""
        entries.append(Entry(role="tool", text=text, call_id=call_id))
    elif kind == "reasoning":
        _assistant_entry(entries).reasoning.append(dict(item))
    # Other item types (server-tool calls, images, ...) are accepted and ignored.


def _check_tool_results(entries: list[Entry]) -> None:
    """Every tool result must answer a call made earlier (both wires reject orphans)."""
    known: set[str] = set()
    for entry in entries:
        known.update(call.call_id for call in entry.calls)
        if entry.role == "tool" and entry.call_id not in known:
            raise RequestError(
                400,
                f"tool result for unknown tool call id {entry.call_id!r}: "
                "each result must follow the assistant turn that made the call",
            )
