"""The overall deadline covers everything, sync included (issue 13, item 2).

Connecting, sending, waiting for the response headers *and reading them*: a server (or a proxy) that
drips its status line and headers one byte at a time satisfies every per-read timeout, so only the
call's overall deadline (``Timeouts.total``) can end the wait. Sync calls bound every socket operation
before the headers by the time left (``watchdog.DeadlineBackend``); async ones wrap the wait in
``asyncio.wait_for``. Both wires, sync and async, streamed and not.
"""

from __future__ import annotations

import pytest

from chat_openrouter import ChatOptions, Timeouts, errors

from ._server import FaultServer, drip_head
from ._wires import MODES, WIRES, Wire, run

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)
streamed = pytest.mark.parametrize("stream", [True, False], ids=["stream", "complete"])


@wires
@modes
@streamed
def test_headers_dripped_byte_by_byte_end_at_the_overall_deadline(wire: Wire, mode: str, stream: bool) -> None:
    timeouts = Timeouts(connect=2, first_byte=5, idle=5, total=0.6)
    with FaultServer(drip_head()) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream, timeouts=timeouts)
    assert isinstance(outcome.error, errors.TimeoutError), repr(outcome.error)
    assert outcome.error.phase == "total"
    assert outcome.error.attempts == 1 and server.request_count == 1 and sleeps.waits == []


@wires
@modes
def test_a_per_call_deadline_covers_the_headers_too(wire: Wire, mode: str) -> None:
    with FaultServer(drip_head()) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True, options=ChatOptions(timeout=0.5))
    assert isinstance(outcome.error, errors.TimeoutError) and outcome.error.phase == "total"
