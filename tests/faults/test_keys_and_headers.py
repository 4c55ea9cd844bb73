"""Keys and headers (issue 13, items 4 and 5): checked at build(), merged case-insensitively.

A key pasted with its newline works (stripped, as for ``OPENROUTER_API_KEY``); a key or header value
with a control or non-ASCII character inside is a ``ConfigurationError`` before anything is sent -- never
a ``UnicodeEncodeError`` or a header split in two -- and the error quotes no part of the key, not even in
a traceback's local variables. Two headers of one name are never sent, whatever the spelling or the
layer (the key, builder headers, app attribution, per-call ``extra_headers``).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from chat_openrouter import ChatOptions, errors, messages
from chat_openrouter.openrouter.builder import OpenRouterBuilder

from ._server import FaultServer, json_body
from ._wires import MODES, WIRES, Wire

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)

KEY = "sk-or-v1-5d1e8c0ffee4242deadbeef0123456789abcdef0123456789abcdef012345"
BAD_KEYS = {
    "newline inside": KEY[:20] + "\n" + KEY[20:],
    "CR LF header injection": KEY + "\r\nX-Injected: yes",
    "NUL": KEY + "\x00",
    "typographic quote": "\u201c" + KEY + "\u201d",
    "non-ASCII letter": KEY[:30] + "é" + KEY[30:],
    "zero-width space": KEY[:10] + "\u200b" + KEY[10:],
    "tab inside then DEL": KEY + "\x7f",
}


def complete(client: Any, mode: str, options: ChatOptions | None = None) -> Any:
    conversation = messages.from_user("hi")
    if mode == "sync":
        try:
            return client.complete_sync(conversation, options=options)
        finally:
            client.close()

    async def go() -> Any:
        try:
            return await client.complete(conversation, options=options)
        finally:
            await client.aclose()

    return asyncio.run(go())


def assert_quotes_no_part_of(error: BaseException, key: str) -> None:
    """Not the key, nor any 6 characters of it, in the message, the args, or any library frame's locals."""
    text = str(error) + repr(error) + repr(error.args)
    for start in range(len(key) - 5):
        assert key[start : start + 6] not in text, (
            f"the error quotes part of the key: {key[start : start + 6]!r}"
        )
    summary = traceback.TracebackException.from_exception(error, capture_locals=True)
    for frame in summary.stack:
        if "chat_openrouter" in frame.filename:
            assert key not in repr(frame.locals), f"{frame.name} holds the key in a local variable"


# -- item 4: keys -------------------------------------------------------------------------------------------
@wires
@modes
@pytest.mark.parametrize("padding", ["\n", "\r\n", "  ", "\t", " \n "])
def test_surrounding_whitespace_is_stripped_from_a_given_key(wire: Wire, mode: str, padding: str) -> None:
    with FaultServer(json_body(wire.ok_body)) as server:
        client = wire.build().with_base_url(server.url).with_api_key(padding + KEY + padding).build()
        assert complete(client, mode).text == "Hello"
    assert server.requests[0].header_values("authorization") == [f"Bearer {KEY}"]


@wires
@pytest.mark.parametrize("bad", list(BAD_KEYS.values()), ids=list(BAD_KEYS))
def test_a_key_with_control_or_non_ascii_characters_is_refused_at_build(wire: Wire, bad: str) -> None:
    with FaultServer(json_body(wire.ok_body)) as server:
        builder = wire.build().with_base_url(server.url).with_api_key(bad)
        with pytest.raises(errors.ConfigurationError, match="API key contains") as caught:
            builder.build()
        assert server.request_count == 0
    assert_quotes_no_part_of(caught.value, bad.strip())


ENV_KEYS = {name: key for name, key in BAD_KEYS.items() if "\x00" not in key}  # no NUL in an environment


@pytest.mark.parametrize("bad", list(ENV_KEYS.values()), ids=list(ENV_KEYS))
def test_a_bad_key_from_the_environment_is_refused_the_same_way(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", bad)
    with pytest.raises(errors.ConfigurationError, match="API key contains") as caught:
        OpenRouterBuilder().build()
    assert_quotes_no_part_of(caught.value, bad.strip())


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_an_empty_key_is_refused(blank: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="empty"):
        OpenRouterBuilder().with_api_key(blank).build()


@wires
@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY}\n"},  # trailing whitespace is stripped: fine
        {"Authorization": f"Bearer {KEY[:20]}\r\n{KEY[20:]}"},
        {"X-Title": "caf\u00e9"},
        {"X-Bad Name": "x"},
        {"X-Trace": "a\x00b"},
    ],
    ids=["trailing-newline", "crlf-inside", "non-ascii", "bad-name", "nul"],
)
def test_header_values_are_checked_at_build_and_never_quoted(wire: Wire, headers: dict[str, str]) -> None:
    builder = wire.build().with_api_key(KEY).with_headers(headers)
    ((_name, value),) = headers.items()
    if value == f"Bearer {KEY}\n":
        assert builder.build().endpoint.headers == {"Authorization": f"Bearer {KEY}"}
        return
    with pytest.raises(errors.ConfigurationError, match="with_headers") as caught:
        builder.build()
    assert value.strip() not in str(caught.value)
    assert_quotes_no_part_of(caught.value, KEY)


@wires
@modes
def test_per_call_extra_headers_are_checked_before_anything_is_sent(wire: Wire, mode: str) -> None:
    with FaultServer(json_body(wire.ok_body)) as server:
        client = wire.build().with_base_url(server.url).with_api_key(KEY).build()
        options = ChatOptions(extra_headers={"X-Note": "na\u00efve"})
        with pytest.raises(errors.ConfigurationError, match="extra_headers") as caught:
            complete(client, mode, options)
        assert server.request_count == 0
    assert_quotes_no_part_of(caught.value, KEY)  # no frame had built the Authorization header yet


# -- item 5: one header per name --------------------------------------------------------------------------
Configure = Callable[[Any], Any]

LAYERS: dict[str, tuple[Configure, ChatOptions | None, str]] = {
    # name: (builder change, per-call options, the Authorization value that must be the only one sent)
    "builder lower-case": (
        lambda b: b.with_headers({"authorization": "Bearer proxy-1"}),
        None,
        "Bearer proxy-1",
    ),
    "builder upper-case": (
        lambda b: b.with_headers({"AUTHORIZATION": "Bearer proxy-2"}),
        None,
        "Bearer proxy-2",
    ),
    "two builder calls": (
        lambda b: b.with_headers({"Authorization": "Bearer a"}).with_headers({"authorization": "Bearer b"}),
        None,
        "Bearer b",
    ),
    "per call": (lambda b: b, ChatOptions(extra_headers={"aUtHoRiZaTiOn": "Bearer call"}), "Bearer call"),
    "builder then per call": (
        lambda b: b.with_headers({"authorization": "Bearer builder"}),
        ChatOptions(extra_headers={"Authorization": "Bearer call"}),
        "Bearer call",
    ),
    "none: the key": (lambda b: b, None, f"Bearer {KEY}"),
}


@wires
@modes
@pytest.mark.parametrize("layer", list(LAYERS), ids=list(LAYERS))
def test_authorization_is_sent_exactly_once_whatever_the_spelling(wire: Wire, mode: str, layer: str) -> None:
    configure, options, expected = LAYERS[layer]
    with FaultServer(json_body(wire.ok_body)) as server:
        client = configure(wire.build().with_base_url(server.url).with_api_key(KEY)).build()
        complete(client, mode, options)
    assert server.requests[0].header_values("authorization") == [expected]


@wires
@modes
def test_every_header_is_sent_once_across_all_layers(wire: Wire, mode: str) -> None:
    builder = (
        wire.build()
        .with_api_key(KEY)
        .with_app(url="https://app.example", title="App")
        .with_headers({"http-referer": "https://other.example", "user-agent": "mine/1.0", "accept": "*/*"})
    )
    options = ChatOptions(
        extra_headers={"X-OPENROUTER-TITLE": "Per call", "content-type": "application/json"}
    )
    with FaultServer(json_body(wire.ok_body)) as server:
        complete(builder.with_base_url(server.url).build(), mode, options)
    request = server.requests[0]
    names = [name.lower() for name, _ in request.raw_headers]
    assert len(names) == len(set(names)), f"a header was sent twice: {sorted(names)}"
    assert request.header_values("http-referer") == ["https://other.example"]
    assert request.header_values("x-openrouter-title") == ["Per call"]
    assert request.header_values("user-agent") == ["mine/1.0"]


def test_with_headers_keeps_one_entry_per_name() -> None:
    builder = OpenRouterBuilder().with_headers({"X-A": "1"}).with_headers({"x-a": "2"}).with_app(title="T")
    builder = builder.with_headers({"x-openrouter-title": "U"})
    assert dict(builder.config.headers) == {"x-a": "2", "x-openrouter-title": "U"}
