"""Retries: which failures are worth another attempt, how long to wait, and the per-call bookkeeping.

Two pieces, both free of I/O so the flows of :mod:`.flows` decide once for the sync and async drivers:

* :class:`RetryPolicy` -- the user-facing settings (immutable; set with ``with_retries(...)`` on a
  builder, or per call with ``ChatOptions(retries=...)``);
* :class:`RetryState` -- one call's attempts: counts them, applies the policy and the call's overall
  deadline, logs each outcome, and stamps ``attempts`` on the error that is finally raised.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from ..core.observe import current_call
from ..errors import APIError, ChatOpenRouterError, TransportError
from ..errors.mapping import header, seconds_or_none
from .secret import scrub

__all__ = ["MAX_WAIT", "NO_RETRIES", "RetryPolicy", "RetryState"]

logger = logging.getLogger("chat_openrouter")

#: No wait between attempts is ever longer than this (seconds), whatever a policy or a server says: a
#: longer one is not a retry but a hang (and ``time.sleep`` refuses values past the platform's range).
MAX_WAIT = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring ``Retry-After`` up to ``max_retry_after``.

    Defaults are tuned for OpenRouter (reference §9.2): 2 retries; connection failures, connect-phase
    timeouts and statuses 408/429/500/502/503/504/524/529 are retried -- also when such an error
    arrives inside an HTTP 200 *before* any output; 400/401/402/403/404 never are. A stream is never
    retried once it has yielded output to the caller (that would duplicate text already shown).

    The wait before retry ``n`` (1-based) is ``initial_backoff * 2**(n-1)``, capped at ``max_backoff``,
    then drawn uniformly from its upper half when ``jitter`` is on (so synchronized clients spread out
    while the wait never collapses to zero). A server's ``Retry-After`` (seconds or an HTTP date, or
    ``error.availability.retry_after``) replaces the backoff; if it asks for more than
    ``max_retry_after`` the error is raised at once, with ``.retry_after`` set, rather than blocking the
    caller for minutes. No wait may run past the call's overall deadline (``Timeouts.total``).

    ``sleep`` / ``asleep`` / ``rng`` are seams for tests (record the waits instead of sleeping, make the
    jitter deterministic); leave them None in production.
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    jitter: bool = True
    sleep: Callable[[float], None] | None = field(default=None, compare=False, repr=False)
    asleep: Callable[[float], Awaitable[None]] | None = field(default=None, compare=False, repr=False)
    rng: random.Random | None = field(default=None, compare=False, repr=False)

    def delay(
        self, error: ChatOpenRouterError, attempt: int, *, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None when ``error`` must be raised now.

        ``attempt`` counts the attempts made so far (1 after the first failure).
        """
        if attempt > self.max_retries:
            return None
        if isinstance(error, APIError):
            if not error.retryable:
                return None
            # Whatever the error carries (our mapping only stores finite values >= 0, but an error can be
            # built by anyone): NaN, infinities and negatives never become a wait.
            retry_after = seconds_or_none(error.retry_after)
            if retry_after is not None:
                if not retry_after <= self.max_retry_after:
                    return None  # the server asks for longer than we are willing to block: surface it
                return retry_after
        elif not (isinstance(error, TransportError) and error.retryable):
            return None
        backoff = min(self.max_backoff, self.initial_backoff * 2.0 ** (attempt - 1))
        if self.jitter and backoff > 0:
            generator = rng or self.rng
            low = backoff / 2
            backoff = (
                generator.uniform(low, backoff) if generator is not None else random.uniform(low, backoff)
            )
        return backoff


NO_RETRIES = RetryPolicy(max_retries=0)


class RetryState:
    """The attempts of one call. Pure bookkeeping: the shells do the sending and the sleeping.

    ``begin()`` before each attempt; ``responded(...)`` when an attempt got a status; ``give_up_or_wait``
    after a failure returns the seconds to wait, or None -- then the error has been stamped with
    ``attempts`` and must be raised. ``commit()`` marks the point after which nothing is retried (a
    stream has handed output to the caller).
    """

    __slots__ = ("_secret", "_started", "attempts", "committed", "deadline", "label", "policy")

    def __init__(
        self, policy: RetryPolicy, *, label: str, deadline: float | None, secret: str | None = None
    ) -> None:
        self.policy = policy
        # "POST https://openrouter.ai/api/v1/chat/completions" (or "POST /api/v1/responses via
        # EmulatorTransport"): the method and where it really went, never query, headers or body.
        self.label = label
        self.deadline = deadline
        self.attempts = 0
        self.committed = False
        self._started = 0.0
        self._secret = secret if secret and len(secret) >= 8 else None

    def begin(self) -> None:
        self.attempts += 1
        self._started = time.monotonic()

    def commit(self) -> None:
        self.committed = True

    def _latency_ms(self) -> float:
        return (time.monotonic() - self._started) * 1000

    def responded(self, status: int, headers: Mapping[str, str]) -> None:
        """Log an attempt that got a response: status, request id, attempt, latency (never headers, bodies)."""
        if logger.isEnabledFor(logging.DEBUG):
            generation_id = header(headers, "x-generation-id")
            latency = self._latency_ms()
            logger.debug(
                "%s -> HTTP %d in %.0f ms (attempt %d, request id %s)",
                self.label,
                status,
                latency,
                self.attempts,
                generation_id or "-",
                extra={
                    "generation_id": generation_id,
                    "status": status,
                    "attempt": self.attempts,
                    "latency_ms": latency,
                },
            )

    def give_up_or_wait(self, error: ChatOpenRouterError) -> float | None:
        """Decide after a failed attempt: seconds to wait before the next one, or None to raise ``error``."""
        delay = None if self.committed else seconds_or_none(self.policy.delay(error, self.attempts))
        if delay is not None and delay > MAX_WAIT:
            delay = None  # a policy without caps met a server asking for days: surface the error
        if delay is not None and self.deadline is not None and time.monotonic() + delay >= self.deadline:
            delay = None  # the wait would end past the overall deadline: the real error is more useful
        status = getattr(error, "status", None)
        if delay is None:
            self.finish(error)
            logger.debug(
                "%s failed: %s%s after %d attempt(s)",
                self.label,
                type(error).__name__,
                f" (HTTP {status})" if status else "",
                self.attempts,
                extra={"status": status, "attempt": self.attempts, "latency_ms": self._latency_ms()},
            )
            return None
        logger.info(
            "%s: %s%s on attempt %d of %d; retrying in %.2f s",
            self.label,
            type(error).__name__,
            f" (HTTP {status})" if status else "",
            self.attempts,
            self.policy.max_retries + 1,
            delay,
            extra={"status": status, "attempt": self.attempts, "latency_ms": self._latency_ms()},
        )
        current_call().retrying(self.attempts, error, delay)  # tracing: a span event on the model call
        return delay

    def finish(self, error: BaseException) -> None:
        """Stamp the number of attempts on an error about to be raised, and scrub the key from its text."""
        if not isinstance(error, ChatOpenRouterError):
            return
        error.attempts = self.attempts
        secret = self._secret
        if secret is None:
            return
        # `errors.redact` knows OpenRouter's key shape; this also catches custom keys (proxies), and the
        # key a misconfigured server echoed back anywhere in its error body.
        if secret in error.message:
            error.message = error.message.replace(secret, "[redacted]")
            error.args = (error.message, *error.args[1:])
        if isinstance(error, APIError):
            error.body = scrub(error.body, secret)
            error.metadata = scrub(error.metadata, secret)
            error.headers = scrub(error.headers, secret)  # a Location echoing the key, say
