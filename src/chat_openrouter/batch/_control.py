"""Flow control shared by every request of a batch job: how many in flight, when the next may start.

:class:`FlowControl` is pure (every method takes ``now``; no clock, no I/O), so the same decisions run in
one process (:class:`Gate`, an asyncio shell) and across a Ray cluster (one Ray actor hosting a
``Gate``), and tests drive it on a simulated clock.

* **Bounded, adaptive concurrency (AIMD).** At most ``limit`` requests are in flight; ``limit`` starts at
  ``max_in_flight``, grows by ``1/limit`` per success (about +1 per round of answers, TCP-style) and is
  halved by a rate limit. A burst of 429s from one congestion event halves it once: each request
  remembers the *epoch* it was admitted in, and only a 429 of the current epoch decreases (and opens a
  new epoch).
* **One shared pause.** A 429 stops *every* new request until its ``Retry-After`` (or the
  ``X-RateLimit-Reset`` time) has passed -- not only the worker that got it, which would keep the others
  hammering a limit that is already hit. A pause longer than ``max_pause`` stops the job instead (a daily
  limit will not reset in a batch job's lifetime).
* **Requests per minute.** With ``requests_per_minute`` set, starts are spaced ``60/rpm`` seconds apart
  (1% wider: the server's window and ours never start at the same instant, and loopback jitter alone
  can otherwise tip one window over), with no burst.
* **Budget.** A request is admitted only while ``spent + reserved < budget``, where each in-flight
  request reserves the largest single-request cost seen so far. When the last admission happened,
  ``spent + reserved`` was under the budget, so the overshoot is at most one request's cost per slot:
  ``max_in_flight x`` the largest request cost. Once nothing is in flight and the budget is spent, the
  job stops.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FlowControl", "FlowStats", "Gate", "Ticket"]

#: Spacing margin for ``requests_per_minute`` (see the module docstring).
RPM_MARGIN = 1.01


@dataclass(frozen=True, slots=True)
class Ticket:
    """Permission for one request: the AIMD epoch it started in and the USD it reserved."""

    epoch: int
    reserved: float


@dataclass(frozen=True, slots=True)
class FlowStats:
    """A snapshot of the controller (for summaries and progress bars)."""

    in_flight: int
    limit: float
    spent: float
    requests: int
    rate_limits: int
    paused_seconds: float
    stopped: str | None


class FlowControl:
    """The pure decision logic (see the module docstring). ``now`` is a monotonic time in seconds."""

    def __init__(
        self,
        *,
        max_in_flight: int,
        requests_per_minute: float | None = None,
        budget_usd: float | None = None,
        max_pause: float = 900.0,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if requests_per_minute is not None and requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        if budget_usd is not None and budget_usd < 0:
            raise ValueError("budget_usd cannot be negative")
        self.max_in_flight = max_in_flight
        self.limit = float(max_in_flight)
        self.interval = 60.0 / requests_per_minute * RPM_MARGIN if requests_per_minute else 0.0
        self.budget = budget_usd
        self.max_pause = max_pause
        self.in_flight = 0
        self.epoch = 0
        self.paused_until = -math.inf
        self.next_start = -math.inf
        self.spent = 0.0
        self.reserved = 0.0
        self.largest_cost = 0.0
        self.requests = 0
        self.rate_limits = 0
        self.paused_seconds = 0.0
        self.stopped: str | None = None

    def __repr__(self) -> str:
        return (
            f"FlowControl(in_flight={self.in_flight}, limit={self.limit:.1f}, spent={self.spent:.6f}, "
            f"stopped={self.stopped!r})"
        )

    # -- admission -----------------------------------------------------------------------------------------
    def wait_time(self, now: float) -> float | None:
        """Seconds until one more request may start: ``0.0`` now; ``None`` only after a running request
        ends (all slots busy, or the budget fully reserved); also ``None`` once :attr:`stopped` is set."""
        if self.stopped is not None:
            return None
        if self.in_flight >= max(1, math.floor(self.limit)):
            return None
        if self.budget is not None and self.spent + self.reserved >= self.budget:
            if self.in_flight == 0:
                self.stopped = f"budget reached: ${self.spent:.6f} spent of ${self.budget:g}"
            return None
        wait = max(self.paused_until - now, self.next_start - now, 0.0)
        return wait

    def start(self, now: float) -> Ticket:
        """Admit one request (call only when :meth:`wait_time` returned 0)."""
        self.in_flight += 1
        self.requests += 1
        reserve = self.largest_cost if self.budget is not None else 0.0
        self.reserved += reserve
        if self.interval:
            self.next_start = max(now, self.next_start) + self.interval
        return Ticket(self.epoch, reserve)

    # -- outcomes ------------------------------------------------------------------------------------------
    def _finish(self, ticket: Ticket, cost: float | None) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.reserved = max(0.0, self.reserved - ticket.reserved)
        if cost:
            self.spent += cost
            self.largest_cost = max(self.largest_cost, cost)

    def succeeded(self, ticket: Ticket, cost: float | None, now: float) -> None:
        """An answer arrived (``cost`` in USD, None when the server did not say): additive increase."""
        self._finish(ticket, cost)
        self.limit = min(float(self.max_in_flight), self.limit + 1.0 / max(self.limit, 1.0))

    def rate_limited(self, ticket: Ticket, wait: float, now: float) -> None:
        """A 429 asked everyone to wait ``wait`` seconds: shared pause, multiplicative decrease."""
        self._finish(ticket, None)
        self.rate_limits += 1
        if wait > self.max_pause:
            self.stop(f"rate limited for {wait:.0f} s (more than max_pause={self.max_pause:g} s)")
            return
        until = now + wait
        if until > self.paused_until:
            self.paused_seconds += until - max(self.paused_until, now)
            self.paused_until = until
        if ticket.epoch == self.epoch:
            self.limit = max(1.0, self.limit / 2.0)
            self.epoch += 1

    def ended(self, ticket: Ticket, cost: float | None = None) -> None:
        """A request ended otherwise (an error, a cancellation); ``cost`` if it still cost something."""
        self._finish(ticket, cost)

    def stop(self, reason: str) -> None:
        """Admit nothing more (the first reason given is kept)."""
        if self.stopped is None:
            self.stopped = reason

    def stats(self) -> FlowStats:
        return FlowStats(
            self.in_flight, self.limit, self.spent, self.requests, self.rate_limits, self.paused_seconds,
            self.stopped,
        )


class Gate:
    """The asyncio shell around :class:`FlowControl`: ``ticket = await gate.acquire()`` waits its turn
    (first come, first served) and returns None once the job has stopped; report each ticket's outcome
    with :meth:`succeeded`, :meth:`rate_limited` or :meth:`ended`."""

    def __init__(self, control: FlowControl, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.control = control
        self._clock = clock
        self._waiters: deque[asyncio.Future[Ticket | None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def stopped(self) -> str | None:
        return self.control.stopped

    async def acquire(self) -> Ticket | None:
        """Wait until one more request may start; None when the job stopped (then send nothing)."""
        control = self.control
        if not self._waiters:
            if control.stopped is not None:
                return None
            now = self._clock()
            if control.wait_time(now) == 0.0:
                return control.start(now)
        future: asyncio.Future[Ticket | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._pump()
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled() and future.result() is not None:
                control.ended(future.result())  # type: ignore[arg-type]
            else:
                self._discard(future)
            self._pump()
            raise

    def try_acquire(self) -> Ticket | None:
        """A ticket only if one may start right now and nobody is queued ahead; never waits."""
        control = self.control
        if self._waiters or control.stopped is not None:
            return None
        now = self._clock()
        return control.start(now) if control.wait_time(now) == 0.0 else None

    def _discard(self, future: asyncio.Future[Ticket | None]) -> None:
        try:
            self._waiters.remove(future)
        except ValueError:
            pass

    async def succeeded(self, ticket: Ticket, cost: float | None) -> None:
        self.control.succeeded(ticket, cost, self._clock())
        self._pump()

    async def rate_limited(self, ticket: Ticket, wait: float) -> None:
        self.control.rate_limited(ticket, wait, self._clock())
        self._pump()

    async def ended(self, ticket: Ticket, cost: float | None = None) -> None:
        self.control.ended(ticket, cost)
        self._pump()

    async def stop(self, reason: str) -> None:
        self.control.stop(reason)
        self._pump()

    async def stats(self) -> FlowStats:
        return self.control.stats()

    def _pump(self) -> None:
        """Admit waiters while the controller allows; otherwise sleep until it might (one timer)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        control = self.control
        while self._waiters:
            head = self._waiters[0]
            if head.done():  # cancelled while queued
                self._waiters.popleft()
                continue
            if control.stopped is not None:
                self._waiters.popleft().set_result(None)
                continue
            now = self._clock()
            wait = control.wait_time(now)
            if wait is None:
                if control.stopped is not None:
                    continue  # the budget just ran out with nothing in flight: release everyone
                return  # a release will pump again
            if wait > 0:
                self._timer = asyncio.get_running_loop().call_later(wait, self._pump)
                return
            self._waiters.popleft().set_result(control.start(now))
