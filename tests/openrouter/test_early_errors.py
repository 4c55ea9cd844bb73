"""Issue 14, "Why" 3-4: typos fail where they are made, with the accepted values; configuration problems are
never retried; connection and timeout errors name the URL (never the key) and are the built-in
ConnectionError / TimeoutError. (Before: every one of these passed build(), a base URL without a scheme was
retried three times as a connection error, and `except TimeoutError:` missed ours.)"""

from __future__ import annotations

import asyncio
import builtins
import logging
import socket
from typing import Any

import pytest

from chat_openrouter import ChatOptions, ConfigurationError, OpenRouterBuilder, Reasoning, Timeouts, messages
from chat_openrouter.errors import ChatOpenRouterError, ConnectionError, TimeoutError, TransportError
from chat_openrouter.testing.emulator import Emulator

KEY = "sk-or-v1-0123456789abcdef0123456789abcdef"
BASE = OpenRouterBuilder().with_api_key(KEY).with_model("openai/gpt-4o")


# -- where the mistake is made -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: BASE.with_reasoning(effort="hihg"), r"unknown reasoning effort 'hihg' \(did you mean 'high'\?\); accepted: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'"),
        (lambda: BASE.with_reasoning(effort=3), r"reasoning effort must be one of .* got 3 \(int\)"),
        (lambda: BASE.with_reasoning_effort("MEDIUM"), r"did you mean 'medium'"),
        (lambda: BASE.with_reasoning(summary="detail"), r"did you mean 'detailed'"),
        (lambda: Reasoning(max_tokens=-1), r"Reasoning.max_tokens must be an integer >= 0"),
        (lambda: ChatOptions(temperature="hot"), r"ChatOptions.temperature must be a number from 0 to 2, got 'hot' \(str\)"),
        (lambda: ChatOptions(temperature=2.5), r"temperature must be a number from 0 to 2, got 2.5"),
        (lambda: ChatOptions(temperature=float("nan")), r"temperature must be a number"),
        (lambda: ChatOptions(top_p=1.5), r"ChatOptions.top_p must be a number from 0 to 1"),
        (lambda: ChatOptions(max_tokens=0), r"ChatOptions.max_tokens must be an integer >= 1"),
        (lambda: ChatOptions(max_tokens=10.5), r"max_tokens must be an integer"),
        (lambda: ChatOptions(retries=-1), r"ChatOptions.retries must be an integer >= 0"),
        (lambda: ChatOptions(timeout=0), r"ChatOptions.timeout \(seconds\) must be a number > 0"),
        (lambda: ChatOptions(stop=["a", 1]), r"ChatOptions.stop must be a string or a list of strings"),
        (lambda: ChatOptions(reasoning={"effort": "hihg"}), r"did you mean 'high'"),
        (lambda: ChatOptions(reasoning={"effrot": "high"}), r"ChatOptions.reasoning: unknown field"),
        (lambda: ChatOptions(extra_headers={"X-N": 1}), r"extra_headers must be a dict of strings"),
        (lambda: Timeouts(total=-5), r"Timeouts.total \(seconds; None for no limit\) must be a number > 0"),
        (lambda: BASE.with_retries(-1), r"with_retries\(\) must be an integer >= 0, got -1"),
        (lambda: BASE.with_retries(True), r"with_retries\(\) must be an integer"),
        (lambda: BASE.with_timeouts(total=-5), r"Timeouts.total .* > 0, got -5"),
        (lambda: BASE.with_timeouts(totl=5), r"unknown phase\(s\) \['totl'\]; the phases are \['connect', 'first_byte'"),
        (lambda: BASE.with_model(""), r"with_model\(\) needs a model slug"),
        (lambda: BASE.with_model("  "), r"with_model\(\) needs a model slug"),
        (lambda: BASE.with_model("openai/gpt 4o"), r"no spaces"),
        (lambda: BASE.with_api_key("  "), r"with_api_key\(\) was given an empty key"),
        (lambda: BASE.with_api_key(""), r"empty key"),
        (lambda: BASE.with_base_url("openrouter.ai/api/v1"), r"has no scheme: write it with https:// .*e.g. https://openrouter.ai/api/v1"),
        (lambda: BASE.with_base_url("localhost:8080/v1"), r"has no scheme"),
        (lambda: BASE.with_base_url("ftp://openrouter.ai/api/v1"), r"scheme 'ftp'; only https:// and http://"),
        (lambda: BASE.with_base_url("https://"), r"has no host"),
        (lambda: BASE.with_base_url("http://localhost:99999/v1"), r"not a valid URL: Port out of range"),
        (lambda: BASE.with_base_url("https://openrouter.ai/api/v1?key=abc"), r"must not have a query"),
        (lambda: BASE.with_options({"temperature": 1}), r"with_options\(\) expects a ChatOptions"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_setting_is_a_configuration_error_where_it_is_given(make: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as caught:
        make()
    assert isinstance(caught.value, ValueError)  # also what `except ValueError` expects
    assert KEY not in str(caught.value)


def test_a_deliberate_new_effort_goes_through_and_is_sent() -> None:
    client = BASE.with_reasoning(effort="ultra", allow_unknown=True).build()
    assert client.options.reasoning is not None and client.options.reasoning.to_json() == {"effort": "ultra"}
    assert Reasoning(effort="max").to_json() == {"effort": "max"}


def test_the_base_url_error_does_not_show_credentials() -> None:
    with pytest.raises(ConfigurationError) as caught:
        BASE.with_base_url("ftp://me:secret-password@host/v1?token=abc")
    assert "secret-password" not in str(caught.value) and "token" not in str(caught.value)


def test_openrouter_base_url_is_read_at_build_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1/")
    assert BASE.build().base_url == "http://127.0.0.1:9/api/v1"
    assert BASE.with_base_url("https://example.com/v1").build().base_url == "https://example.com/v1"
    monkeypatch.setenv("OPENROUTER_BASE_URL", "example.com/v1")
    with pytest.raises(ConfigurationError, match=r"OPENROUTER_BASE_URL: the base URL 'example\.com/v1' has no scheme"):
        BASE.build()
    monkeypatch.delenv("OPENROUTER_BASE_URL")
    assert BASE.build().base_url == "https://openrouter.ai/api/v1"


# -- never retried; the URL named; the built-in exceptions ---------------------------------------------------
def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again: connecting is refused


@pytest.mark.parametrize("wire", ["responses", "completions"])
def test_a_connection_error_names_the_url_without_credentials_and_is_the_builtin_one(wire: str) -> None:
    port = _refused_port()
    builder = BASE.with_base_url(f"http://user:{KEY}@127.0.0.1:{port}/api/v1").with_retries(0)
    client = (builder.with_completions() if wire == "completions" else builder).build()
    path = "chat/completions" if wire == "completions" else "responses"
    for call in (lambda: client.complete_sync("Hi"), lambda: asyncio.run(client.complete("Hi"))):
        with pytest.raises(builtins.ConnectionError) as caught:  # a user's `except ConnectionError:` catches it
            call()
        error = caught.value
        assert isinstance(error, ConnectionError) and isinstance(error, TransportError)
        assert error.url == f"http://127.0.0.1:{port}/api/v1/{path}"
        assert f"could not connect to http://127.0.0.1:{port}/api/v1/{path}" in str(error)
        assert KEY not in str(error) and "user" not in str(error)


def test_a_timeout_is_the_builtin_timeout_error_and_names_the_url() -> None:
    emulator = Emulator(slow_start_delay=5.0)
    with emulator.loopback() as server:
        client = BASE.with_base_url(server.base_url).with_model("emulator/slow").with_retries(0).build()
        with pytest.raises(builtins.TimeoutError) as caught:  # `except TimeoutError:` without importing ours
            client.complete_sync("Hi", options=ChatOptions(timeout=0.3))
        assert isinstance(caught.value, TimeoutError) and caught.value.phase in ("total", "first_byte")
        assert server.base_url in str(caught.value)

        # Async: ours is never swallowed or rewritten by the transport's handling of asyncio's timeout.
        with pytest.raises(builtins.TimeoutError) as caught:
            asyncio.run(client.complete("Hi", options=ChatOptions(timeout=0.3)))
        assert isinstance(caught.value, TimeoutError)
        assert caught.value.url is not None and caught.value.url.startswith(server.base_url)


def test_the_error_tree_mro_keeps_ours_first() -> None:
    assert ConnectionError.__mro__[:4] == (ConnectionError, TransportError, ChatOpenRouterError, builtins.ConnectionError)
    assert issubclass(TimeoutError, builtins.TimeoutError) and issubclass(TimeoutError, OSError)
    error = TimeoutError("deadline passed", phase="total", url="https://x/y")
    assert (str(error), error.args, error.errno) == ("deadline passed", ("deadline passed",), None)
    assert issubclass(ConfigurationError, ValueError)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/api/v1", "http://127.0.0.1:99999/api/v1"])
def test_an_unusable_url_reaching_the_transport_is_a_configuration_error_never_retried(url: str) -> None:
    from chat_openrouter.transport import Endpoint, HttpxTransport

    # An Endpoint built by hand skips the builder's check: the transport still refuses at once.
    from chat_openrouter.wire.responses.client import ResponsesClient

    client = ResponsesClient(Endpoint(url, HttpxTransport()), model="m")
    with pytest.raises(ConfigurationError) as caught:
        client.complete_sync(messages.from_user("Hi"))
    assert caught.value.attempts == 1


# -- item 7: logs say where a request really went ----------------------------------------------------------
def test_the_log_names_the_real_destination(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="chat_openrouter")
    emulator = Emulator()
    client = BASE.with_model("emulator/echo").with_transport(emulator.transport()).build()
    client.complete_sync("Hi")
    in_process = [r.getMessage() for r in caplog.records if r.name == "chat_openrouter"]
    assert in_process and all("openrouter.ai" not in m for m in in_process)
    assert "POST /api/v1/responses via EmulatorTransport -> HTTP 200" in in_process[0]
    caplog.clear()
    with emulator.loopback() as server:
        BASE.with_model("emulator/echo").with_base_url(server.base_url).build().complete_sync("Hi")
    assert f"POST {server.base_url}/responses -> HTTP 200" in caplog.records[0].getMessage()
