"""The emulator is bounded like a server: hostile clients end cleanly and the next request is served.

Slowloris heads and bodies, oversized bodies, 100,000-deep JSON, idle connections and more connections
than the cap -- on the built-in loopback server, under uvicorn where it applies, and in-process. Limits are
made small so the tests are quick; nothing sleeps: the tests wait on sockets (a drip sends one byte each
time the socket stays quiet for a moment, until the server answers).
"""

from __future__ import annotations

import asyncio
import json
import logging
import select
import socket
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx2
import pytest

from chat_openrouter.testing.emulator import Emulator, EmulatorServer, ServerLimits

from ._emu import KEY, raw_client, strict_emulator, user

HEADERS = {"Authorization": f"Bearer {KEY}"}
FAST = ServerLimits(head_timeout=0.3, idle_timeout=0.3, max_head_bytes=4096, max_connections=2)
DEEP = 100_000
GUARD = 15.0  # a socket timeout that only a hung server would reach


def _chat(text: str = "still here") -> bytes:
    return json.dumps({"model": "emulator/echo", "messages": user(text)}).encode()


def _deep_bodies() -> dict[str, bytes]:
    nested_metadata = b'{"model":"emulator/echo","messages":[{"role":"user","content":"x"}],"metadata":'
    return {
        "arrays": b"[" * DEEP + b"]" * DEEP,
        "objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        "inside a chat body": nested_metadata + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}",
    }


def _connect(server: EmulatorServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=GUARD)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_to_close(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _drip(sock: socket.socket, data: bytes) -> bytes:
    """Send ``data`` a byte at a time, one byte each time the socket stays quiet for 20 ms, until the
    server answers; then read its answer to the end."""
    for byte in data:
        readable, _, _ = select.select([sock], [], [], 0.02)
        if readable:
            break
        sock.sendall(bytes([byte]))
    return _read_to_close(sock)


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _json_body(answer: bytes) -> Any:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def _still_serving(server: EmulatorServer) -> None:
    with httpx2.Client(base_url=server.base_url, headers=HEADERS, timeout=GUARD) as client:
        r = client.post("/chat/completions", content=_chat(), headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"] == "still here"


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.WARNING):
        yield
    assert not [r for r in caplog.records if r.name.startswith(("chat_openrouter", "asyncio", "uvicorn"))]


# -- slowloris -------------------------------------------------------------------------------------------------
def test_a_client_dripping_its_request_head_gets_408_and_the_server_carries_on(no_tracebacks: None) -> None:
    with EmulatorServer(Emulator(), limits=FAST) as server, closing(_connect(server)) as sock:
        head = b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + b"X-Padding: " + b"a" * 3000
        answer = _drip(sock, head)
        assert _status(answer) == 408
        assert _json_body(answer)["error"]["code"] == 408
        _still_serving(server)


@pytest.mark.parametrize("backend", ["builtin", "uvicorn"])
def test_a_client_dripping_its_body_gets_408_and_the_server_carries_on(
    backend: str, no_tracebacks: None
) -> None:
    emulator = Emulator(body_timeout=0.3)
    with emulator.loopback(backend=backend, limits=FAST) as server, closing(_connect(server)) as sock:
        body = _chat("x" * 3000)
        sock.sendall(
            b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer k\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        answer = _drip(sock, body)
        assert _status(answer) == 408
        assert "too slowly" in _json_body(answer)["error"]["message"]
        _still_serving(server)
    assert [r.status for r in emulator.requests] == [408, 200]


def test_an_idle_connection_is_closed_and_a_fresh_one_is_served() -> None:
    with EmulatorServer(Emulator(), limits=FAST) as server, closing(_connect(server)) as sock:
        assert sock.recv(1) == b""  # the server hangs up on a client that never starts a request
        _still_serving(server)


def test_an_oversized_head_gets_431() -> None:
    with EmulatorServer(Emulator(), limits=FAST) as server, closing(_connect(server)) as sock:
        sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 8000 + b"\r\n\r\n")
        assert _status(_read_to_close(sock)) == 431
        _still_serving(server)


@pytest.mark.parametrize(
    "head",
    [
        b"POST /api/v1/models HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /api/v1/models HTTP/1.1\r\nContent-Length: -3\r\n\r\n",
        b"POST /api/v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /api/v1/models HTTP/1.1\r\nno colon here\r\n\r\n",
    ],
    ids=["length-and-chunked", "negative-length", "bad-chunk-size", "bad-header"],
)
def test_malformed_framing_is_a_400_not_a_crash(head: bytes, no_tracebacks: None) -> None:
    with EmulatorServer(Emulator(), limits=FAST) as server, closing(_connect(server)) as sock:
        sock.sendall(head)
        assert _status(_read_to_close(sock)) == 400
        _still_serving(server)


# -- sizes and nesting -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["builtin", "uvicorn"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_body_gets_413_over_http(backend: str, chunked: bool, no_tracebacks: None) -> None:
    emulator = Emulator(max_body_bytes=2048)
    big = _chat("y" * 200_000)
    content: Any = iter([big[i : i + 1000] for i in range(0, len(big), 1000)]) if chunked else big
    with emulator.loopback(backend=backend, limits=FAST) as server:
        with httpx2.Client(base_url=server.base_url, headers=HEADERS, timeout=GUARD) as client:
            r = client.post(
                "/chat/completions", content=content, headers={"content-type": "application/json"}
            )
        assert r.status_code == 413
        assert r.json()["error"]["code"] == 413
        _still_serving(server)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_endless_body_in_process_is_read_no_further_than_the_limit(mode: str) -> None:
    emulator = Emulator(max_body_bytes=4096)
    pulled = 0

    def endless() -> Iterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"z" * 1000

    async def aendless() -> Any:
        for chunk in endless():
            yield chunk

    if mode == "sync":
        with raw_client(emulator) as client:
            r = client.post("/chat/completions", content=endless())
    else:

        async def run() -> httpx2.Response:
            async with httpx2.AsyncClient(transport=emulator.transport(), headers=HEADERS) as client:
                return await client.post("http://emulator/chat/completions", content=aendless())

        r = asyncio.run(run())
    assert r.status_code == 413
    assert pulled == 5  # 5,000 bytes: one chunk past the 4,096-byte limit, then reading stopped


def test_a_stalled_async_body_in_process_times_out_instead_of_hanging() -> None:
    emulator = Emulator(body_timeout=0.2)
    stalled = asyncio.Event()  # never set: the body's second chunk never comes

    async def body() -> Any:
        yield b'{"model":'
        await stalled.wait()

    async def run() -> None:
        async with httpx2.AsyncClient(transport=emulator.transport(), headers=HEADERS) as client:
            with pytest.raises(httpx2.WriteTimeout):
                await client.post("http://emulator/chat/completions", content=body())
            r = await client.post("http://emulator/chat/completions", content=_chat())
            assert r.status_code == 200

    asyncio.run(run())


@pytest.mark.parametrize(("name", "body"), list(_deep_bodies().items()))
def test_deep_json_in_process_is_a_400_without_a_traceback(
    name: str, body: bytes, no_tracebacks: None
) -> None:
    emulator = strict_emulator()  # the spec validator must never see it either
    with raw_client(emulator) as client:
        for path in ("/chat/completions", "/responses", "/embeddings", "/keys"):
            r = client.post(path, content=body, headers={"content-type": "application/json"})
            assert r.status_code == 400, path
            assert "nested deeper than 128 levels" in r.json()["error"]["message"]
        assert client.post("/chat/completions", content=_chat()).status_code == 200


@pytest.mark.parametrize("backend", ["builtin", "uvicorn"])
def test_deep_json_over_http_is_a_400_and_the_server_carries_on(backend: str, no_tracebacks: None) -> None:
    with strict_emulator().loopback(backend=backend, limits=FAST) as server:
        with httpx2.Client(base_url=server.base_url, headers=HEADERS, timeout=GUARD) as client:
            for body in _deep_bodies().values():
                r = client.post(
                    "/chat/completions", content=body, headers={"content-type": "application/json"}
                )
                assert r.status_code == 400
        _still_serving(server)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_json_number_constants_are_refused(constant: bytes) -> None:
    body = (
        b'{"model":"emulator/echo","messages":[{"role":"user","content":"x"}],"temperature":'
        + constant
        + b"}"
    )
    with raw_client(Emulator()) as client:
        r = client.post("/responses", content=body.replace(b'"messages"', b'"input"'))
        keys = client.post("/keys", content=b'{"name":"k","limit":' + constant + b"}")
    assert r.status_code == keys.status_code == 400
    assert r.json()["error"]["message"] == "Invalid JSON in request body"


def test_nesting_up_to_the_limit_is_answered_normally() -> None:
    depth = 120  # deep, but within the default limit of 128 (the body itself adds two levels)
    body = {"model": "emulator/tools", "messages": user("go"), "tools": [_deep_tool(depth)]}
    with raw_client(strict_emulator()) as client:
        r = client.post("/chat/completions", json=body)
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "deep"


def _deep_tool(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range((depth - 6) // 2):
        schema = {"type": "object", "properties": {"inner": schema}}
    return {"type": "function", "function": {"name": "deep", "parameters": schema}}


def test_the_limits_are_configurable() -> None:
    with raw_client(Emulator(max_json_depth=3)) as client:
        assert client.post("/chat/completions", json={"messages": [[[1]]]}).status_code == 400
        assert (
            client.post(
                "/chat/completions", json={"model": "emulator/echo", "messages": user("x")}
            ).status_code
            == 200
        )
    with pytest.raises(ValueError, match="positive"):
        Emulator(max_body_bytes=0)
    with pytest.raises(ValueError, match="max_connections"):
        ServerLimits(max_connections=0)


# -- connections -------------------------------------------------------------------------------------------------
def _get(sock: socket.socket, *, close: bool = False) -> bytes:
    """One ``GET /models`` on a raw socket: the whole answer (to EOF when ``close``)."""
    extra = b"Connection: close\r\n" if close else b""
    sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n")
    if close:
        return _read_to_close(sock)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_connections_beyond_the_cap_get_503_and_a_freed_slot_is_reused(no_tracebacks: None) -> None:
    limits = ServerLimits(max_connections=2)  # long idle timeout: held connections stay open
    with EmulatorServer(Emulator(), limits=limits) as server:
        held = [_connect(server) for _ in range(2)]
        try:
            assert [_status(_get(sock)) for sock in held] == [200, 200]  # both served, kept alive, idle
            with closing(_connect(server)) as extra:
                refused = _get(extra, close=True)
            assert _status(refused) == 503
            assert b"retry-after: 1" in refused.lower()
            assert "maximum of 2 connections" in _json_body(refused)["error"]["message"]
            # A held client finishes with `Connection: close`; once it sees the close, its slot is free.
            assert _status(_get(held[0], close=True)) == 200
            with closing(_connect(server)) as fresh:
                assert _status(_get(fresh, close=True)) == 200
        finally:
            for sock in held:
                sock.close()
