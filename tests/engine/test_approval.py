"""Human in the loop: pause on tools that need approval, decide by call id, resume."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from chat_openrouter.core import messages
from chat_openrouter.core.approval import Pause
from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.events import Done, Paused, ToolResult
from chat_openrouter.core.parts import ToolPart, ToolStatus
from chat_openrouter.core.tools import ApprovalStrategy
from chat_openrouter.testing import ScriptedProvider, call, reply

from ._harness import MODES, STREAM_MODES, drive, event_summary, play
from ._scenarios import add, approval_approve, approval_edit, approval_reject, delete_file, policy_reject


@pytest.mark.parametrize("mode", MODES)
def test_complete_pauses_without_raising_and_runs_the_other_tools(mode: str) -> None:
    scenario = approval_approve()
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.error is None
    response = outcome.response
    assert response is not None
    assert response.pause is not None
    assert response.is_paused
    assert [p.id for p in response.pause.pending] == ["call_del"]
    assert response.pause.pending[0].status is ToolStatus.PENDING
    assert response.finish_reason == "tool_calls"
    # The executable call in the same turn already ran; the pending one did not.
    calls = {p.id: p for p in response.content.tool_calls}
    assert (calls["call_add"].status, calls["call_add"].result) == (ToolStatus.COMPLETED, 3)
    assert calls["call_del"].result is None
    assert len(scenario.provider.requests) == 1
    assert response.pause.usage.cost == Decimal("0.01")
    assert len(response.pause.steps) == 1


@pytest.mark.parametrize("mode", MODES)
def test_approve_then_resume_runs_the_tool_and_continues(mode: str) -> None:
    scenario = approval_approve()
    first, second = play(scenario, mode)
    assert second.error is None
    assert second.response is not None
    assert second.response.text == "Done."
    sent = {p.id: p for p in scenario.provider.requests[1].messages[-1].tool_calls}
    assert (sent["call_del"].status, sent["call_del"].result) == (ToolStatus.COMPLETED, "deleted /etc/passwd")
    assert sent["call_add"].result == 3
    # The resumed run aggregates the whole run, before and after the pause.
    assert len(second.response.steps) == 2
    assert second.response.usage.cost == Decimal("0.03")  # exact
    assert second.response.pause is None
    assert first.response is not None
    assert first.response.pause is not None


@pytest.mark.parametrize("mode", MODES)
def test_approve_with_edited_arguments(mode: str) -> None:
    scenario = approval_edit()
    _, second = play(scenario, mode)
    assert second.error is None
    part = scenario.provider.requests[1].messages[-1].tool_calls[0]
    assert part.result == "deleted /tmp/scratch"
    # The model sees the call that actually ran next to its result.
    assert part.arguments == {"path": "/tmp/scratch"}
    assert json.loads(part.raw_arguments) == {"path": "/tmp/scratch"}


@pytest.mark.parametrize("mode", MODES)
def test_reject_sends_an_error_result_with_the_reason(mode: str) -> None:
    scenario = approval_reject()
    _, second = play(scenario, mode)
    assert second.error is None
    assert second.response is not None
    assert second.response.text == "Done."
    part = scenario.provider.requests[1].messages[-1].tool_calls[0]
    assert (part.status, part.error, part.result) == (
        ToolStatus.REJECTED,
        "rejected by user: too dangerous",
        None,
    )
    assert json.loads(part.output_text()) == {"error": "rejected by user: too dangerous"}


@pytest.mark.parametrize("mode", MODES)
def test_a_reject_strategy_refuses_without_pausing(mode: str) -> None:
    scenario = policy_reject()
    outcome = drive(scenario.chat, mode, scenario.messages)
    assert outcome.response is not None
    assert outcome.response.pause is None
    part = scenario.provider.requests[1].messages[-1].tool_calls[0]
    assert (part.status, part.error) == (
        ToolStatus.REJECTED,
        "rejected: tool 'format_disk' is not allowed to run",
    )


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_stream_ends_with_paused_then_done(mode: str) -> None:
    scenario = approval_approve()
    outcome = drive(scenario.chat, mode, scenario.messages)
    kinds = [event_summary(e)[0] for e in outcome.events]
    assert kinds[-2:] == ["paused", "done"]
    assert kinds.count("done") == 1
    paused = outcome.events[-2]
    done = outcome.events[-1]
    assert isinstance(paused, Paused)
    assert isinstance(done, Done)
    assert done.response.pause is paused.pause
    # The executed call's result was streamed before the pause; the pending one has no result event.
    assert [e.part.id for e in outcome.events if isinstance(e, ToolResult)] == ["call_add"]


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_resume_stream_reports_the_decided_calls_first(mode: str) -> None:
    scenario = approval_reject()
    _, second = play(scenario, mode)
    summaries = [event_summary(e) for e in second.events]
    assert summaries[0] == ("tool_result", "call_del", "rejected", None, "rejected by user: too dangerous")
    assert summaries[-1] == ("done", "Done.")


def test_resume_refuses_undecided_calls() -> None:
    scenario = approval_approve()
    pause = scenario.chat.complete_sync(scenario.messages).pause
    assert pause is not None
    with pytest.raises(ValueError, match="call_del"):
        scenario.chat.resume_sync(pause)
    with pytest.raises(ValueError, match="undecided"):
        scenario.chat.resume_stream_sync(pause)  # refused when called, not on first iteration
    with pytest.raises(ValueError, match="undecided"):
        asyncio.run(scenario.chat.resume(pause))
    assert len(scenario.provider.requests) == 1


def test_pause_decisions_by_id() -> None:
    parts = [ToolPart(id="a", name="x", arguments={}), ToolPart(id="b", name="y", arguments={"n": 1})]
    pause = Pause(parts)
    assert [p.id for p in pause.undecided] == ["a", "b"]
    assert not pause.decided
    assert pause.approve("b", arguments={"n": 2}) is pause  # chainable
    assert parts[1].raw_arguments == '{"n":2}'
    with pytest.raises(KeyError, match=r"'zzz'.*'a', 'b'"):
        pause.reject("zzz")
    pause.reject("a")
    assert parts[0].error == "rejected by user"
    assert pause.decided
    # A later decision wins (e.g. a UI that lets the user change their mind before resuming).
    pause.approve("a")
    assert (parts[0].status, parts[0].error) == (ToolStatus.APPROVED, None)


def test_approve_all_and_reject_all() -> None:
    pause = Pause([ToolPart(id="a", name="x"), ToolPart(id="b", name="x")])
    pause.reject("a", "no").approve_all()
    assert [str(p.status) for p in pause.pending] == ["rejected", "approved"]
    other = Pause([ToolPart(id="a", name="x"), ToolPart(id="b", name="x")]).reject_all("later")
    assert [p.error for p in other.pending] == ["rejected by user: later"] * 2


@pytest.mark.parametrize("mode", MODES)
def test_with_approval_policy_overrides_tool_strategies(mode: str) -> None:
    provider = ScriptedProvider(
        [
            reply(
                tool_calls=[
                    call("add", {"a": 1, "b": 2}, id="small"),
                    call("add", {"a": 100, "b": 2}, id="big"),
                ]
            ),
            reply("ok"),
        ]
    )

    def policy(part: ToolPart) -> ApprovalStrategy | None:
        return "require" if part.arguments and part.arguments.get("a", 0) > 10 else None

    chat = ChatBuilder().with_model(provider).with_tools([add]).with_approval(policy).build()
    response = drive(chat, mode, messages.from_user("go")).response
    assert response is not None
    assert response.pause is not None
    assert [p.id for p in response.pause.pending] == ["big"]


def test_with_approval_string_applies_to_every_call() -> None:
    provider = ScriptedProvider([reply(tool_calls=[call("add", {"a": 1, "b": 2}, id="c1")])])
    chat = ChatBuilder().with_model(provider).with_tools([add]).with_approval("require").build()
    response = chat.complete_sync("go")
    assert response.pause is not None
    assert [p.id for p in response.pause.pending] == ["c1"]


def test_pause_survives_a_deep_copy_and_resumes() -> None:
    # E.g. a web app that keeps the pause in a session store between two requests.
    import copy

    scenario = approval_approve()
    pause = scenario.chat.complete_sync(scenario.messages).pause
    assert pause is not None
    stored = copy.deepcopy(pause)
    stored.approve("call_del")
    response = scenario.chat.resume_sync(stored)
    assert response.text == "Done."
    assert scenario.provider.requests[1].messages[-1].tool_calls[0].result == "deleted /etc/passwd"
    assert pause.pending[0].status is ToolStatus.PENDING  # the original is untouched


def test_max_steps_applies_after_resume() -> None:
    provider = ScriptedProvider(
        [reply(tool_calls=[call("delete_file", {"path": "a"}, id="d")]), reply("never")]
    )
    chat = ChatBuilder().with_model(provider).with_tools([delete_file]).with_max_steps(1).build()
    pause = chat.complete_sync("go").pause
    assert pause is not None
    from chat_openrouter.errors import MaxStepsExceededError

    with pytest.raises(MaxStepsExceededError) as caught:
        chat.resume_sync(pause.approve("d"))
    assert caught.value.messages[-1].tool_calls[0].result == "deleted a"
    assert len(provider.requests) == 1
