"""The tool loop: multi-step runs, errors reported to the model, max steps, usage, reasoning, hooks."""

from __future__ import annotations

import asyncio
import json
import threading
from decimal import Decimal
from typing import Any

import pytest

from chat_openrouter.core import messages
from chat_openrouter.core.chat import DEFAULT_MAX_STEPS, ChatBuilder
from chat_openrouter.core.options import ChatOptions
from chat_openrouter.core.parts import ReasoningPart, ToolPart, ToolStatus
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.tools import tool
from chat_openrouter.errors import MaxStepsExceededError
from chat_openrouter.testing import ScriptedProvider, call, reply

from ._harness import MODES, drive
from ._scenarios import REASONING_DETAILS, add, error_paths, get_weather, max_steps, multi_step


@pytest.mark.parametrize("mode", MODES)
def test_multi_step_tools_run_and_results_go_back_to_the_model(mode: str) -> None:
    scenario = multi_step()
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.error is None
    response = outcome.response
    assert response is not None
    assert response.text == "Paris is 21C; 2+40=42; HI."
    assert len(response.steps) == 3
    assert [len(r.messages) for r in scenario.provider.requests] == [1, 2, 3]

    # Step 2 was sent the weather result inside the model's own turn.
    sent = scenario.provider.requests[1].messages[-1]
    weather = sent.tool_calls[0]
    assert (weather.id, weather.status, weather.result) == (
        "call_w",
        ToolStatus.COMPLETED,
        {"city": "Paris", "temp_c": 21},
    )
    # Step 3 got both parallel results, in the model's order.
    results = [(p.id, p.result) for p in scenario.provider.requests[2].messages[-1].tool_calls]
    assert results == [("call_a", 42), ("call_s", "HI")]
    # The tool declarations were offered on every call.
    assert all(r.tool_names == ["add", "get_weather", "shout"] for r in scenario.provider.requests)


@pytest.mark.parametrize("mode", MODES)
def test_usage_and_cost_are_summed_over_steps(mode: str) -> None:
    scenario = multi_step()
    response = drive(scenario.chat, mode, scenario.messages).response
    assert response is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (
        60,
        18,
        78,
    )
    assert response.usage.cost == Decimal("0.007")  # exact, and prints as 0.007
    assert [s.usage.cost for s in response.steps] == [Decimal("0.001"), Decimal("0.002"), Decimal("0.004")]


@pytest.mark.parametrize("mode", MODES)
def test_final_response_is_the_last_turn_and_messages_is_the_whole_conversation(mode: str) -> None:
    scenario = multi_step()
    before = list(scenario.messages)
    response = drive(scenario.chat, mode, scenario.messages).response
    assert response is not None
    assert response.content is response.steps[-1].content
    assert response.id == "gen-scripted-3"
    assert response.finish_reason == "stop"
    assert response.messages is not None
    assert [str(c.role) for c in response.messages] == ["user", "model", "model", "model"]
    assert list(scenario.messages) == before  # the caller's conversation is not modified


@pytest.mark.parametrize("mode", MODES)
def test_reasoning_parts_are_replayed_verbatim_between_steps(mode: str) -> None:
    scenario = multi_step()
    drive(scenario.chat, mode, scenario.messages)
    replayed = scenario.provider.requests[1].messages[-1].parts[0]
    assert isinstance(replayed, ReasoningPart)
    assert replayed.details == REASONING_DETAILS
    assert json.dumps(replayed.details) == json.dumps(REASONING_DETAILS)  # same keys, same order
    assert (replayed.text, replayed.signature) == ("Need the weather.", "sig-abc")
    # ...and still there on the third call, next to the tool result, in the original position.
    third = scenario.provider.requests[2].messages[1]
    assert [p.kind for p in third.parts] == ["reasoning", "tool"]
    assert third.parts[0] == replayed


@pytest.mark.parametrize("mode", MODES)
def test_every_error_goes_back_to_the_model_and_the_loop_continues(mode: str) -> None:
    scenario = error_paths()
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.error is None
    assert outcome.response is not None
    assert outcome.response.text == "Sorry, everything failed."
    calls = {p.id: p for p in scenario.provider.requests[1].messages[-1].tool_calls}
    assert all(p.status is ToolStatus.FAILED and p.result is None for p in calls.values())

    assert calls["call_json"].error == (
        "invalid JSON arguments for tool 'add': Expecting property name enclosed in double quotes: "
        "line 1 column 9 (char 8); send the arguments as one JSON object"
    )
    assert calls["call_json"].raw_arguments == '{"a": 1,'  # what the model sent is kept as is
    assert calls["call_invalid"].error == (
        "invalid arguments for tool 'add':\n"
        "- a: Input should be a valid integer, unable to parse string as an integer\n"
        "- b: Field required"
    )
    assert calls["call_unknown"].error == "unknown tool 'nope'; available tools: add, explode"
    assert calls["call_raise"].error == "RuntimeError: boom: testing"
    # What the wire sends back as the tool output.
    assert json.loads(calls["call_raise"].output_text()) == {"error": "RuntimeError: boom: testing"}


def test_arguments_that_are_json_but_not_an_object_are_reported() -> None:
    provider = ScriptedProvider([reply(tool_calls=[call("add", "[1, 2]", id="c")]), reply("ok")])
    chat = ChatBuilder().with_model(provider).with_tools([add]).build()
    chat.complete_sync("go")
    part = provider.requests[1].messages[-1].tool_calls[0]
    assert part.error == "invalid JSON arguments for tool 'add': expected a JSON object, got list"


@pytest.mark.parametrize("mode", MODES)
def test_max_steps_raises_with_conversation_and_usage(mode: str) -> None:
    scenario = max_steps()
    outcome = drive(scenario.chat, mode, scenario.messages)
    error = outcome.error
    assert isinstance(error, MaxStepsExceededError)
    assert error.steps == 2
    assert error.usage.cost == 1.0
    assert error.usage.total_tokens == 4
    assert len(scenario.provider.requests) == 2  # the third scripted turn was never requested
    # The conversation includes the last tool results: continuing from it is a valid request.
    assert [str(c.role) for c in error.messages] == ["user", "model", "model"]
    assert [p.result for p in error.messages[-1].tool_calls] == [2]
    assert "max_steps=2" in str(error)


def test_default_max_steps_lets_tool_round_trips_finish() -> None:
    assert DEFAULT_MAX_STEPS >= 2
    assert ChatBuilder().with_model(ScriptedProvider([])).build().max_steps == DEFAULT_MAX_STEPS
    provider = ScriptedProvider(
        [reply(tool_calls=[call("add", {"a": i, "b": 0})]) for i in range(DEFAULT_MAX_STEPS - 1)]
        + [reply("done")]
    )
    response = ChatBuilder().with_model(provider).with_tools([add]).build().complete_sync("go")
    assert response.text == "done"
    assert len(response.steps) == DEFAULT_MAX_STEPS


@pytest.mark.parametrize("mode", MODES)
def test_hooks_see_each_model_call_and_each_step(mode: str) -> None:
    seen: list[Any] = []

    def before(msgs: messages.Messages, step: int) -> None:
        seen.append(("before", step, len(msgs)))

    async def after(response: ChatResponse) -> None:  # an async hook works in sync modes too
        await asyncio.sleep(0)
        seen.append(("after", response.id, [str(p.status) for p in response.tool_calls]))

    provider = ScriptedProvider([reply(tool_calls=[call("add", {"a": 1, "b": 1})]), reply("2")])
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_tools([add])
        .with_hooks(before_model_call=before, after_step=after)
        .build()
    )
    drive(chat, mode, messages.from_user("1+1"))
    assert seen == [
        ("before", 1, 1),
        ("after", "gen-scripted-1", ["completed"]),  # after_step sees the answered tool calls
        ("before", 2, 2),
        ("after", "gen-scripted-2", []),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_hook_exceptions_abort_the_run(mode: str) -> None:
    def before(msgs: messages.Messages, step: int) -> None:
        raise KeyError("budget exhausted")

    chat = (
        ChatBuilder().with_model(ScriptedProvider([reply("x")])).with_hooks(before_model_call=before).build()
    )
    outcome = drive(chat, mode, "hi")
    assert isinstance(outcome.error, KeyError)


@pytest.mark.parametrize("mode", MODES)
def test_options_are_merged_builder_then_call(mode: str) -> None:
    provider = ScriptedProvider([reply("a")])
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_options(ChatOptions(temperature=0.2, seed=1))
        .with_options(ChatOptions(seed=7))
        .build()
    )
    drive(chat, mode, "hi")
    assert provider.requests[0].options == ChatOptions(temperature=0.2, seed=7)


def test_per_call_options_override_builder_options() -> None:
    provider = ScriptedProvider([reply("a"), reply("b")])
    chat = ChatBuilder().with_model(provider).with_options(ChatOptions(temperature=0.2)).build()
    chat.complete_sync("hi", options=ChatOptions(temperature=0.9, max_tokens=5))
    asyncio.run(chat.complete("hi", options=ChatOptions(max_tokens=6)))
    assert provider.requests[0].options == ChatOptions(temperature=0.9, max_tokens=5)
    assert provider.requests[1].options == ChatOptions(temperature=0.2, max_tokens=6)


def test_a_plain_string_is_a_user_message_and_no_tools_means_none_offered() -> None:
    provider = ScriptedProvider([reply("hello")])
    ChatBuilder().with_model(provider).build().complete_sync("hi there")
    assert [(str(c.role), c.text) for c in provider.requests[0].messages] == [("user", "hi there")]
    assert provider.requests[0].tools == []


def test_server_tools_are_offered_verbatim_next_to_function_tools() -> None:
    provider = ScriptedProvider([reply("ok")])
    chat = ChatBuilder().with_model(provider).with_tools([add, {"type": "openrouter:web_search"}]).build()
    chat.complete_sync("hi")
    assert provider.requests[0].tool_names == ["add", "openrouter:web_search"]


def test_tool_results_are_serialised_to_json_values() -> None:
    from pydantic import BaseModel

    class Forecast(BaseModel):
        city: str
        days: list[int]

    @tool
    def forecast(city: str) -> Forecast:
        """Forecast."""
        return Forecast(city=city, days=[1, 2])

    @tool
    def nothing() -> None:
        """Returns nothing."""

    provider = ScriptedProvider(
        [reply(tool_calls=[call("forecast", {"city": "Oslo"}), call("nothing")]), reply("ok")]
    )
    ChatBuilder().with_model(provider).with_tools([forecast, nothing]).build().complete_sync("go")
    sent = provider.requests[1].messages[-1].tool_calls
    assert sent[0].result == {"city": "Oslo", "days": [1, 2]}
    assert sent[0].output_text() == '{"city": "Oslo", "days": [1, 2]}'
    assert sent[1].status is ToolStatus.COMPLETED
    assert sent[1].output_text() == "null"


def test_plain_functions_are_wrapped_as_tools() -> None:
    def multiply(x: int, y: int) -> int:
        """Multiply."""
        return x * y

    provider = ScriptedProvider([reply(tool_calls=[call("multiply", {"x": 6, "y": 7})]), reply("42")])
    ChatBuilder().with_model(provider).with_tools([multiply]).build().complete_sync("go")
    assert provider.requests[1].messages[-1].tool_calls[0].result == 42


def test_parallel_async_tools_run_concurrently() -> None:
    # Each tool waits until the other has started. Run one after the other, the first would never see
    # the second start; run concurrently, both see each other. No clocks involved: only task switches.
    started: list[str] = []

    async def wait_for(other: str) -> bool:
        for _ in range(100):
            if other in started:
                return True
            await asyncio.sleep(0)
        return False

    @tool
    async def left() -> bool:
        """Left."""
        started.append("left")
        return await wait_for("right")

    @tool
    async def right() -> bool:
        """Right."""
        started.append("right")
        return await wait_for("left")

    provider = ScriptedProvider([reply(tool_calls=[call("left"), call("right")]), reply("ok")])
    chat = ChatBuilder().with_model(provider).with_tools([left, right]).build()
    asyncio.run(chat.complete("go"))
    assert [p.result for p in provider.requests[1].messages[-1].tool_calls] == [True, True]


def test_sync_tools_run_in_worker_threads_in_async_mode() -> None:
    # Two blocking sync tools rendezvous on a barrier: only possible if they run at the same time, in
    # threads, while the event loop stays free. A barrier timeout keeps a regression from hanging.
    barrier = threading.Barrier(2, timeout=30)
    loop_threads: list[bool] = []

    def meet(name: str) -> str:
        loop_threads.append(threading.current_thread() is threading.main_thread())
        barrier.wait()
        return name

    @tool
    def first() -> str:
        """First."""
        return meet("first")

    @tool
    def second() -> str:
        """Second."""
        return meet("second")

    provider = ScriptedProvider([reply(tool_calls=[call("first"), call("second")]), reply("ok")])
    chat = ChatBuilder().with_model(provider).with_tools([first, second]).build()
    asyncio.run(chat.complete("go"))
    assert [p.result for p in provider.requests[1].messages[-1].tool_calls] == ["first", "second"]
    assert loop_threads == [False, False]


def test_sync_mode_runs_tools_in_order_on_the_calling_thread() -> None:
    order: list[tuple[str, bool]] = []

    @tool
    def one() -> int:
        """One."""
        order.append(("one", threading.current_thread() is threading.main_thread()))
        return 1

    @tool
    async def two() -> int:
        """Two (async, run to completion from sync code)."""
        order.append(("two", threading.current_thread() is threading.main_thread()))
        await asyncio.sleep(0)
        return 2

    @tool
    def three() -> int:
        """Three."""
        order.append(("three", threading.current_thread() is threading.main_thread()))
        return 3

    provider = ScriptedProvider([reply(tool_calls=[call("one"), call("two"), call("three")]), reply("ok")])
    ChatBuilder().with_model(provider).with_tools([one, two, three]).build().complete_sync("go")
    # The async tool ran on a fresh event loop; with no loop running here, that is this thread's own.
    assert order == [("one", True), ("two", True), ("three", True)]
    assert [p.result for p in provider.requests[1].messages[-1].tool_calls] == [1, 2, 3]


def test_complete_sync_with_async_tools_works_inside_a_running_event_loop() -> None:
    @tool
    async def ping() -> str:
        """Ping."""
        await asyncio.sleep(0)
        return "pong"

    provider = ScriptedProvider([reply(tool_calls=[call("ping")]), reply("ok")])
    chat = ChatBuilder().with_model(provider).with_tools([ping]).build()

    async def main() -> ChatResponse:
        return chat.complete_sync("go")  # sync call from inside a coroutine: no "loop already running"

    assert asyncio.run(main()).text == "ok"
    assert provider.requests[1].messages[-1].tool_calls[0].result == "pong"


def test_tool_exception_in_async_mode_is_reported_and_cancellation_is_not_swallowed() -> None:
    @tool
    async def fails() -> str:
        """Fails."""
        raise ValueError("nope")

    provider = ScriptedProvider([reply(tool_calls=[call("fails")]), reply("ok")])
    asyncio.run(ChatBuilder().with_model(provider).with_tools([fails]).build().complete("go"))
    assert provider.requests[1].messages[-1].tool_calls[0].error == "ValueError: nope"

    @tool
    async def cancelled() -> str:
        """Cancelled."""
        raise asyncio.CancelledError

    provider = ScriptedProvider([reply(tool_calls=[call("cancelled")]), reply("never")])
    chat = ChatBuilder().with_model(provider).with_tools([cancelled]).build()
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(chat.complete("go"))
    assert len(provider.requests) == 1


def test_provider_errors_propagate_unchanged() -> None:
    from chat_openrouter.errors import RateLimitError

    error = RateLimitError("slow down", status=429)
    provider = ScriptedProvider([reply(tool_calls=[call("add", {"a": 1, "b": 2})]), error])
    chat = ChatBuilder().with_model(provider).with_tools([add]).build()
    with pytest.raises(RateLimitError) as caught:
        chat.complete_sync("go")
    assert caught.value is error


def test_tool_parts_record_their_lifecycle_in_the_step_responses() -> None:
    scenario = multi_step()
    response = scenario.chat.complete_sync(scenario.messages)
    statuses = [[str(p.status) for p in s.tool_calls] for s in response.steps]
    assert statuses == [["completed"], ["completed", "completed"], []]
    assert isinstance(response.steps[0].tool_calls[0], ToolPart)


def test_tools_with_a_name_clash_are_refused_at_build() -> None:
    from chat_openrouter.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="get_weather"):
        ChatBuilder().with_model(ScriptedProvider([])).with_tools([get_weather, get_weather]).build()
