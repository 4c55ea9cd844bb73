"""A fixed-latency OpenRouter stand-in for the batch benchmark: raw asyncio HTTP/1.1, one canned answer.

Every ``POST`` (any path) waits ``--latency`` seconds, then answers the recorded non-stream Chat
Completions body ``tests/fixtures/openrouter/chat-nonstream-text-basic.json`` (with its usage and cost),
keep-alive. No parsing beyond the HTTP framing, so the server costs every client the same and little CPU
on a 2-core machine. A request whose JSON names ``"model": "bench/429"`` gets a 429 with ``Retry-After: 0``
(unused by default).

Run: ``python bench/batch_server.py --latency 0.05 [--port 0]``; prints ``PORT <n>`` once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "openrouter" / "chat-nonstream-text-basic.json"


def _response(body: bytes, status: str = "200 OK") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "x-generation-id: gen-bench\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, answer: bytes, latency: float) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:].strip())
            await reader.readexactly(length)
            if latency:
                await asyncio.sleep(latency)
            writer.write(answer)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
        return  # the client went away, or the server is stopping
    finally:
        writer.close()


async def _main(port: int, latency: float) -> None:
    try:
        body = FIXTURE.read_bytes()
    except OSError as exc:
        raise SystemExit(f"bench/batch_server.py: cannot read the recorded fixture {FIXTURE}: {exc}") from exc
    answer = _response(body)
    server = await asyncio.start_server(lambda r, w: _handle(r, w, answer, latency), "127.0.0.1", port, backlog=4096)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_main(args.port, args.latency))
