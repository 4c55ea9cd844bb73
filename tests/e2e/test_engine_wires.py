"""The Chat engine end to end, over both real wires, against the OpenRouter emulator on loopback HTTP.

Every scenario runs on the Responses and the Chat Completions wire, in the four shells (complete /
stream x sync / async), through the real stack: codec -> httpx2 connection pool -> HTTP/1.1 on
127.0.0.1 -> the emulator (an ASGI app under uvicorn), which validates each request body against the
OpenAPI spec and answers like OpenRouter (SSE, usage with cost, tool calls). Its models are
deterministic: ``emulator/tools`` calls every offered tool and then answers from the results,
``emulator/reasoning`` does the same but rejects (HTTP 400, like Gemini 3) a tool turn whose reasoning
was not replayed verbatim, ``emulator/json`` answers schema-valid JSON.

The emulator is reset before each run, so ids repeat and the four shells must produce *equal* results.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, field_validator

from _spec import spec_errors
from chat_openrouter.core import messages
from chat_openrouter.core.approval import Pause
from chat_openrouter.core.chat import Chat, ChatBuilder
from chat_openrouter.core.events import Done, StreamEvent
from chat_openrouter.core.parts import ReasoningPart, ToolStatus
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.tools import Tool, tool
from chat_openrouter.errors import MaxStepsExceededError, StructuredOutputError
from chat_openrouter.testing.emulator import Emulator
from engine._harness import event_summary, response_summary

from ._server import LoopbackServer

WIRES = ["responses", "completions"]
MODES = ["complete_sync", "complete_async", "stream_sync", "stream_async"]


# -- tools -----------------------------------------------------------------------------------------------------


@tool
def add(a: Annotated[int, Field(examples=[2])], b: Annotated[int, Field(examples=[40])]) -> int:
    """Add two integers."""
    return a + b


@tool
async def get_weather(city: Annotated[str, Field(examples=["Paris"])]) -> dict[str, Any]:
    """Current weather for a city."""
    await asyncio.sleep(0)
    return {"city": city, "temp_c": 21}


@tool
def explode(reason: Annotated[str, Field(examples=["testing"])]) -> str:
    """Always fails."""
    raise RuntimeError(f"boom: {reason}")


@tool(approval="require")
def delete_file(path: Annotated[str, Field(examples=["/etc/passwd"])]) -> str:
    """Delete a file (a person must approve)."""
    return f"deleted {path}"


class Person(BaseModel):
    name: Annotated[str, Field(examples=["Ada"])]
    age: Annotated[int, Field(examples=[36])]


class Impossible(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def never(cls, value: str) -> str:
        raise ValueError("names are never good enough")


# -- running a scenario over a wire -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Emulator, LoopbackServer]]:
    emulator = Emulator(validator=spec_errors)
    with LoopbackServer(emulator) as running:
        yield emulator, running


@dataclass
class Run:
    outcomes: list[tuple[ChatResponse | None, BaseException | None, list[StreamEvent]]] = field(
        default_factory=list
    )
    bodies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def response(self) -> ChatResponse:
        response, error, _ = self.outcomes[-1]
        assert error is None, error
        assert response is not None
        return response

    @property
    def error(self) -> BaseException | None:
        return self.outcomes[-1][1]

    @property
    def events(self) -> list[StreamEvent]:
        return [e for _, _, events in self.outcomes for e in events]


def run(
    server: tuple[Emulator, LoopbackServer],
    wire: str,
    mode: str,
    model: str,
    configure: Callable[[ChatBuilder], ChatBuilder],
    prompt: str = "Please help.",
    decide: Callable[[Pause], None] | None = None,
) -> Run:
    """Run one chat (and its resume, when ``decide`` is given) in ``mode`` over ``wire``."""
    emulator, loopback = server
    emulator.reset()
    client = (
        _wire_builder(wire)
        .with_model(model)
        .with_api_key("sk-or-test")
        .with_base_url(loopback.url + "/api/v1")
        .build()
    )
    chat = configure(ChatBuilder().with_model(client)).build()
    result = Run()
    if mode.endswith("_sync"):
        try:
            _run_sync(chat, mode, prompt, decide, result)
        finally:
            client.close()
    else:

        async def main() -> None:
            try:
                await _run_async(chat, mode, prompt, decide, result)
            finally:
                await client.aclose()

        asyncio.run(main())  # one event loop for the run and its resume: the async pool lives in it
    result.bodies = [
        r.body for r in emulator.requests if r.path.endswith(("/responses", "/chat/completions"))
    ]
    return result


def _wire_builder(wire: str) -> Any:
    from chat_openrouter.openrouter.builder import OpenRouterBuilder

    return OpenRouterBuilder().with_completions() if wire == "completions" else OpenRouterBuilder()


def _run_sync(
    chat: Chat, mode: str, prompt: str, decide: Callable[[Pause], None] | None, result: Run
) -> None:
    target: Any = messages.from_user(prompt)
    while True:
        events: list[StreamEvent] = []
        response, error = None, None
        try:
            if mode == "complete_sync":
                response = (
                    chat.resume_sync(target) if isinstance(target, Pause) else chat.complete_sync(target)
                )
            else:
                stream = (
                    chat.resume_stream_sync(target) if isinstance(target, Pause) else chat.stream_sync(target)
                )
                with stream:
                    events.extend(stream)
                response = stream.response
        except Exception as exc:
            error = exc
        result.outcomes.append((response, error, events))
        if response is None or response.pause is None or decide is None:
            return
        decide(response.pause)
        target = response.pause


async def _run_async(
    chat: Chat, mode: str, prompt: str, decide: Callable[[Pause], None] | None, result: Run
) -> None:
    target: Any = messages.from_user(prompt)
    while True:
        events: list[StreamEvent] = []
        response, error = None, None
        try:
            if mode == "complete_async":
                response = await (chat.resume(target) if isinstance(target, Pause) else chat.complete(target))
            else:
                stream = chat.resume_stream(target) if isinstance(target, Pause) else chat.stream(target)
                async with stream:
                    async for event in stream:
                        events.append(event)
                response = stream.response
        except Exception as exc:
            error = exc
        result.outcomes.append((response, error, events))
        if response is None or response.pause is None or decide is None:
            return
        decide(response.pause)
        target = response.pause


def tool_outputs(body: dict[str, Any]) -> dict[str, str]:
    """The tool results a request sends back, by call id, in either wire's shape."""
    if "messages" in body:  # Chat Completions: role "tool" messages
        return {m["tool_call_id"]: m["content"] for m in body["messages"] if m.get("role") == "tool"}
    return {
        i["call_id"]: i["output"]
        for i in body["input"]
        if isinstance(i, dict) and i.get("type") == "function_call_output"
    }


def compressed_kinds(events: list[StreamEvent]) -> list[str]:
    kinds: list[str] = []
    for event in events:
        kind = event_summary(event)[0]
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    return kinds


# -- scenarios -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_multi_step_parallel_tools(server: tuple[Emulator, LoopbackServer], wire: str, mode: str) -> None:
    run_ = run(server, wire, mode, "emulator/tools", lambda b: b.with_tools([add, get_weather]))
    response = run_.response
    assert len(response.steps) == 2
    first_turn = response.steps[0].tool_calls
    assert [(p.name, p.arguments, p.status, p.result) for p in first_turn] == [
        ("add", {"a": 2, "b": 40}, ToolStatus.COMPLETED, 42),
        ("get_weather", {"city": "Paris"}, ToolStatus.COMPLETED, {"city": "Paris", "temp_c": 21}),
    ]
    assert response.text == 'Based on the tools: add: 42; get_weather: {"city": "Paris", "temp_c": 21}'
    # The second request carried both results, keyed by the ids the model gave.
    assert tool_outputs(run_.bodies[1]) == {
        first_turn[0].id: "42",
        first_turn[1].id: '{"city": "Paris", "temp_c": 21}',
    }
    # Usage and cost are summed over both model calls.
    costs = [s.usage.cost for s in response.steps]
    assert all(c is not None and c > 0 for c in costs)
    assert response.usage.cost == pytest.approx(sum(c for c in costs if c is not None))
    assert response.usage.total_tokens == sum(s.usage.total_tokens for s in response.steps)
    if mode.startswith("stream"):
        kinds = compressed_kinds(run_.events)
        first_result = kinds.index("tool_result")
        # Chat Completions announces finished calls at the end of the turn, Responses after each item.
        assert set(kinds[:first_result]) == {"tool_call_chunk", "tool_call"}
        assert kinds[first_result:] == ["tool_result", "text", "done"]
        every = [event_summary(e)[0] for e in run_.events]
        assert (every.count("tool_call"), every.count("tool_result"), every.count("done")) == (2, 2, 1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_reasoning_is_replayed_verbatim_between_steps(
    server: tuple[Emulator, LoopbackServer], wire: str, mode: str
) -> None:
    # emulator/reasoning answers HTTP 400 if the tool turn's reasoning is not replayed exactly.
    run_ = run(server, wire, mode, "emulator/reasoning", lambda b: b.with_tools([add]))
    response = run_.response
    assert len(response.steps) == 2
    reasoning = response.steps[0].content.parts[0]
    assert isinstance(reasoning, ReasoningPart)
    assert reasoning.text or reasoning.details or reasoning.item
    sent = run_.bodies[1]
    if wire == "completions":
        assistant = next(m for m in sent["messages"] if m.get("role") == "assistant")
        assert json.dumps(assistant["reasoning_details"]) == json.dumps(reasoning.details)
    else:
        replayed = next(i for i in sent["input"] if isinstance(i, dict) and i.get("type") == "reasoning")
        assert reasoning.item is not None
        assert replayed["encrypted_content"] == reasoning.item["encrypted_content"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_errors_go_back_to_the_model(server: tuple[Emulator, LoopbackServer], wire: str, mode: str) -> None:
    # A raising tool, arguments that do not validate (the declared schema is looser than the function's
    # own types), and a function tool offered as raw JSON with nothing to run it (an unknown tool).
    def count(n: int) -> int:
        return n

    loose = Tool(
        name="count",
        description="Count.",
        parameters={
            "type": "object",
            "properties": {"n": {"type": "string", "examples": ["many"]}},
            "required": ["n"],
        },
        function=count,
        arguments_model=Tool.from_function(count).arguments_model,
    )
    params = {"type": "object", "properties": {}}
    raw = (
        {
            "type": "function",
            "function": {"name": "ghost", "description": "Nobody runs this.", "parameters": params},
        }
        if wire == "completions"
        else {"type": "function", "name": "ghost", "description": "Nobody runs this.", "parameters": params}
    )
    run_ = run(server, wire, mode, "emulator/tools", lambda b: b.with_tools([explode, loose, raw]))
    response = run_.response
    errors = {p.name: p.error for p in response.steps[0].tool_calls}
    assert errors == {
        "explode": "RuntimeError: boom: testing",
        "count": "invalid arguments for tool 'count':\n- n: Input should be a valid integer, unable to parse string as an integer",
        "ghost": "unknown tool 'ghost'; available tools: count, explode",
    }
    outputs = tool_outputs(run_.bodies[1])
    assert sorted(json.loads(o)["error"] for o in outputs.values()) == sorted(e for e in errors.values() if e)
    assert response.text.startswith("Based on the tools: ")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_max_steps(server: tuple[Emulator, LoopbackServer], wire: str, mode: str) -> None:
    run_ = run(server, wire, mode, "emulator/tools", lambda b: b.with_tools([add]).with_max_steps(1))
    error = run_.error
    assert isinstance(error, MaxStepsExceededError)
    assert error.steps == 1
    assert error.usage.cost is not None
    assert error.usage.cost > 0
    assert [p.result for p in error.messages[-1].tool_calls] == [42]
    assert len(run_.bodies) == 1
    assert not any(isinstance(e, Done) for e in run_.events)


def _approve(pause: Pause) -> None:
    pause.approve(pause.pending[0].id)


def _edit(pause: Pause) -> None:
    pause.approve(pause.pending[0].id, arguments={"path": "/tmp/scratch"})


def _reject(pause: Pause) -> None:
    pause.reject(pause.pending[0].id, "too dangerous")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    ("decide", "expected"),
    [
        (_approve, "deleted /etc/passwd"),
        (_edit, "deleted /tmp/scratch"),
        (_reject, '{"error": "rejected by user: too dangerous"}'),
    ],
    ids=["approve", "edit", "reject"],
)
def test_approval_pause_and_resume(
    server: tuple[Emulator, LoopbackServer],
    wire: str,
    mode: str,
    decide: Callable[[Pause], None],
    expected: str,
) -> None:
    run_ = run(
        server, wire, mode, "emulator/tools", lambda b: b.with_tools([add, delete_file]), decide=decide
    )
    assert len(run_.outcomes) == 2
    paused, error, first_events = run_.outcomes[0]
    assert error is None
    assert paused is not None
    assert paused.pause is not None
    assert [p.name for p in paused.pause.pending] == ["delete_file"]
    if mode.startswith("stream"):
        assert [event_summary(e)[0] for e in first_events][-2:] == ["paused", "done"]
    final = run_.response
    assert final.pause is None
    assert final.text == f"Based on the tools: add: 42; delete_file: {expected}"
    assert len(final.steps) == 2
    assert len(run_.bodies) == 2
    call_id = paused.pause.pending[0].id
    assert tool_outputs(run_.bodies[1])[call_id] == expected


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_structured_output(server: tuple[Emulator, LoopbackServer], wire: str, mode: str) -> None:
    run_ = run(server, wire, mode, "emulator/json", lambda b: b.with_structured_output(Person))
    assert run_.response.output == Person(name="Ada", age=36)
    body = run_.bodies[0]
    sent = body["response_format"] if wire == "completions" else body["text"]["format"]
    schema = sent["json_schema"]["schema"] if wire == "completions" else sent["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "age"]
    if mode.startswith("stream"):
        assert compressed_kinds(run_.events) == ["text", "structured", "done"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_structured_output_with_tools(server: tuple[Emulator, LoopbackServer], wire: str, mode: str) -> None:
    run_ = run(
        server, wire, mode, "emulator/tools", lambda b: b.with_tools([add]).with_structured_output(Person)
    )
    assert run_.response.output == Person(name="Ada", age=36)
    assert [p.result for p in run_.response.steps[0].tool_calls] == [42]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_structured_output_retries_then_fails(
    server: tuple[Emulator, LoopbackServer], wire: str, mode: str
) -> None:
    run_ = run(
        server,
        wire,
        mode,
        "emulator/json",
        lambda b: b.with_structured_output(Impossible).with_output_retries(1),
    )
    error = run_.error
    assert isinstance(error, StructuredOutputError)
    assert error.attempts == 2
    assert json.loads(error.raw_text).keys() == {"name"}
    assert len(run_.bodies) == 2
    assert "names are never good enough" in json.dumps(run_.bodies[1])  # the model was told what was wrong


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    "scenario",
    ["tools", "reasoning", "approve", "reject", "structured", "max_steps"],
)
def test_sync_and_async_twins_agree_over_the_wire(
    server: tuple[Emulator, LoopbackServer], wire: str, scenario: str
) -> None:
    def once(mode: str) -> tuple[Any, ...]:
        if scenario == "tools":
            r = run(server, wire, mode, "emulator/tools", lambda b: b.with_tools([add, get_weather]))
        elif scenario == "reasoning":
            r = run(server, wire, mode, "emulator/reasoning", lambda b: b.with_tools([add]))
        elif scenario in ("approve", "reject"):
            decide = _approve if scenario == "approve" else _reject
            r = run(
                server,
                wire,
                mode,
                "emulator/tools",
                lambda b: b.with_tools([add, delete_file]),
                decide=decide,
            )
        elif scenario == "structured":
            r = run(server, wire, mode, "emulator/json", lambda b: b.with_structured_output(Person))
        else:
            r = run(server, wire, mode, "emulator/tools", lambda b: b.with_tools([add]).with_max_steps(1))
        summaries = [
            (response_summary(resp), type(err).__name__ if err else None) for resp, err, _ in r.outcomes
        ]
        bodies = [{k: v for k, v in b.items() if k not in ("stream", "stream_options")} for b in r.bodies]
        return summaries, bodies, [event_summary(e) for e in r.events]

    complete_sync, complete_async = once("complete_sync"), once("complete_async")
    stream_sync, stream_async = once("stream_sync"), once("stream_async")
    assert complete_sync == complete_async
    assert stream_sync == stream_async
    assert complete_sync[1] == stream_sync[1]  # the same requests, streamed or not
