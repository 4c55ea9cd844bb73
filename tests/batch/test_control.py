"""Flow control on a simulated clock: AIMD, the shared pause, rpm spacing, the budget bound; the Gate shell."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections import deque
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter.batch import FlowControl, Gate

# -- a tiny discrete-event simulation: the controller against a fixed-window rate-limited server -------


@dataclass
class FixedWindowServer:
    """Like TrafficLimits: the window opens with the first request; over `limit`, 429 until it closes."""

    limit: int | None
    window: float = 60.0
    start: float | None = None
    count: int = 0

    def arrive(self, now: float) -> float | None:
        if self.limit is None:
            return None
        if self.start is None or now >= self.start + self.window:
            self.start, self.count = now, 0
        if self.count >= self.limit:
            return self.start + self.window - now
        self.count += 1
        return None


@dataclass
class Result:
    wall: float
    answered: list[int]
    rate_limits: int
    spent: float
    largest: float = 0.0
    costs: list[float] = field(default_factory=list)


def simulate(control: FlowControl, rows: int, server: FixedWindowServer, *, latency: float = 0.5,
             cost: object = 0.001, network: float = 0.005) -> Result:
    clock = 0.0
    events: list[tuple[float, int, str, tuple[object, ...]]] = []
    order = itertools.count()
    waiting = deque(range(rows))
    answered: list[int] = []
    costs: list[float] = []
    rate_limits = 0

    def push(at: float, kind: str, *data: object) -> None:
        heapq.heappush(events, (at, next(order), kind, data))

    def admit() -> None:
        while waiting:
            wait = control.wait_time(clock)
            if wait is None:
                return
            if wait > 0:
                push(clock + wait, "wake")
                return
            ticket = control.start(clock)
            row = waiting.popleft()
            retry_after = server.arrive(clock + network)
            if retry_after is None:
                push(clock + network + latency, "ok", ticket, row)
            else:
                push(clock + 2 * network, "429", ticket, row, retry_after)

    admit()
    while events:
        clock, _, kind, data = heapq.heappop(events)
        if kind == "ok":
            ticket, row = data
            price = cost() if callable(cost) else cost
            costs.append(price)
            control.succeeded(ticket, price, clock)  # type: ignore[arg-type]
            answered.append(row)  # type: ignore[arg-type]
        elif kind == "429":
            ticket, row, retry_after = data
            rate_limits += 1
            control.rate_limited(ticket, retry_after - network, clock)  # type: ignore[arg-type, operator]
            waiting.appendleft(row)  # type: ignore[arg-type]
        admit()
    return Result(clock, answered, rate_limits, control.spent, max(costs, default=0.0), costs)


@pytest.mark.parametrize("rpm_given", [True, False], ids=["--rpm 60", "learns from 429s"])
def test_60_rpm_limit_loses_nothing_and_stays_within_10_percent_of_ideal(rpm_given: bool) -> None:
    rows = 150
    control = FlowControl(max_in_flight=16, requests_per_minute=60 if rpm_given else None)
    result = simulate(control, rows, FixedWindowServer(limit=60))
    assert sorted(result.answered) == list(range(rows))  # every row exactly once
    ideal = rows * 60 / 60  # the limit's sustained rate: one row per second
    assert result.wall <= 1.10 * ideal, result.wall
    if rpm_given:
        assert result.rate_limits == 0  # spaced under the limit: never refused


def test_one_congestion_event_halves_the_limit_once_and_successes_recover_it() -> None:
    control = FlowControl(max_in_flight=8)
    tickets = [control.start(0.0) for _ in range(8)]
    for ticket in tickets[:5]:  # five 429s from the same burst
        control.rate_limited(ticket, 2.0, 0.1)
    assert control.limit == 4.0 and control.epoch == 1
    assert control.wait_time(1.0) == pytest.approx(1.1)  # everyone waits the shared pause
    assert control.wait_time(2.2) == 0.0  # pause over; 3 in flight under the new limit of 4
    fourth = control.start(2.2)
    assert control.wait_time(2.2) is None  # 4 in flight: wait for an answer
    for ticket in [*tickets[5:], fourth]:
        control.succeeded(ticket, None, 2.3)
    assert 4.0 < control.limit < 5.0  # +1/limit per success
    control.rate_limited(tickets[0], 1.0, 3.0)  # a late 429 of the old epoch: no second halving
    assert control.limit > 4.0


def test_a_pause_longer_than_max_pause_stops_the_job() -> None:
    control = FlowControl(max_in_flight=2, max_pause=60)
    control.rate_limited(control.start(0.0), 86_400.0, 0.0)  # a daily limit
    assert control.stopped is not None and "max_pause" in control.stopped
    assert control.wait_time(0.0) is None


def test_rpm_spacing_has_no_burst() -> None:
    control = FlowControl(max_in_flight=100, requests_per_minute=120)
    control.start(0.0)
    assert control.wait_time(0.0) == pytest.approx(0.5 * 1.01)


@settings(max_examples=80, deadline=None)
@given(
    concurrency=st.integers(min_value=1, max_value=24),
    budget=st.floats(min_value=0.0, max_value=0.2),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_budget_overshoot_is_at_most_concurrency_times_the_largest_request(concurrency: int, budget: float, seed: int) -> None:
    rng = random.Random(seed)
    control = FlowControl(max_in_flight=concurrency, budget_usd=budget)
    result = simulate(control, 400, FixedWindowServer(limit=None), cost=lambda: rng.uniform(0.0001, 0.01))
    assert result.spent - budget <= concurrency * result.largest + 1e-12
    if result.spent < budget:  # stopped early only when every row ran
        assert len(result.answered) == 400
    else:
        assert control.stopped is not None and "budget" in control.stopped


# -- the asyncio Gate -------------------------------------------------------------------------------------------


def test_gate_admits_first_come_first_served_and_releases_everyone_on_stop() -> None:
    async def main() -> None:
        gate = Gate(FlowControl(max_in_flight=1))
        first = await gate.acquire()
        assert first is not None
        order: list[str] = []
        two_done = asyncio.Event()

        async def waiter(name: str) -> None:
            ticket = await gate.acquire()
            order.append(f"{name}:{'ticket' if ticket else 'none'}")
            if len(order) == 2:
                two_done.set()
            if ticket is not None and name != "b":
                await gate.succeeded(ticket, None)

        tasks = [asyncio.create_task(waiter(n)) for n in ("a", "b", "c")]
        await asyncio.sleep(0)
        await gate.succeeded(first, None)  # a runs and releases, then b runs and holds its slot
        await two_done.wait()
        await gate.stop("budget reached")  # c is still queued: it is released with None
        await asyncio.gather(*tasks)
        assert order == ["a:ticket", "b:ticket", "c:none"]
        assert await gate.acquire() is None

    asyncio.run(main())


def test_a_cancelled_waiter_leaves_no_slot_taken() -> None:
    async def main() -> None:
        gate = Gate(FlowControl(max_in_flight=1))
        held = await gate.acquire()
        assert held is not None
        waiting = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await gate.succeeded(held, None)
        assert gate.control.in_flight == 0
        assert await gate.acquire() is not None

    asyncio.run(main())
