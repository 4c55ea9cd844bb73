"""The ScriptedProvider users test their agents with: recording, streaming, errors, script functions."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from chat_openrouter.core import messages
from chat_openrouter.core.events import Done, ReasoningChunk, TextChunk, ToolCall, ToolCallChunk
from chat_openrouter.core.options import ChatOptions
from chat_openrouter.core.parts import ToolStatus
from chat_openrouter.core.provider import ChatProvider
from chat_openrouter.core.tools import ToolSpec
from chat_openrouter.core.usage import Usage
from chat_openrouter.errors import StreamError
from chat_openrouter.testing import ScriptedProvider, ScriptedRequest, ScriptExhaustedError, call, reply


def test_is_a_chat_provider() -> None:
    assert isinstance(ScriptedProvider([]), ChatProvider)


def test_complete_returns_scripted_turns_in_order_and_records_requests() -> None:
    provider = ScriptedProvider(
        [
            reply("one", usage=Usage(input_tokens=3, output_tokens=1, total_tokens=4, cost=0.25)),
            reply(tool_calls=[("lookup", {"q": "x"})], model="other/model"),
        ]
    )
    msgs = messages.from_user("hi")
    spec = ToolSpec("lookup")
    first = provider.complete_sync(msgs, tools=[spec], options=ChatOptions(seed=1))
    second = asyncio.run(provider.complete(msgs))
    assert (first.text, first.finish_reason, first.usage.cost, first.model) == (
        "one",
        "stop",
        0.25,
        "scripted/model",
    )
    assert (second.finish_reason, second.model) == ("tool_calls", "other/model")
    part = second.tool_calls[0]
    assert (part.id, part.name, part.arguments, part.status) == (
        "call_1",
        "lookup",
        {"q": "x"},
        ToolStatus.PENDING,
    )
    assert [r.index for r in provider.requests] == [0, 1]
    assert provider.requests[0].tools == [spec]
    assert provider.requests[0].options == ChatOptions(seed=1)
    assert provider.requests[0].stream is False
    assert provider.remaining == 0


def test_recorded_messages_are_a_snapshot() -> None:
    provider = ScriptedProvider([reply("a")])
    msgs = messages.from_user("hi")
    provider.complete_sync(msgs)
    msgs.user("later")
    assert len(provider.requests[0].messages) == 1


def test_script_exhausted_is_a_clear_assertion() -> None:
    provider = ScriptedProvider([reply("a")])
    provider.complete_sync(messages.from_user("1"))
    with pytest.raises(ScriptExhaustedError, match="request #2 but the script has only 1 item"):
        provider.complete_sync(messages.from_user("2"))


def test_exceptions_in_the_script_are_raised() -> None:
    provider = ScriptedProvider([ValueError("scripted failure")])
    with pytest.raises(ValueError, match="scripted failure"):
        provider.complete_sync(messages.from_user("1"))


def test_a_script_function_answers_from_the_request() -> None:
    def echo(request: ScriptedRequest) -> object:
        return reply(f"you said {request.last_user_text!r} (request {request.index})")

    provider = ScriptedProvider(echo)  # type: ignore[arg-type]
    assert provider.complete_sync(messages.from_user("hey")).text == "you said 'hey' (request 0)"
    assert provider.complete_sync(messages.from_user("again")).text == "you said 'again' (request 1)"


def test_stream_emits_a_realistic_event_sequence() -> None:
    provider = ScriptedProvider(
        [reply("Hello world", reasoning="Think", tool_calls=[call("f", {"x": 1}, id="c9")])], chunk_size=5
    )
    events = list(provider.stream_sync(messages.from_user("hi")))
    assert events[:-1] == [
        ReasoningChunk("Think"),
        TextChunk("Hello"),
        TextChunk(" worl"),
        TextChunk("d"),
        ToolCallChunk(0, "c9", "f", '{"x":'),
        ToolCallChunk(0, None, None, "1}"),
        ToolCall(events[-2].part),  # type: ignore[union-attr]
    ]
    done = events[-1]
    assert isinstance(done, Done)
    assert done.response.content.parts[-1] is events[-2].part  # type: ignore[union-attr]
    assert provider.requests[0].stream is True


def test_async_stream_matches_sync_stream() -> None:
    def script() -> ScriptedProvider:
        return ScriptedProvider(
            [reply("Hello world", tool_calls=[call("f", {"x": 1}, id="c")])], chunk_size=3
        )

    sync_events = [repr(e) for e in script().stream_sync(messages.from_user("hi"))]

    async def collect() -> list[str]:
        return [repr(e) async for e in script().stream(messages.from_user("hi"))]

    assert asyncio.run(collect()) == sync_events


def test_a_scripted_error_arrives_after_the_streamed_content_with_the_partial() -> None:
    error = StreamError("upstream died")
    provider = ScriptedProvider([reply("partial answer", error=error)], chunk_size=100)
    seen: list[object] = []

    def consume() -> None:
        seen.extend(provider.stream_sync(messages.from_user("hi")))

    with pytest.raises(StreamError) as caught:
        consume()
    assert seen == [TextChunk("partial answer")]
    assert caught.value.partial is not None
    assert caught.value.partial.text == "partial answer"


def test_raw_string_arguments_are_kept_even_when_broken() -> None:
    provider = ScriptedProvider([reply(tool_calls=[call("f", '{"x": ')])])
    part = provider.complete_sync(messages.from_user("hi")).tool_calls[0]
    assert (part.raw_arguments, part.arguments) == ('{"x": ', None)


def test_testing_module_does_not_import_pytest() -> None:
    code = "import sys, chat_openrouter.testing.scripted; print('pytest' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
