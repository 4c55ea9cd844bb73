"""``WireClient``, the shell both wire clients share: per-call settings resolved from the options, what is
(never) sent, and the immutability of a built client."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx2

from chat_openrouter import ChatOptions, Timeouts, messages
from chat_openrouter.core.request import ModelRequest
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.transport.retry import RetryPolicy

Handler = Callable[[httpx2.Request], httpx2.Response]


def scripted(*responses: httpx2.Response) -> tuple[Handler, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return handler, seen


# -- per-call settings ----------------------------------------------------------------------------------
def test_per_call_timeouts_merge_with_the_builder() -> None:
    client = OpenRouterBuilder().with_completions().with_api_key("k").with_timeouts(first_byte=30).build()
    assert client._timeouts(ChatOptions()) is None
    assert client._timeouts(ChatOptions(timeout=5)) == Timeouts(first_byte=30, total=5)
    assert client._timeouts(ChatOptions(timeouts=Timeouts(idle=1), timeout=9)) == Timeouts(idle=1, total=9)


def test_per_call_retries_replace_only_the_count() -> None:
    policy = RetryPolicy(max_retries=5, initial_backoff=3)
    client = OpenRouterBuilder().with_completions().with_api_key("k").with_retries(policy).build()
    call = client._prepare(ModelRequest(messages.from_user("hi"), options=ChatOptions(retries=1)), stream=False)
    assert call.retry == RetryPolicy(max_retries=1, initial_backoff=3)


def test_reliability_options_are_never_sent_to_the_model() -> None:
    handler, seen = scripted(
        httpx2.Response(
            200,
            json={
                "id": "gen-1",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
                ],
            },
        )
    )
    client = (
        OpenRouterBuilder().with_completions()
        .with_api_key("k")
        .with_model("m")
        .with_transport(httpx2.MockTransport(handler))
        .build()
    )
    client.complete_sync(
        messages.from_user("hi"), options=ChatOptions(retries=0, timeout=30, timeouts=Timeouts())
    )
    sent = json.loads(seen[0].content)
    assert not {"retries", "timeout", "timeouts"} & set(sent)
