"""The in-process transport (sync and async, streaming) and the loopback servers (built-in and uvicorn)."""

from __future__ import annotations

import ast
import asyncio
import json
import socket
from typing import Any

import httpx2
import pytest

from chat_openrouter.testing.emulator import Emulator, EmulatorServer, EmulatorTransport

from ._emu import KEY, parse_sse, strict_emulator, user

HEADERS = {"Authorization": f"Bearer {KEY}"}
LONG_TEXT = " ".join(f"word{i}" for i in range(40))


def test_transport_is_an_httpx2_sync_and_async_transport() -> None:
    transport = Emulator().transport()
    assert isinstance(transport, EmulatorTransport)
    assert isinstance(transport, httpx2.BaseTransport)
    assert isinstance(transport, httpx2.AsyncBaseTransport)
    transport.close()


def test_sync_stream_arrives_chunk_by_chunk() -> None:
    emulator = strict_emulator()
    with (
        httpx2.Client(transport=emulator.transport(), headers=HEADERS) as client,
        client.stream(
            "POST",
            "http://any.host/chat/completions",
            json={"model": "emulator/echo", "stream": True, "messages": user("a b c d")},
        ) as response,
    ):
        chunks = list(response.iter_bytes())
    # keep-alive comment + role chunk + 4 content deltas + finish + usage + [DONE], each its own body chunk
    assert len(chunks) == 9
    assert chunks[0] == b": OPENROUTER PROCESSING\n\n"
    assert chunks[-1] == b"data: [DONE]\n\n"


def test_async_stream_arrives_chunk_by_chunk() -> None:
    emulator = strict_emulator()

    async def main() -> list[bytes]:
        async with (
            httpx2.AsyncClient(transport=emulator.transport(), headers=HEADERS) as client,
            client.stream(
                "POST",
                "http://any.host/api/v1/responses",
                json={"model": "emulator/echo", "stream": True, "input": "a b"},
            ) as response,
        ):
            return [chunk async for chunk in response.aiter_bytes()]

    chunks = asyncio.run(main())
    events = [json.loads(c[6:]) for c in chunks if c.startswith(b"data: {")]
    assert [e["type"] for e in events][-1] == "response.completed"
    assert len(chunks) == len(events) + 2  # + the keep-alive comment and [DONE]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_closing_a_stream_early_cancels_the_generation(mode: str) -> None:
    emulator = Emulator(slow_chunk_delay=0.05, slow_start_delay=0)
    body = {"model": "emulator/slow", "stream": True, "messages": user(LONG_TEXT)}

    def sync() -> str:
        with (
            httpx2.Client(transport=emulator.transport(), headers=HEADERS) as client,
            client.stream("POST", "http://emulator/chat/completions", json=body) as response,
        ):
            for chunk in response.iter_bytes():
                if chunk.startswith(b"data: "):
                    return response.headers["x-generation-id"]
        raise AssertionError("no data chunk")

    async def run_async() -> str:
        async with (
            httpx2.AsyncClient(transport=emulator.transport(), headers=HEADERS) as client,
            client.stream("POST", "http://emulator/chat/completions", json=body) as response,
        ):
            async for chunk in response.aiter_bytes():
                if chunk.startswith(b"data: "):
                    return response.headers["x-generation-id"]
        raise AssertionError("no data chunk")

    gen_id = sync() if mode == "sync" else asyncio.run(run_async())
    assert emulator.generations[gen_id]["cancelled"] is True


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_read_timeout_applies_between_chunks(mode: str) -> None:
    # No keep-alives during a long start delay: the client's read timeout must fire.
    emulator = Emulator(keepalive_interval=30)
    body = {"model": "emulator/echo", "stream": True, "input": "x"}
    headers = {**HEADERS, "X-Emulator-Start-Delay": "30"}
    timeout = httpx2.Timeout(5.0, read=0.05)

    def sync() -> None:
        with (
            httpx2.Client(transport=emulator.transport(), timeout=timeout) as client,
            client.stream("POST", "http://emulator/responses", json=body, headers=headers) as response,
        ):
            for _ in response.iter_bytes():
                pass

    async def run_async() -> None:
        async with (
            httpx2.AsyncClient(transport=emulator.transport(), timeout=timeout) as client,
            client.stream("POST", "http://emulator/responses", json=body, headers=headers) as response,
        ):
            async for _ in response.aiter_bytes():
                pass

    with pytest.raises(httpx2.ReadTimeout):
        sync() if mode == "sync" else asyncio.run(run_async())


# -- loopback -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["builtin", "uvicorn"])
def test_loopback_server_streams_over_real_http(backend: str) -> None:
    emulator = strict_emulator()
    with emulator.loopback(backend=backend) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/api/v1"
        with httpx2.Client(base_url=server.base_url, headers=HEADERS) as client:
            streamed = client.post(
                "/chat/completions",
                json={"model": "emulator/echo", "stream": True, "messages": user("over the wire")},
            )
            whole = client.post("/responses", json={"model": "emulator/echo", "input": "again"})
            catalog = client.get("/models")
    sse = parse_sse(streamed.content)
    assert sse.done
    assert sse.comments[0] == ": OPENROUTER PROCESSING"
    assert (
        "".join(c["choices"][0]["delta"].get("content") or "" for c in sse.data if c["choices"])
        == "over the wire"
    )
    assert whole.json()["output"][0]["content"][0]["text"] == "again"
    assert catalog.status_code == 200
    assert [r.path for r in emulator.requests] == ["/chat/completions", "/responses", "/models"]


def test_builtin_server_reuses_connections_and_reads_chunked_bodies() -> None:
    emulator = Emulator()

    def chunked_body() -> Any:
        yield b'{"model":"emulator/echo",'
        yield b'"messages":[{"role":"user","content":"chunked"}]}'

    with emulator.loopback() as server, httpx2.Client(base_url=server.url, headers=HEADERS) as client:
        first = client.post("/chat/completions", content=chunked_body())
        second = client.post(
            "/chat/completions", json={"model": "emulator/echo", "messages": user("keep-alive")}
        )
        peers = {first.extensions.get("network_stream"), second.extensions.get("network_stream")}
    assert first.json()["choices"][0]["message"]["content"] == "chunked"
    assert second.json()["choices"][0]["message"]["content"] == "keep-alive"
    assert None not in peers
    assert len(peers) == 1


def test_builtin_server_rejects_garbage_and_releases_the_port() -> None:
    server = EmulatorServer(Emulator()).start()
    port = server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"NONSENSE\r\n\r\n")
        reply = raw.recv(1024)
    server.stop()
    assert reply.startswith(b"HTTP/1.1 400 ")
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_uvicorn_backend_missing_or_unknown_backend() -> None:
    with pytest.raises(ValueError, match="backend"):
        EmulatorServer(Emulator(), backend="gunicorn")


# -- hygiene --------------------------------------------------------------------------------------------
def test_the_emulator_is_a_server_free_of_pytest_and_of_our_client() -> None:
    import subprocess
    import sys
    from pathlib import Path

    import chat_openrouter.testing.emulator as package

    probe = (
        "import sys, chat_openrouter.testing.emulator as e; e.Emulator(); "
        "print(sorted(m for m in sys.modules if m == 'pytest' or m.startswith(('chat_openrouter.openrouter', "
        "'chat_openrouter.wire', 'chat_openrouter.transport.wire_client'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert loaded.stdout.strip() == "[]"
    for source in Path(package.__file__).parent.glob("*.py"):
        text = source.read_text()
        imports = [
            "." * node.level + (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        assert not [m for m in imports if m.startswith(("..", "chat_openrouter", "pytest"))], source.name
