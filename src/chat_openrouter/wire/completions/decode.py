"""Chat Completions results: a ``chat.completion`` body -> ``ChatResponse``. Pure.

Reading is lenient: unknown fields, unknown finish reasons and missing sub-objects never crash. Errors
delivered inside an HTTP 200 (a top-level ``error``, ``finish_reason: "error"``) raise
:class:`~chat_openrouter.errors.StreamError` carrying what was decoded as ``.partial``.

:func:`response_from` is the one place a ``chat.completion`` becomes a response: the non-streaming
decoder and the stream state (:mod:`.stream`, which merges the chunks into one ``chat.completion``) both
end there, which is why a streamed call and a non-streamed one give equal results.
Section numbers (§) refer to the OpenRouter reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...core.messages import Content
from ...core.parts import FilePart, Part, ReasoningPart, RefusalPart, Role, TextPart, ToolPart
from ...core.response import ChatResponse, TokenLogprob, normalise_finish_reason
from ...core.usage import Usage
from ...errors import DecodeError, StreamError
from ...errors.mapping import stream_error_from_object
from ..common.decoding import audio_part, raw_arguments, require_object, token_logprobs, tool_part, usage_from
from ..common.lenient import as_mapping, as_str, dicts, opt_int
from ..common.reasoning import TEXT_SEPARATOR

__all__ = [
    "content_text",
    "decode_response",
    "decode_usage",
    "detail_text",
    "failure",
    "finish_reason",
    "last_signature",
    "message_parts",
    "response_from",
    "tool_part_from_call",
]


def decode_usage(usage: Any) -> Usage:
    """``usage`` as :class:`~chat_openrouter.Usage`; absent fields read as 0 or None (§4.2)."""
    if not isinstance(usage, Mapping):
        return Usage()
    return usage_from(
        usage,
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        input_details=usage.get("prompt_tokens_details"),
        output_details=usage.get("completion_tokens_details"),
    )


def detail_text(detail: Mapping[str, Any]) -> str:
    """The readable text of one reasoning detail (``text`` or ``summary``; encrypted ones have none)."""
    text = detail.get("text")
    if not isinstance(text, str):
        text = detail.get("summary")
    return text if isinstance(text, str) else ""


def last_signature(details: Sequence[Mapping[str, Any]]) -> str | None:
    """The last non-empty ``signature`` among reasoning details (Anthropic sends it last, §5.3)."""
    for detail in reversed(details):
        signature = detail.get("signature")
        if isinstance(signature, str) and signature:
            return signature
    return None


def content_text(content: Any) -> str:
    """``content`` is a string; a few upstreams send an array of text parts instead."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str)
        )
    return ""


def _image_parts(images: Any) -> list[FilePart]:
    """``message.images[]`` from image-output models, as URL file parts."""
    out: list[FilePart] = []
    if isinstance(images, list):
        for image in images:
            url = as_str(as_mapping(as_mapping(image).get("image_url")).get("url"))
            if url:
                out.append(FilePart.from_url(url))
    return out


def message_parts(message: Mapping[str, Any]) -> list[Part]:
    """The parts of an assistant message, in a fixed order: reasoning, text, refusal, tool calls, images,
    audio (``message.audio`` of audio-output models: an :class:`~chat_openrouter.AudioPart`).

    ``refusal`` (the model declined) is a :class:`RefusalPart` of its own, never text (issue 11).
    """
    parts: list[Part] = []
    details = dicts(message.get("reasoning_details"))
    reasoning = as_str(message.get("reasoning")) or ""
    if not reasoning and details:
        # Some providers fill only `reasoning_details`: read the text from there.
        reasoning = TEXT_SEPARATOR.join(t for t in map(detail_text, details) if t)
    if reasoning or details:
        parts.append(ReasoningPart(text=reasoning, signature=last_signature(details), details=details))
    text = content_text(message.get("content"))
    annotations = dicts(message.get("annotations"))
    if text or annotations:
        parts.append(TextPart(text, annotations=annotations))
    refusal = as_str(message.get("refusal"))
    if refusal:
        parts.append(RefusalPart(refusal))
    tool_calls = message.get("tool_calls")
    if isinstance(tool_calls, list):
        parts.extend(tool_part_from_call(call, position) for position, call in enumerate(tool_calls))
    parts.extend(_image_parts(message.get("images")))
    audio = audio_part(message.get("audio"))
    if audio is not None:
        parts.append(audio)
    return parts


def tool_part_from_call(call: Any, position: int) -> ToolPart:
    """One ``tool_calls`` entry as a :class:`ToolPart`; a call without an id is ``call_<position>``."""
    call = as_mapping(call)
    function = as_mapping(call.get("function"))
    return tool_part(
        as_str(call.get("id")) or f"call_{position}",
        as_str(function.get("name")) or "",
        raw_arguments(function.get("arguments")),
    )


def finish_reason(raw: str | None, parts: Sequence[Part]) -> str | None:
    """The normalised finish reason; a turn that only declined (a refusal, no tool call) finishes with
    ``refusal`` where the wire says ``stop`` -- never an empty success (the wire's value stays in
    ``native_finish_reason``)."""
    finish = normalise_finish_reason(raw)
    declined = any(isinstance(p, RefusalPart) for p in parts)
    if finish == "stop" and declined and not any(isinstance(p, ToolPart) for p in parts):
        return "refusal"
    return finish


def _logprobs(choice: Mapping[str, Any]) -> list[TokenLogprob]:
    """``choices[].logprobs.content`` -- the answer's tokens (spec ``ChatTokenLogprobs``); the refusal's
    tokens (``logprobs.refusal``) stay in ``raw``."""
    return token_logprobs(as_mapping(choice.get("logprobs")).get("content"))


def response_from(
    body: Mapping[str, Any], *, generation_id: str | None = None, raw: dict[str, Any] | None = None
) -> ChatResponse:
    """The :class:`ChatResponse` of a ``chat.completion`` object (its first choice; ``n > 1`` is not
    modelled). ``generation_id`` is the id when the body has none; ``raw`` is kept as ``raw``."""
    choices = body.get("choices")
    choice: Mapping[str, Any] = {}
    if isinstance(choices, list) and choices:
        choice = as_mapping(choices[0])
    parts = message_parts(as_mapping(choice.get("message")))
    return ChatResponse(
        content=Content(Role.MODEL, parts),
        id=as_str(body.get("id")) or generation_id,
        model=as_str(body.get("model")),
        provider=as_str(body.get("provider")),
        finish_reason=finish_reason(as_str(choice.get("finish_reason")), parts),
        native_finish_reason=as_str(choice.get("native_finish_reason")),
        usage=decode_usage(body.get("usage")),
        created=opt_int(body.get("created")),
        raw=raw,
        system_fingerprint=as_str(body.get("system_fingerprint")),
        service_tier=as_str(body.get("service_tier")),
        logprobs=_logprobs(choice),
    )


def failure(
    error: Any,
    choice: Mapping[str, Any],
    *,
    partial: ChatResponse,
    body: Any,
    generation_id: str | None,
) -> StreamError:
    """The StreamError for an error inside a 200: an ``error`` object or ``finish_reason: "error"``."""
    native = as_str(choice.get("native_finish_reason"))
    fallback = "the model call failed (finish_reason 'error'" + (
        f", native_finish_reason {native!r})" if native else ")"
    )
    err = error if isinstance(error, Mapping) else None
    return stream_error_from_object(
        err, partial=partial, body=body, fallback=fallback, generation_id=generation_id
    )


def decode_response(
    body: Any, *, generation_id: str | None = None, max_tool_calls: int | None = None
) -> ChatResponse:
    """A non-streaming ``/chat/completions`` body as a :class:`~chat_openrouter.ChatResponse`.

    ``generation_id`` (the ``X-Generation-Id`` header) is used when the body has no ``id``.
    ``max_tool_calls`` bounds the tool calls of the answer, as the stream state bounds a stream's
    (``Limits.max_tool_calls``; None: no bound).

    Raises:
        DecodeError: the body is not a JSON object, or holds more tool calls than ``max_tool_calls``.
        StreamError: the 200 body carries a top-level ``error`` or a choice with ``finish_reason:
            "error"`` (reference §4); ``.partial`` holds whatever content came with it.
    """
    body = require_object(body, "a chat completion must be a JSON object")
    choices = body.get("choices")
    choice = as_mapping(choices[0]) if isinstance(choices, list) and choices else {}
    calls = as_mapping(choice.get("message")).get("tool_calls")
    if max_tool_calls is not None and isinstance(calls, list) and len(calls) > max_tool_calls:
        # Checked before decoding: a hostile body must not cost a part per call first.
        raise DecodeError(f"the answer holds more than {max_tool_calls} tool calls (Limits.max_tool_calls)")
    response = response_from(body, generation_id=generation_id, raw=dict(body))
    error = body.get("error")
    if isinstance(error, Mapping):
        raise failure(error, choice, partial=response, body=body, generation_id=response.id)
    if choice.get("finish_reason") == "error":
        raise failure(choice.get("error"), choice, partial=response, body=body, generation_id=response.id)
    return response
