"""One CLIENT span per model call, and the GenAI client metrics, against the emulator on both wires.

Each test reads what the SDK's in-memory exporters received: span names, kinds, attributes, events and
status; metric names, units, bucket boundaries and data-point attributes.
"""

from __future__ import annotations

import asyncio
import gc

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from chat_openrouter import ChatOptions, OpenRouterBuilder, messages
from chat_openrouter.errors import APIStatusError

from ._support import WIRES, builder

DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)


def _assert_inference_span(span: object, wire: str, *, stream: bool) -> None:
    attributes = dict(span.attributes)  # type: ignore[attr-defined]
    assert span.name == "chat emulator/echo"  # type: ignore[attr-defined]
    assert span.kind is SpanKind.CLIENT  # type: ignore[attr-defined]
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "openrouter"
    assert attributes["gen_ai.request.model"] == "emulator/echo"
    assert attributes["gen_ai.request.temperature"] == 0.25
    assert attributes["gen_ai.request.max_tokens"] == 64
    assert attributes["gen_ai.request.top_p"] == 0.5
    # What was sent: the Responses API has no `stop` and `seed`, and that wire does not send them.
    if wire == "completions":
        assert attributes["gen_ai.request.seed"] == 7
        assert attributes["gen_ai.request.stop_sequences"] == ("END",)
    else:
        assert "gen_ai.request.seed" not in attributes
        assert "gen_ai.request.stop_sequences" not in attributes
    assert attributes["gen_ai.request.top_k"] == 40
    assert attributes["gen_ai.conversation.id"] == "session-1"
    assert attributes["server.address"] == "openrouter.ai"
    assert attributes["server.port"] == 443
    assert str(attributes["gen_ai.response.id"]).startswith("gen-")
    assert attributes["gen_ai.response.model"] == "emulator/echo"
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.usage.input_tokens"] > 0
    assert attributes["gen_ai.usage.output_tokens"] > 0
    assert attributes["openrouter.cost"] > 0
    assert attributes["openrouter.wire"] == wire
    assert ("gen_ai.response.time_to_first_chunk" in attributes) is stream
    assert "error.type" not in attributes
    assert span.status.status_code is StatusCode.UNSET  # type: ignore[attr-defined]


# `stop` and `seed` exist on Chat Completions only: the Responses wire warns and leaves them out.
pytestmark = pytest.mark.filterwarnings("ignore:stop and seed are not part of the Responses API")

OPTIONS = ChatOptions(
    temperature=0.25,
    max_tokens=64,
    top_p=0.5,
    seed=7,
    stop="END",
    extra_body={"session_id": "session-1", "top_k": 40},
)


@pytest.mark.parametrize("wire", WIRES)
def test_a_plain_call_is_one_client_span_with_request_and_response_attributes(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()
    response = client.complete_sync(messages.from_user("hello there"), options=OPTIONS)

    span = telemetry.one("chat emulator/echo")
    _assert_inference_span(span, wire, stream=False)
    assert span.attributes["gen_ai.response.id"] == response.id
    assert span.attributes["gen_ai.usage.input_tokens"] == response.usage.input_tokens
    assert span.parent is None


@pytest.mark.parametrize("wire", WIRES)
def test_an_async_call_makes_the_same_span(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()
    asyncio.run(client.complete(messages.from_user("hello there"), options=OPTIONS))
    _assert_inference_span(telemetry.one("chat emulator/echo"), wire, stream=False)


@pytest.mark.parametrize("wire", WIRES)
def test_a_stream_span_covers_the_whole_stream_and_records_time_to_first_chunk(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()
    stream = client.stream_sync(messages.from_user("one two three"), options=OPTIONS)
    assert telemetry.spans() == []  # created, not sent: no span yet
    events = iter(stream)
    next(events)
    assert telemetry.spans() == []  # open while the stream is
    response = stream.final_response()

    span = telemetry.one("chat emulator/echo")
    _assert_inference_span(span, wire, stream=True)
    assert span.attributes["gen_ai.response.id"] == response.id
    ttfc = span.attributes["gen_ai.response.time_to_first_chunk"]
    assert 0 <= ttfc <= (span.end_time - span.start_time) / 1e9

    metrics = telemetry.metrics()
    (point,) = metrics["gen_ai.client.operation.time_to_first_chunk"]
    assert point.count == 1
    assert point.bucket_bounds == DURATION_BUCKETS
    assert telemetry.units["gen_ai.client.operation.time_to_first_chunk"] == "s"


@pytest.mark.parametrize("wire", WIRES)
def test_an_async_stream_span_ends_with_the_stream(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()

    async def main() -> None:
        async with client.stream(messages.from_user("one two three"), options=OPTIONS) as stream:
            async for _ in stream:
                pass

    asyncio.run(main())
    _assert_inference_span(telemetry.one("chat emulator/echo"), wire, stream=True)


@pytest.mark.parametrize("wire", WIRES)
def test_a_stream_left_early_or_dropped_still_ends_its_span_without_an_error(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()
    for _event in client.stream_sync(messages.from_user("one two three four")):
        break  # the stream object is dropped here: reference counting closes it
    gc.collect()
    with client.stream_sync(messages.from_user("five six seven")) as stream:
        next(iter(stream))  # left by the `with` block
    client.stream_sync(messages.from_user("never iterated")).close()

    spans = telemetry.named("chat emulator/echo")
    assert len(spans) == 2  # a stream never iterated sent nothing: no span
    for span in spans:
        assert span.end_time is not None
        assert span.status.status_code is StatusCode.UNSET
        assert "error.type" not in span.attributes
        assert "gen_ai.response.time_to_first_chunk" in span.attributes
    # Only finished calls count as operations with a duration; the early-left streams still report one.
    (point,) = telemetry.metrics()["gen_ai.client.operation.duration"]
    assert point.count == 2


@pytest.mark.parametrize("wire", WIRES)
def test_retried_attempts_are_span_events_on_the_one_call_span(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()
    fault = ChatOptions(extra_headers={"X-Emulator-Fault": "rate-limit;times=2"})
    client.complete_sync(messages.from_user("hi"), options=fault)

    span = telemetry.one("chat emulator/echo")
    retries = [e for e in span.events if e.name == "openrouter.retry"]
    assert [e.attributes["http.request.resend_count"] for e in retries] == [1, 2]
    for event in retries:
        assert event.attributes["error.type"] == "RateLimitError"
        assert event.attributes["http.response.status_code"] == 429
        assert event.attributes["openrouter.retry.delay"] >= 0
    assert span.attributes["openrouter.attempts"] == 3
    assert span.status.status_code is StatusCode.UNSET


@pytest.mark.parametrize("wire", WIRES)
def test_a_stream_retried_before_its_first_chunk_reports_the_retries(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()
    fault = ChatOptions(extra_headers={"X-Emulator-Fault": "error-503;times=1"})
    stream = client.stream_sync(messages.from_user("hi"), options=fault)
    stream.final_response()

    span = telemetry.one("chat emulator/echo")
    assert [e.attributes["http.response.status_code"] for e in span.events] == [503]
    assert span.attributes["openrouter.attempts"] == 2


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("mode", ["sync", "async", "stream"])
def test_a_failed_call_after_retries_records_the_error_type_and_every_attempt(
    emulator, telemetry, wire, mode
):
    client = builder(emulator, telemetry, wire, "emulator/error-500").build()
    calls = {
        "sync": lambda: client.complete_sync(messages.from_user("hi")),
        "async": lambda: asyncio.run(client.complete(messages.from_user("hi"))),
        "stream": lambda: client.stream_sync(messages.from_user("hi")).final_response(),
    }
    with pytest.raises(APIStatusError) as raised:
        calls[mode]()
    assert raised.value.attempts == 3

    span = telemetry.one("chat emulator/error-500")
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is None  # the message may quote content: never recorded by default
    assert span.attributes["error.type"] == type(raised.value).__qualname__
    assert span.attributes["http.response.status_code"] == 500
    assert span.attributes["openrouter.attempts"] == 3
    events = [e.name for e in span.events]
    assert events == ["openrouter.retry", "openrouter.retry", "exception"]
    assert dict(span.events[-1].attributes) == {"exception.type": type(raised.value).__qualname__}

    (duration,) = telemetry.metrics()["gen_ai.client.operation.duration"]
    assert duration.attributes["error.type"] == type(raised.value).__qualname__
    assert "gen_ai.client.token.usage" not in telemetry.metrics()  # no usage reported: none recorded


@pytest.mark.parametrize("wire", WIRES)
def test_the_client_metrics_follow_the_conventions(emulator, telemetry, wire):
    client = builder(emulator, telemetry, wire, "emulator/echo").build()
    response = client.complete_sync(messages.from_user("count my tokens"))
    metrics = telemetry.metrics()

    assert set(metrics) == {"gen_ai.client.operation.duration", "gen_ai.client.token.usage"}
    assert telemetry.units == {
        "gen_ai.client.operation.duration": "s",
        "gen_ai.client.token.usage": "{token}",
    }
    (duration,) = metrics["gen_ai.client.operation.duration"]
    assert duration.bucket_bounds == DURATION_BUCKETS
    assert duration.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openrouter",
        "gen_ai.request.model": "emulator/echo",
        "gen_ai.response.model": "emulator/echo",
        "server.address": "openrouter.ai",
        "server.port": 443,
    }
    tokens = {p.attributes["gen_ai.token.type"]: p for p in metrics["gen_ai.client.token.usage"]}
    assert set(tokens) == {"input", "output"}
    assert tokens["input"].sum == response.usage.input_tokens
    assert tokens["output"].sum == response.usage.output_tokens
    assert tokens["input"].bucket_bounds == TOKEN_BUCKETS


def test_with_tracing_false_makes_no_spans_and_no_metrics(emulator, telemetry):
    client = builder(emulator, telemetry, "responses", "emulator/echo").with_tracing(False).build()
    client.complete_sync(messages.from_user("hi"))
    client.stream_sync(messages.from_user("hi")).final_response()
    assert telemetry.spans() == []
    assert telemetry.metrics() == {}


def test_a_span_is_a_child_of_the_callers_current_span_even_when_iterated_elsewhere(emulator, telemetry):
    client = builder(emulator, telemetry, "responses", "emulator/echo").build()
    tracer = telemetry.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("request handler") as parent:
        client.complete_sync(messages.from_user("hi"))
        stream = client.stream_sync(messages.from_user("hi"))
    stream.final_response()  # iterated after the parent span ended: the parent is where it was created

    calls = telemetry.named("chat emulator/echo")
    assert len(calls) == 2
    for span in calls:
        assert span.parent.span_id == parent.get_span_context().span_id
        assert span.context.trace_id == parent.get_span_context().trace_id


def test_a_client_without_a_model_names_the_span_after_the_model_it_sends(emulator, telemetry):
    client = (
        OpenRouterBuilder()  # no with_model(): the model comes with the call
        .with_api_key("sk-or-v1-tracing-test-key")
        .with_transport(emulator.transport())
        .with_completions()
        .with_tracing(**telemetry.providers)
        .build()
    )
    client.complete_sync(messages.from_user("hi"), options=ChatOptions(extra_body={"model": "emulator/echo"}))
    span = telemetry.one("chat emulator/echo")
    assert span.attributes["gen_ai.request.model"] == "emulator/echo"
