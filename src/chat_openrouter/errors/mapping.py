"""Turning OpenRouter error responses into the error tree (pure; used by the transport and both codecs).

OpenRouter's error shape (reference §9.1)::

    {"error": {"code": 429, "message": "Provider returned error",
               "metadata": {"provider_name": "...", "raw": "...", "error_type": "..."}}, "user_id": "..."}

``code`` may be an int or a string, may be absent (availability errors use ``http_status`` +
``error_type`` + ``availability``), and a 5xx may come back as an HTML page from the edge.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import Any

from .. import _json
from . import APIStatusError, PartialResponse, StreamError, error_for_status, redact

__all__ = [
    "api_error_from_response",
    "error_headers",
    "header",
    "parse_retry_after",
    "seconds_or_none",
    "stream_error_from_object",
]

_MAX_MESSAGE = 500
_MAX_HEADER_VALUE = 500
# RFC 9110 §10.2.3: delay-seconds = 1*DIGIT. A fraction is tolerated (some proxies send one) and a sign
# (a negative delay means "now"); anything else -- "1_000", "0x10", non-ASCII digits, "nan", "inf", all of
# which float() would accept -- is not a delay.
_DELAY_SECONDS = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?", re.ASCII)
# The response headers an error keeps (error.headers): what explains it and what a caller needs to wait
# or follow up. Never all of them: a cookie must not end up in a log line.
_KEPT_HEADERS = ("retry-after", "location", "x-generation-id", "content-type")
_KEPT_PREFIXES = ("x-ratelimit-",)


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


def error_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers an error keeps (names lowercased): ``retry-after``, ``x-ratelimit-*``, ``location``,
    ``x-generation-id``, ``content-type`` -- values truncated and scrubbed of anything key-like."""
    kept: dict[str, str] = {}
    for key, value in headers.items():
        name = str(key).lower()
        if name in _KEPT_HEADERS or name.startswith(_KEPT_PREFIXES):
            kept[name] = redact(str(value)[:_MAX_HEADER_VALUE])
    return kept


def seconds_or_none(value: Any) -> float | None:
    """A server's number of seconds as a finite float >= 0, or None when it is not one.

    Whatever the server sent -- a JSON number, NaN, an infinity, an integer too large for a float, a
    bool, a string -- this never raises: a negative wait is 0, anything that is not a finite number is
    None ("the server did not say"), so no wait built on it can be NaN, infinite or an OverflowError.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer beyond the float range: not a duration anyone means
        return None
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds (finite, >= 0): delta-seconds or an HTTP date (RFC 9110 §10.2.3).

    A negative delay or a date in the past is 0; anything that is neither form (``nan``, ``inf``,
    ``1_000``, ``1e999``, a date that does not exist) is None, as if the header were absent. Never raises.
    """
    if not value:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return seconds_or_none(float(value))
    import email.utils  # rare (HTTP-date form): not worth its import time for every user

    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None
    return seconds_or_none(seconds)


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
        return seconds_or_none(availability.get("retry_after"))
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
    """The typed error for a response that is not an answer: a 4xx/5xx, or a 3xx redirect (never followed).

    The body may be JSON, HTML, empty or hostile (nested 100,000 levels deep): it is evidence, quoted
    when it is not OpenRouter's error shape, and never raises anything but the error it describes.
    """
    body: Any = None
    text = ""
    try:
        body = _json.loads(content) if content else None
    except (ValueError, RecursionError):
        body = None
        text = content[:200].decode("utf-8", errors="replace").strip()
    err = _error_object(body)
    reason = f"HTTP {status}" + (f": {' '.join(text.split())[:200]}" if text else "")
    kept = error_headers(headers)
    if 300 <= status < 400:
        location = kept.get("location")
        reason = (
            f"HTTP {status}: the server redirected to {location or 'nowhere (no Location header)'}; "
            "redirects are not followed (the API key would go along): check the base URL"
        )
        err = None  # a redirect's body is never the reason
    cls = error_for_status(status)
    retry_after = parse_retry_after(header(headers, "retry-after"))
    if retry_after is None:
        retry_after = _retry_after_from(err)
    return cls(
        _message(err, reason),
        status=status,
        code=_code(err),
        metadata=_metadata(err),
        body=body if body is not None else (text or None),
        generation_id=header(headers, "x-generation-id"),
        retry_after=retry_after,
        headers=kept,
    )


def stream_error_from_object(
    err: Mapping[str, Any] | None,
    *,
    partial: PartialResponse | None,
    body: Any = None,
    fallback: str = "the model call failed",
    generation_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> StreamError:
    """A :class:`StreamError` for an ``error`` object delivered inside an HTTP 200."""
    retry_after = parse_retry_after(header(headers, "retry-after")) if headers else None
    return StreamError(
        _message(err, fallback),
        partial=partial,
        code=_code(err),
        metadata=_metadata(err),
        body=body,
        generation_id=generation_id,
        retry_after=_retry_after_from(err) if retry_after is None else retry_after,
        headers=error_headers(headers) if headers else None,
    )
