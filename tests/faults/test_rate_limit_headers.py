"""An API error keeps the HTTP headers that explain it (``error.headers``): ``Retry-After``,
``X-RateLimit-*``, ``Location``, the generation id -- so a caller (the batch job, a scheduler) sees a
rate limit's reset time even when a proxy passes on only the HTTP headers and no OpenRouter body. Other
headers (cookies) are not kept, and a key echoed in one is scrubbed.
"""

from __future__ import annotations

import pytest

from chat_openrouter import errors
from chat_openrouter.batch._row_runner import rate_limit_wait

from ._server import FaultServer, raw_body, status
from ._wires import API_KEY, MODES, WIRES, Wire, run

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)
streamed = pytest.mark.parametrize("stream", [True, False], ids=["stream", "complete"])

RESET_MS = "1700000050000"
HEADERS = [
    ("X-RateLimit-Limit", "20"),
    ("X-RateLimit-Remaining", "0"),
    ("X-RateLimit-Reset", RESET_MS),
    ("Set-Cookie", f"session={API_KEY}"),
    ("X-Generation-Id", "gen-limited"),
]


@wires
@modes
@streamed
def test_a_429_keeps_its_rate_limit_headers(wire: Wire, mode: str, stream: bool) -> None:
    # A proxy's plain-text 429: no OpenRouter body, only the headers say when to come back.
    with FaultServer(raw_body(429, b"Too Many Requests", "text/plain", HEADERS)) as server:
        outcome, _ = run(wire, server, mode=mode, stream=stream, retries=0)
    error = outcome.error
    assert isinstance(error, errors.RateLimitError)
    assert error.headers["x-ratelimit-reset"] == RESET_MS
    assert error.headers["x-ratelimit-remaining"] == "0" and error.headers["x-ratelimit-limit"] == "20"
    assert error.headers["x-generation-id"] == "gen-limited"
    assert "set-cookie" not in error.headers and API_KEY not in repr(vars(error))
    # What the batch job does with it: pause until the reset, shared by every worker.
    assert rate_limit_wait(error, now=1_700_000_000.0, tries=1) == pytest.approx(50.0)


@wires
@modes
def test_retry_after_is_kept_as_a_header_and_as_seconds(wire: Wire, mode: str) -> None:
    with FaultServer(status(503, headers=[("Retry-After", "3600")])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False)
    assert isinstance(outcome.error, errors.ServerError)
    assert outcome.error.headers["retry-after"] == "3600" and outcome.error.retry_after == 3600


@pytest.mark.parametrize("reset", ["nan", "inf", "-inf", "1e999", "soon"])
def test_a_reset_that_is_not_a_time_falls_back_to_backoff(reset: str) -> None:
    error = errors.RateLimitError("slow down", status=429, headers={"x-ratelimit-reset": reset})
    wait = rate_limit_wait(error, now=1_700_000_000.0, tries=3)
    assert wait == 4.0  # the job's exponential backoff, never NaN or forever


def test_the_metadata_copy_still_counts_when_no_header_came() -> None:
    error = errors.RateLimitError("x", status=429, metadata={"headers": {"X-RateLimit-Reset": RESET_MS}})
    assert rate_limit_wait(error, now=1_700_000_000.0, tries=1) == pytest.approx(50.0)
