"""The default transport builds its TLS context on the first TLS connection, not with the client.

Loading the CA bundle costs ~20-40 ms of CPU: a client that only talks plain ``http://`` (a local proxy,
the emulator) must not pay it on its first request (issue 18). A TLS connection must still get exactly
httpx2's default context, with the ALPN protocols httpcore2 asks for.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx2
import pytest

from chat_openrouter.transport import tls
from chat_openrouter.transport.base import HttpRequest, Timeouts
from chat_openrouter.transport.httpx_transport import HttpxTransport
from faults._server import FaultServer, json_body


@pytest.fixture
def no_tls_context(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Fail the test if httpx2's default TLS context is built (the shared real context reset first)."""
    built: list[bool] = []
    stand_in = tls.deferred_tls_context(True)
    monkeypatch.setattr(stand_in, "_real", None)

    original = httpx2.create_ssl_context

    def create_ssl_context(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        if isinstance(kwargs.get("verify"), ssl.SSLContext):  # httpx2 taking the context it was given
            return original(*args, **kwargs)
        built.append(True)
        raise AssertionError("a TLS context was built for a plain-http request")

    monkeypatch.setattr(httpx2, "create_ssl_context", create_ssl_context)
    monkeypatch.setattr(httpx2._transports.default, "create_ssl_context", create_ssl_context)
    return built


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_plain_http_builds_no_tls_context(mode: str, no_tls_context: list[bool]) -> None:
    with FaultServer(json_body({"ok": True})) as server:
        transport = HttpxTransport()
        request = HttpRequest("POST", server.url + "/x", {}, b"{}", None, Timeouts(), None)
        if mode == "sync":
            assert transport.send(request, max_bytes=1000).status == 200
            transport.close()
        else:

            async def send() -> int:
                response = await transport.asend(request, max_bytes=1000)
                await transport.aclose()
                return response.status

            assert asyncio.run(send()) == 200
    assert no_tls_context == []


class FakeContext:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def set_alpn_protocols(self, protocols: list[str]) -> None:
        self.calls.append(("alpn", protocols))

    def wrap_socket(self, sock: Any, **kwargs: Any) -> str:
        self.calls.append(("wrap_socket", kwargs))
        return "tls socket"

    def wrap_bio(self, incoming: Any, outgoing: Any, **kwargs: Any) -> str:
        self.calls.append(("wrap_bio", kwargs))
        return "tls object"


def test_tls_connections_get_the_default_context_with_their_alpn(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in = tls.deferred_tls_context(True)
    assert isinstance(stand_in, ssl.SSLContext)  # what httpx2 and asyncio require
    real = FakeContext()
    built: list[bool] = []
    monkeypatch.setattr(stand_in, "_real", None)
    monkeypatch.setattr(httpx2, "create_ssl_context", lambda trust_env: built.append(trust_env) or real)
    stand_in.set_alpn_protocols(["http/1.1"])
    assert stand_in.wrap_socket(object(), server_hostname="openrouter.ai") == "tls socket"
    assert stand_in.wrap_bio(object(), object(), server_hostname="openrouter.ai") == "tls object"
    assert built == [True]  # built once, on the first TLS connection, then shared (environment honoured)
    assert real.calls == [
        ("alpn", ["http/1.1"]),
        ("wrap_socket", {"server_hostname": "openrouter.ai"}),
        ("alpn", ["http/1.1"]),
        ("wrap_bio", {"server_hostname": "openrouter.ai"}),
    ]


def test_the_real_context_is_httpx2s_default() -> None:
    real = httpx2.create_ssl_context()
    assert real.verify_mode == ssl.CERT_REQUIRED and real.check_hostname


@pytest.mark.parametrize("trust_env", [True, False])
def test_the_context_follows_trust_env(trust_env: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``with_trust_env(False)`` ignores ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as httpx2 does: the deferred
    context is built with the client's ``trust_env``, never with another client's."""
    transport = HttpxTransport(trust_env=trust_env)
    stand_in = transport._client_kwargs()["verify"]
    assert stand_in is tls.deferred_tls_context(trust_env)
    assert stand_in is not tls.deferred_tls_context(not trust_env)
    asked: list[bool] = []
    monkeypatch.setattr(stand_in, "_real", None)
    monkeypatch.setattr(
        httpx2, "create_ssl_context", lambda trust_env: asked.append(trust_env) or FakeContext()
    )
    stand_in.wrap_socket(object(), server_hostname="openrouter.ai")
    assert asked == [trust_env]
