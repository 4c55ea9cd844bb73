"""Numbers from the server are never trusted blindly (issue 13, item 3).

Every place a server's number becomes a wait or a count: ``Retry-After`` (seconds or a date), a body's
``availability.retry_after`` (in an error response or an in-band error before any output), token counts
and costs. Whatever arrives -- NaN, an infinity, a negative, an integer too large for a float, a string,
a date in year 1 or 9999 -- no call hangs, no wait is NaN/infinite/negative or longer than the policy's
cap (or past the deadline), and nothing raises a bare ``ValueError``/``OverflowError``: a value that is
not a duration reads as "not given" (the normal backoff applies); a token count that is not a
non-negative integer reads as 0, a cost that is not a finite number as None.

Over the loopback fault server (both wires, sync and async, streamed and not), and as hypothesis
properties of the pieces that read the numbers.
"""

from __future__ import annotations

import json
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter import RetryPolicy, errors
from chat_openrouter.errors.mapping import (
    api_error_from_response,
    parse_retry_after,
    stream_error_from_object,
)
from chat_openrouter.transport.retry import MAX_WAIT, RetryState
from chat_openrouter.wire.common.decoding import usage_from

from ._server import FaultServer, json_body, raw_body, sse, status
from ._wires import KEEPALIVE, MODES, WIRES, Outcome, Sleeps, Wire, assert_success, run

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)
streamed = pytest.mark.parametrize("stream", [True, False], ids=["stream", "complete"])

CAP = RetryPolicy().max_retry_after


def assert_sane_waits(sleeps: Sleeps) -> None:
    for wait in sleeps.waits:
        assert isinstance(wait, float) and math.isfinite(wait) and 0 <= wait <= CAP, sleeps.waits


def assert_typed(outcome: Outcome) -> None:
    """A success, or one of our errors whose retry_after is absent or a finite number >= 0."""
    error = outcome.error
    if error is None:
        return
    assert isinstance(error, errors.ChatOpenRouterError), f"a foreign exception escaped: {error!r}"
    retry_after = getattr(error, "retry_after", None)
    assert retry_after is None or (math.isfinite(retry_after) and retry_after >= 0), retry_after


# -- Retry-After headers ---------------------------------------------------------------------------------
# value -> what must happen: "retried" (the value reads as absent or 0: backoff, then success) or
# "surfaced" (a real, over-the-cap wait: the 429 at once, with that finite retry_after).
RETRY_AFTER = {
    "nan": "retried",
    "NaN": "retried",
    "inf": "retried",
    "-inf": "retried",
    "Infinity": "retried",
    "-1": "retried",
    "1e999": "retried",
    "9" * 400: "retried",
    "1_000": "retried",
    "0x10": "retried",
    "\u0661\u0662": "retried",  # Arabic-Indic digits: float() reads 12, HTTP does not
    "soon": "retried",
    "Mon, 01 Jan 0001 00:00:00 GMT": "retried",  # long past: wait 0
    "Mon, 99 Jan 2020 00:00:00 GMT": "retried",  # no such date
    "Fri, 31 Dec 9999 23:59:59 GMT": "surfaced",  # far future: more than the cap
    "86400000000": "surfaced",
}


@wires
@modes
@streamed
@pytest.mark.parametrize("value", list(RETRY_AFTER), ids=[v[:20] for v in RETRY_AFTER])
def test_retry_after_header_values_never_hang_nor_raise_foreign_errors(
    wire: Wire, mode: str, stream: bool, value: str
) -> None:
    ok = sse(wire.good_stream("Hello")) if stream else json_body(wire.ok_body)
    with FaultServer(status(429, headers=[("Retry-After", value)]), ok) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    assert_sane_waits(sleeps)
    assert_typed(outcome)
    if RETRY_AFTER[value] == "retried":
        assert_success(outcome, stream=stream)
        assert len(sleeps.waits) == 1 and server.request_count == 2
    else:
        assert isinstance(outcome.error, errors.RateLimitError)
        assert outcome.error.retry_after is not None and outcome.error.retry_after > CAP
        assert sleeps.waits == [] and server.request_count == 1


# -- retry_after in a body -----------------------------------------------------------------------------------
BODY_VALUES = ["NaN", "Infinity", "-Infinity", "-5", "1e999", "9" * 400, '"12"', "true", "null", "[]"]


def _error_body(value: str, code: int = 429) -> bytes:
    return (
        b'{"error": {"code": %d, "message": "slow down", "availability": {"retryable": true, "retry_after": %s}}}'
        % (code, value.encode())
    )


@wires
@modes
@streamed
@pytest.mark.parametrize("value", BODY_VALUES, ids=[v[:12] for v in BODY_VALUES])
def test_retry_after_in_an_error_body_never_hangs_nor_raises_foreign_errors(
    wire: Wire, mode: str, stream: bool, value: str
) -> None:
    ok = sse(wire.good_stream("Hello")) if stream else json_body(wire.ok_body)
    with FaultServer(raw_body(429, _error_body(value)), ok) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    assert_sane_waits(sleeps)
    assert_typed(outcome)
    assert_success(outcome, stream=stream)


@wires
@modes
@pytest.mark.parametrize("value", BODY_VALUES, ids=[v[:12] for v in BODY_VALUES])
def test_retry_after_in_an_in_band_error_before_output_is_sane(wire: Wire, mode: str, value: str) -> None:
    # An error chunk inside the 200, before any output: retried like its code, with a sane wait.
    in_band = wire.error(429).replace(
        b'"message"',
        b'"availability": {"retryable": true, "retry_after": ' + value.encode() + b'}, "message"',
    )
    with FaultServer(sse([KEEPALIVE, *wire.preamble, in_band]), sse(wire.good_stream("Hello"))) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=True)
    assert_sane_waits(sleeps)
    assert_typed(outcome)
    assert_success(outcome, stream=True)


@wires
@modes
def test_a_200_json_error_with_a_hostile_retry_after_is_retried_sanely(wire: Wire, mode: str) -> None:
    body = _error_body("NaN", code=503)
    with FaultServer(raw_body(200, body), json_body(wire.ok_body)) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=False)
    assert_sane_waits(sleeps)
    assert_success(outcome, stream=False)


# -- token counts and costs ------------------------------------------------------------------------------------
HOSTILE_USAGE = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e999": "1e999",
    "negative": "-7",
    "fraction": "2.5",
    "string": '"12"',
    "bool": "true",
}


def _with_usage(wire: Wire, value: str) -> bytes:
    """The wire's good body, its usage numbers replaced by ``value`` (raw JSON text)."""
    body = dict(wire.ok_body)
    names = (
        ["prompt_tokens", "completion_tokens", "total_tokens"]
        if "choices" in body
        else ["input_tokens", "output_tokens", "total_tokens"]
    )
    body["usage"] = {**{n: "@@" for n in names}, "cost": "@@"}
    return json.dumps(body).replace('"@@"', value).encode()


@wires
@modes
@pytest.mark.parametrize("value", list(HOSTILE_USAGE.values()), ids=list(HOSTILE_USAGE))
def test_token_counts_and_costs_that_are_not_finite_numbers_read_as_absent(
    wire: Wire, mode: str, value: str
) -> None:
    with FaultServer(raw_body(200, _with_usage(wire, value))) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False)
    assert_success(outcome, stream=False)
    assert outcome.response is not None
    usage = outcome.response.usage
    for count in (usage.input_tokens, usage.output_tokens, usage.total_tokens):
        assert isinstance(count, int) and count >= 0
    assert usage.cost is None or (math.isfinite(usage.cost) and usage.cost >= 0)
    assert (usage + usage).cost == usage.cost or math.isfinite((usage + usage).cost or 0.0)


# -- properties -----------------------------------------------------------------------------------------------
JSON_NUMBERS = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.booleans()
    | st.none()
    | st.text(max_size=20)
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.sampled_from(list(RETRY_AFTER)))
def test_parse_retry_after_is_none_or_a_finite_non_negative_number(value: str) -> None:
    seconds = parse_retry_after(value, now=time.time())
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@settings(max_examples=300, deadline=None)
@given(JSON_NUMBERS, st.sampled_from([429, 502, 503]))
def test_an_error_body_never_gives_a_retry_after_that_is_not_a_duration(value: object, code: int) -> None:
    body = {
        "error": {"code": code, "message": "x", "availability": {"retryable": True, "retry_after": value}}
    }
    raw = json.dumps(body).encode()  # NaN/Infinity are written as the literals a hostile server would send
    for error in (
        api_error_from_response(code, {}, raw),
        stream_error_from_object(body["error"], partial=None),
    ):
        assert error.retry_after is None or (math.isfinite(error.retry_after) and error.retry_after >= 0)


@settings(max_examples=300, deadline=None)
@given(JSON_NUMBERS, st.floats(min_value=0, max_value=3600) | st.just(math.inf), st.booleans())
def test_a_retry_decision_is_never_a_wait_that_cannot_be_slept(
    retry_after: object, cap: float, deadline: bool
) -> None:
    policy = RetryPolicy(max_retries=5, max_retry_after=cap)
    state = RetryState(policy, label="POST x", deadline=time.monotonic() + 30 if deadline else None)
    error = errors.RateLimitError("slow down", status=429, retry_after=retry_after)  # type: ignore[arg-type]
    state.begin()
    wait = state.give_up_or_wait(error)
    # The server's wait up to the cap, or the policy's own backoff when the server said nothing usable.
    longest = max(min(cap, MAX_WAIT), policy.max_backoff)
    assert wait is None or (isinstance(wait, float) and math.isfinite(wait) and 0 <= wait <= longest)
    if wait is not None and deadline:
        assert wait < 30


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["prompt_tokens", "completion_tokens", "total_tokens", "cost"]), JSON_NUMBERS
    )
)
def test_usage_counts_are_non_negative_integers_and_cost_finite_or_none(fields: dict[str, object]) -> None:
    usage = usage_from(
        fields,
        input_tokens=fields.get("prompt_tokens"),
        output_tokens=fields.get("completion_tokens"),
        input_details=None,
        output_details=None,
    )
    for count in (usage.input_tokens, usage.output_tokens, usage.total_tokens):
        assert isinstance(count, int) and count >= 0
    assert usage.cost is None or math.isfinite(usage.cost)
