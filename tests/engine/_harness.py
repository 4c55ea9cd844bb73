"""Run one Chat scenario in each of the four shells and summarise the outcome as plain values.

The four modes are the sync and async twins of ``complete`` and ``stream`` (and of ``resume`` /
``resume_stream``). Tests are parametrised over ``MODES`` and compare :func:`summary` values, so "the
sync and async twins give equal results" is checked on the same data every scenario asserts on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from chat_openrouter.core.approval import Pause
from chat_openrouter.core.chat import Chat
from chat_openrouter.core.events import (
    Done,
    Paused,
    ReasoningChunk,
    StreamEvent,
    Structured,
    TextChunk,
    ToolCall,
    ToolCallChunk,
    ToolResult,
)
from chat_openrouter.core.messages import Content, Messages
from chat_openrouter.core.parts import ReasoningPart, StructuredPart, TextPart, ToolPart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.testing import ScriptedProvider

MODES = ["complete_sync", "complete_async", "stream_sync", "stream_async"]
STREAM_MODES = ["stream_sync", "stream_async"]


@dataclass
class Outcome:
    response: ChatResponse | None = None
    error: BaseException | None = None
    events: list[StreamEvent] = field(default_factory=list)


def drive(chat: Chat, mode: str, target: Messages | str | Pause) -> Outcome:
    """Run ``chat`` on ``target`` (a conversation, or a decided Pause to resume) in ``mode``."""
    outcome = Outcome()
    try:
        if mode == "complete_sync":
            outcome.response = (
                chat.resume_sync(target) if isinstance(target, Pause) else chat.complete_sync(target)
            )
        elif mode == "complete_async":
            if isinstance(target, Pause):
                outcome.response = asyncio.run(chat.resume(target))
            else:
                outcome.response = asyncio.run(chat.complete(target))
        elif mode == "stream_sync":
            stream = (
                chat.resume_stream_sync(target) if isinstance(target, Pause) else chat.stream_sync(target)
            )
            with stream:
                for event in stream:
                    outcome.events.append(event)
            outcome.response = stream.response
        elif mode == "stream_async":

            async def consume() -> None:
                stream = chat.resume_stream(target) if isinstance(target, Pause) else chat.stream(target)
                async with stream:
                    async for event in stream:
                        outcome.events.append(event)
                outcome.response = stream.response

            asyncio.run(consume())
        else:  # pragma: no cover
            raise AssertionError(mode)
    except Exception as exc:
        outcome.error = exc
    return outcome


def part_summary(part: Any) -> tuple[Any, ...]:
    if isinstance(part, TextPart):
        return ("text", part.text)
    if isinstance(part, ReasoningPart):
        return ("reasoning", part.text, part.signature, part.details)
    if isinstance(part, ToolPart):
        return ("tool", part.id, part.name, part.raw_arguments, str(part.status), part.result, part.error)
    if isinstance(part, StructuredPart):
        return ("structured", part.value)
    return ("other", repr(part))


def conversation(messages: Messages | None) -> list[tuple[str, list[tuple[Any, ...]]]]:
    return [(str(c.role), [part_summary(p) for p in c.parts]) for c in (messages or [])]


def content_summary(content: Content) -> tuple[str, list[tuple[Any, ...]]]:
    return (str(content.role), [part_summary(p) for p in content.parts])


def response_summary(response: ChatResponse | None) -> dict[str, Any] | None:
    if response is None:
        return None
    usage = response.usage
    return {
        "content": content_summary(response.content),
        "text": response.text,
        "finish_reason": response.finish_reason,
        "output": response.output,
        "usage": (
            usage.input_tokens,
            usage.output_tokens,
            usage.total_tokens,
            usage.reasoning_tokens,
            usage.cost,
        ),
        "steps": [content_summary(s.content) for s in response.steps],
        "pause": [p.id for p in response.pause.pending] if response.pause else None,
        "messages": conversation(response.messages),
    }


def event_summary(event: StreamEvent) -> tuple[Any, ...]:
    if isinstance(event, TextChunk):
        return ("text", event.text)
    if isinstance(event, ReasoningChunk):
        return ("reasoning", event.text)
    if isinstance(event, ToolCallChunk):
        return ("tool_call_chunk", event.index, event.id, event.name, event.arguments_delta)
    if isinstance(event, ToolCall):
        return ("tool_call", event.part.id, event.part.name)
    if isinstance(event, ToolResult):
        return ("tool_result", event.part.id, str(event.part.status), event.part.result, event.part.error)
    if isinstance(event, Structured):
        return ("structured", event.value)
    if isinstance(event, Paused):
        return ("paused", [p.id for p in event.pause.pending])
    if isinstance(event, Done):
        return ("done", event.response.text)
    return ("other", repr(event))


def error_summary(error: BaseException | None) -> tuple[str, str] | None:
    return None if error is None else (type(error).__name__, str(error))


def requests_summary(provider: ScriptedProvider) -> list[dict[str, Any]]:
    return [
        {
            "messages": conversation(r.messages),
            "tools": r.tool_names,
            "output": r.output,
            "options": r.options,
        }
        for r in provider.requests
    ]


def summary(outcome: Outcome, provider: ScriptedProvider) -> dict[str, Any]:
    """Everything observable about a run except the stream events (which only stream modes have)."""
    return {
        "response": response_summary(outcome.response),
        "error": error_summary(outcome.error),
        "requests": requests_summary(provider),
    }


@dataclass
class Scenario:
    """A chat, its scripted model, the conversation to start from, and (for approval scenarios) how a
    person decides the pause before the run is resumed."""

    chat: Chat
    provider: ScriptedProvider
    messages: Messages
    decide: Any = None  # Callable[[Pause], None] | None


def play(scenario: Scenario, mode: str) -> list[Outcome]:
    """Run the scenario in ``mode``; when it pauses and ``decide`` is set, decide and resume (same mode)."""
    outcomes = [drive(scenario.chat, mode, scenario.messages)]
    while scenario.decide is not None:
        last = outcomes[-1].response
        if last is None or last.pause is None:
            break
        scenario.decide(last.pause)
        outcomes.append(drive(scenario.chat, mode, last.pause))
    return outcomes


def full_summary(scenario: Scenario, outcomes: list[Outcome]) -> dict[str, Any]:
    return {
        "outcomes": [
            {"response": response_summary(o.response), "error": error_summary(o.error)} for o in outcomes
        ],
        "requests": requests_summary(scenario.provider),
    }
