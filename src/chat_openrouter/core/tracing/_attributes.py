"""What a span says, as plain dicts: the GenAI semantic conventions' attributes, free of OpenTelemetry.

Pure functions of our own values (``ModelRequest``, ``ChatResponse``, ``Messages``), so they are tested
without an SDK and cost nothing unless a span records. Names follow the conventions as they stand
(opentelemetry.io/docs/specs/semconv/gen-ai, semantic-conventions-genai): ``gen_ai.*`` for what they define,
``error.type``/``server.*``/``http.*`` from the general registry, and ``openrouter.*`` for what only this
library knows (cost, the upstream provider, the wire, retries, run outcomes).

Message content (:func:`input_messages`, :func:`output_messages`, tool arguments and results) is only
ever built when content capture is on; nothing else here reads a message's text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..parts import FilePart, ReasoningPart, RefusalPart, Role, StructuredPart, TextPart, ToolPart

if TYPE_CHECKING:
    from ..messages import Content
    from ..request import ModelRequest
    from ..response import ChatResponse

__all__ = [
    "EXTRA",
    "error_attributes",
    "error_type",
    "input_messages",
    "output_messages",
    "request_attributes",
    "response_attributes",
    "server_attributes",
    "to_json",
    "tool_arguments",
    "usage_attributes",
]

#: The namespace of this library's own attributes and events.
EXTRA = "openrouter"
AttributeValue = str | bool | int | float | list[str]

# Request fields the conventions name, read from the encoded body: the span says what was *sent* (the
# Responses API has no `stop` or `seed`, and the wire drops them). Same keys on both wires.
_BODY_NUMBERS = (
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("seed", "gen_ai.request.seed"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("top_k", "gen_ai.request.top_k"),
)
# The output budget's key per wire: Chat Completions `max_completion_tokens` (or the older `max_tokens`
# from extra_body), Responses `max_output_tokens`.
_MAX_TOKENS_KEYS = ("max_completion_tokens", "max_tokens", "max_output_tokens")


def server_attributes(base_url: str) -> dict[str, AttributeValue]:
    """``server.address`` and ``server.port`` of an endpoint's base URL (the port defaulted by scheme)."""
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError:  # a malformed URL is the transport's error to report, not the span's
        return {}
    if not parts.hostname:
        return {}
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return {"server.address": parts.hostname, "server.port": port}


def request_attributes(
    request: ModelRequest, body: Mapping[str, Any], model: str | None
) -> dict[str, AttributeValue]:
    """The request side of an inference span: model, sampling parameters, output type, conversation id."""
    attributes: dict[str, AttributeValue] = {}
    if model:
        attributes["gen_ai.request.model"] = model
    for key, name in _BODY_NUMBERS:
        value = body.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attributes[name] = value
    for key in _MAX_TOKENS_KEYS:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            attributes["gen_ai.request.max_tokens"] = value
            break
    stop = body.get("stop")
    if isinstance(stop, str):
        attributes["gen_ai.request.stop_sequences"] = [stop]
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        attributes["gen_ai.request.stop_sequences"] = list(stop)
    # OpenRouter's session id groups the requests of one conversation: the conventions' conversation id.
    session = body.get("session_id")
    if isinstance(session, str) and session:
        attributes["gen_ai.conversation.id"] = session
    if request.output is not None:
        attributes["gen_ai.output.type"] = "json"
    return attributes


def usage_attributes(response: ChatResponse) -> dict[str, AttributeValue]:
    """Token counts (``gen_ai.usage.*``) and cost, when the server reported usage."""
    usage = response.usage
    if usage.is_empty:
        return {}
    attributes: dict[str, AttributeValue] = {
        "gen_ai.usage.input_tokens": usage.input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
    }
    if usage.cached_tokens:
        attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cached_tokens
    if usage.cache_write_tokens:
        attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        attributes["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
    if usage.cost is not None:
        attributes[f"{EXTRA}.cost"] = float(usage.cost)
    if usage.is_byok:  # the cost is then OpenRouter's fee only; the common False is left out (cheaper spans)
        attributes[f"{EXTRA}.is_byok"] = True
    return attributes


def response_attributes(response: ChatResponse) -> dict[str, AttributeValue]:
    """The response side: ids, the model that answered, finish reasons, usage, the upstream provider."""
    attributes: dict[str, AttributeValue] = {}
    if response.id:
        attributes["gen_ai.response.id"] = response.id  # OpenRouter's gen-... id on both wires
    if response.model:
        attributes["gen_ai.response.model"] = response.model  # the model it routed to (fallbacks)
    if response.finish_reason:
        attributes["gen_ai.response.finish_reasons"] = [response.finish_reason]
    if response.provider:
        attributes[f"{EXTRA}.upstream_provider"] = response.provider
    attributes.update(usage_attributes(response))
    return attributes


def error_type(error: BaseException) -> str:
    """``error.type``: the exception's class name -- low-cardinality, and never its message."""
    return type(error).__qualname__


def error_attributes(error: BaseException) -> dict[str, AttributeValue]:
    """``error.type``, the HTTP status and attempts of our errors; never the message (it may quote content:
    an upstream error echoing the prompt, a validation error quoting the answer, a tool's own message)."""
    attributes: dict[str, AttributeValue] = {"error.type": error_type(error)}
    status = getattr(error, "status", None)
    if isinstance(status, int) and not isinstance(status, bool):
        attributes["http.response.status_code"] = status
    attempts = getattr(error, "attempts", None)
    if isinstance(attempts, int) and not isinstance(attempts, bool) and attempts > 0:
        attributes[f"{EXTRA}.attempts"] = attempts
    return attributes


# -- content (only with content capture on) -----------------------------------------------------------------
def to_json(value: Any) -> str:
    """Compact JSON for an attribute; what JSON cannot carry is written as its ``str``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_fallback)


def _fallback(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return str(value)


def _file(part: FilePart) -> dict[str, Any]:
    modality = part.category if part.category in ("image", "audio", "video") else None
    if part.url is not None and not part.url.startswith("data:"):
        entry: dict[str, Any] = {"type": "uri", "uri": part.url, "mime_type": part.mime_type}
        if modality:
            entry["modality"] = modality
        return entry
    # Inline bytes stay out of telemetry (megabytes per attribute): say what was there.
    return {"type": "file", "mime_type": part.mime_type, "filename": part.filename, "size": part.size}


def _parts(content: Content, *, with_results: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A turn's parts in the conventions' shape, and the tool results its answered calls carry."""
    parts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for part in content.parts:
        if isinstance(part, TextPart):
            parts.append({"type": "text", "content": part.text})
        elif isinstance(part, RefusalPart):
            parts.append({"type": "refusal", "content": part.text})
        elif isinstance(part, ReasoningPart):
            if part.text:
                parts.append({"type": "reasoning", "content": part.text})
        elif isinstance(part, ToolPart):
            arguments: Any = part.arguments if part.arguments is not None else part.raw_arguments
            parts.append({"type": "tool_call", "id": part.id, "name": part.name, "arguments": arguments})
            if with_results and part.has_result:
                results.append({"type": "tool_call_response", "id": part.id, "response": part.output_text()})
        elif isinstance(part, FilePart):
            parts.append(_file(part))
        elif isinstance(part, StructuredPart):
            parts.append({"type": "text", "content": to_json(part.value)})
    return parts, results


_ROLES = {Role.USER: "user", Role.SYSTEM: "system", Role.MODEL: "assistant"}


def input_messages(messages: Iterable[Content]) -> str:
    """``gen_ai.input.messages``: the conversation sent, in order; a model turn's answered tool calls
    are followed by a ``tool`` message with their results (as the wires send them)."""
    out: list[dict[str, Any]] = []
    for content in messages:
        parts, results = _parts(content, with_results=True)
        out.append({"role": _ROLES.get(content.role, str(content.role)), "parts": parts})
        if results:
            out.append({"role": "tool", "parts": results})
    return to_json(out)


def output_messages(response: ChatResponse) -> str:
    """``gen_ai.output.messages``: the model's turn, with its finish reason."""
    parts, _ = _parts(response.content, with_results=False)
    message: dict[str, Any] = {"role": "assistant", "parts": parts}
    message["finish_reason"] = response.finish_reason or "stop"
    return to_json([message])


def tool_arguments(arguments: Mapping[str, Any]) -> str:
    """``gen_ai.tool.call.arguments``."""
    return to_json(dict(arguments))
