"""Responses that are not answers are errors (issue 13, item 9).

* A 3xx is never followed (the request -- and the key -- would go wherever the server says): it is a
  ``RedirectError`` naming the ``Location``, not retried, on both wires, streamed or not.
* A catalogue or account body without its ``data`` (204, ``null``, ``{}``, HTML, a list) is a
  ``DecodeError``, never an empty catalogue.
* The non-streamed codecs cap tool calls and output items as the streams do (``Limits``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from chat_openrouter import OpenRouterAPI, errors
from chat_openrouter.transport.limits import Limits

from ._server import Behaviour, Exchange, FaultServer, json_body, raw_body, redirect
from ._wires import API_KEY, COMPLETIONS, MODES, WIRES, Sleeps, Wire, make_client, run

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
modes = pytest.mark.parametrize("mode", MODES)
streamed = pytest.mark.parametrize("stream", [True, False], ids=["stream", "complete"])


# -- redirects -------------------------------------------------------------------------------------------------
@wires
@modes
@streamed
@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_typed_error_naming_the_location(
    wire: Wire, mode: str, stream: bool, code: int
) -> None:
    target = "https://elsewhere.example/api/v1/chat"
    with FaultServer(redirect(code, target)) as server:
        outcome, sleeps = run(wire, server, mode=mode, stream=stream)
    error = outcome.error
    assert isinstance(error, errors.RedirectError), repr(error)
    assert error.status == code and error.location == target
    assert target in str(error) and "not followed" in str(error)
    assert error.attempts == 1 and server.request_count == 1 and sleeps.waits == []


@wires
@modes
def test_a_redirect_without_location_says_so(wire: Wire, mode: str) -> None:
    with FaultServer(redirect(302, None)) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False)
    assert isinstance(outcome.error, errors.RedirectError)
    assert outcome.error.location is None and "no Location" in str(outcome.error)


@wires
@modes
def test_a_location_echoing_the_key_is_scrubbed(wire: Wire, mode: str) -> None:
    with FaultServer(redirect(307, f"https://evil.example/?key={API_KEY}")) as server:
        outcome, _ = run(wire, server, mode=mode, stream=True)
    assert isinstance(outcome.error, errors.RedirectError)
    assert API_KEY not in str(outcome.error) and API_KEY not in repr(vars(outcome.error))


def test_every_3xx_maps_to_redirect_error() -> None:
    for code in range(300, 400):
        assert errors.error_for_status(code) is errors.RedirectError


# -- catalogue and account bodies without data ----------------------------------------------------------------
async def _no_content(ex: Exchange) -> None:
    ex.writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    await ex.writer.drain()


NO_DATA: dict[str, Behaviour] = {
    "204": _no_content,
    "null": raw_body(200, b"null"),
    "empty object": json_body({}),
    "data null": json_body({"data": None}),
    "data string": json_body({"data": "models"}),
    "bare list": json_body([{"id": "a/b"}]),
    "HTML page": raw_body(200, b"<html><body>Welcome</body></html>", "text/html"),
}

Call = Callable[[OpenRouterAPI, str], Any]


def _call(method: str) -> Call:
    def call(api: OpenRouterAPI, mode: str) -> Any:
        if mode == "sync":
            return getattr(api, f"{method}_sync")()
        return asyncio.run(getattr(api, method)())

    return call


API_CALLS = {
    "list_models": _call("list_models"),
    "get_key": _call("get_key"),
    "get_credits": _call("get_credits"),
}


@modes
@pytest.mark.parametrize("method", list(API_CALLS))
@pytest.mark.parametrize("body", list(NO_DATA), ids=list(NO_DATA))
def test_a_catalogue_or_account_body_without_data_is_a_decode_error(
    mode: str, method: str, body: str
) -> None:
    with FaultServer(NO_DATA[body]) as server:
        client = make_client(COMPLETIONS, server.url, Sleeps(), retries=0)
        api = OpenRouterAPI(client)
        with pytest.raises(errors.DecodeError):
            API_CALLS[method](api, mode)
        client.close()


@modes
def test_an_empty_catalogue_is_still_an_empty_list(mode: str) -> None:
    with FaultServer(json_body({"data": []})) as server:
        client = make_client(COMPLETIONS, server.url, Sleeps(), retries=0)
        assert API_CALLS["list_models"](OpenRouterAPI(client), mode) == []
        client.close()


@modes
def test_a_catalogue_that_is_not_there_is_not_cached(mode: str) -> None:
    good = {"data": [{"id": "openai/gpt-4o", "name": "GPT-4o"}]}
    with FaultServer(json_body({}), json_body(good)) as server:
        client = make_client(COMPLETIONS, server.url, Sleeps(), retries=0)
        api = OpenRouterAPI(client)
        with pytest.raises(errors.DecodeError):
            API_CALLS["list_models"](api, mode)
        assert [m.id for m in API_CALLS["list_models"](api, mode)] == ["openai/gpt-4o"]
        client.close()


# -- caps on non-streamed answers --------------------------------------------------------------------------------
def _many_calls_body(wire: Wire, count: int) -> dict[str, Any]:
    if wire is COMPLETIONS:
        calls = [
            {"id": f"call_{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            for i in range(count)
        ]
        body = json.loads(json.dumps(wire.ok_body))
        body["choices"][0]["message"] = {"role": "assistant", "content": None, "tool_calls": calls}
        body["choices"][0]["finish_reason"] = "tool_calls"
        return body
    items = [
        {"type": "function_call", "id": f"fc_{i}", "call_id": f"call_{i}", "name": "f", "arguments": "{}"}
        for i in range(count)
    ]
    return {**wire.ok_body, "output": items}


def _many_messages_body(wire: Wire, count: int) -> dict[str, Any]:
    message = wire.ok_body["output"][0]  # Responses only
    return {**wire.ok_body, "output": [{**message, "id": f"msg_{i}"} for i in range(count)]}


@wires
@modes
def test_too_many_tool_calls_in_a_whole_answer_hit_the_limit(wire: Wire, mode: str) -> None:
    limits = Limits(max_tool_calls=3, max_output_items=3)
    with FaultServer(json_body(_many_calls_body(wire, 5))) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False, limits=limits)
    assert isinstance(outcome.error, errors.DecodeError), repr(outcome.error)
    assert "more than 3" in str(outcome.error)
    assert outcome.error.attempts == 1


@wires
@modes
def test_as_many_tool_calls_as_the_limit_are_fine(wire: Wire, mode: str) -> None:
    limits = Limits(max_tool_calls=3, max_output_items=3)
    with FaultServer(json_body(_many_calls_body(wire, 3))) as server:
        outcome, _ = run(wire, server, mode=mode, stream=False, limits=limits)
    assert outcome.error is None and outcome.response is not None
    assert len(outcome.response.tool_calls) == 3


@modes
def test_too_many_output_items_in_a_whole_responses_answer_hit_the_limit(mode: str) -> None:
    from ._wires import RESPONSES

    limits = Limits(max_output_items=4)
    with FaultServer(json_body(_many_messages_body(RESPONSES, 5))) as server:
        outcome, _ = run(RESPONSES, server, mode=mode, stream=False, limits=limits)
    assert isinstance(outcome.error, errors.DecodeError), repr(outcome.error)
    assert "more than 4 output items" in str(outcome.error)


@modes
def test_catalogue_prices_that_are_not_finite_read_as_unlisted(mode: str) -> None:
    pricing = (
        b'{"prompt": "NaN", "completion": "Infinity", "request": NaN, "image": -Infinity, "audio": "1e999"}'
    )
    body = b'{"data": [{"id": "a/b", "pricing": ' + pricing + b"}]}"
    with FaultServer(raw_body(200, body)) as server:
        client = make_client(COMPLETIONS, server.url, Sleeps(), retries=0)
        (model,) = API_CALLS["list_models"](OpenRouterAPI(client), mode)
        client.close()
    prices = model.pricing
    assert (prices.prompt, prices.completion, prices.request, prices.image) == (None, None, None, None)
    assert prices.audio is not None and prices.audio.is_finite()  # 1e999 is a (huge) finite decimal
