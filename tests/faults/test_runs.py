"""Chat runs under failure (issue 13, items 7 and 8, and the engine's refusal and metadata bugs).

* A failed run loses nothing: the exception that ends it -- an API error on step 3, a timeout on step 2,
  a hook that raised, running out of steps -- carries ``error.run``: the messages with every tool result
  already produced, the completed steps and their summed usage and cost. In all four modes.
* A forced ``tool_choice`` (``"required"``, a named function; set per call, on the Chat or on the
  client) applies to the first model call only; later calls send ``"auto"``, so a forced tool does not
  spin until ``max_steps``. ``with_reset_tool_choice(False)`` keeps it forced.
* A refusal during a structured-output run ends the run with the refusal visible (no retries, no
  ``StructuredOutputError``); the run's final response keeps the last step's ``system_fingerprint``,
  ``service_tier`` and ``logprobs``.

Real clients over the loopback fault server, both wires.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from chat_openrouter import ChatBuilder, ChatOptions, Timeouts, errors, messages
from chat_openrouter.core.parts import ToolPart, ToolStatus

from ._server import Behaviour, FaultServer, json_body, sse, stall_before_headers, status
from ._wires import (
    COMPLETIONS,
    HANG_GUARD,
    WIRES,
    Sleeps,
    Wire,
    answer_with_metadata,
    make_client,
    refusal_body,
    tool_call_body,
    tool_call_events,
)

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
RUN_MODES = ["complete_sync", "complete", "stream_sync", "stream"]
run_modes = pytest.mark.parametrize("mode", RUN_MODES)
FAST = Timeouts(connect=2, first_byte=0.4, idle=2, total=10)


def streaming(mode: str) -> bool:
    return mode.startswith("stream")


def tool_step(wire: Wire, mode: str, call_id: str) -> Behaviour:
    return (
        sse(tool_call_events(wire, call_id)) if streaming(mode) else json_body(tool_call_body(wire, call_id))
    )


def answer_step(wire: Wire, mode: str, text: str = "Hello") -> Behaviour:
    return sse(wire.good_stream(text)) if streaming(mode) else json_body(wire.ok_body)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def bump(self) -> str:
        """Count a call."""
        self.calls += 1
        return f"bumped {self.calls}"


def run_chat(chat: Any, mode: str, options: ChatOptions | None = None) -> Any:
    """One run in ``mode``; returns the final response, raises what the run raised."""
    conversation = messages.from_user("go")
    if mode == "complete_sync":
        return chat.complete_sync(conversation, options=options)
    if mode == "stream_sync":
        return chat.stream_sync(conversation, options=options).final_response()

    async def go() -> Any:
        if mode == "complete":
            return await chat.complete(conversation, options=options)
        return await chat.stream(conversation, options=options).final_response()

    return asyncio.run(asyncio.wait_for(go(), HANG_GUARD))


def build_chat(wire: Wire, server: FaultServer, counter: Counter, configure: Any = None) -> Any:
    """A Chat with the ``bump`` tool on a fresh client (no retries); ``configure`` adjusts the builder."""
    client = make_client(wire, server.url, Sleeps(), timeouts=FAST, retries=0)
    builder = ChatBuilder().with_model(client).with_tools([counter.bump])
    return (configure(builder) if configure is not None else builder).build()


def tool_results(run: Any) -> list[ToolPart]:
    return [
        part
        for turn in run.messages
        for part in turn.parts
        if isinstance(part, ToolPart) and part.status is ToolStatus.COMPLETED
    ]


# -- item 7: a failed run loses nothing ---------------------------------------------------------------------------
@wires
@run_modes
def test_an_api_error_on_step_3_carries_the_run_so_far(wire: Wire, mode: str) -> None:
    counter = Counter()
    script = [tool_step(wire, mode, "call_1"), tool_step(wire, mode, "call_2"), status(500)]
    with FaultServer(*script) as server:
        chat = build_chat(wire, server, counter)
        with pytest.raises(errors.ServerError) as caught:
            run_chat(chat, mode)
    run = caught.value.run
    assert run is not None and len(run.steps) == 2
    assert counter.calls == 2
    assert [p.result for p in tool_results(run)] == ["bumped 1", "bumped 2"]
    assert run.usage.cost == pytest.approx(0.5) and run.usage.total_tokens == 30
    # The conversation continues from there: user, model (call), model (call) with the results in it.
    assert run.messages[0].text == "go" and len(run.messages) == 3


@wires
@run_modes
def test_a_timeout_on_step_2_carries_the_run_so_far(wire: Wire, mode: str) -> None:
    counter = Counter()
    with FaultServer(tool_step(wire, mode, "call_1"), stall_before_headers()) as server:
        chat = build_chat(wire, server, counter)
        with pytest.raises(errors.TimeoutError) as caught:
            run_chat(chat, mode)
    run = caught.value.run
    assert run is not None and len(run.steps) == 1 and counter.calls == 1
    assert [p.result for p in tool_results(run)] == ["bumped 1"]
    assert run.usage.cost == pytest.approx(0.25)


@wires
@run_modes
def test_a_hook_that_raises_carries_the_run_so_far(wire: Wire, mode: str) -> None:
    counter = Counter()

    def after_step(response: Any) -> None:
        if counter.calls == 2:
            raise RuntimeError("the audit log is full")

    script = [tool_step(wire, mode, "call_1"), tool_step(wire, mode, "call_2"), answer_step(wire, mode)]
    with FaultServer(*script) as server:
        chat = build_chat(wire, server, counter, lambda b: b.with_hooks(after_step=after_step))
        with pytest.raises(RuntimeError, match="audit log") as caught:
            run_chat(chat, mode)
    run = caught.value.run  # type: ignore[attr-defined]
    assert len(run.steps) == 2 and [p.result for p in tool_results(run)] == ["bumped 1", "bumped 2"]


@wires
@run_modes
def test_running_out_of_steps_carries_the_run_too(wire: Wire, mode: str) -> None:
    counter = Counter()
    with FaultServer(tool_step(wire, mode, "call_1"), tool_step(wire, mode, "call_2")) as server:
        chat = build_chat(wire, server, counter, lambda b: b.with_max_steps(2))
        with pytest.raises(errors.MaxStepsExceededError) as caught:
            run_chat(chat, mode)
    assert caught.value.run is not None and len(caught.value.run.steps) == 2
    assert caught.value.run.usage.cost == pytest.approx(0.5)


@wires
@pytest.mark.parametrize("mode", ["stream_sync", "stream"])
def test_a_stream_cut_after_output_keeps_both_the_run_and_the_partial(wire: Wire, mode: str) -> None:
    counter = Counter()
    cut = sse([*wire.preamble, wire.text("Hal")], end=False)
    with FaultServer(tool_step(wire, mode, "call_1"), cut) as server:
        chat = build_chat(wire, server, counter)
        with pytest.raises(errors.ConnectionError) as caught:
            run_chat(chat, mode)
    assert caught.value.partial is not None and caught.value.partial.text == "Hal"
    assert caught.value.run is not None and len(caught.value.run.steps) == 1


# -- item 8: a forced tool choice does not loop ----------------------------------------------------------------
def _named(wire: Wire) -> dict[str, Any]:
    if wire is COMPLETIONS:
        return {"type": "function", "function": {"name": "bump"}}
    return {"type": "function", "name": "bump"}


def _choices(server: FaultServer) -> list[Any]:
    return [request.json().get("tool_choice") for request in server.requests]


@wires
@run_modes
@pytest.mark.parametrize("where", ["per call", "chat", "client"])
@pytest.mark.parametrize("choice", ["required", "named"])
def test_a_forced_tool_choice_applies_to_the_first_call_only(
    wire: Wire, mode: str, where: str, choice: str
) -> None:
    forced: Any = _named(wire) if choice == "named" else "required"
    counter = Counter()
    with FaultServer(tool_step(wire, mode, "call_1"), answer_step(wire, mode)) as server:
        client = make_client(wire, server.url, Sleeps(), timeouts=FAST, retries=0)
        if where == "client":
            client = client.with_options(ChatOptions(tool_choice=forced))
        builder = ChatBuilder().with_model(client).with_tools([counter.bump])
        if where == "chat":
            builder = builder.with_options(ChatOptions(tool_choice=forced))
        per_call = ChatOptions(tool_choice=forced) if where == "per call" else None
        response = run_chat(builder.build(), mode, per_call)
    assert response.text == "Hello" and counter.calls == 1
    assert _choices(server)[1] == "auto"
    assert _choices(server)[0] is not None and _choices(server)[0] != "auto"


@wires
@run_modes
def test_reset_can_be_turned_off(wire: Wire, mode: str) -> None:
    counter = Counter()
    with FaultServer(tool_step(wire, mode, "call_1"), tool_step(wire, mode, "call_2")) as server:
        chat = build_chat(wire, server, counter, lambda b: b.with_reset_tool_choice(False).with_max_steps(2))
        with pytest.raises(errors.MaxStepsExceededError):
            run_chat(chat, mode, ChatOptions(tool_choice="required"))
    assert _choices(server) == ["required", "required"]


@wires
def test_an_unforced_choice_is_left_alone(wire: Wire) -> None:
    counter = Counter()
    with FaultServer(tool_step(wire, "complete", "call_1"), answer_step(wire, "complete")) as server:
        run_chat(build_chat(wire, server, counter), "complete_sync")
    assert _choices(server) == [None, None]  # nothing was set, nothing is sent


# -- refusals and metadata ---------------------------------------------------------------------------------------
class Verdict(BaseModel):
    guilty: bool


@wires
@run_modes
def test_a_refusal_ends_a_structured_run_without_retries(wire: Wire, mode: str) -> None:
    refusal = refusal_body(wire)
    with FaultServer(json_body(refusal)) as server:
        client = make_client(wire, server.url, Sleeps(), retries=0)
        chat = ChatBuilder().with_model(client).with_structured_output(Verdict).build()
        mode = (
            "complete_sync" if mode.endswith("sync") else "complete"
        )  # refusal bodies are not streamed here
        response = run_chat(chat, mode)
    assert response.refusal == "I can't help with that." and response.finish_reason == "refusal"
    assert response.output is None and server.request_count == 1


@wires
@run_modes
def test_the_run_keeps_the_last_steps_metadata(wire: Wire, mode: str) -> None:
    counter = Counter()
    mode = "complete_sync" if mode.endswith("sync") else "complete"
    with FaultServer(tool_step(wire, mode, "call_1"), json_body(answer_with_metadata(wire))) as server:
        response = run_chat(build_chat(wire, server, counter), mode)
    last = response.steps[-1]
    assert response.service_tier == last.service_tier == "default"
    assert response.system_fingerprint == last.system_fingerprint
    assert response.logprobs == last.logprobs and len(response.logprobs) == 1
