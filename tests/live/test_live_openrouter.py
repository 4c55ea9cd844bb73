"""Live checks against openrouter.ai. Opt-in only: `OPENROUTER_API_KEY=... python -m pytest -m live`."""

from __future__ import annotations

import asyncio
import os

import pytest

from chat_openrouter import Done, OpenRouterBuilder, messages

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("OPENROUTER_API_KEY"), reason="needs OPENROUTER_API_KEY"),
]

MODEL = os.environ.get("CHAT_OPENROUTER_LIVE_MODEL", "openai/gpt-4o-mini")


@pytest.mark.parametrize("completions", [False, True], ids=["responses", "completions"])
def test_live_complete_reports_text_usage_and_cost(completions: bool) -> None:
    builder = OpenRouterBuilder().with_model(MODEL)
    client = (builder.with_completions() if completions else builder).build()
    response = client.complete_sync(messages.from_user("Reply with the single word: pong"))
    assert "pong" in response.text.lower()
    assert response.usage.total_tokens > 0
    assert response.usage.cost is not None
    assert response.id and response.id.startswith("gen-")


@pytest.mark.parametrize("completions", [False, True], ids=["responses", "completions"])
def test_live_stream_ends_with_done(completions: bool) -> None:
    builder = OpenRouterBuilder().with_model(MODEL)
    client = (builder.with_completions() if completions else builder).build()

    async def run() -> list[object]:
        return [event async for event in client.stream(messages.from_user("Count to three."))]

    events = asyncio.run(run())
    assert isinstance(events[-1], Done)
    assert events[-1].response.text
