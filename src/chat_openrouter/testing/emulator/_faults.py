"""Injected faults: fault models and the ``X-Emulator-Fault`` / ``X-Emulator-*-Delay`` request headers.

::

    X-Emulator-Fault: rate-limit            429 + Retry-After once per conversation, then success
    X-Emulator-Fault: rate-limit;times=3    the first three attempts fail
    X-Emulator-Fault: error-503             any 4xx/5xx status, every attempt (or ;times=N)
    X-Emulator-Fault: midstream-error       the answer starts, then fails inside the HTTP 200
    X-Emulator-Fault: disconnect            the stream stops mid-answer: no finish, no [DONE]
    X-Emulator-Fault: slow                  keep-alive comments first, then one fragment per tick
    X-Emulator-Start-Delay: 2.5             seconds before the first token (with keep-alives)
    X-Emulator-Chunk-Delay: 0.1             seconds between stream fragments

"Attempts of a conversation" are identical request bodies (the ``stream`` flag aside), so a client's retry
of the same request counts and a different conversation starts its own count.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._context import Context
from ._errors import STATUS_ERRORS, RequestError

__all__ = [
    "MAX_DELAY",
    "Fault",
    "Timing",
    "fails_now",
    "fault_error",
    "header_fault",
    "raise_upfront_fault",
    "timing",
]

MAX_DELAY = 60.0


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault to inject. ``kind`` is ``error`` (with ``status``), ``midstream-error``, ``disconnect`` or
    ``slow``; ``times`` is how many attempts of a conversation fail (None: every attempt)."""

    kind: str
    status: int | None = None
    times: int | None = None

    @classmethod
    def parse(cls, text: str) -> Fault:
        """``rate-limit``, ``error-503``, ``midstream-error``, ``disconnect``, ``slow``, with ``;times=N``."""
        name, _, params = text.strip().lower().partition(";")
        times: int | None = None
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "times" and value.strip() not in ("", "always"):
                if not value.strip().isdigit():
                    raise RequestError(400, f"X-Emulator-Fault: times must be an integer, got {value!r}")
                times = int(value)
        name = name.strip()
        if name == "rate-limit":
            return cls("error", 429, 1 if times is None else times)
        if name.startswith("error-") and name[6:].isdigit() and 400 <= int(name[6:]) <= 599:
            return cls("error", int(name[6:]), times)
        if name in ("midstream-error", "disconnect", "slow"):
            return cls(name, None, times)
        raise RequestError(
            400,
            f"X-Emulator-Fault: unknown fault {text!r} (rate-limit, error-<status>, "
            "midstream-error, disconnect, slow)",
        )


@dataclass(slots=True)
class Timing:
    """How a stream is paced: seconds before the first token, and between fragments."""

    start_delay: float = 0.0
    chunk_delay: float = 0.0


def header_fault(headers: Mapping[str, str]) -> Fault | None:
    value = headers.get("x-emulator-fault")
    return Fault.parse(value) if value else None


def fails_now(ctx: Context, fault: Fault, scope: str, model_id: str, body: Mapping[str, Any]) -> bool:
    """Whether this attempt of the conversation fails (``times`` counts attempts per conversation)."""
    if fault.times is None:
        return True
    # Attempts are counted per conversation: the same body (stream flag aside) is the same attempt
    # being retried. After `times` failures the next attempt succeeds and the counter starts over.
    canonical = json.dumps({k: v for k, v in body.items() if k != "stream"}, sort_keys=True, default=str)
    key = hashlib.sha256(f"{scope}|{model_id}|{fault.status}|{canonical}".encode()).hexdigest()
    with ctx.lock:
        attempts = ctx.state.attempts.get(key, 0) + 1
        if attempts > fault.times:
            ctx.state.attempts.pop(key, None)
            return False
        ctx.state.attempts[key] = attempts
        return True


def fault_error(ctx: Context, fault: Fault, model_id: str) -> RequestError:
    """The HTTP error an ``error`` fault answers with, in OpenRouter's shape and headers."""
    status = fault.status or 500
    message, error_type = STATUS_ERRORS.get(status, (f"Emulated error {status}", "unmapped"))
    metadata: dict[str, Any] = {"error_type": error_type, "provider_name": "Emulator"}
    headers: dict[str, str] = {}
    retry_after = ctx.settings.retry_after
    if status in (429, 503):
        headers["Retry-After"] = _seconds(retry_after)
    if status == 429:
        reset_ms = int((ctx.settings.clock() + retry_after) * 1000)
        headers.update(
            {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_ms)}
        )
        metadata["raw"] = f"{model_id} is temporarily rate-limited upstream."
    if status in (400, 502):
        metadata["raw"] = json.dumps(
            {"error": {"message": f"emulated upstream error {status}", "code": status}}
        )
    return RequestError(status, message, metadata=metadata, headers=headers)


def raise_upfront_fault(
    ctx: Context, headers: Mapping[str, str], scope: str, model_id: str, body: Any
) -> None:
    """For endpoints without a stream to break: an ``error`` fault from the headers fails up front."""
    fault = header_fault(headers)
    if fault is None or fault.kind != "error":
        return
    if fails_now(ctx, fault, scope, model_id, body if isinstance(body, Mapping) else {}):
        raise fault_error(ctx, fault, model_id)


def timing(ctx: Context, fault: Fault | None, headers: Mapping[str, str]) -> Timing:
    """The stream pacing for this request: the ``slow`` fault, then the delay headers."""
    result = Timing()
    if fault is not None and fault.kind == "slow":
        result = Timing(ctx.settings.slow_start_delay, ctx.settings.slow_chunk_delay)
    for name, attr in (("x-emulator-start-delay", "start_delay"), ("x-emulator-chunk-delay", "chunk_delay")):
        if name in headers:
            try:
                value = float(headers[name])
            except ValueError:
                raise RequestError(400, f"{name}: expected seconds, got {headers[name]!r}") from None
            if value != value:  # NaN
                raise RequestError(400, f"{name}: expected seconds, got {headers[name]!r}")
            setattr(result, attr, min(max(value, 0.0), MAX_DELAY))
    return result


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
