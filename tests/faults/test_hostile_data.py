"""No foreign exception from hostile server data, anywhere (issue 13: the class behind items 3 and 9).

Every reader of server bytes -- the error mapping, the JSON of a whole body, an SSE payload, a tool
call's arguments, a structured answer -- is given JSON nested far deeper than the interpreter's recursion
limit, or just under it (deep enough to break a recursive walk that runs afterwards), and random bytes.
Only our typed errors may come out (or a value); never ``RecursionError``, ``ValueError``,
``OverflowError``, ``TypeError``. Over the loopback server too, for both wires, sync and async.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from chat_openrouter import errors
from chat_openrouter.core.messages import Content
from chat_openrouter.core.parts import Role, TextPart, parse_arguments
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.structured import InvalidStructuredOutput, StructuredOutput
from chat_openrouter.errors.mapping import api_error_from_response
from chat_openrouter.transport.flows import decode_json
from chat_openrouter.transport.retry import RetryPolicy, RetryState
from chat_openrouter.wire.common.decoding import parse_payload
from chat_openrouter.wire.completions import codec as completions
from chat_openrouter.wire.responses import codec as responses

from ._server import FaultServer, raw_body, sse
from ._wires import MODES, WIRES, Wire, run

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)

LIMIT = sys.getrecursionlimit()
# Past the recursion limit (json.loads itself refuses), and just under it (json.loads succeeds and a
# recursive walk that follows -- scrubbing, copying, validating -- is what would break).
DEPTHS = [50 * LIMIT, LIMIT - 60, LIMIT - 20]


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def nested_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("status", [400, 429, 500, 503, 302])
def test_a_deeply_nested_error_body_is_mapped_not_raised(depth: int, status: int) -> None:
    for body in (
        nested(depth),
        '{"error": ' + nested_object(depth) + "}",
        '{"error": {"metadata": ' + nested(depth) + "}}",
    ):
        error = api_error_from_response(status, {}, body.encode())
        assert isinstance(error, errors.APIStatusError) and error.status == status
        # The retry layer's last touch (stamping, scrubbing the key out of the body) must cope too.
        RetryState(RetryPolicy(), label="POST x", deadline=None, secret="sk-or-v1-secret-key-0000").finish(
            error
        )


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_json_everywhere_is_a_typed_error_or_a_value(depth: int) -> None:
    text = nested(depth)
    for attempt in (
        lambda: decode_json(text.encode()),
        lambda: parse_payload(text, what="event", partial=ChatResponse),
        lambda: completions.decode_response(
            {"choices": [{"message": {"content": "x", "tool_calls": [{"function": {"arguments": text}}]}}]}
        ),
        lambda: responses.decode_response(
            {"output": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": text}]}
        ),
    ):
        try:
            attempt()
        except errors.ChatOpenRouterError:
            pass
    arguments = parse_arguments('{"a": ' + text + "}")  # a value or None, never an exception
    assert arguments is None or isinstance(arguments, dict)


class Answer(BaseModel):
    value: object


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deeply_nested_structured_answer_is_invalid_not_a_crash(depth: int) -> None:
    for output_type in (Answer, list[object]):
        spec = StructuredOutput.for_type(output_type)
        answer = '{"value": ' + nested(depth) + "}"
        response = ChatResponse(content=Content(Role.MODEL, [TextPart(answer)]))
        try:
            spec.parse(response)
        except InvalidStructuredOutput:
            pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([400, 401, 429, 500, 502, 301]))
def test_any_error_body_bytes_map_to_the_status_error(body: bytes, status: int) -> None:
    error = api_error_from_response(status, {"Retry-After": "nan", "X-RateLimit-Reset": "x"}, body)
    assert isinstance(error, errors.error_for_status(status))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_payload_text_is_json_or_a_decode_error(text: str) -> None:
    try:
        parse_payload(text, what="event", partial=ChatResponse)
    except errors.DecodeError:
        pass
    assert parse_arguments(text) is None or isinstance(parse_arguments(text), dict)


# -- over the wire ---------------------------------------------------------------------------------------------------
@wires
@modes
@pytest.mark.parametrize("depth", [50 * LIMIT, LIMIT - 20])
def test_a_deep_error_body_over_the_wire_is_the_status_error(wire: Wire, mode: str, depth: int) -> None:
    with FaultServer(
        raw_body(400, ('{"error": {"code": 400, "metadata": ' + nested(depth) + "}}").encode())
    ) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False)
    assert isinstance(outcome.error, errors.BadRequestError), repr(outcome.error)


@wires
@modes
@pytest.mark.parametrize("depth", [50 * LIMIT, LIMIT - 20])
def test_a_deep_stream_event_is_a_decode_error(wire: Wire, mode: str, depth: int) -> None:
    event = b"data: " + nested(depth).encode() + b"\n\n"
    with FaultServer(sse([*wire.preamble, wire.text("Hel"), event])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    # Too deep to parse (how deep that is depends on the stack already in use): a DecodeError.
    # Parseable (a list, which no event is): skipped leniently, and the stream then ends without its
    # terminal event -- an IncompleteStreamError. Never a success, never a RecursionError.
    expected = errors.DecodeError if depth > LIMIT else (errors.DecodeError, errors.IncompleteStreamError)
    assert isinstance(outcome.error, expected), repr(outcome.error)
    assert outcome.error.partial is not None and outcome.error.partial.text == "Hel"


@wires
@modes
@pytest.mark.parametrize("depth", [50 * LIMIT, LIMIT - 20])
def test_a_deep_whole_body_is_a_decode_error(wire: Wire, mode: str, depth: int) -> None:
    with FaultServer(raw_body(200, nested(depth).encode())) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False)
    assert isinstance(outcome.error, errors.DecodeError), repr(outcome.error)


# -- SSE fields ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["\u00b2", "\u0661\u0662", "9" * 5000, "-5", "1e3", "12a"])
def test_a_retry_field_that_is_not_ascii_digits_is_ignored(value: str) -> None:
    from chat_openrouter.transport.sse import SSEDecoder

    events = SSEDecoder().feed(f"retry: {value}\ndata: x\n\n".encode())
    assert [(e.data, e.retry) for e in events] == [("x", None)]


@wires
@modes
def test_a_hostile_retry_field_over_the_wire_does_not_break_the_stream(wire: Wire, mode: str) -> None:
    hostile = b"retry: " + b"9" * 5000 + b"\n\nretry: \xc2\xb2\n\n"
    with FaultServer(sse([hostile, *wire.good_stream("Hello")])) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert outcome.error is None and outcome.response is not None and outcome.response.text == "Hello"
