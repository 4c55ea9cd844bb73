"""Account limits for the emulator: model latency, a requests-per-minute limit, a credit balance, and the
counters batch tests assert on.

::

    from chat_openrouter.testing.emulator import Emulator, TrafficLimits

    limits = TrafficLimits(latency=0.05, requests_per_minute=60, credits=1.0)
    emulator = Emulator(traffic=limits)
    ...
    assert max(limits.successes.values()) == 1      # no prompt was answered (and billed) twice

What OpenRouter does, and what is emulated:

* **Requests per minute.** Free models are limited per minute (reference §9.2: 20/min). Over the limit
  OpenRouter answers 429 with ``X-RateLimit-Limit`` / ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset``
  (epoch milliseconds) as HTTP headers *and* copied into ``error.metadata.headers`` of the body::

      {"error": {"message": "Rate limit exceeded: free-models-per-min. ", "code": 429,
                 "metadata": {"headers": {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0",
                                          "X-RateLimit-Reset": "1741305600000"},
                              "provider_name": null}},
       "user_id": "user_..."}

  (the shape users paste from real traffic, e.g. Gitlawb/openclaude#936). The window here is fixed: it
  opens with the first request and closes ``window`` seconds later, when the count starts over; the
  reset time is the window's end. ``Retry-After`` (seconds to the reset) is sent too, because the client
  honours it first and tests should not wait whole seconds for nothing.
* **Credits.** Each successful generation is charged its ``usage.cost``; once the charges reach
  ``credits``, new requests get OpenRouter's 402 (fixture ``error-402-credits-max-tokens``:
  ``{"error": {"message": ..., "code": 402, "metadata": {"provider_name": null}}, "user_id": ...}``).
  Requests already admitted finish and are charged, as on the real service, so the balance can go
  slightly negative.
* **Latency.** Every admitted inference request waits ``latency`` seconds before it is answered: a
  fixed-latency model for throughput benchmarks.

Only inference requests (``POST /chat/completions``, ``POST /responses``) are limited and counted.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ._conversation import read_chat, read_responses
from ._errors import RequestError

if TYPE_CHECKING:
    from ._asgi import Reply
    from ._state import RecordedRequest

__all__ = ["TrafficLimits"]

_USER_ID = "user_emulator"
_CREDITS_MESSAGE = "Insufficient credits. Add more using https://openrouter.ai/credits"


class _AccountError(RequestError):
    """An account-level refusal: OpenRouter adds the caller's ``user_id`` beside ``error``."""

    def body(self) -> dict[str, Any]:
        return {**super().body(), "user_id": _USER_ID}


class TrafficLimits:
    """Latency, a requests-per-minute limit and a credit balance for an :class:`Emulator`; pass it as
    ``Emulator(traffic=TrafficLimits(...))``. Thread-safe (the loopback server and in-process transports
    may call from several threads).

    Args:
        latency: seconds every admitted inference request waits before it is answered.
        requests_per_minute: the limit per ``window`` (None: unlimited).
        window: the limit's window in seconds (60 for "per minute"; smaller in fast tests).
        credits: USD of credit; a request arriving once successful generations have cost this much
            gets a 402 (None: unlimited).
        clock: the monotonic clock of the window (a seam for tests); ``wall_clock`` gives the epoch for
            ``X-RateLimit-Reset``.

    Counters (read them in tests): :attr:`successes` counts answered requests per prompt (the last user
    message's text), :attr:`admitted`, :attr:`rate_limited` and :attr:`payment_required` count requests,
    :attr:`charged` is the USD charged so far.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        requests_per_minute: int | None = None,
        window: float = 60.0,
        credits: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if latency < 0 or window <= 0:
            raise ValueError("latency must be >= 0 and window > 0 seconds")
        if requests_per_minute is not None and requests_per_minute < 1:
            raise ValueError("requests_per_minute must be at least 1")
        self.latency = latency
        self.requests_per_minute = requests_per_minute
        self.window = window
        self.credits = credits
        self.clock = clock
        self.wall_clock = wall_clock
        self.successes: Counter[str] = Counter()
        self.admitted = 0
        self.rate_limited = 0
        self.payment_required = 0
        self.charged = 0.0
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._window_count = 0

    def __repr__(self) -> str:
        return (
            f"TrafficLimits(latency={self.latency}, requests_per_minute={self.requests_per_minute}, "
            f"credits={self.credits}, admitted={self.admitted}, rate_limited={self.rate_limited})"
        )

    # -- the hook the emulator calls -------------------------------------------------------------------
    async def guard(
        self,
        record: RecordedRequest,
        handle: Callable[[], Awaitable[Reply]],
        cost_of: Callable[[str], float],
    ) -> Reply:
        """Admit (or refuse with 429/402) one request, wait the latency, run ``handle``, count the result.

        ``cost_of(generation_id)`` is the charged cost of a generation the handler produced.
        """
        if record.path not in ("/chat/completions", "/responses"):
            return await handle()
        self._admit()
        if self.latency:
            await asyncio.sleep(self.latency)
        reply = await handle()
        if reply.status == 200 and record.generation_id is not None:
            cost = cost_of(record.generation_id)
            prompt = _prompt(record)
            with self._lock:
                self.charged += cost
                self.successes[prompt] += 1
        return reply

    def _admit(self) -> None:
        with self._lock:
            if self.credits is not None and self.charged >= self.credits:
                self.payment_required += 1
                raise _AccountError(402, _CREDITS_MESSAGE, metadata={"provider_name": None})
            limit = self.requests_per_minute
            if limit is not None:
                now = self.clock()
                if self._window_start is None or now >= self._window_start + self.window:
                    self._window_start, self._window_count = now, 0
                if self._window_count >= limit:
                    self.rate_limited += 1
                    raise self._rate_limit_error(limit, self._window_start + self.window - now)
                self._window_count += 1
            self.admitted += 1

    def _rate_limit_error(self, limit: int, wait: float) -> _AccountError:
        reset_ms = math.ceil((self.wall_clock() + wait) * 1000)
        rate_headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset_ms),
        }
        return _AccountError(
            429,
            "Rate limit exceeded: free-models-per-min. ",
            metadata={"headers": rate_headers, "provider_name": None},
            headers={**rate_headers, "Retry-After": f"{max(wait, 0.001):.3f}"},
        )

    # -- counters ----------------------------------------------------------------------------------------
    def successes_for(self, prompt: str) -> int:
        """How many requests whose last user message was ``prompt`` were answered."""
        with self._lock:
            return self.successes[prompt]

    def reset_counters(self) -> None:
        """Forget the counters and the current window (the credit balance is charged afresh)."""
        with self._lock:
            self.successes.clear()
            self.admitted = self.rate_limited = self.payment_required = 0
            self.charged = 0.0
            self._window_start, self._window_count = None, 0


def _prompt(record: RecordedRequest) -> str:
    body: Any = record.body
    if not isinstance(body, dict):
        return ""
    try:
        conversation = read_chat(body) if record.path == "/chat/completions" else read_responses(body)
    except RequestError:
        return ""
    return conversation.last_user_text
