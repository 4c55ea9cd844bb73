"""Retry policy: which failures are worth another attempt, and how long to wait (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import APIError, ChatOpenRouterError, TransportError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, honouring ``Retry-After`` up to ``max_retry_after``.

    Defaults are tuned for OpenRouter: 2 retries; statuses 408/429/500/502/503/504/524/529 and connection
    failures are retried; 400/401/402/403/404 never are. A stream is never retried once it has yielded
    output to the caller (that would duplicate text the caller has already shown).
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    jitter: bool = True

    def delay(self, error: ChatOpenRouterError, attempt: int, *, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None when ``error`` must be raised now.

        ``attempt`` counts the attempts made so far (1 after the first failure).
        """
        if attempt > self.max_retries:
            return None
        if isinstance(error, APIError):
            if not error.retryable:
                return None
            if error.retry_after is not None:
                if error.retry_after > self.max_retry_after:
                    return None  # the server asks for longer than we are willing to block: surface it
                return error.retry_after
        elif not (isinstance(error, TransportError) and error.retryable):
            return None
        backoff = min(self.max_backoff, self.initial_backoff * (2 ** (attempt - 1)))
        if self.jitter:
            backoff = (rng or random).uniform(backoff / 2, backoff)
        return backoff


NO_RETRIES = RetryPolicy(max_retries=0)
