"""The engine scenarios, each a fresh (chat, scripted model, conversation) so it can run in every mode."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

from chat_openrouter.core import messages
from chat_openrouter.core.approval import Pause
from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.tools import tool
from chat_openrouter.core.usage import Usage
from chat_openrouter.testing import ScriptedProvider, call, reply

from ._harness import Scenario

# -- tools ---------------------------------------------------------------------------------------------------


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city."""
    return {"city": city, "temp_c": 21}


@tool
async def shout(text: str) -> str:
    """Upper-case a text (an async tool)."""
    await asyncio.sleep(0)
    return text.upper()


@tool
def explode(reason: str) -> str:
    """A tool that always fails."""
    raise RuntimeError(f"boom: {reason}")


@tool(approval="require")
def delete_file(path: str) -> str:
    """Delete a file (needs a person's approval)."""
    return f"deleted {path}"


@tool(approval="reject")
def format_disk() -> str:
    """Never allowed."""
    raise AssertionError("a rejected tool must never run")


class Person(BaseModel):
    name: str
    age: int


def usage(tokens_in: int, tokens_out: int, cost: float | None) -> Usage:
    return Usage(
        input_tokens=tokens_in, output_tokens=tokens_out, total_tokens=tokens_in + tokens_out, cost=cost
    )


REASONING_DETAILS = [
    {
        "type": "reasoning.text",
        "text": "Need the weather.",
        "signature": "sig-abc",
        "format": "anthropic-claude-v1",
        "index": 0,
    },
    {
        "type": "reasoning.encrypted",
        "data": "ZW5jcnlwdGVk",
        "id": "rs_1",
        "format": "openai-responses-v1",
        "index": 1,
    },
]


# -- scenarios -----------------------------------------------------------------------------------------------


def multi_step() -> Scenario:
    """Three model calls: one tool, then two parallel tools (one async), then the answer."""
    provider = ScriptedProvider(
        [
            reply(
                reasoning="Need the weather.",
                reasoning_details=REASONING_DETAILS,
                signature="sig-abc",
                tool_calls=[call("get_weather", {"city": "Paris"}, id="call_w")],
                usage=usage(10, 5, 0.001),
            ),
            reply(
                "Working on it.",
                tool_calls=[
                    call("add", {"a": 2, "b": 40}, id="call_a"),
                    call("shout", {"text": "hi"}, id="call_s"),
                ],
                usage=usage(20, 6, 0.002),
            ),
            reply("Paris is 21C; 2+40=42; HI.", usage=usage(30, 7, 0.004)),
        ]
    )
    chat = ChatBuilder().with_model(provider).with_tools([add, get_weather, shout]).build()
    return Scenario(chat, provider, messages.from_user("weather, sum, shout"))


def error_paths() -> Scenario:
    """Bad JSON, a validation failure, an unknown tool and a raising tool: all reported, none abort."""
    provider = ScriptedProvider(
        [
            reply(
                tool_calls=[
                    call("add", '{"a": 1,', id="call_json"),
                    call("add", {"a": "one"}, id="call_invalid"),
                    call("nope", {}, id="call_unknown"),
                    call("explode", {"reason": "testing"}, id="call_raise"),
                ]
            ),
            reply("Sorry, everything failed."),
        ]
    )
    chat = ChatBuilder().with_model(provider).with_tools([add, explode]).build()
    return Scenario(chat, provider, messages.from_user("try things"))


def max_steps() -> Scenario:
    provider = ScriptedProvider(
        [
            reply(tool_calls=[call("add", {"a": i, "b": 1}, id=f"call_{i}")], usage=usage(1, 1, 0.5))
            for i in range(3)
        ]
    )
    chat = ChatBuilder().with_model(provider).with_tools([add]).with_max_steps(2).build()
    return Scenario(chat, provider, messages.from_user("loop forever"))


def _approval(decide: Any) -> Scenario:
    provider = ScriptedProvider(
        [
            reply(
                tool_calls=[
                    call("delete_file", {"path": "/etc/passwd"}, id="call_del"),
                    call("add", {"a": 1, "b": 2}, id="call_add"),
                ],
                usage=usage(5, 5, 0.01),
            ),
            reply("Done.", usage=usage(7, 1, 0.02)),
        ]
    )
    chat = ChatBuilder().with_model(provider).with_tools([add, delete_file]).build()
    return Scenario(chat, provider, messages.from_user("clean up"), decide=decide)


def approval_approve() -> Scenario:
    def decide(pause: Pause) -> None:
        pause.approve("call_del")

    return _approval(decide)


def approval_edit() -> Scenario:
    def decide(pause: Pause) -> None:
        pause.approve("call_del", arguments={"path": "/tmp/scratch"})

    return _approval(decide)


def approval_reject() -> Scenario:
    def decide(pause: Pause) -> None:
        pause.reject("call_del", "too dangerous")

    return _approval(decide)


def policy_reject() -> Scenario:
    provider = ScriptedProvider(
        [reply(tool_calls=[call("format_disk", {}, id="call_fmt")]), reply("OK, I won't.")]
    )
    chat = ChatBuilder().with_model(provider).with_tools([format_disk]).build()
    return Scenario(chat, provider, messages.from_user("format it"))


def structured_success() -> Scenario:
    provider = ScriptedProvider([reply('{"name": "Ada", "age": 36}')])
    chat = ChatBuilder().with_model(provider).with_structured_output(Person).build()
    return Scenario(chat, provider, messages.from_user("who?"))


def structured_retry_then_success() -> Scenario:
    provider = ScriptedProvider([reply('{"name": "Ada"}'), reply('{"name": "Ada", "age": 36}')])
    chat = ChatBuilder().with_model(provider).with_structured_output(Person).build()
    return Scenario(chat, provider, messages.from_user("who?"))


def structured_retry_then_fail() -> Scenario:
    provider = ScriptedProvider([reply("not json"), reply('{"name": "Ada", "age": "old"}')])
    chat = ChatBuilder().with_model(provider).with_structured_output(Person).with_output_retries(1).build()
    return Scenario(chat, provider, messages.from_user("who?"))


def structured_with_tools() -> Scenario:
    provider = ScriptedProvider(
        [
            reply(tool_calls=[call("add", {"a": 30, "b": 6}, id="call_age")]),
            reply('{"name": "Ada", "age": 36}'),
        ]
    )
    chat = ChatBuilder().with_model(provider).with_tools([add]).with_structured_output(Person).build()
    return Scenario(chat, provider, messages.from_user("who, and how old?"))


SCENARIOS = {
    "multi_step": multi_step,
    "error_paths": error_paths,
    "max_steps": max_steps,
    "approval_approve": approval_approve,
    "approval_edit": approval_edit,
    "approval_reject": approval_reject,
    "policy_reject": policy_reject,
    "structured_success": structured_success,
    "structured_retry_then_success": structured_retry_then_success,
    "structured_retry_then_fail": structured_retry_then_fail,
    "structured_with_tools": structured_with_tools,
}
