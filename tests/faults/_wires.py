"""What each wire sends, in the shapes the fault tests need, and a uniform way to call a client.

Both wires are described by a :class:`Wire`: SSE bodies for a good stream, a stream cut after some
output, an error chunk mid-stream and before any output, and non-streamed bodies. The shapes follow the
reference (§5.2/§5.5 for Chat Completions, §8.1/§8.5 for the Responses API) and the recorded fixtures.

:func:`call` runs one model call -- streamed or not, sync or async -- inside a watchdog thread (so a hang
fails the test instead of stalling the suite), and returns an :class:`Outcome` with the events, the
final response or the error, and whether the client's connection pool was idle afterwards.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from chat_openrouter import ChatOptions, RetryPolicy, Timeouts, messages
from chat_openrouter.core.events import Done, StreamEvent, TextChunk
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.transport.httpx_transport import HttpxTransport
from chat_openrouter.transport.limits import Limits
from chat_openrouter.wire.base import WireClient

from ._server import FaultServer

API_KEY = "sk-or-v1-faultinjection0123456789abcdef0123456789abcdef"
HANG_GUARD = 20.0  # seconds; far above any scripted timeout, only reached if something hangs


def event(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
KEEPALIVE = b": OPENROUTER PROCESSING\n\n"


@dataclass(frozen=True)
class Wire:
    name: str
    build: Callable[[], Any]
    #: a stream that starts and says nothing the caller sees yet (role chunk / response.created)
    preamble: list[bytes]
    #: one chunk of visible output per item
    text: Callable[[str], bytes]
    #: the terminal events of a successful stream (finish + usage, or response.completed)
    finish: list[bytes]
    #: an in-band error chunk with the given code
    error: Callable[[int | str], bytes]
    #: a successful non-streamed body saying "Hello"
    ok_body: dict[str, Any]

    def good_stream(self, *words: str) -> list[bytes]:
        return [*self.preamble, *(self.text(w) for w in words), *self.finish, DONE]


def _chat_chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "gen-fault-1",
        "object": "chat.completion.chunk",
        "created": 1739458867,
        "model": "openai/gpt-4o-mini",
        "provider": "OpenAI",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": finish}],
        **extra,
    }


COMPLETIONS = Wire(
    name="completions",
    build=lambda: OpenRouterBuilder().with_completions(),
    preamble=[event(_chat_chunk({"role": "assistant", "content": ""}))],
    text=lambda word: event(_chat_chunk({"role": "assistant", "content": word})),
    finish=[
        event(_chat_chunk({"role": "assistant", "content": ""}, "stop")),
        event(
            {
                **_chat_chunk({}),
                "choices": [],
                "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
            }
        ),
    ],
    # §5.5, fixture doc-chat-midstream-error-typed: top-level error + finish_reason "error"
    error=lambda code: event(
        {
            **_chat_chunk({"content": ""}, "error"),
            "error": {"code": code, "message": f"scripted in-band {code}"},
        }
    ),
    ok_body={
        "id": "gen-fault-1",
        "object": "chat.completion",
        "created": 1739458867,
        "model": "openai/gpt-4o-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    },
)


_RESPONSE = {"id": "gen-fault-1", "object": "response", "created_at": 1785882264, "model": "openai/gpt-4o"}
_MESSAGE_ID = "msg_tmp_fault"


def _responses_completed() -> bytes:
    return event(
        {
            "type": "response.completed",
            "response": {
                **_RESPONSE,
                "status": "completed",
                "output": [],
                "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
            },
        }
    )


RESPONSES = Wire(
    name="responses",
    build=OpenRouterBuilder,
    preamble=[
        event({"type": "response.created", "response": {**_RESPONSE, "status": "in_progress", "output": []}}),
        event(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {
                    "id": _MESSAGE_ID,
                    "type": "message",
                    "status": "in_progress",
                    "role": "assistant",
                    "content": [],
                },
            }
        ),
    ],
    text=lambda word: event(
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "item_id": _MESSAGE_ID,
            "content_index": 0,
            "delta": word,
        }
    ),
    finish=[_responses_completed()],
    # §8.5, fixture doc-responses-stream-error-events: `{"type": "error", "error": {code, message}}`
    error=lambda code: event(
        {"type": "error", "error": {"code": code, "message": f"scripted in-band {code}"}}
    ),
    ok_body={
        **_RESPONSE,
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "Hello", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 5, "output_tokens": 1, "total_tokens": 6},
    },
)

WIRES = [COMPLETIONS, RESPONSES]
MODES = ["sync", "async"]


# -- running a call -------------------------------------------------------------------------------------
class Sleeps:
    """Stands in for the retry layer's sleep: records the waits, never sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


FAST = Timeouts(connect=2.0, first_byte=5.0, idle=5.0, total=10.0, write=2.0)


def make_client(
    wire: Wire,
    url: str,
    sleeps: Sleeps,
    *,
    timeouts: Timeouts = FAST,
    retries: int = 2,
    limits: Limits | None = None,
) -> WireClient:
    builder = (
        wire.build()
        .with_base_url(url)
        .with_api_key(API_KEY)
        .with_model("openai/gpt-4o-mini")
        .with_timeouts(timeouts)
        .with_retries(
            RetryPolicy(
                max_retries=retries,
                initial_backoff=0.25,
                jitter=False,
                sleep=sleeps.sleep,
                asleep=sleeps.asleep,
            )
        )
    )
    if limits is not None:
        builder = builder.with_limits(limits)
    client: WireClient = builder.build()
    return client


@dataclass
class Outcome:
    events: list[StreamEvent] = field(default_factory=list)
    response: ChatResponse | None = None
    error: BaseException | None = None
    pool_idle: bool = False

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextChunk))


def _bounded(fn: Callable[[], Outcome]) -> Outcome:
    box: list[Outcome | BaseException] = []

    def run() -> None:
        try:
            box.append(fn())
        except BaseException as exc:  # pragma: no cover - surfaced below
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), f"the call did not finish within {HANG_GUARD} s: it hangs"
    result = box[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _pool_idle(client: WireClient) -> bool:
    transport = client.endpoint.transport
    assert isinstance(transport, HttpxTransport)
    return transport.pool_is_idle()


def call(
    client_factory: Callable[[], WireClient],
    *,
    mode: str,
    stream: bool,
    options: ChatOptions | None = None,
    on_event: Callable[[StreamEvent], None] | None = None,
) -> Outcome:
    """One model call with a fresh client; the client is closed afterwards (after checking its pool).

    ``on_event`` sees every streamed event as it arrives (to release a gated server behaviour).
    """
    conversation = messages.from_user("Say hello")

    def run_sync() -> Outcome:
        out = Outcome()
        client = client_factory()
        try:
            if stream:
                with client.stream_sync(conversation, options=options) as s:
                    for ev in s:
                        out.events.append(ev)
                        if on_event is not None:
                            on_event(ev)
                    out.response = s.response
            else:
                out.response = client.complete_sync(conversation, options=options)
        except Exception as exc:
            out.error = exc
        out.pool_idle = _pool_idle(client)
        client.close()
        return out

    async def run_async() -> Outcome:
        out = Outcome()
        client = client_factory()
        try:
            if stream:
                async with client.stream(conversation, options=options) as s:
                    async for ev in s:
                        out.events.append(ev)
                        if on_event is not None:
                            on_event(ev)
                    out.response = s.response
            else:
                out.response = await client.complete(conversation, options=options)
        except Exception as exc:
            out.error = exc
        out.pool_idle = _pool_idle(client)
        await client.aclose()
        return out

    if mode == "sync":
        return _bounded(run_sync)
    return _bounded(lambda: asyncio.run(run_async()))


def run(
    wire: Wire,
    server_or_url: FaultServer | str,
    *,
    mode: str,
    stream: bool,
    timeouts: Timeouts | None = None,
    limits: Limits | None = None,
    retries: int = 2,
    options: ChatOptions | None = None,
    gate: threading.Event | None = None,
) -> tuple[Outcome, Sleeps]:
    """One call through a fresh client; asserts nothing leaked (pool idle, no exchange left running)."""
    sleeps = Sleeps()
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url
    kwargs = {"retries": retries, "limits": limits}
    if timeouts is not None:
        kwargs["timeouts"] = timeouts
    factory = partial(make_client, wire, url, sleeps, **kwargs)  # type: ignore[arg-type]

    def release(ev: StreamEvent) -> None:
        if gate is not None and isinstance(ev, TextChunk):
            gate.set()

    outcome = call(factory, mode=mode, stream=stream, options=options, on_event=release)
    assert outcome.pool_idle, "a connection is still checked out of the pool: the response leaked"
    if isinstance(server_or_url, FaultServer):
        assert server_or_url.wait_quiet(), "the server still serves an exchange the client never closed"
    return outcome, sleeps


def assert_success(outcome: Outcome, *, stream: bool, text: str = "Hello") -> None:
    assert outcome.error is None, f"unexpected {outcome.error!r}"
    assert outcome.response is not None
    assert outcome.response.text == text
    if stream:
        assert isinstance(outcome.events[-1], Done)
        assert outcome.text == text


# -- bodies for Chat runs: tool calls, refusals, a final answer with metadata ------------------------------
def tool_call_body(wire: Wire, call_id: str, name: str = "bump", cost: float = 0.25) -> dict[str, Any]:
    """A non-streamed answer that calls ``name`` with ``{}``, billed ``cost``."""
    if wire is COMPLETIONS:
        return {
            **wire.ok_body,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": call_id, "type": "function", "function": {"name": name, "arguments": "{}"}}
                        ],
                    },
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "cost": cost},
        }
    return {
        **wire.ok_body,
        "output": [
            {
                "type": "function_call",
                "id": f"fc_{call_id}",
                "call_id": call_id,
                "name": name,
                "arguments": "{}",
                "status": "completed",
            }
        ],
        "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15, "cost": cost},
    }


def tool_call_events(wire: Wire, call_id: str, name: str = "bump", cost: float = 0.25) -> list[bytes]:
    """The streamed twin of :func:`tool_call_body`."""
    if wire is COMPLETIONS:
        call = {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": "{}"}}
        return [
            event(_chat_chunk({"role": "assistant", "content": None, "tool_calls": [call]})),
            event(_chat_chunk({}, "tool_calls")),
            event(
                {
                    **_chat_chunk({}),
                    "choices": [],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "cost": cost},
                }
            ),
            DONE,
        ]
    item = {"type": "function_call", "id": f"fc_{call_id}", "call_id": call_id, "name": name, "arguments": ""}
    done = {**item, "arguments": "{}", "status": "completed"}
    return [
        event({"type": "response.created", "response": {**_RESPONSE, "status": "in_progress", "output": []}}),
        event({"type": "response.output_item.added", "output_index": 0, "item": item}),
        event(
            {
                "type": "response.function_call_arguments.delta",
                "output_index": 0,
                "item_id": item["id"],
                "delta": "{}",
            }
        ),
        event({"type": "response.output_item.done", "output_index": 0, "item": done}),
        event(
            {
                "type": "response.completed",
                "response": {
                    **_RESPONSE,
                    "status": "completed",
                    "output": [done],
                    "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15, "cost": cost},
                },
            }
        ),
        DONE,
    ]


def refusal_body(wire: Wire, text: str = "I can't help with that.") -> dict[str, Any]:
    """A non-streamed answer in which the model declined."""
    if wire is COMPLETIONS:
        return {
            **wire.ok_body,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "refusal": text},
                    "finish_reason": "stop",
                }
            ],
        }
    message = {
        "type": "message",
        "id": "msg_refusal",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "refusal", "refusal": text}],
    }
    return {**wire.ok_body, "output": [message]}


def answer_with_metadata(wire: Wire, text: str = "Hello") -> dict[str, Any]:
    """A final answer that reports a system fingerprint, a service tier and token log probabilities."""
    logprobs = [{"token": text, "logprob": -0.5, "bytes": list(text.encode()), "top_logprobs": []}]
    if wire is COMPLETIONS:
        body = json.loads(json.dumps(wire.ok_body))
        body["system_fingerprint"] = "fp_fault"
        body["service_tier"] = "default"
        body["choices"][0]["message"]["content"] = text
        body["choices"][0]["logprobs"] = {"content": logprobs}
        return body
    body = json.loads(json.dumps(wire.ok_body))
    body["service_tier"] = "default"
    body["output"][0]["content"][0].update(text=text, logprobs=logprobs)
    return body
