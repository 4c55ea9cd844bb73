"""Cancellation and cleanup: however a stream is left, its HTTP response is closed.

The server stalls after the first piece of output, so the stream is guaranteed to be mid-flight when the
caller leaves it; a response that was not closed keeps a connection checked out of the client's pool
*and* keeps the server's exchange running. Each test asserts both are back to idle. The first test is
the control: it leaks on purpose and shows both checks notice.
"""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from chat_openrouter import messages
from chat_openrouter.core.events import TextChunk
from chat_openrouter.transport.base import HttpRequest, Timeouts
from chat_openrouter.transport.httpx_transport import HttpxTransport
from chat_openrouter.wire.base import WireClient

from ._server import FaultServer, json_body, sse, stall_before_headers, stall_mid_stream
from ._wires import WIRES, Sleeps, Wire, make_client

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
CONVERSATION = messages.from_user("Say hello")


def stalling(wire: Wire) -> FaultServer:
    return FaultServer(stall_mid_stream([*wire.preamble, wire.text("Hel")]))


def pool_idle(client: WireClient) -> bool:
    transport = client.endpoint.transport
    assert isinstance(transport, HttpxTransport)
    return transport.pool_is_idle()


def in_thread(fn: object) -> None:
    """Run ``fn`` under a hang guard (a leak must fail the test, not stall the suite)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "hung"
    if errors:
        raise errors[0]


def test_control_a_leaked_response_is_detected_by_both_checks() -> None:
    with FaultServer(stall_mid_stream([b": hi\n\n"])) as server:
        transport = HttpxTransport()
        request = HttpRequest("POST", server.url + "/chat/completions", {}, b"{}", None, Timeouts(), None)
        opened = transport.stream(request)
        opened.__enter__()
        assert not transport.pool_is_idle()
        assert not server.wait_quiet(0.2)
        opened.__exit__(None, None, None)
        assert transport.pool_is_idle()
        assert server.wait_quiet()
        transport.close()


@wires
def test_break_out_of_a_sync_stream_in_a_with_block(wire: Wire) -> None:
    with stalling(wire) as server:
        client = make_client(wire, server.url, Sleeps())

        def scenario() -> None:
            with client.stream_sync(CONVERSATION) as stream:
                for event in stream:
                    if isinstance(event, TextChunk):
                        break
            assert pool_idle(client)

        in_thread(scenario)
        assert server.wait_quiet()
        client.close()


@wires
def test_break_out_of_a_bare_for_loop(wire: Wire) -> None:
    # No `with`: the stream object dies with the loop, and its generator's cleanup closes the response.
    with stalling(wire) as server:
        client = make_client(wire, server.url, Sleeps())

        def scenario() -> None:
            for event in client.stream_sync(CONVERSATION):
                if isinstance(event, TextChunk):
                    break
            assert pool_idle(client)

        in_thread(scenario)
        assert server.wait_quiet()
        client.close()


@wires
def test_exception_in_user_code_inside_a_sync_loop(wire: Wire) -> None:
    with stalling(wire) as server:
        client = make_client(wire, server.url, Sleeps())

        def consume() -> None:
            with client.stream_sync(CONVERSATION) as stream:
                for event in stream:
                    if isinstance(event, TextChunk):
                        raise RuntimeError("user code failed")

        def scenario() -> None:
            with pytest.raises(RuntimeError, match="user code failed"):
                consume()
            assert pool_idle(client)

        in_thread(scenario)
        assert server.wait_quiet()
        client.close()


@wires
def test_garbage_collected_sync_stream(wire: Wire) -> None:
    with stalling(wire) as server:
        client = make_client(wire, server.url, Sleeps())

        def scenario() -> None:
            stream = client.stream_sync(CONVERSATION)
            iterator = iter(stream)
            while not isinstance(next(iterator), TextChunk):
                pass
            assert not pool_idle(client)  # mid-flight: the connection is in use
            del stream, iterator
            gc.collect()
            assert pool_idle(client)

        in_thread(scenario)
        assert server.wait_quiet()
        client.close()


@wires
def test_break_out_of_an_async_stream(wire: Wire) -> None:
    with stalling(wire) as server:

        async def scenario() -> None:
            client = make_client(wire, server.url, Sleeps())
            async with client.stream(CONVERSATION) as stream:
                async for event in stream:
                    if isinstance(event, TextChunk):
                        break
            assert pool_idle(client)
            await client.aclose()

        in_thread(lambda: asyncio.run(scenario()))
        assert server.wait_quiet()


@wires
def test_exception_in_user_code_inside_an_async_loop(wire: Wire) -> None:
    with stalling(wire) as server:

        async def scenario() -> None:
            client = make_client(wire, server.url, Sleeps())

            async def consume() -> None:
                async with client.stream(CONVERSATION) as stream:
                    async for event in stream:
                        if isinstance(event, TextChunk):
                            raise RuntimeError("user code failed")

            with pytest.raises(RuntimeError, match="user code failed"):
                await consume()
            assert pool_idle(client)
            await client.aclose()

        in_thread(lambda: asyncio.run(scenario()))
        assert server.wait_quiet()


@wires
def test_cancelling_the_task_mid_stream(wire: Wire) -> None:
    with stalling(wire) as server:

        async def scenario() -> None:
            client = make_client(wire, server.url, Sleeps())
            got_output = asyncio.Event()

            async def consume() -> None:
                async with client.stream(CONVERSATION) as stream:
                    async for event in stream:
                        if isinstance(event, TextChunk):
                            got_output.set()  # then the next read blocks on the stalled server

            task = asyncio.create_task(consume())
            await got_output.wait()
            assert not pool_idle(client)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert pool_idle(client)
            assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()], "a task leaked"
            await client.aclose()

        in_thread(lambda: asyncio.run(scenario()))
        assert server.wait_quiet()


@wires
def test_cancelling_a_non_streamed_call(wire: Wire) -> None:
    with FaultServer(stall_before_headers()) as server:

        async def scenario() -> None:
            patient = Timeouts(connect=5, first_byte=60, idle=60, total=120)
            client = make_client(wire, server.url, Sleeps(), timeouts=patient)
            task = asyncio.create_task(client.complete(CONVERSATION))
            # Until the request is in flight (waited for off the loop, so the request can proceed).
            assert await asyncio.get_running_loop().run_in_executor(None, server.received.wait, 10.0)
            assert not pool_idle(client)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert pool_idle(client)
            await client.aclose()

        in_thread(lambda: asyncio.run(scenario()))
        assert server.wait_quiet()


@wires
def test_garbage_collected_async_stream(wire: Wire) -> None:
    with stalling(wire) as server:

        async def scenario() -> None:
            client = make_client(wire, server.url, Sleeps())
            stream = client.stream(CONVERSATION)
            iterator = aiter(stream)
            while not isinstance(await anext(iterator), TextChunk):
                pass
            assert not pool_idle(client)
            del stream, iterator
            gc.collect()  # asyncio's async-generator hook schedules aclose() on the loop
            for _ in range(100):
                if pool_idle(client):
                    break
                await asyncio.sleep(0)
            assert pool_idle(client)
            await client.aclose()

        in_thread(lambda: asyncio.run(scenario()))
        assert server.wait_quiet()


@wires
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_finished_calls_hand_their_connection_back_for_reuse(wire: Wire, mode: str) -> None:
    # After `[DONE]` the body is read to its end, so the keep-alive connection returns to the pool.
    with FaultServer(
        sse(wire.good_stream("Hello")), json_body(wire.ok_body), sse(wire.good_stream("Hello"))
    ) as server:
        client = make_client(wire, server.url, Sleeps())

        def scenario() -> None:
            assert client.stream_sync(CONVERSATION).final_response().text == "Hello"
            assert client.complete_sync(CONVERSATION).text == "Hello"
            assert client.stream_sync(CONVERSATION).final_response().text == "Hello"

        async def ascenario() -> None:
            assert (await client.stream(CONVERSATION).final_response()).text == "Hello"
            assert (await client.complete(CONVERSATION)).text == "Hello"
            assert (await client.stream(CONVERSATION).final_response()).text == "Hello"
            await client.aclose()

        in_thread(scenario if mode == "sync" else lambda: asyncio.run(ascenario()))
        client.close()
        assert server.request_count == 3
        assert server.connections == 1
