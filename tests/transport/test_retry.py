"""The retry decisions, pure: which errors are retried, how long to wait, what the deadline allows."""

from __future__ import annotations

import email.utils
import logging
import random
import time

import pytest

from chat_openrouter import errors
from chat_openrouter.core.messages import Content
from chat_openrouter.core.parts import Role, TextPart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.errors.mapping import api_error_from_response
from chat_openrouter.transport.retry import RetryPolicy, RetryState

NO_JITTER = RetryPolicy(jitter=False)


def status_error(status: int, *, retry_after: str | None = None) -> errors.APIError:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return api_error_from_response(status, headers, b'{"error": {"code": %d, "message": "m"}}' % status)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 524, 529])
def test_retryable_statuses_get_exponential_backoff(status: int) -> None:
    error = status_error(status)
    assert [NO_JITTER.delay(error, attempt) for attempt in (1, 2, 3)] == [0.5, 1.0, None]


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413, 422])
def test_client_errors_are_never_retried(status: int) -> None:
    assert NO_JITTER.delay(status_error(status), 1) is None


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_retries=10, initial_backoff=1, max_backoff=4, jitter=False)
    assert [policy.delay(status_error(503), n) for n in range(1, 6)] == [1, 2, 4, 4, 4]


def test_jitter_stays_in_the_upper_half_and_is_reproducible_with_an_rng() -> None:
    policy = RetryPolicy(max_retries=5, initial_backoff=1, max_backoff=60)
    waits = [policy.delay(status_error(503), 3, rng=random.Random(seed)) for seed in range(50)]
    assert all(w is not None and 2.0 <= w <= 4.0 for w in waits)
    assert len(set(waits)) > 1  # it does jitter
    seeded = RetryPolicy(rng=random.Random(7))
    again = RetryPolicy(rng=random.Random(7))
    assert seeded.delay(status_error(503), 1) == again.delay(status_error(503), 1)


def test_retry_after_seconds_replaces_the_backoff() -> None:
    assert NO_JITTER.delay(status_error(429, retry_after="7"), 1) == 7.0


def test_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    wait = NO_JITTER.delay(status_error(503, retry_after=when), 1)
    assert wait is not None and 18 < wait <= 21


def test_retry_after_over_the_cap_surfaces_the_error() -> None:
    error = status_error(429, retry_after="120")
    assert RetryPolicy(max_retry_after=60).delay(error, 1) is None
    assert error.retry_after == 120  # the caller can still decide to wait


def test_availability_retry_after_counts_too() -> None:
    # fixture doc-error-429-capacity-exhausted: `error.availability.retry_after`, no header
    body = b'{"error": {"http_status": 429, "error_type": "capacity_exhausted", '
    body += b'"availability": {"retry_after": 3}}}'
    error = api_error_from_response(429, {}, body)
    assert NO_JITTER.delay(error, 1) == 3.0


def test_in_band_errors_follow_their_code() -> None:
    assert NO_JITTER.delay(errors.StreamError("x", code=502), 1) == 0.5
    assert NO_JITTER.delay(errors.StreamError("x", code="server_error"), 1) == 0.5
    assert NO_JITTER.delay(errors.StreamError("x", code=400), 1) is None
    assert NO_JITTER.delay(errors.StreamError("x", code="invalid_prompt"), 1) is None


def _partial(text: str) -> ChatResponse:
    return ChatResponse(content=Content(Role.MODEL, [TextPart(text)] if text else []))


def test_transport_errors_are_retried_only_before_output() -> None:
    assert NO_JITTER.delay(errors.ConnectionError("reset"), 1) == 0.5
    assert NO_JITTER.delay(errors.ConnectionError("reset", partial=_partial("")), 1) == 0.5
    assert NO_JITTER.delay(errors.ConnectionError("reset", partial=_partial("Hel")), 1) is None
    assert NO_JITTER.delay(errors.IncompleteStreamError("cut", partial=_partial("")), 1) == 0.5
    assert NO_JITTER.delay(errors.IncompleteStreamError("cut", partial=_partial("Hel")), 1) is None


@pytest.mark.parametrize(
    ("phase", "retried"),
    [
        ("connect", True),
        ("pool", False),  # already waited the first-byte budget for a free connection
        ("write", True),
        ("first_byte", False),
        ("idle", False),
        ("total", False),
    ],
)
def test_only_timeouts_before_the_request_arrived_are_retried(phase: str, retried: bool) -> None:
    wait = NO_JITTER.delay(errors.TimeoutError("t", phase=phase), 1)
    assert (wait is not None) is retried


def test_decode_and_configuration_errors_are_not_retried() -> None:
    assert NO_JITTER.delay(errors.DecodeError("bad json"), 1) is None
    assert NO_JITTER.delay(errors.ConfigurationError("no key"), 1) is None


def test_state_gives_up_when_the_wait_would_pass_the_deadline() -> None:
    state = RetryState(NO_JITTER, label="POST responses", deadline=time.monotonic() + 0.2)
    state.begin()
    error = status_error(503, retry_after="5")
    assert state.give_up_or_wait(error) is None
    assert error.attempts == 1


def test_state_counts_attempts_and_stamps_the_final_error() -> None:
    state = RetryState(NO_JITTER, label="POST responses", deadline=None)
    waits = []
    error = status_error(502)
    while True:
        state.begin()
        wait = state.give_up_or_wait(error)
        if wait is None:
            break
        waits.append(wait)
    assert waits == [0.5, 1.0]
    assert error.attempts == 3


def test_state_never_retries_after_commit() -> None:
    state = RetryState(NO_JITTER, label="POST responses", deadline=None)
    state.begin()
    state.commit()
    error = errors.ConnectionError("reset")
    assert state.give_up_or_wait(error) is None
    assert error.attempts == 1


def test_state_scrubs_a_custom_key_echoed_in_an_error() -> None:
    key = "proxy-key-0123456789"  # not OpenRouter-shaped, so errors.redact alone would miss it
    state = RetryState(NO_JITTER, label="POST responses", deadline=None, secret=key)
    state.begin()
    error = errors.AuthenticationError(f"invalid key {key}", status=401)
    state.finish(error)
    assert key not in str(error) and key not in repr(error) and key not in error.message


def test_state_logs_status_request_id_attempt_and_latency(caplog: pytest.LogCaptureFixture) -> None:
    state = RetryState(NO_JITTER, label="POST chat/completions", deadline=None)
    with caplog.at_level(logging.DEBUG, logger="chat_openrouter"):
        state.begin()
        state.responded(503, {"X-Generation-Id": "gen-123", "Authorization": "Bearer sk-or-v1-secret"})
        state.give_up_or_wait(status_error(503))
    first, retry = caplog.records
    assert "POST chat/completions -> HTTP 503" in first.getMessage() and "gen-123" in first.getMessage()
    fields = (first.generation_id, first.status, first.attempt)  # type: ignore[attr-defined]
    assert fields == ("gen-123", 503, 1)
    assert first.latency_ms >= 0  # type: ignore[attr-defined]
    assert retry.levelno == logging.INFO and "retrying in 0.50 s" in retry.getMessage()
    assert "sk-or" not in caplog.text
