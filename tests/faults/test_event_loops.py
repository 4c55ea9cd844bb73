"""Event-loop changes (issue 13, item 6): one client, several ``asyncio.run()`` calls.

An asyncio connection belongs to the loop that opened it; after that loop closes, reusing the pooled
connection sends the request and then fails with "Event loop is closed". The default transport keeps
one ``httpx2.AsyncClient`` per event loop, so every run works (loops in several threads at once too).
An ``httpx2.AsyncClient`` the caller passed cannot be recreated: used from a second loop while holding
connections of the first, it fails *before sending anything*, with a ``ConfigurationError``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx2
import pytest

from chat_openrouter import errors, messages

from ._server import FaultServer, json_body, sse
from ._wires import API_KEY, WIRES, Wire

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
streamed = pytest.mark.parametrize("stream", [True, False], ids=["stream", "complete"])


async def ask(client: Any, stream: bool) -> str:
    conversation = messages.from_user("hi")
    if stream:
        return str((await client.stream(conversation).final_response()).text)
    return str((await client.complete(conversation)).text)


def behaviour(wire: Wire, stream: bool) -> Any:
    return sse(wire.good_stream("Hello")) if stream else json_body(wire.ok_body)


@wires
@streamed
def test_a_client_works_in_successive_asyncio_runs(wire: Wire, stream: bool) -> None:
    with FaultServer(behaviour(wire, stream)) as server:
        client = wire.build().with_base_url(server.url).with_api_key(API_KEY).build()
        answers = [asyncio.run(ask(client, stream)) for _ in range(3)]
        asyncio.run(client.aclose())
    assert answers == ["Hello"] * 3
    assert server.request_count == 3  # no request was sent twice, none was lost


@wires
def test_a_client_works_in_loops_of_several_threads_at_once(wire: Wire) -> None:
    with FaultServer(json_body(wire.ok_body)) as server:
        client = wire.build().with_base_url(server.url).with_api_key(API_KEY).build()
        answers: list[str] = []
        failures: list[BaseException] = []
        start = threading.Barrier(4)

        def worker() -> None:
            async def main() -> None:
                start.wait(10)
                for _ in range(3):
                    answers.append(await ask(client, False))

            try:
                asyncio.run(main())
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert not any(t.is_alive() for t in threads), "a worker hangs"
    assert failures == [] and answers == ["Hello"] * 12


@wires
def test_a_callers_async_client_fails_before_sending_in_a_second_loop(wire: Wire) -> None:
    with FaultServer(json_body(wire.ok_body)) as server:
        given = httpx2.AsyncClient()
        client = wire.build().with_base_url(server.url).with_api_key(API_KEY).with_transport(given).build()
        assert asyncio.run(ask(client, False)) == "Hello"
        with pytest.raises(errors.ConfigurationError, match="another event loop"):
            asyncio.run(ask(client, False))
        assert server.request_count == 1  # nothing was sent by the refused call


@wires
def test_a_callers_async_client_without_pooled_connections_may_change_loops(wire: Wire) -> None:
    with FaultServer(json_body(wire.ok_body)) as server:
        given = httpx2.AsyncClient(limits=httpx2.Limits(max_keepalive_connections=0))
        client = wire.build().with_base_url(server.url).with_api_key(API_KEY).with_transport(given).build()
        assert [asyncio.run(ask(client, False)) for _ in range(2)] == ["Hello", "Hello"]


@wires
def test_a_callers_async_transport_fails_before_sending_in_a_second_loop(wire: Wire) -> None:
    # Our AsyncClients are per loop, but a transport the caller passed holds one pool for all of them.
    with FaultServer(json_body(wire.ok_body)) as server:
        given = httpx2.AsyncHTTPTransport()
        client = wire.build().with_base_url(server.url).with_api_key(API_KEY).with_transport(given).build()
        assert asyncio.run(ask(client, False)) == "Hello"
        with pytest.raises(errors.ConfigurationError, match="another event loop"):
            asyncio.run(ask(client, False))
        assert server.request_count == 1
