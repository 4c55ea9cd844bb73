"""Rows in, JSON lines out: reading an input row and writing its result record. Pure: no I/O, no clock.

An input row is a JSON object::

    {"id": "q1", "prompt": "Capital of France?"}
    {"id": 2, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}
    {"id": "q3", "prompt": "...", "system": "Answer in French.", "model": "openai/gpt-4o-mini",
     "options": {"temperature": 0, "max_tokens": 200}}

``id`` (a string or an integer) and exactly one of ``prompt`` / ``messages`` are required; ``system``,
``model`` and ``options`` (any :class:`~chat_openrouter.ChatOptions` field, ``reasoning`` as an object)
are optional; other keys are ignored, so rows may carry labels for your own joins. ``messages`` use the
OpenAI chat shape (roles ``system``/``developer``/``user``/``assistant``; content a string or a list of
``text`` / ``image_url`` / ``file`` parts).

Each result is one JSON object on one line::

    {"id": "q1", "text": "Paris.", "output": null,
     "usage": {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15, "reasoning_tokens": 0,
               "cached_tokens": 0, "cost": 0.0000042},
     "model": "openai/gpt-4o-mini", "provider": "OpenAI", "generation_id": "gen-...", "attempts": 1,
     "error": null}

and a failed row has ``error: {"type", "status", "code", "message", "retryable"}`` instead (``text`` null).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..core.messages import Content, Messages
from ..core.options import ChatOptions, Reasoning
from ..core.parts import FilePart, Part, TextPart
from ..core.response import ChatResponse
from ..core.usage import Usage
from ..errors import APIError, ChatOpenRouterError, ConfigurationError, TransportError

__all__ = [
    "BatchInputError",
    "BatchRow",
    "RowId",
    "error_info",
    "error_record",
    "parse_row",
    "result_record",
    "row_key",
    "usage_info",
]

RowId = str | int

_OPTION_FIELDS = frozenset(f.name for f in fields(ChatOptions)) - {"retries", "timeouts"}
_REASONING_FIELDS = frozenset(f.name for f in fields(Reasoning))
_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "model"}


class BatchInputError(ConfigurationError):
    """A batch input row (or the output file of an earlier run) cannot be used.

    ``row_id`` is the row's id when it had a usable one, ``line`` the 1-based line of the file, if any.
    """

    def __init__(self, message: str, *, row_id: RowId | None = None, line: int | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(where + message)
        self.row_id = row_id
        self.line = line


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One parsed input row: its id, the conversation to send and its own request options."""

    id: RowId
    messages: Messages
    options: ChatOptions | None = None
    line: int | None = None

    @property
    def key(self) -> str:
        """The id as a canonical string (``"7"`` and ``7`` are different ids)."""
        return row_key(self.id)


def row_key(row_id: Any) -> str:
    """A canonical, hashable form of a row id: its JSON encoding."""
    return json.dumps(row_id, ensure_ascii=False)


def valid_id(value: Any) -> bool:
    """Row ids are strings or integers (bools are not integers here)."""
    return (isinstance(value, str) and value != "") or (isinstance(value, int) and not isinstance(value, bool))


def parse_row(raw: Any, *, line: int | None = None, system: str | None = None) -> BatchRow:
    """Validate one input row; raise :class:`BatchInputError` saying what is wrong.

    ``system`` is the job's system prompt, put first unless the row brings its own ``system`` or a
    system message. Keys whose value is null count as absent (Arrow fills missing struct fields that way).
    """
    if not isinstance(raw, Mapping):
        raise BatchInputError(f"a row must be a JSON object, got {type(raw).__name__}", line=line)
    row_id = raw.get("id")
    if not valid_id(row_id):
        raise BatchInputError(
            f'"id" must be a non-empty string or an integer, got {row_id!r}'[:200], line=line
        )
    prompt, messages = raw.get("prompt"), raw.get("messages")
    try:
        if (prompt is None) == (messages is None):
            raise BatchInputError('a row needs exactly one of "prompt" and "messages"')
        row_system = raw.get("system")
        if row_system is not None and not isinstance(row_system, str):
            raise BatchInputError('"system" must be a string')
        if prompt is not None:
            if not isinstance(prompt, str) or not prompt.strip():
                raise BatchInputError('"prompt" must be a non-empty string')
            conversation = Messages().user(prompt)
        else:
            conversation = messages_from_openai(messages)
        first_is_system = bool(conversation) and conversation[0].role.value == "system"
        instructions = row_system if row_system is not None else (None if first_is_system else system)
        if instructions:
            conversation = Messages([Content.system(instructions), *conversation])
        options = _options(raw.get("options"), raw.get("model"))
    except BatchInputError as exc:
        raise BatchInputError(str(exc), row_id=row_id, line=line) from None
    return BatchRow(row_id, conversation, options, line)  # type: ignore[arg-type]


def messages_from_openai(value: Any) -> Messages:
    """OpenAI-style chat messages as our :class:`Messages` (no tool turns: a batch row is one question)."""
    if not isinstance(value, list) or not value:
        raise BatchInputError('"messages" must be a non-empty list of {"role", "content"} objects')
    conversation = Messages()
    for index, message in enumerate(value):
        if not isinstance(message, Mapping):
            raise BatchInputError(f"messages[{index}] must be an object")
        role = _ROLES.get(str(message.get("role")))
        if role is None:
            raise BatchInputError(
                f"messages[{index}].role must be system, developer, user or assistant, got {message.get('role')!r}"
            )
        parts = _parts(message.get("content"), f"messages[{index}].content")
        content = {"system": Content.system, "user": Content.user, "model": Content.model}[role](*parts)
        conversation.push(content)
    if conversation[-1].role.value == "model":
        # Ending on the model's turn is a prefill; most providers reject it, so say so before paying.
        raise BatchInputError("the last message is the assistant's: end the conversation with a user message")
    return conversation


def _parts(content: Any, where: str) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)]
    if not isinstance(content, list) or not content:
        raise BatchInputError(f"{where} must be a string or a non-empty list of parts")
    parts: list[Part] = []
    for part in content:
        if not isinstance(part, Mapping):
            raise BatchInputError(f"{where}: a part must be an object, got {str(part)[:80]}")
        kind = part.get("type")
        if kind in ("text", "input_text") and isinstance(part.get("text"), str):
            parts.append(TextPart(part["text"]))
        elif kind == "image_url":
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, Mapping) else url
            if not isinstance(url, str) or not url:
                raise BatchInputError(f"{where}: an image_url part needs a url")
            parts.append(FilePart.from_url(url))
        elif kind == "file" and isinstance(part.get("file"), Mapping):
            spec = part["file"]
            url = spec.get("file_data") or spec.get("url")
            if not isinstance(url, str) or not url:
                raise BatchInputError(f"{where}: a file part needs file_data (a data: URL) or url")
            parts.append(FilePart.from_url(url, filename=spec.get("filename")))
        else:
            raise BatchInputError(f"{where}: unsupported part {str(part)[:80]} (text, image_url and file are)")
    return parts


def _options(value: Any, model: Any) -> ChatOptions | None:
    if value is None and model is None:
        return None
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise BatchInputError('"options" must be an object of ChatOptions fields')
    given = {k: v for k, v in value.items() if v is not None}
    unknown = sorted(set(given) - _OPTION_FIELDS)
    if unknown:
        raise BatchInputError(f'unknown "options" {unknown}; known: {sorted(_OPTION_FIELDS)}')
    reasoning = given.get("reasoning")
    if reasoning is not None:
        if not isinstance(reasoning, Mapping) or set(reasoning) - _REASONING_FIELDS:
            raise BatchInputError(f'"options.reasoning" must be an object with keys from {sorted(_REASONING_FIELDS)}')
        try:
            given["reasoning"] = Reasoning(**{k: v for k, v in reasoning.items() if v is not None})
        except ConfigurationError as exc:  # an unknown effort, a wrong type: this row's problem
            raise BatchInputError(f'"options.reasoning": {exc.message}') from None
    for name in ("extra_body", "extra_headers"):
        if name in given and not isinstance(given[name], Mapping):
            raise BatchInputError(f'"options.{name}" must be an object')
        if name in given:
            given[name] = dict(given[name])
    if model is not None:
        if not isinstance(model, str) or not model:
            raise BatchInputError('"model" must be a model id string')
        # extra_body is merged last into the request by both codecs: the row's model replaces the client's.
        given["extra_body"] = {**given.get("extra_body", {}), "model": model}
    try:
        return ChatOptions(**given)
    except ConfigurationError as exc:  # a value out of range or of the wrong type
        raise BatchInputError(f'invalid "options": {exc.message}') from None
    except TypeError as exc:  # pragma: no cover - fields are checked above
        raise BatchInputError(f'invalid "options": {exc}') from None


# -- results -------------------------------------------------------------------------------------------
def usage_info(usage: Usage) -> dict[str, Any]:
    """The ``usage`` object of a result line."""
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_tokens": usage.cached_tokens,
        # A JSON number (docs/batch.md): the float nearest the exact Decimal cost, so no float noise.
        "cost": None if usage.cost is None else float(usage.cost),
    }


def result_record(row_id: RowId, response: ChatResponse, output: Any, attempts: int) -> dict[str, Any]:
    """The result line of an answered row."""
    return {
        "id": row_id,
        "text": response.text,
        "output": output,
        "usage": usage_info(response.usage),
        "model": response.model,
        "provider": response.provider,
        "generation_id": response.generation_id,
        "attempts": attempts,
        "error": None,
    }


def error_info(error: BaseException) -> dict[str, Any]:
    """``{type, status, code, message, retryable}`` for any exception (messages are already key-free)."""
    status = getattr(error, "status", None)
    code = getattr(error, "code", None) if isinstance(error, APIError) else None
    retryable = getattr(error, "retryable", False) if isinstance(error, (APIError, TransportError)) else False
    message = error.message if isinstance(error, ChatOpenRouterError) else str(error) or type(error).__name__
    return {
        "type": type(error).__name__,
        "status": status if isinstance(status, int) else None,
        "code": code if isinstance(code, (int, str)) and not isinstance(code, bool) else None,
        "message": message[:1000],
        "retryable": bool(retryable),
    }


def error_record(row_id: RowId, error: BaseException, attempts: int, usage: Usage | None = None) -> dict[str, Any]:
    """The result line of a row that failed (``usage`` when the failure still cost something)."""
    generation_id = getattr(error, "generation_id", None)
    return {
        "id": row_id,
        "text": None,
        "output": None,
        "usage": usage_info(usage) if usage is not None and not usage.is_empty else None,
        "model": None,
        "provider": getattr(error, "provider_name", None),
        "generation_id": generation_id if isinstance(generation_id, str) else None,
        "attempts": attempts,
        "error": error_info(error),
    }
