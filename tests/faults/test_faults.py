"""The fault matrix (issue 5): every fault, on both wires, sync and async, over a real loopback socket.

For each fault the test states the typed error (or the successful retry), the attempt count, that the
server saw exactly that many requests, that the client's pool is idle afterwards and the server has no
exchange left running (nothing leaked), and -- for faults after output started -- that the partial
output is preserved on the error. Retry waits are recorded by a fake sleep, never slept; timeouts are
tenths of a second; every call runs under a watchdog thread, so a hang fails instead of stalling.

The table in docs/reliability.md is this file, in prose.
"""

from __future__ import annotations

import email.utils
import threading
import time

import pytest

from chat_openrouter import ChatOptions, Timeouts, errors
from chat_openrouter.transport.limits import Limits

from ._server import (
    FaultServer,
    closed_port_url,
    html_500,
    json_body,
    keepalive_forever,
    reset_before_headers,
    reset_mid_stream,
    sse,
    stall_before_headers,
    stall_mid_stream,
    status,
)
from ._wires import (
    COMPLETIONS,
    DONE,
    KEEPALIVE,
    MODES,
    WIRES,
    Wire,
    assert_success,
    event,
    run,
)

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)
streamed = pytest.mark.parametrize("stream", [True, False], ids=["stream", "complete"])


# -- connection faults ----------------------------------------------------------------------------------
@wires
@modes
@streamed
def test_refused_connection_is_retried_then_raises_connection_error(
    wire: Wire, mode: str, stream: bool
) -> None:
    outcome, sleeps = run(wire, closed_port_url(), mode=mode, stream=stream)
    assert isinstance(outcome.error, errors.ConnectionError)
    assert outcome.error.attempts == 3
    assert sleeps.waits == [0.25, 0.5]  # exponential backoff, jitter off


@wires
@modes
@streamed
def test_reset_before_headers_is_retried(wire: Wire, mode: str, stream: bool) -> None:
    body = wire.good_stream("Hello") if stream else None
    ok = sse(body) if body is not None else json_body(wire.ok_body)
    with FaultServer(reset_before_headers(), ok) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    assert_success(outcome, stream=stream)
    assert server.request_count == 2
    assert sleeps.waits == [0.25]


@wires
@modes
@streamed
def test_permanent_reset_raises_connection_error_after_all_attempts(
    wire: Wire, mode: str, stream: bool
) -> None:
    with FaultServer(reset_before_headers()) as server:
        outcome, _ = run(wire, server, mode=mode, stream=stream)
    assert isinstance(outcome.error, errors.ConnectionError)
    assert outcome.error.attempts == 3
    assert server.request_count == 3


@wires
@modes
def test_reset_mid_stream_after_output_is_not_retried_and_keeps_the_partial(wire: Wire, mode: str) -> None:
    gate = threading.Event()
    with FaultServer(reset_mid_stream([*wire.preamble, wire.text("Hel")], gate=gate)) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=True, gate=gate)
    assert isinstance(outcome.error, errors.ConnectionError)
    assert outcome.error.attempts == 1
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"
    assert outcome.text == "Hel"
    assert server.request_count == 1 and sleeps.waits == []


@wires
@modes
def test_reset_mid_stream_before_any_output_is_retried(wire: Wire, mode: str) -> None:
    with FaultServer(reset_mid_stream([KEEPALIVE, *wire.preamble]), sse(wire.good_stream("Hello"))) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert_success(outcome, stream=True)
    assert server.request_count == 2


# -- timeouts -------------------------------------------------------------------------------------------
@wires
@modes
@streamed
def test_stall_before_first_byte_times_out_in_the_first_byte_phase(
    wire: Wire, mode: str, stream: bool
) -> None:
    timeouts = Timeouts(connect=2, first_byte=0.3, idle=5, total=10)
    with FaultServer(stall_before_headers()) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream, timeouts=timeouts)
    assert isinstance(outcome.error, errors.TimeoutError)
    assert outcome.error.phase == "first_byte"
    # The request reached the server: the model may be generating (and billing). Not retried.
    assert outcome.error.attempts == 1 and server.request_count == 1 and sleeps.waits == []


@wires
@modes
def test_stall_mid_stream_times_out_idle_with_the_partial(wire: Wire, mode: str) -> None:
    timeouts = Timeouts(connect=2, first_byte=5, idle=0.3, total=10)
    with FaultServer(stall_mid_stream([*wire.preamble, wire.text("Hel")])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True, timeouts=timeouts)
    assert isinstance(outcome.error, errors.TimeoutError)
    assert outcome.error.phase == "idle"
    assert outcome.error.attempts == 1 and server.request_count == 1
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"


@wires
@modes
def test_keepalive_comments_count_as_liveness(wire: Wire, mode: str) -> None:
    # Comments every 0.05 s for 1.2 s (twice the idle budget), then the answer: no idle timeout.
    timeouts = Timeouts(connect=2, first_byte=5, idle=0.6, total=10)
    pacing: list[bytes | float] = [KEEPALIVE, 0.05] * 24
    with FaultServer(sse([*pacing, *wire.good_stream("Hello")])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True, timeouts=timeouts)
    assert_success(outcome, stream=True)


@wires
@modes
def test_endless_keepalives_hit_the_overall_deadline(wire: Wire, mode: str) -> None:
    timeouts = Timeouts(connect=2, first_byte=5, idle=5, total=0.5)
    with FaultServer(keepalive_forever()) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True, timeouts=timeouts)
    assert isinstance(outcome.error, errors.TimeoutError)
    assert outcome.error.phase == "total"
    assert outcome.error.attempts == 1 and server.request_count == 1


@wires
@modes
def test_per_call_timeout_overrides_the_builder(wire: Wire, mode: str) -> None:
    with FaultServer(keepalive_forever()) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True, options=ChatOptions(timeout=0.4))
    assert isinstance(outcome.error, errors.TimeoutError)
    assert outcome.error.phase == "total"


# -- truncation -----------------------------------------------------------------------------------------
@wires
@modes
def test_truncated_stream_after_output_is_incomplete_with_the_partial(wire: Wire, mode: str) -> None:
    # A clean end of body without a terminal event or [DONE]: never a success.
    with FaultServer(sse([*wire.preamble, wire.text("Hel")])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.IncompleteStreamError)
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"
    assert outcome.error.attempts == 1 and server.request_count == 1


@wires
@modes
def test_body_cut_off_mid_chunk_is_a_connection_error_with_the_partial(wire: Wire, mode: str) -> None:
    with FaultServer(sse([*wire.preamble, wire.text("Hel")], end=False)) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.ConnectionError)
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"
    assert outcome.error.attempts == 1


@wires
@modes
def test_truncated_stream_before_output_is_retried(wire: Wire, mode: str) -> None:
    with FaultServer(sse(wire.preamble), sse(wire.good_stream("Hello"))) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert_success(outcome, stream=True)
    assert server.request_count == 2


# -- status errors ------------------------------------------------------------------------------------
@wires
@modes
@streamed
@pytest.mark.parametrize("how", ["seconds", "http-date"])
def test_429_with_retry_after_waits_as_told_then_succeeds(
    wire: Wire, mode: str, stream: bool, how: str
) -> None:
    # An HTTP date ~5 s ahead has whole seconds: the wait lands in (3, 6].
    value = "2" if how == "seconds" else email.utils.formatdate(time.time() + 5, usegmt=True)
    ok = sse(wire.good_stream("Hello")) if stream else json_body(wire.ok_body)
    with FaultServer(status(429, headers=[("Retry-After", value)]), ok) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    assert_success(outcome, stream=stream)
    assert server.request_count == 2
    assert len(sleeps.waits) == 1
    if how == "seconds":
        assert sleeps.waits == [2.0]
    else:
        assert 3 < sleeps.waits[0] <= 6


@wires
@modes
def test_a_wait_that_would_pass_the_overall_deadline_is_not_taken(wire: Wire, mode: str) -> None:
    timeouts = Timeouts(connect=2, first_byte=5, idle=5, total=1)
    with FaultServer(status(503, headers=[("Retry-After", "8")])) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=False, timeouts=timeouts)
    assert isinstance(outcome.error, errors.ServerError)
    assert outcome.error.retry_after == 8 and outcome.error.attempts == 1
    assert sleeps.waits == [] and server.request_count == 1


@wires
@modes
def test_retry_after_beyond_the_cap_is_surfaced_at_once(wire: Wire, mode: str) -> None:
    with FaultServer(status(429, headers=[("Retry-After", "3600")])) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=False)
    assert isinstance(outcome.error, errors.RateLimitError)
    assert outcome.error.retry_after == 3600 and outcome.error.attempts == 1
    assert sleeps.waits == [] and server.request_count == 1


@wires
@modes
@streamed
def test_503_twice_then_success(wire: Wire, mode: str, stream: bool) -> None:
    ok = sse(wire.good_stream("Hel", "lo")) if stream else json_body(wire.ok_body)
    with FaultServer(status(503), status(503), ok) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    assert_success(outcome, stream=stream)
    assert server.request_count == 3
    assert sleeps.waits == [0.25, 0.5]


@wires
@modes
@streamed
def test_permanent_502_raises_server_error_after_three_attempts(wire: Wire, mode: str, stream: bool) -> None:
    with FaultServer(status(502)) as server:
        outcome, _ = run(wire, server, mode=mode, stream=stream)
    assert isinstance(outcome.error, errors.ServerError)
    assert outcome.error.status == 502 and outcome.error.attempts == 3
    assert server.request_count == 3


@wires
@modes
@streamed
@pytest.mark.parametrize("code", [400, 401, 402, 403, 404])
def test_client_errors_are_never_retried(wire: Wire, mode: str, stream: bool, code: int) -> None:
    with FaultServer(status(code)) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    assert isinstance(outcome.error, errors.error_for_status(code))
    assert outcome.error.attempts == 1 and server.request_count == 1 and sleeps.waits == []


@wires
@modes
def test_per_call_retries_override_the_builder(wire: Wire, mode: str) -> None:
    with FaultServer(status(502)) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False, options=ChatOptions(retries=0))
    assert isinstance(outcome.error, errors.ServerError)
    assert outcome.error.attempts == 1 and server.request_count == 1


@wires
@modes
@streamed
def test_html_500_page_is_a_server_error_naming_the_page(wire: Wire, mode: str, stream: bool) -> None:
    with FaultServer(html_500()) as server:
        outcome, _ = run(wire, server, mode=mode, stream=stream, retries=0)
    assert isinstance(outcome.error, errors.ServerError)
    assert outcome.error.status == 500
    assert "500 Internal Server Error" in str(outcome.error)
    assert outcome.error.attempts == 1 and server.request_count == 1


# -- errors inside a 200 ------------------------------------------------------------------------------
@wires
@modes
@streamed
def test_retryable_error_in_a_200_before_output_is_retried(wire: Wire, mode: str, stream: bool) -> None:
    if stream:
        first = sse([KEEPALIVE, *wire.preamble, wire.error(502)])
        ok = sse(wire.good_stream("Hello"))
    else:
        first = json_body({"error": {"code": 502, "message": "Provider returned error"}})
        ok = json_body(wire.ok_body)
    with FaultServer(first, ok) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    assert_success(outcome, stream=stream)
    assert server.request_count == 2 and sleeps.waits == [0.25]


@wires
@modes
@streamed
def test_permanent_error_in_a_200_raises_stream_error_with_attempts(
    wire: Wire, mode: str, stream: bool
) -> None:
    first = (
        sse([*wire.preamble, wire.error(502)])
        if stream
        else json_body({"error": {"code": 502, "message": "x"}})
    )
    with FaultServer(first) as server:
        outcome, _ = run(wire, server, mode=mode, stream=stream)
    assert isinstance(outcome.error, errors.StreamError)
    assert outcome.error.code == 502 and outcome.error.attempts == 3
    assert server.request_count == 3


@wires
@modes
@streamed
def test_non_retryable_error_in_a_200_is_raised_at_once(wire: Wire, mode: str, stream: bool) -> None:
    first = sse([wire.error(400)]) if stream else json_body({"error": {"code": 400, "message": "bad"}})
    with FaultServer(first) as server:
        outcome, _ = run(wire, server, mode=mode, stream=stream)
    assert isinstance(outcome.error, errors.StreamError)
    assert outcome.error.attempts == 1 and server.request_count == 1


@wires
@modes
def test_mid_stream_error_chunk_is_raised_with_the_partial_and_not_retried(wire: Wire, mode: str) -> None:
    with FaultServer(sse([*wire.preamble, wire.text("Hel"), wire.error(502), DONE])) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.StreamError)
    assert outcome.error.code == 502
    assert outcome.error.received_output and outcome.error.partial is not None
    assert outcome.error.partial.text == "Hel"
    assert outcome.error.attempts == 1 and server.request_count == 1 and sleeps.waits == []


@modes
def test_completions_mid_stream_error_with_string_code(mode: str) -> None:
    # fixture doc-chat-midstream-error-string-code: `"code": "server_error"`
    wire = COMPLETIONS
    with FaultServer(sse([*wire.preamble, wire.text("Hel"), wire.error("server_error")])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.StreamError)
    assert outcome.error.code == "server_error" and outcome.error.partial is not None
    assert outcome.error.partial.text == "Hel"


@modes
def test_responses_failed_event_mid_stream(mode: str) -> None:
    # fixture doc-responses-stream-error-events: `response.failed` carries `response.error`
    from ._wires import RESPONSES

    failed = event(
        {
            "type": "response.failed",
            "response": {
                "id": "gen-fault-1",
                "status": "failed",
                "error": {"code": "server_error", "message": "boom"},
            },
        }
    )
    with FaultServer(sse([*RESPONSES.preamble, RESPONSES.text("Hel"), failed])) as server:
        outcome, _ = run(RESPONSES, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.StreamError)
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"
    assert outcome.error.attempts == 1


# -- hostile payloads -----------------------------------------------------------------------------------
@wires
@modes
def test_invalid_json_in_a_data_line_is_a_decode_error_naming_it(wire: Wire, mode: str) -> None:
    with FaultServer(sse([*wire.preamble, wire.text("Hel"), b'data: {"type": oops not json\n\n'])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.DecodeError)
    assert "oops not json" in outcome.error.snippet
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"
    assert server.request_count == 1


@wires
@modes
def test_invalid_utf8_in_a_data_line_is_a_decode_error(wire: Wire, mode: str) -> None:
    with FaultServer(sse([*wire.preamble, wire.text("Hel"), b'data: {"delta": "\xff\xfe"}\n\n'])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.DecodeError)
    assert "UTF-8" in str(outcome.error)
    assert "\\xff" in outcome.error.snippet
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"


@wires
@modes
def test_a_10_mb_event_is_refused_by_the_event_size_limit(wire: Wire, mode: str) -> None:
    huge = b"data: " + b"x" * (10 * 1024 * 1024) + b"\n\n"
    chunks = [huge[i : i + 256 * 1024] for i in range(0, len(huge), 256 * 1024)]
    with FaultServer(sse([*wire.preamble, *chunks])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.DecodeError)
    assert "byte limit" in str(outcome.error)
    assert server.request_count == 1


@wires
@modes
def test_a_body_over_the_body_limit_is_a_decode_error(wire: Wire, mode: str) -> None:
    big = {**wire.ok_body, "padding": "x" * 200_000}
    with FaultServer(json_body(big)) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False, limits=Limits(max_body_bytes=100_000))
    assert isinstance(outcome.error, errors.DecodeError)
    assert "100000-byte limit" in str(outcome.error)
    assert outcome.error.attempts == 1


@wires
@modes
def test_invalid_json_body_is_a_decode_error(wire: Wire, mode: str) -> None:
    async def garbage(ex):  # type: ignore[no-untyped-def]
        await ex.whole(200, b"<<not json>>", "application/json")

    with FaultServer(garbage) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False)
    assert isinstance(outcome.error, errors.DecodeError)
    assert "<<not json>>" in outcome.error.snippet


@wires
@modes
def test_a_json_body_where_a_stream_was_expected_is_a_decode_error(wire: Wire, mode: str) -> None:
    with FaultServer(json_body({"unexpected": True})) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.DecodeError)
    assert "expected an event stream" in str(outcome.error)


@wires
@modes
def test_an_error_after_a_retry_reports_every_attempt(wire: Wire, mode: str) -> None:
    broken = sse([*wire.preamble, wire.text("Hel"), b"data: {broken\n\n"])
    with FaultServer(status(503), broken) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.DecodeError)
    assert outcome.error.attempts == 2 and server.request_count == 2


def _many_calls(wire: Wire, count: int) -> list[bytes]:
    if wire is COMPLETIONS:
        return [
            event(
                {
                    "choices": [
                        {
                            "index": 0,
                            "delta": {
                                "tool_calls": [
                                    {
                                        "index": i,
                                        "id": f"call_{i}",
                                        "type": "function",
                                        "function": {"name": "f", "arguments": "{}"},
                                    },
                                ]
                            },
                        }
                    ]
                }
            )
            for i in range(count)
        ]
    return [
        event(
            {
                "type": "response.output_item.added",
                "output_index": i,
                "item": {
                    "id": f"fc_{i}",
                    "type": "function_call",
                    "call_id": f"call_{i}",
                    "name": "f",
                    "arguments": "",
                },
            }
        )
        for i in range(count)
    ]


@wires
@modes
def test_too_many_tool_calls_or_output_items_hit_the_limit(wire: Wire, mode: str) -> None:
    limits = Limits(max_tool_calls=3, max_output_items=3)
    with FaultServer(sse([*wire.preamble[:1], *_many_calls(wire, 5)])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True, limits=limits)
    assert isinstance(outcome.error, errors.DecodeError)
    assert "more than 3" in str(outcome.error)
    assert outcome.error.attempts == 1
