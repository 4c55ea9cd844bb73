"""Turning OpenRouter error responses into the error tree (pure; used by the transport and both codecs).

OpenRouter's error shape (reference §9.1)::

    {"error": {"code": 429, "message": "Provider returned error",
               "metadata": {"provider_name": "...", "raw": "...", "error_type": "..."}}, "user_id": "..."}

``code`` may be an int or a string, may be absent (availability errors use ``http_status`` +
``error_type`` + ``availability``), and a 5xx may come back as an HTML page from the edge.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .. import _json
from . import APIStatusError, PartialResponse, StreamError, error_for_status

__all__ = ["api_error_from_response", "header", "parse_retry_after", "stream_error_from_object"]

_MAX_MESSAGE = 500


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that works for plain dicts too (transports hand us either)."""
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, val in headers.items():
        if key.lower() == lower:
            return val
    return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # rare (HTTP-date form): not worth its import time for every user

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds)


def _error_object(body: Any) -> Mapping[str, Any] | None:
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping):
            return err
    return None


def _retry_after_from(err: Mapping[str, Any] | None) -> float | None:
    if err is None:
        return None
    availability = err.get("availability")
    if isinstance(availability, Mapping):
        value = availability.get("retry_after")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _message(err: Mapping[str, Any] | None, fallback: str) -> str:
    message = err.get("message") if err is not None else None
    if isinstance(message, str) and message:
        return message[:_MAX_MESSAGE]
    return fallback


def _code(err: Mapping[str, Any] | None) -> int | str | None:
    if err is None:
        return None
    code = err.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, (int, str)):
        return code
    status = err.get("http_status")
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def _metadata(err: Mapping[str, Any] | None) -> dict[str, Any]:
    if err is None:
        return {}
    metadata = dict(err.get("metadata") or {}) if isinstance(err.get("metadata"), Mapping) else {}
    for key in ("error_type", "availability"):
        if key in err and key not in metadata:
            metadata[key] = err[key]
    return metadata


def api_error_from_response(status: int, headers: Mapping[str, str], content: bytes) -> APIStatusError:
    """The typed error for a non-2xx response (body JSON, HTML or empty)."""
    body: Any = None
    text = ""
    try:
        body = _json.loads(content) if content else None
    except ValueError:
        text = content[:200].decode("utf-8", errors="replace").strip()
    err = _error_object(body)
    reason = f"HTTP {status}" + (f": {' '.join(text.split())[:200]}" if text else "")
    cls = error_for_status(status)
    retry_after = parse_retry_after(header(headers, "retry-after")) or _retry_after_from(err)
    return cls(
        _message(err, reason),
        status=status,
        code=_code(err),
        metadata=_metadata(err),
        body=body if body is not None else (text or None),
        generation_id=header(headers, "x-generation-id"),
        retry_after=retry_after,
    )


def stream_error_from_object(
    err: Mapping[str, Any] | None,
    *,
    partial: PartialResponse | None,
    body: Any = None,
    fallback: str = "the model call failed",
    generation_id: str | None = None,
) -> StreamError:
    """A :class:`StreamError` for an ``error`` object delivered inside an HTTP 200."""
    return StreamError(
        _message(err, fallback),
        partial=partial,
        code=_code(err),
        metadata=_metadata(err),
        body=body,
        generation_id=generation_id,
        retry_after=_retry_after_from(err),
    )
