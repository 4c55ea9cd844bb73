"""Binary bodies through the endpoint (``request_bytes`` / ``stream_bytes`` and async twins): retried until
the first chunk, never after; error statuses and error objects in a 200 are typed errors, never "the
audio"; bodies are bounded; the response is released however the block ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx2
import pytest

from chat_openrouter import errors
from chat_openrouter.transport.endpoint import Endpoint, Limits
from chat_openrouter.transport.httpx_transport import resolve_transport
from chat_openrouter.transport.retry import RetryPolicy

Handler = Callable[[httpx2.Request], httpx2.Response]
AUDIO = {"content-type": "audio/mpeg", "x-generation-id": "gen-a"}
KEY = "sk-or-v1-raw-test-0123456789abcdef"


def _endpoint(
    *responses: httpx2.Response, retries: int = 2, limits: Limits | None = None
) -> tuple[Endpoint, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    policy = RetryPolicy(max_retries=retries, jitter=False, sleep=lambda _: None)
    transport = resolve_transport(httpx2.MockTransport(handler))
    from chat_openrouter.transport.secret import Secret

    endpoint = Endpoint(
        "http://mock/api/v1", transport, api_key=Secret(KEY), retry=policy, limits=limits or Limits()
    )
    return endpoint, seen


def _chunks(*parts: bytes) -> Iterator[bytes]:
    yield from parts


def test_request_bytes_returns_the_body_and_headers_and_sends_accept() -> None:
    endpoint, seen = _endpoint(httpx2.Response(200, headers=AUDIO, content=b"ID3" + b"\x00" * 10))
    body, headers = endpoint.request_bytes("POST", "audio/speech", {"input": "hi"}, accept="audio/*")
    assert body == b"ID3" + b"\x00" * 10 and headers["x-generation-id"] == "gen-a"
    assert seen[0].headers["accept"] == "audio/*" and seen[0].headers["authorization"] == f"Bearer {KEY}"


def test_stream_bytes_hands_out_chunks_as_they_arrive() -> None:
    endpoint, _ = _endpoint(httpx2.Response(200, headers=AUDIO, content=_chunks(b"a", b"", b"bc", b"d")))
    with endpoint.stream_bytes("POST", "audio/speech", {}) as audio:
        assert (audio.status, audio.content_type, audio.generation_id) == (200, "audio/mpeg", "gen-a")
        assert list(audio) == [b"a", b"bc", b"d"]  # empty chunks are not handed out
        assert list(audio) == []


def test_failures_before_the_body_are_retried_then_typed() -> None:
    busy = httpx2.Response(503, json={"error": {"code": 503, "message": "busy"}})
    endpoint, seen = _endpoint(busy, httpx2.Response(200, headers=AUDIO, content=b"ok"))
    assert endpoint.request_bytes("GET", "videos/j/content")[0] == b"ok"
    assert len(seen) == 2
    endpoint, seen = _endpoint(httpx2.Response(404, json={"error": {"code": 404, "message": "no job"}}))
    with pytest.raises(errors.NotFoundError, match="no job"):
        endpoint.request_bytes("GET", "videos/j/content")
    assert len(seen) == 1


def test_a_json_answer_is_an_error_never_binary_content() -> None:
    in_200 = httpx2.Response(200, json={"error": {"code": 429, "message": "Provider returned error"}})
    endpoint, seen = _endpoint(in_200, retries=1)
    with pytest.raises(errors.StreamError, match="Provider returned error") as raised:
        endpoint.request_bytes("POST", "audio/speech", {})
    assert len(seen) == 2 and raised.value.attempts == 2  # retried like its code says
    for response in (httpx2.Response(200, json={"ok": True}), httpx2.Response(200, html="<html>oops</html>")):
        endpoint, _ = _endpoint(response)
        with pytest.raises(errors.DecodeError, match="expected binary content"):
            endpoint.request_bytes("POST", "audio/speech", {})


def test_bodies_are_bounded() -> None:
    endpoint, _ = _endpoint(
        httpx2.Response(200, headers=AUDIO, content=_chunks(b"x" * 600, b"x" * 600)),
        limits=Limits(max_body_bytes=1000),
    )
    with pytest.raises(errors.DecodeError, match="larger than 1000 bytes"):
        endpoint.request_bytes("GET", "videos/j/content")


def test_an_echoed_key_is_scrubbed() -> None:
    echo = httpx2.Response(400, json={"error": {"code": 400, "message": f"bad key {KEY}"}})
    endpoint, _ = _endpoint(echo)
    with pytest.raises(errors.BadRequestError) as raised:
        endpoint.request_bytes("POST", "audio/speech", {})
    assert KEY not in str(raised.value) and KEY not in repr(raised.value.body)


def test_a_failure_mid_body_is_raised_not_retried() -> None:
    def broken() -> Iterator[bytes]:
        yield b"ID3"
        raise httpx2.ReadError("connection reset")

    endpoint, seen = _endpoint(httpx2.Response(200, headers=AUDIO, content=broken()))
    with endpoint.stream_bytes("POST", "audio/speech", {}) as audio:
        chunks = iter(audio)
        assert next(chunks) == b"ID3"
        with pytest.raises(errors.TransportError):
            next(chunks)
    assert len(seen) == 1


def test_async_twins() -> None:
    busy = httpx2.Response(502, json={"error": {"code": 502, "message": "upstream"}})
    endpoint, seen = _endpoint(busy, httpx2.Response(200, headers=AUDIO, content=b"ab"))

    async def run() -> tuple[bytes, list[bytes]]:
        whole, _ = await endpoint.arequest_bytes("POST", "audio/speech", {})
        async with endpoint.astream_bytes("POST", "audio/speech", {}) as audio:
            return whole, [chunk async for chunk in audio]

    whole, chunks = asyncio.run(run())
    assert whole == b"ab" and b"".join(chunks) == b"ab" and len(seen) == 3
