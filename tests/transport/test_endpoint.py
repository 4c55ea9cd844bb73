"""``Endpoint`` and the stream driver on an in-process ``httpx2.MockTransport``: the retry protocol between
them (``commit`` / ``retry``), error bodies, decode safety nets, per-call settings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from chat_openrouter import errors
from chat_openrouter.core.events import StreamEvent, TextChunk
from chat_openrouter.core.messages import Content
from chat_openrouter.core.parts import Role, TextPart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.stream import AsyncChatStream, ChatStream
from chat_openrouter.transport.endpoint import Endpoint, PayloadStream
from chat_openrouter.transport.httpx_transport import resolve_transport
from chat_openrouter.transport.retry import RetryPolicy

Handler = Callable[[httpx2.Request], httpx2.Response]
SSE = {"content-type": "text/event-stream"}


def scripted(*responses: httpx2.Response) -> tuple[Handler, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return handler, seen


def endpoint(handler: Handler, *, retries: int = 2) -> Endpoint:
    waits: list[float] = []
    policy = RetryPolicy(max_retries=retries, jitter=False, sleep=waits.append)
    return Endpoint("http://mock/api/v1", resolve_transport(httpx2.MockTransport(handler)), retry=policy)


def sse(*payloads: str) -> httpx2.Response:
    return httpx2.Response(200, headers=SSE, content="".join(f"data: {p}\n\n" for p in payloads).encode())


# -- payload streams ------------------------------------------------------------------------------------
def test_payloads_skip_empty_data_and_stop_at_done() -> None:
    handler, _ = scripted(
        httpx2.Response(200, headers=SSE, content=b": hi\n\ndata:\n\ndata: a\n\ndata: [DONE]\n\ndata: b\n\n")
    )
    with endpoint(handler).stream("responses", {}) as payloads:
        assert list(payloads) == ["a"]


def test_retry_before_commit_starts_a_new_attempt() -> None:
    handler, seen = scripted(sse("first"), sse("second"))
    with endpoint(handler).stream("responses", {}) as payloads:
        assert isinstance(payloads, PayloadStream)
        assert next(payloads) == "first"
        payloads.retry(errors.StreamError("in-band 502", code=502))
        assert list(payloads) == ["second"]
        assert payloads.attempts == 2
    assert len(seen) == 2


def test_retry_after_commit_raises_without_a_new_request() -> None:
    handler, seen = scripted(sse("first"), sse("second"))
    error = errors.StreamError("in-band 502", code=502)
    with endpoint(handler).stream("responses", {}) as payloads:
        next(payloads)
        payloads.commit()
        with pytest.raises(errors.StreamError) as raised:
            payloads.retry(error)
    assert raised.value is error and error.attempts == 1
    assert len(seen) == 1


def test_retry_of_a_non_retryable_error_raises_it() -> None:
    handler, seen = scripted(sse("first"))
    error = errors.StreamError("bad request", code=400)
    with endpoint(handler).stream("responses", {}) as payloads, pytest.raises(errors.StreamError):
        payloads.retry(error)
    assert len(seen) == 1 and error.attempts == 1


def test_retries_run_out() -> None:
    handler, seen = scripted(sse("again"))
    with endpoint(handler, retries=2).stream("responses", {}) as payloads:
        next(payloads)
        payloads.retry(errors.StreamError("x", code=503))
        next(payloads)
        payloads.retry(errors.StreamError("x", code=503))
        next(payloads)
        with pytest.raises(errors.StreamError) as raised:
            payloads.retry(errors.StreamError("x", code=503))
    assert raised.value.attempts == 3 and len(seen) == 3


def test_huge_error_page_is_truncated_not_refused() -> None:
    page = b"<html><title>502 Bad Gateway</title>" + b"x" * 1_000_000 + b"</html>"
    handler, _ = scripted(httpx2.Response(502, headers={"content-type": "text/html"}, content=page))
    with pytest.raises(errors.ServerError) as raised:
        endpoint(handler, retries=0).request_json("POST", "responses", {})
    assert "502 Bad Gateway" in str(raised.value) and len(str(raised.value)) < 1000


# -- whole responses ------------------------------------------------------------------------------------
def test_error_object_in_a_200_body_is_a_stream_error_and_retried_by_code() -> None:
    handler, seen = scripted(
        httpx2.Response(200, json={"error": {"code": 503, "message": "overloaded"}}),
        httpx2.Response(200, json={"ok": True}),
    )
    body, _ = endpoint(handler).request_json("GET", "key")
    assert body == {"ok": True} and len(seen) == 2


def test_non_retryable_error_object_in_a_200_body() -> None:
    handler, seen = scripted(httpx2.Response(200, json={"error": {"code": 400, "message": "no"}}))
    with pytest.raises(errors.StreamError) as raised:
        endpoint(handler).request_json("GET", "key")
    assert raised.value.code == 400 and raised.value.attempts == 1 and len(seen) == 1


def test_a_decoder_that_trips_becomes_a_decode_error_with_the_cause() -> None:
    handler, _ = scripted(httpx2.Response(200, json={"choices": "not a list"}))

    def decode(body: Any, headers: Any) -> Any:
        return body["missing"]

    with pytest.raises(errors.DecodeError) as raised:
        endpoint(handler).request_decoded("POST", "chat/completions", {}, decode=decode)
    assert isinstance(raised.value.__cause__, KeyError)
    assert "not a list" in raised.value.snippet


def test_deeply_nested_json_is_a_decode_error() -> None:
    handler, _ = scripted(httpx2.Response(200, content=b"[" * 100_000 + b"]" * 100_000))
    with pytest.raises(errors.DecodeError):
        endpoint(handler).request_json("GET", "models")


def test_async_request_retries_and_uses_the_async_sleep() -> None:
    handler, seen = scripted(
        httpx2.Response(503, json={"error": {"code": 503}}), httpx2.Response(200, json={"ok": 1})
    )
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(jitter=False, asleep=asleep)
    ep = Endpoint("http://mock/api/v1", resolve_transport(httpx2.MockTransport(handler)), retry=policy)
    body, _ = asyncio.run(ep.arequest_json("GET", "key"))
    assert body == {"ok": 1} and waits == [0.5] and len(seen) == 2


# -- the stream driver ----------------------------------------------------------------------------------
class _FlakyState:
    """A state whose codec trips on a payload it does not expect."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def handle(self, data: str) -> list[StreamEvent]:
        value = json.loads(data)["delta"]  # KeyError on anything else: a codec bug
        self.text.append(value)
        return [TextChunk(value)]

    def snapshot(self) -> ChatResponse:
        return ChatResponse(content=Content(Role.MODEL, [TextPart("".join(self.text))]))

    def finish(self) -> ChatResponse:
        return self.snapshot()


def test_driver_turns_a_codec_crash_into_a_decode_error_naming_the_payload() -> None:
    handler, _ = scripted(sse('{"delta": "Hel"}', '{"surprise": [1, 2, 3]}'))
    ep = endpoint(handler)
    stream = ChatStream(_FlakyState(), lambda: ep.stream("x", {}))
    received: list[StreamEvent] = []
    with pytest.raises(errors.DecodeError) as raised:
        received.extend(stream)
    assert '{"surprise": [1, 2, 3]}' in raised.value.snippet
    assert isinstance(raised.value.__cause__, KeyError)
    assert raised.value.partial is not None and raised.value.partial.text == "Hel"
    assert received == [TextChunk("Hel")]


def test_async_driver_turns_a_codec_crash_into_a_decode_error() -> None:
    handler, _ = scripted(sse('{"surprise": 1}'))
    ep = endpoint(handler)

    async def run() -> None:
        stream = AsyncChatStream(_FlakyState(), lambda: ep.astream("x", {}))
        async for _ in stream:
            pass

    with pytest.raises(errors.DecodeError):
        asyncio.run(run())


def test_driver_without_a_state_factory_never_retries() -> None:
    handler, seen = scripted(sse('{"delta": "x"}'))  # no terminal event... _FlakyState accepts it
    ep = endpoint(handler)

    class Incomplete(_FlakyState):
        def finish(self) -> ChatResponse:
            raise errors.IncompleteStreamError("cut", partial=None)

    with pytest.raises(errors.IncompleteStreamError):
        list(ChatStream(Incomplete(), lambda: ep.stream("x", {})))
    assert len(seen) == 1


def test_driver_retries_an_empty_incomplete_attempt_with_a_fresh_state() -> None:
    handler, seen = scripted(
        httpx2.Response(200, headers=SSE, content=b": only a keep-alive\n\n"), sse('{"delta": "ok"}')
    )
    ep = endpoint(handler)
    states: list[_FlakyState] = []

    class NeedsOutput(_FlakyState):
        def __init__(self) -> None:
            super().__init__()
            states.append(self)

        def finish(self) -> ChatResponse:
            if not self.text:
                raise errors.IncompleteStreamError("nothing arrived", partial=None)
            return self.snapshot()

    stream = ChatStream(NeedsOutput(), lambda: ep.stream("x", {}), new_state=NeedsOutput)
    assert stream.final_response().text == "ok"
    assert len(seen) == 2 and len(states) == 2 and stream.state is states[1]


def test_log_labels_name_the_url_without_credentials_and_stay_bounded() -> None:
    """The label a retry log line names is made once per URL (not per request) and the cache of them
    stays bounded when a generic request reaches ever new paths."""
    from chat_openrouter.transport import endpoint as endpoint_module

    endpoint = Endpoint("https://openrouter.ai/api/v1", resolve_transport(None))
    url = "https://me:sk-or-secret@openrouter.ai/api/v1/responses?key=abc"
    assert endpoint._destination(url) == "https://openrouter.ai/api/v1/responses"
    assert endpoint._destination(url) is endpoint._destination(url)  # made once
    for n in range(endpoint_module._MAX_LABELS * 3):
        endpoint._destination(f"https://openrouter.ai/api/v1/x/{n}")
    assert len(endpoint._labels) <= endpoint_module._MAX_LABELS
    assert "secret" not in repr(endpoint) and endpoint.with_changes(base_url="https://x.example")._labels == {}
