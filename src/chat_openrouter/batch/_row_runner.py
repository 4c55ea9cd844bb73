"""One row, start to finish: admission, the request, and what each kind of failure means for the job.

Shared by the local engine and the Ray actors, so both engines behave alike. Retries are owned here, not
by the client: every request goes out with ``ChatOptions(retries=0)``. The client's own retry layer
would make each worker sleep on its own ``Retry-After`` while the others keep sending into a limit that
is already hit, and would hide the 429s the job needs to see to share one pause and to back off
(AIMD). Here a 429 pauses everyone (see :mod:`._control`); 5xx, timeouts before the request was sent and
dropped connections are retried per row with jittered exponential backoff, up to ``max_attempts``.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from ..core.engine import to_jsonable
from ..core.options import ChatOptions, OutputSchema
from ..core.provider import ChatProvider
from ..core.response import ChatResponse
from ..core.usage import Usage
from ..errors import APIError, ChatError, ChatOpenRouterError, StreamError, StructuredOutputError
from ._control import Ticket
from ._rows import BatchRow, error_record, result_record

__all__ = ["GateLike", "RowOutcome", "RowPolicy", "RowTarget", "run_row"]

#: A row is re-sent after this many 429s at most (each one already paused the whole job).
MAX_RATE_LIMITED_TRIES = 50


class GateLike(Protocol):
    """What a row needs from the job's flow control (a local :class:`Gate` or a Ray actor proxy)."""

    async def acquire(self) -> Ticket | None: ...
    async def succeeded(self, ticket: Ticket, cost: float | None) -> None: ...
    async def rate_limited(self, ticket: Ticket, wait: float) -> None: ...
    async def ended(self, ticket: Ticket, cost: float | None = None) -> None: ...
    async def stop(self, reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RowPolicy:
    """Per-row retry settings: ``max_attempts`` tries for transient failures (429s are counted apart),
    backoff ``backoff * 2**(n-1)`` capped at ``max_backoff``, jittered over its upper half."""

    max_attempts: int = 6
    backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, failures: int, rng: random.Random) -> float:
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** (failures - 1))
        return rng.uniform(ceiling / 2, ceiling)


class RowTarget:
    """Sends one row: a wire client (optionally with a JSON schema), or a ``Chat`` (tools, typed output)."""

    def __init__(self, model: Any, *, output_schema: OutputSchema | None = None) -> None:
        from ..core.chat import Chat

        if isinstance(model, Chat):
            if output_schema is not None:
                raise ValueError("a Chat brings its own structured output: pass output_schema only with a client")
            self.chat: Chat | None = model
            self.client: ChatProvider | None = None
        else:
            self.chat, self.client = None, model
        self.output_schema = output_schema
        # A wire client with the job's "no client retries" made its default once, so the common row sends
        # no per-call options (no merge of options per row; bench: the local engine is CPU-bound).
        with_options = getattr(self.client, "with_options", None)
        self._no_retries: ChatProvider | None = with_options(_NO_CLIENT_RETRIES) if callable(with_options) else None

    async def send(self, row: BatchRow, options: ChatOptions) -> ChatResponse:
        """One try: the model's (or the Chat run's) response."""
        if self.chat is not None:
            return await self.chat.complete(row.messages, options=options)
        if options is _NO_CLIENT_RETRIES and self._no_retries is not None:
            return await self._no_retries.complete(row.messages, output=self.output_schema)
        assert self.client is not None
        return await self.client.complete(row.messages, options=options, output=self.output_schema)

    def output(self, response: ChatResponse) -> Any:
        """The structured output of an answer, JSON-able (None without a schema); raises a ``ChatError``
        when the answer cannot be used (invalid JSON, a run paused for approval)."""
        if self.chat is not None:
            if response.pause is not None:
                raise ChatError(
                    "the run paused for tool-call approval, which nobody can give in a batch job; "
                    "build the Chat with .with_approval('execute') or .with_approval('reject')"
                )
            return to_jsonable(response.output) if response.output is not None else None
        return None if self.output_schema is None else _json_output(response)


def _json_output(response: ChatResponse) -> Any:
    part = response.content.structured
    if part is not None:
        return part.value
    text = response.text.strip()
    if text.startswith("```"):  # a model that fences its JSON despite the schema
        text = text.split("\n", 1)[-1].rsplit("```", 1)[0]
    try:
        return json.loads(text)
    except ValueError:
        raise StructuredOutputError(
            "the answer is not valid JSON for the requested schema", raw_text=response.text, attempts=1
        ) from None


@dataclass(slots=True)
class RowOutcome:
    """How a row ended: ``ok`` / ``failed`` (both have a result ``record``) or ``not_run`` (the job stopped
    before it could be answered: no line is written, so a rerun sends it)."""

    status: Literal["ok", "failed", "not_run"]
    record: dict[str, Any] | None
    usage: Usage | None
    tries: int
    rate_limits: int = 0


_NO_CLIENT_RETRIES = ChatOptions(retries=0)


def request_options(job_options: ChatOptions | None, row: BatchRow) -> ChatOptions:
    """The options of one try: the job's, the row's over them, and never the client's own retries."""
    if job_options is None and row.options is None:
        return _NO_CLIENT_RETRIES  # the common case, without building a new options object per row
    merged = (job_options or ChatOptions()).merged(row.options)
    return replace(merged, retries=0)


async def run_row(
    row: BatchRow,
    target: RowTarget,
    gate: GateLike,
    *,
    options: ChatOptions | None = None,
    policy: RowPolicy = RowPolicy(),
    rng: random.Random | None = None,
) -> RowOutcome:
    """Run ``row`` until it has an answer, a final error, or the job stops. Never raises for the row's
    own failures (only cancellation propagates)."""
    generator = rng or random.Random()
    request = request_options(options, row)
    tries = failures = rate_limits = 0
    while True:
        ticket = await gate.acquire()
        if ticket is None:
            return RowOutcome("not_run", None, None, tries, rate_limits)
        tries += 1
        try:
            response = await target.send(row, request)
        except asyncio.CancelledError:
            await gate.ended(ticket)
            raise
        except Exception as error:  # a row's failure never aborts the job
            spent = _usage_of(error)
            cost = float(spent.cost) if spent is not None and spent.cost is not None else None
            wait = rate_limit_wait(error, now=time.time(), tries=rate_limits + 1)
            if wait is not None and rate_limits < MAX_RATE_LIMITED_TRIES:
                rate_limits += 1
                await gate.rate_limited(ticket, wait)
                continue
            await gate.ended(ticket, cost)
            stop = stop_reason(error)
            if stop is not None:
                await gate.stop(stop)
                return RowOutcome("not_run", None, spent, tries, rate_limits)
            failures += 1
            if _retryable(error) and failures < policy.max_attempts and wait is None:
                await asyncio.sleep(policy.delay(failures, generator))
                continue
            return RowOutcome("failed", error_record(row.id, error, tries, spent), spent, tries, rate_limits)
        # The budget gate reckons in floats (an estimate with headroom); the exact sums are the summary's.
        paid = response.usage.cost
        await gate.succeeded(ticket, None if paid is None else float(paid))
        try:
            output = target.output(response)
        except ChatError as error:  # paid for, but unusable: a final answer all the same, not retried
            record = error_record(row.id, error, tries, response.usage)
            record["generation_id"], record["model"] = response.generation_id, response.model
            return RowOutcome("failed", record, response.usage, tries, rate_limits)
        return RowOutcome("ok", result_record(row.id, response, output, tries), response.usage, tries, rate_limits)


# -- what an error means for the job ---------------------------------------------------------------------
def _is_rate_limit(error: BaseException) -> bool:
    if not isinstance(error, APIError):
        return False
    if error.status == 429:
        return True
    # Inside a 200 (StreamError) the code says it: OpenRouter uses 429 or "rate_limit_exceeded".
    return isinstance(error, StreamError) and (
        error.code in (429, "rate_limit_exceeded") or error.error_type == "rate_limit_exceeded"
    )


def rate_limit_wait(error: BaseException, *, now: float, tries: int) -> float | None:
    """Seconds the whole job should pause for this error, or None when it is not a rate limit.

    ``Retry-After`` (or ``availability.retry_after``) first; else OpenRouter's ``X-RateLimit-Reset``
    (epoch milliseconds), which its platform 429s carry as HTTP headers (``error.headers``, also when a
    proxy passes only those on) and copy into ``error.metadata.headers``; else exponential backoff
    from 1 s.
    A 402 with ``Retry-After`` is OpenRouter's in-flight budget limit (reference §1.2): a pause too.
    """
    if not isinstance(error, APIError):
        return None
    if error.status == 402:
        return error.retry_after
    if not _is_rate_limit(error):
        return None
    if error.retry_after is not None:
        return error.retry_after
    reset = _rate_limit_reset(error.headers)
    if reset is None:
        reset = _rate_limit_reset(error.metadata.get("headers"))
    if reset is not None:
        return max(0.0, reset - now)
    return float(min(60, 2 ** (tries - 1)))


def _rate_limit_reset(headers: Any) -> float | None:
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if str(name).lower() == "x-ratelimit-reset":
            try:
                stamp = float(value)
            except (TypeError, ValueError, OverflowError):
                return None
            if not math.isfinite(stamp):
                return None  # "nan", "inf": not a time (issue 13)
            # Milliseconds since the epoch in OpenRouter's bodies; tolerate seconds too.
            return stamp / 1000.0 if stamp > 1e11 else stamp
    return None


def stop_reason(error: BaseException) -> str | None:
    """Why this error must stop the whole job (no more rows would succeed), or None."""
    if isinstance(error, APIError) and error.status == 402:
        return f"insufficient credits (402): {error.message}"
    if isinstance(error, APIError) and error.status == 401:
        return f"authentication failed (401): {error.message}"
    return None


def _retryable(error: BaseException) -> bool:
    return isinstance(error, ChatOpenRouterError) and bool(getattr(error, "retryable", False))


def _usage_of(error: BaseException) -> Usage | None:
    """What a failed try still cost: a tool loop that ran out of steps, or a stream cut after output."""
    usage = getattr(error, "usage", None)
    if isinstance(usage, Usage):
        return usage
    partial = getattr(error, "partial", None)
    if isinstance(partial, ChatResponse) and not partial.usage.is_empty:
        return partial.usage
    return None
