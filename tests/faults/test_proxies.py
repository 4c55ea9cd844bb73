"""Proxies and plain HTTP (issue 13, item 11).

The default transport honours the proxy environment variables (``HTTP_PROXY``, ``HTTPS_PROXY``,
``ALL_PROXY``, ``NO_PROXY``), like httpx2 and curl; ``with_trust_env(False)`` turns that off. Building an
endpoint whose key would travel over plain ``http://`` to another machine warns once
(``InsecureTransportWarning``); loopback addresses, ``https://`` and key-less endpoints do not.
"""

from __future__ import annotations

import asyncio
import warnings

import pytest

from chat_openrouter import errors, messages
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.transport import Endpoint, HttpxTransport, Secret

from ._server import FaultServer, closed_port_url, json_body
from ._wires import API_KEY, MODES, WIRES, Wire

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)
PROXY_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def ask(client: object, mode: str) -> str:
    conversation = messages.from_user("hi")
    if mode == "sync":
        try:
            return str(client.complete_sync(conversation).text)  # type: ignore[attr-defined]
        finally:
            client.close()  # type: ignore[attr-defined]

    async def go() -> str:
        try:
            return str((await client.complete(conversation)).text)  # type: ignore[attr-defined]
        finally:
            await client.aclose()  # type: ignore[attr-defined]

    return asyncio.run(go())


# -- proxies from the environment ---------------------------------------------------------------------------
@wires
@modes
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_the_default_transport_honours_proxy_variables(
    wire: Wire, mode: str, variable: str, clean_env: pytest.MonkeyPatch
) -> None:
    unreachable = closed_port_url()  # nobody listens there: only the proxy can answer
    with FaultServer(json_body(wire.ok_body)) as proxy:
        clean_env.setenv(variable, proxy.url.removesuffix("/api/v1"))
        client = wire.build().with_base_url(unreachable).with_api_key(API_KEY).with_retries(0).build()
        assert ask(client, mode) == "Hello"
    # A forward proxy is sent the absolute URL of the real target.
    assert proxy.requests[0].path.startswith(unreachable)


@wires
@modes
def test_with_trust_env_false_ignores_proxy_variables(
    wire: Wire, mode: str, clean_env: pytest.MonkeyPatch
) -> None:
    unreachable = closed_port_url()
    with FaultServer(json_body(wire.ok_body)) as proxy:
        clean_env.setenv("HTTP_PROXY", proxy.url.removesuffix("/api/v1"))
        client = (
            wire.build()
            .with_base_url(unreachable)
            .with_api_key(API_KEY)
            .with_retries(0)
            .with_trust_env(False)
            .build()
        )
        with pytest.raises(errors.ConnectionError):
            ask(client, mode)
        assert proxy.request_count == 0


@wires
@modes
def test_no_proxy_bypasses_the_proxy(wire: Wire, mode: str, clean_env: pytest.MonkeyPatch) -> None:
    with FaultServer(json_body(wire.ok_body)) as target, FaultServer(json_body(wire.ok_body)) as proxy:
        clean_env.setenv("HTTP_PROXY", proxy.url.removesuffix("/api/v1"))
        clean_env.setenv("NO_PROXY", "127.0.0.1")
        client = wire.build().with_base_url(target.url).with_api_key(API_KEY).build()
        assert ask(client, mode) == "Hello"
    assert target.request_count == 1 and proxy.request_count == 0


def test_the_transports_own_setting_is_what_the_builder_said() -> None:
    assert OpenRouterBuilder().with_api_key("k").with_trust_env(False).build().endpoint.transport._trust_env is False  # type: ignore[attr-defined]
    assert OpenRouterBuilder().with_api_key("k").build().endpoint.transport._trust_env is True  # type: ignore[attr-defined]


# -- the key over plain http ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://openrouter.example/api/v1",
        "http://10.0.0.7:8080/api/v1",
        "HTTP://proxy.internal",
        "http://[2001:db8::1]/v1",
    ],
)
def test_a_key_over_plain_http_to_another_host_warns_once(url: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        OpenRouterBuilder().with_base_url(url).with_api_key(API_KEY).build()
    found = [w for w in caught if issubclass(w.category, errors.InsecureTransportWarning)]
    assert len(found) == 1
    assert API_KEY not in str(found[0].message)
    assert found[0].filename == __file__  # points at the caller's build(), not at library internals


@pytest.mark.parametrize(
    "url",
    [
        "https://openrouter.ai/api/v1",
        "http://127.0.0.1:8080/api/v1",
        "http://127.5.6.7/api/v1",
        "http://localhost:3000",
        "http://api.localhost/v1",
        "http://[::1]:8080/v1",
    ],
)
def test_no_warning_for_https_or_this_machine(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.InsecureTransportWarning)
        OpenRouterBuilder().with_base_url(url).with_api_key(API_KEY).build()


def test_no_warning_without_a_key() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.InsecureTransportWarning)
        OpenRouterBuilder().with_base_url("http://openrouter.example").without_api_key().build()
        Endpoint("http://example.com", HttpxTransport())


def test_an_endpoint_built_directly_warns_too() -> None:
    with pytest.warns(errors.InsecureTransportWarning, match="unencrypted"):
        Endpoint("http://example.com/api/v1", HttpxTransport(), api_key=Secret(API_KEY))
