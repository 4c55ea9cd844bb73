"""Responses API results: a ``/responses`` body (or a stream's terminal response) -> ``ChatResponse``. Pure.

Reading is lenient: unknown item types, unknown content types, unknown statuses and missing sub-objects
never crash. Failures delivered inside an HTTP 200 (``status: "failed"``, an ``error`` object in the body)
raise :class:`~chat_openrouter.errors.StreamError` carrying what was decoded as ``.partial``.

:func:`response_from` is the one place a list of ``output`` items becomes a response: the non-streaming
decoder and the stream state (:mod:`.stream`, once it has reconciled what streamed with the terminal
event) both end there, which is why a streamed call and a non-streamed one give equal results.
Section numbers (§) refer to the OpenRouter reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...core.messages import Content
from ...core.parts import FilePart, Part, RefusalPart, Role, TextPart, ToolPart
from ...core.response import ChatResponse, TokenLogprob, normalise_finish_reason
from ...core.usage import Usage
from ...errors import DecodeError, IncompleteStreamError, StreamError
from ...errors.mapping import stream_error_from_object
from ..common.decoding import raw_arguments, require_object, token_logprobs, tool_part, usage_from
from ..common.lenient import as_mapping, as_str, dicts, opt_int
from ..common.reasoning import part_from_item

__all__ = [
    "decode_response",
    "decode_usage",
    "failure",
    "finish_reason",
    "is_error",
    "message_parts",
    "output_logprobs",
    "output_parts",
    "response_from",
    "tool_part_from_item",
]


def decode_usage(usage: Any) -> Usage:
    """``usage`` as :class:`~chat_openrouter.Usage`; absent fields read as 0 or None (§7).

    ``input_tokens_details.cached_tokens`` / ``cache_write_tokens``,
    ``output_tokens_details.reasoning_tokens``, ``cost`` (USD), ``is_byok`` and ``cost_details`` (verbatim)
    are OpenRouter's additions to OpenAI's shape.
    Chat-style ``prompt_tokens`` / ``completion_tokens`` are read when the Responses names are absent.
    """
    if not isinstance(usage, Mapping):
        return Usage()
    return usage_from(
        usage,
        input_tokens=usage.get("input_tokens", usage.get("prompt_tokens")),
        output_tokens=usage.get("output_tokens", usage.get("completion_tokens")),
        input_details=usage.get("input_tokens_details"),
        output_details=usage.get("output_tokens_details"),
    )


def tool_part_from_item(item: Mapping[str, Any], position: int) -> ToolPart:
    """A ``function_call`` item as a :class:`ToolPart`: ``id`` is the ``call_id`` (what the result must
    quote), the item's own ``fc_…`` id is kept in ``provider_data["item_id"]`` for the replay."""
    item_id = as_str(item.get("id"))
    return tool_part(
        as_str(item.get("call_id")) or item_id or f"call_{position}",
        as_str(item.get("name")) or "",
        raw_arguments(item.get("arguments")),
        provider_data={"item_id": item_id} if item_id else None,
    )


def message_parts(item: Mapping[str, Any]) -> list[TextPart | RefusalPart]:
    """The parts of a ``message`` item: ``output_text`` -> :class:`TextPart` (with its annotations),
    ``refusal`` -> :class:`RefusalPart`, in content order; empty entries and unknown types are skipped."""
    content = item.get("content")
    if isinstance(content, str):  # lenient: an easy-input style string
        return [TextPart(content)] if content else []
    parts: list[TextPart | RefusalPart] = []
    for entry in content if isinstance(content, list) else ():
        if not isinstance(entry, Mapping):
            continue
        kind = entry.get("type")
        if kind == "output_text":
            text = as_str(entry.get("text")) or ""
            annotations = dicts(entry.get("annotations"))
            if text or annotations:
                parts.append(TextPart(text, annotations=annotations))
        elif kind == "refusal":
            # The model declined: a part of its own, never text (issue 11 item 4).
            refusal = as_str(entry.get("refusal"))
            if refusal:
                parts.append(RefusalPart(refusal))
    return parts


_IMAGE_SIGNATURES = (
    ("iVBOR", "image/png"),
    ("/9j/", "image/jpeg"),
    ("R0lGOD", "image/gif"),
    ("UklGR", "image/webp"),
)


def _image_part(item: Mapping[str, Any]) -> FilePart | None:
    """A generated image (``image_generation_call.result``, base64) as a ``data:`` URL file part."""
    result = as_str(item.get("result"))
    if not result:
        return None
    mime = next((m for prefix, m in _IMAGE_SIGNATURES if result.startswith(prefix)), "image/png")
    return FilePart.from_url(f"data:{mime};base64,{result}")


def output_parts(items: Iterable[Any]) -> list[Part]:
    """The parts of a response's ``output`` items, in output order.

    ``message`` → text and refusal parts, ``function_call`` → tool parts, ``reasoning`` → reasoning parts
    (item verbatim + Chat-form details), generated images → file parts. Other items (server-tool calls,
    ...) have no part: they stay in ``ChatResponse.raw``.
    """
    parts: list[Part] = []
    reasoning_index = 0
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type")
        if kind == "message":
            parts.extend(message_parts(item))
        elif kind == "function_call":
            parts.append(tool_part_from_item(item, position))
        elif kind == "reasoning":
            parts.append(part_from_item(item, index=reasoning_index))
            reasoning_index += 1
        elif kind == "image_generation_call":
            image = _image_part(item)
            if image is not None:
                parts.append(image)
    return parts


def output_logprobs(items: Iterable[Any]) -> list[TokenLogprob]:
    """The token log probabilities of every ``output_text`` part, in output order (``[]`` unless
    ``top_logprobs`` was asked for)."""
    out: list[TokenLogprob] = []
    for item in items:
        if isinstance(item, Mapping) and item.get("type") == "message":
            for entry in dicts(item.get("content")):
                if entry.get("type") == "output_text" and entry.get("logprobs"):
                    out.extend(token_logprobs(entry.get("logprobs")))
    return out


def finish_reason(
    status: str | None, incomplete_details: Any, parts: Sequence[Part]
) -> tuple[str | None, str | None]:
    """``(finish_reason, native_finish_reason)`` for a finished response.

    ``completed`` → ``tool_calls`` when the model called a function, ``refusal`` when it declined, else
    ``stop``; ``incomplete`` → its ``incomplete_details.reason`` normalised (``max_output_tokens`` →
    ``length``, ``content_filter``). The native value is the wire's own (the status or the reason).
    """
    if status == "incomplete":
        reason = as_str(as_mapping(incomplete_details).get("reason"))
        return normalise_finish_reason(reason or status), reason or status
    if any(isinstance(p, ToolPart) for p in parts):
        finish = "tool_calls"
    elif any(isinstance(p, RefusalPart) for p in parts):
        finish = "refusal"
    else:
        finish = "stop"
    return finish, status or "completed"


def is_error(error: Any) -> bool:
    """A real ``error`` object (successful responses carry ``"error": null``)."""
    return isinstance(error, Mapping) and bool(error)


def failure(
    response: Mapping[str, Any],
    error: Any,
    *,
    partial: ChatResponse,
    body: Any,
    fallback: str,
) -> StreamError:
    """The StreamError for a failure inside a 200. OpenRouter's precise ``error_type`` sits next to the
    lossy OpenAI ``error.code`` (fixture doc-responses-failed-body): it is kept in ``metadata``."""
    err = error if isinstance(error, Mapping) else None
    error_obj = stream_error_from_object(
        err, partial=partial, body=body, fallback=fallback, generation_id=partial.id
    )
    error_type = response.get("error_type")
    if isinstance(error_type, str):
        error_obj.metadata.setdefault("error_type", error_type)
    return error_obj


def response_from(
    body: Mapping[str, Any],
    items: Sequence[Any],
    *,
    status: str | None,
    failed: bool = False,
    generation_id: str | None = None,
    raw: dict[str, Any] | None = None,
) -> ChatResponse:
    """The :class:`ChatResponse` for a response object ``body`` whose output is ``items``.

    ``status`` is the finished status (``completed`` / ``incomplete``), or None while a stream is still
    running (no finish reason yet); ``failed`` makes the finish reason ``error`` (the status stays the
    native reason). Metadata -- id (else
    ``generation_id``), model, provider, creation time, usage, ``service_tier`` -- comes from ``body``;
    ``raw`` is kept as the response's ``raw``.
    """
    parts = output_parts(items)
    if failed:
        finish, native = "error", status
    elif status is None or status in ("in_progress", "queued"):
        finish, native = None, status
    else:
        finish, native = finish_reason(status, body.get("incomplete_details"), parts)
    return ChatResponse(
        content=Content(Role.MODEL, parts),
        id=as_str(body.get("id")) or generation_id,
        model=as_str(body.get("model")),
        provider=as_str(body.get("provider")),
        finish_reason=finish,
        native_finish_reason=native,
        usage=decode_usage(body.get("usage")),
        created=opt_int(body.get("created_at")),
        raw=raw,
        service_tier=as_str(body.get("service_tier")),
        logprobs=output_logprobs(items),
    )


def decode_response(
    body: Any, *, generation_id: str | None = None, max_output_items: int | None = None
) -> ChatResponse:
    """A non-streaming ``/responses`` body as a :class:`~chat_openrouter.ChatResponse`.

    ``generation_id`` (the ``X-Generation-Id`` header) is used when the body has no ``id``. Text comes
    from ``output[]`` (the top-level ``output_text`` convenience string is unreliable, §7).
    ``max_output_items`` bounds ``output[]``, as the stream state bounds a stream's
    (``Limits.max_output_items``; None: no bound).

    Raises:
        DecodeError: the body is not a JSON object, or has more output items than ``max_output_items``.
        StreamError: ``status`` is ``failed`` or ``cancelled``, or the body carries an ``error`` object
            (``.code`` int or string, ``.metadata["error_type"]`` from the top-level ``error_type``);
            ``.partial`` holds whatever output came with it.
        IncompleteStreamError: ``status`` says the response is still ``in_progress`` / ``queued``.
    """
    body = require_object(body, "a Responses API result must be a JSON object")
    output = body.get("output")
    if max_output_items is not None and isinstance(output, list) and len(output) > max_output_items:
        # Checked before decoding: a hostile body must not cost a part per item first.
        raise DecodeError(
            f"the answer holds more than {max_output_items} output items (Limits.max_output_items)"
        )
    status = as_str(body.get("status"))
    failed = status in ("failed", "cancelled") or is_error(body.get("error"))
    response = response_from(
        body,
        output if isinstance(output, list) else (),
        status=status if failed else (status or "completed"),
        failed=failed,
        generation_id=generation_id,
        raw=dict(body),
    )
    if failed:
        raise failure(
            body,
            body.get("error"),
            partial=response,
            body=dict(body),
            fallback=f"the response {status or 'failed'}",
        )
    if status in ("in_progress", "queued"):
        raise IncompleteStreamError(
            f"the response is not finished (status {status!r})", partial=response, generation_id=response.id
        )
    return response
