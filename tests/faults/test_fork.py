"""Fork safety (issue 13, item 1): a client used before ``os.fork()`` works in the parent and the child.

A forked child inherits its parent's pooled keep-alive connections. Reusing one would put both
processes' requests on one socket and let each read the other's responses (or wait forever for its
own). The transport drops its pools in the child (``os.register_at_fork``), so the child opens its own
connection while the parent keeps using the one it pooled.

Each test warms the pool first (a keep-alive connection is pooled), forks for real (multiprocessing's
``fork`` context), and has the child and the parent each ask for *their own* answer: the server echoes a
word from the request, so a process that read the other's response would see the wrong word.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import sys
from typing import Any

import pytest

from chat_openrouter import messages

from ._server import Exchange, FaultServer
from ._wires import API_KEY, MODES, WIRES, Wire

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX-only")

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)
streamed = pytest.mark.parametrize("stream", [True, False], ids=["stream", "complete"])
JOIN = 20.0  # seconds; only reached if the child hangs


def echo(wire: Wire, stream: bool) -> Any:
    """Answer with the word after ``who:`` in the request, streamed or as one body."""

    async def run(ex: Exchange) -> None:
        match = re.search(rb"who:(\w+)", ex.request.body)
        word = match.group(1).decode() if match else "nobody"
        if stream:
            await ex.head(200, [("Content-Type", "text/event-stream")])
            for chunk in wire.good_stream(word):
                await ex.chunk(chunk)
            await ex.end()
        else:
            body = json.dumps(wire.ok_body).replace('"Hello"', json.dumps(word)).encode()
            await ex.whole(200, body, "application/json")

    return run


def ask(
    client: Any, who: str, *, mode: str, stream: bool, loop: asyncio.AbstractEventLoop | None = None
) -> str:
    conversation = messages.from_user(f"who:{who}")
    if mode == "sync":
        if stream:
            return str(client.stream_sync(conversation).final_response().text)
        return str(client.complete_sync(conversation).text)

    async def go() -> str:
        if stream:
            return str((await client.stream(conversation).final_response()).text)
        return str((await client.complete(conversation)).text)

    if loop is None:
        return asyncio.run(go())
    return loop.run_until_complete(go())


def _child(client: Any, mode: str, stream: bool, results: Any) -> None:
    try:
        results.send(ask(client, "child", mode=mode, stream=stream))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.send(f"error: {exc!r}")


@wires
@modes
@streamed
def test_a_client_used_before_fork_works_in_the_parent_and_the_child(
    wire: Wire, mode: str, stream: bool
) -> None:
    with FaultServer(echo(wire, stream)) as server:
        client = wire.build().with_base_url(server.url).with_api_key(API_KEY).with_model("m").build()
        # An event loop that outlives the fork, so the parent's async pool stays usable by the parent.
        loop = asyncio.new_event_loop() if mode == "async" else None
        try:
            assert ask(client, "warmup", mode=mode, stream=stream, loop=loop) == "warmup"
            assert server.connections == 1  # one keep-alive connection, pooled
            receive, send = multiprocessing.Pipe(duplex=False)
            child = multiprocessing.get_context("fork").Process(
                target=_child, args=(client, mode, stream, send)
            )
            child.start()
            try:
                assert receive.poll(JOIN), "the child did not answer: it hangs"
                child_answer = receive.recv()
            finally:
                child.join(JOIN)
                if child.is_alive():
                    child.kill()
            parent_answer = ask(client, "parent", mode=mode, stream=stream, loop=loop)
        finally:
            if loop is not None:
                loop.run_until_complete(client.aclose())
                loop.close()
            else:
                client.close()
    assert child_answer == "child", child_answer
    assert parent_answer == "parent"
    assert child.exitcode == 0
    # The child opened a connection of its own; the parent kept using its pooled one.
    assert server.connections == 2
    assert server.request_count == 3
