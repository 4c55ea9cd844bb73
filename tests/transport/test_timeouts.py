"""``HttpxTransport`` timeouts against a stalling loopback server, sync and async.

These pin down the mechanics the rest relies on: httpcore2 honours the idle budget swapped in after the
headers (``_use_idle_timeout``), the first-byte budget applies before them, and the overall deadline cuts
a stream that never goes quiet -- by ``asyncio.wait_for`` in async code and by the watchdog thread in sync
code. Budgets that must *not* fire are 60 s and every call runs under a 10 s hang guard, so a mechanism
that silently stopped working fails the test instead of passing slowly.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from chat_openrouter import errors
from chat_openrouter.transport.base import HttpRequest, Timeouts
from chat_openrouter.transport.httpx_transport import HttpxTransport
from chat_openrouter.transport.watchdog import Watch, Watchdog
from faults._server import Behaviour, FaultServer, keepalive_forever, stall_before_headers, stall_mid_stream

MODES = ["sync", "async"]


def _request(url: str, timeouts: Timeouts, *, deadline_in: float | None = None) -> HttpRequest:
    deadline = None if deadline_in is None else time.monotonic() + deadline_in
    return HttpRequest("POST", url + "/chat/completions", {}, b"{}", None, timeouts, deadline)


def _consume(mode: str, transport: HttpxTransport, request: HttpRequest) -> BaseException | None:
    """Read the whole body under a 10 s hang guard; return the error raised (None if it ended)."""
    box: list[BaseException | None] = []

    def sync() -> None:
        with transport.stream(request) as response:
            for _ in response.iter_bytes():
                pass

    async def run_async() -> None:
        async with transport.astream(request) as response:
            async for _ in response.aiter_bytes():
                pass
        await transport.aclose()

    def target() -> None:
        try:
            sync() if mode == "sync" else asyncio.run(run_async())
            box.append(None)
        except BaseException as exc:
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the read never timed out"
    return box[0]


def _timeout_phase(
    mode: str, behaviour: Behaviour, timeouts: Timeouts, deadline_in: float | None = None
) -> str:
    with FaultServer(behaviour) as server:
        transport = HttpxTransport()
        error = _consume(mode, transport, _request(server.url, timeouts, deadline_in=deadline_in))
        assert transport.pool_is_idle()
        transport.close()
        assert server.wait_quiet()
    assert isinstance(error, errors.TimeoutError), repr(error)
    # Raised outside the `except` that caught httpx2's error: nothing of httpx2 is reachable.
    assert error.__cause__ is None and error.__context__ is None
    return error.phase


@pytest.mark.parametrize("mode", MODES)
def test_idle_budget_applies_after_the_headers(mode: str) -> None:
    # first_byte is 60 s: only the swapped-in idle budget (0.3 s) can end this within the guard.
    timeouts = Timeouts(connect=5, first_byte=60, idle=0.3, total=None)
    assert _timeout_phase(mode, stall_mid_stream([b": OPENROUTER PROCESSING\n\n"]), timeouts) == "idle"


@pytest.mark.parametrize("mode", MODES)
def test_first_byte_budget_applies_before_the_headers(mode: str) -> None:
    timeouts = Timeouts(connect=5, first_byte=0.3, idle=60, total=None)
    assert _timeout_phase(mode, stall_before_headers(), timeouts) == "first_byte"


@pytest.mark.parametrize("mode", MODES)
def test_overall_deadline_cuts_a_stream_that_never_goes_quiet(mode: str) -> None:
    # Keep-alives arrive every 5 ms, so no read ever waits: only the deadline can stop it. In sync code
    # that is the watchdog shutting the socket down (the transport has no other clock).
    timeouts = Timeouts(connect=5, first_byte=60, idle=60, total=None)
    assert _timeout_phase(mode, keepalive_forever(), timeouts, deadline_in=0.4) == "total"


@pytest.mark.parametrize("mode", MODES)
def test_overall_deadline_bounds_the_wait_for_headers(mode: str) -> None:
    timeouts = Timeouts(connect=5, first_byte=60, idle=60, total=None)
    assert _timeout_phase(mode, stall_before_headers(), timeouts, deadline_in=0.4) == "total"


@pytest.mark.parametrize("mode", MODES)
def test_a_passed_deadline_sends_nothing(mode: str) -> None:
    with FaultServer(stall_before_headers()) as server:
        transport = HttpxTransport()
        request = _request(server.url, Timeouts(), deadline_in=-1)
        error = _consume(mode, transport, request)
        assert server.request_count == 0
        transport.close()
    assert isinstance(error, errors.TimeoutError) and error.phase == "total"


@pytest.mark.parametrize("mode", MODES)
def test_refused_connection_maps_to_connection_error_without_httpx_in_the_chain(mode: str) -> None:
    from faults._server import closed_port_url

    transport = HttpxTransport()
    error = _consume(mode, transport, _request(closed_port_url(), Timeouts(connect=2)))
    transport.close()
    assert isinstance(error, errors.ConnectionError)
    assert error.__cause__ is None and error.__context__ is None
    assert "could not connect" in str(error)


def test_watchdog_compacts_cancelled_entries_and_fires_the_rest() -> None:
    import socket

    dog = Watchdog()
    a, b = socket.socketpair()
    try:
        far = time.monotonic() + 3600
        watches: list[Watch] = [dog.arm(far, a) for _ in range(200)]
        for watch in watches:
            dog.cancel(watch)
        assert len(dog._heap) < 200  # cancelled entries do not pile up for an hour

        fired = dog.arm(time.monotonic() + 0.05, a)
        a.settimeout(10)
        assert a.recv(1) == b""  # the pending read is woken by the shutdown
        assert fired.fired
    finally:
        a.close()
        b.close()


def test_pool_is_idle_reports_a_checked_out_connection() -> None:
    with FaultServer(stall_mid_stream([b": hi\n\n"])) as server:
        transport = HttpxTransport()
        opening = transport.stream(_request(server.url, Timeouts()))
        opening.__enter__()
        assert not transport.pool_is_idle()
        opening.__exit__(None, None, None)
        assert transport.pool_is_idle()
        transport.close()
