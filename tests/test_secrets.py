"""The API key never leaks: not in reprs, not in logs (ours, httpx2's, httpcore2's at DEBUG), not in error
messages, not anywhere in an error's ``__cause__`` / ``__context__`` chain, not in a traceback printed
with its local variables (what error trackers capture).

The key is a realistic ``sk-or-v1-...`` and, separately, a custom proxy key without OpenRouter's shape
(``errors.redact`` cannot recognise that one; only never putting it anywhere helps).
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

from chat_openrouter import ChatOptions, RetryPolicy, Timeouts, errors, messages
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.base import WireClient
from faults._server import (
    FaultServer,
    closed_port_url,
    json_body,
    reset_before_headers,
    sse,
    stall_before_headers,
    status,
)
from faults._wires import WIRES, Wire

OPENROUTER_KEY = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
PROXY_KEY = "proxy-secret-c0ffee-4242-deadbeef"
KEYS = [OPENROUTER_KEY, PROXY_KEY]
NO_SLEEP = RetryPolicy(max_retries=1, jitter=False, sleep=lambda s: None)
TINY = Timeouts(connect=2, first_byte=0.3, idle=0.3, total=5)
wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
keys = pytest.mark.parametrize("key", KEYS, ids=["openrouter-key", "proxy-key"])


def build(wire: Wire, url: str, key: str) -> WireClient:
    client: WireClient = (
        wire.build()
        .with_base_url(url)
        .with_api_key(key)
        .with_model("m")
        .with_retries(NO_SLEEP)
        .with_timeouts(TINY)
        .build()
    )
    return client


def chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]


def assert_clean_error(error: BaseException, key: str) -> None:
    for exc in chain(error):
        assert key not in str(exc) and key not in repr(exc) and key not in repr(exc.args)
        assert not type(exc).__module__.startswith(("httpx2", "httpcore2")), (
            f"{type(exc)} is reachable from the error"
        )
        for value in vars(exc).values():
            assert key not in repr(value)
    # What an error tracker records: every frame's local variables, as repr strings. (The test's own
    # frames hold the key, of course; only the library's frames are checked.)
    for exc in chain(error):
        summary = traceback.TracebackException.from_exception(exc, capture_locals=True)
        for frame in summary.stack:
            if "chat_openrouter" in frame.filename:
                assert key not in repr(frame.locals), f"{frame.name} in {frame.filename} holds the key"


# -- reprs ----------------------------------------------------------------------------------------------
@keys
def test_key_is_absent_from_every_repr_and_str(key: str) -> None:
    objects: list[Any] = []
    for wire in WIRES:
        builder = wire.build().with_api_key(key).with_model("m")
        client = builder.build()
        endpoint = client.endpoint
        request = endpoint._request("POST", "responses", {"input": "hi"}, timeouts=None)
        objects += [builder, builder.config, client, endpoint, endpoint.api_key, endpoint.transport, request]
    router = OpenRouterBuilder().with_api_key(key).with_model("m")
    objects += [router, router.config, router.build()]
    assert any(
        request.headers["Authorization"].endswith(key) for request in objects if hasattr(request, "json_body")
    )
    for obj in objects:
        assert key not in repr(obj), type(obj)
        assert key not in str(obj), type(obj)


def test_the_key_holder_refuses_to_be_pickled() -> None:
    import pickle

    client = WIRES[0].build().with_api_key(OPENROUTER_KEY).build()
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(client.endpoint.api_key)


# -- logs -------------------------------------------------------------------------------------------------
@wires
@keys
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_key_is_absent_from_debug_logs_of_every_logger(
    wire: Wire, key: str, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A retry (503), a failure (401) and a success, streamed and not, with every logger at DEBUG.
    script = [status(503), json_body(wire.ok_body), status(503), sse(wire.good_stream("Hello")), status(401)]
    convo = messages.from_user("hi")
    with caplog.at_level(logging.DEBUG), FaultServer(*script) as server:
        client = build(wire, server.url, key)
        if mode == "sync":
            client.complete_sync(convo)
            client.stream_sync(convo).final_response()
            with pytest.raises(errors.AuthenticationError):
                client.complete_sync(convo)
            client.close()
        else:

            async def run() -> None:
                await client.complete(convo)
                await client.stream(convo).final_response()
                with pytest.raises(errors.AuthenticationError):
                    await client.complete(convo)
                await client.aclose()

            asyncio.run(run())
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"chat_openrouter", "httpx2", "httpcore2"} <= loggers  # we really listened to all three
    assert any("attempt 2" in r.getMessage() for r in caplog.records if r.name == "chat_openrouter")
    for record in caplog.records:
        assert key not in record.getMessage()
        assert key not in repr(record.__dict__)


# -- errors and their chains ------------------------------------------------------------------------------
FAILURES = {
    "refused": None,
    "reset": reset_before_headers(),
    "first-byte-timeout": stall_before_headers(),
    "401-echoing-the-key": None,
}


@wires
@keys
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
@pytest.mark.parametrize("failure", list(FAILURES))
def test_key_is_absent_from_errors_their_chains_and_tracebacks(
    wire: Wire, key: str, mode: str, stream: bool, failure: str
) -> None:
    behaviour = FAILURES[failure]
    if failure == "401-echoing-the-key":
        # A misconfigured proxy that echoes the credential back in its error message.
        behaviour = status(401, {"error": {"code": 401, "message": f"invalid key: Bearer {key}"}})
    convo = messages.from_user("hi")

    def call(url: str) -> BaseException:
        client = build(wire, url, key)

        async def arun() -> None:
            try:
                if stream:
                    await client.stream(convo, options=ChatOptions()).final_response()
                else:
                    await client.complete(convo)
            finally:
                await client.aclose()

        try:
            if mode == "async":
                asyncio.run(arun())
            elif stream:
                client.stream_sync(convo).final_response()
            else:
                client.complete_sync(convo)
        except errors.ChatOpenRouterError as exc:
            return exc
        finally:
            client.close()
        raise AssertionError("the call should have failed")

    if behaviour is None:
        error = call(closed_port_url())
    else:
        with FaultServer(behaviour) as server:
            error = call(server.url)
    assert isinstance(error, errors.APIError | errors.TransportError)
    assert_clean_error(error, key)
