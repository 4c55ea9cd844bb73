"""Cost everywhere: usage, cost, cost_details, is_byok and cached/cache-write/reasoning tokens survive every
path (non-stream and stream, both wires) and add up over a Chat engine tool loop. Recorded fixtures only."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from chat_openrouter import ChatResponse, messages
from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.tools import tool

from ._support import Recorder, Reply, builder

# fixture -> (wire, input, output, total, reasoning, cached, cache_write, cost, is_byok, model, provider)
CASES: dict[str, tuple[Any, ...]] = {
    "chat-nonstream-usage-include-deprecated.json": (
        "completions",
        17,
        2177,
        None,
        960,
        0,
        0,
        0.00435825,
        False,
        "openai/gpt-5-mini",
        "OpenAI",
    ),
    "chat-nonstream-prompt-cache-write.json": (
        "completions",
        3214,
        100,
        3314,
        0,
        0,
        3211,
        0.01355025,
        False,
        "anthropic/claude-4.6-sonnet-20260217",
        "Anthropic",
    ),
    "chat-nonstream-fallback-models-provider-only.json": (
        "completions",
        687,
        240,
        927,
        165,
        682,
        0,
        None,
        None,
        "x-ai/grok-4",
        "xAI",
    ),
    "chat-nonstream-reasoning-effort-high.json": (
        "completions",
        43,
        53,
        None,
        48,
        None,
        0,
        0.000924,
        False,
        "anthropic/claude-4.5-sonnet-20250929",
        "Amazon Bedrock",
    ),
    "chat-nonstream-advisor-server-tool.json": (
        "completions",
        900,
        69,
        None,
        0,
        None,
        0,
        0.0160614,
        None,
        "openai/gpt-4o-mini",
        "OpenAI",
    ),
    "chat-stream-server-tool-usage.sse": (
        "completions",
        8174,
        30,
        8204,
        None,
        0,
        0,
        0.0133176,
        False,
        "openai/gpt-4.1-mini",
        "OpenAI",
    ),
    "chat-stream-reasoning-anthropic-signature.sse": (
        "completions",
        43,
        36,
        79,
        13,
        0,
        0,
        0.000669,
        False,
        "anthropic/claude-sonnet-4.5",
        "Google",
    ),
    "chat-stream-tool-call.sse": (
        "completions",
        48,
        11,
        59,
        0,
        0,
        0,
        3.68e-05,
        False,
        "openai/gpt-4.1-mini",
        "OpenAI",
    ),
    "responses-nonstream-prompt-cache-write.json": (
        "responses",
        4020,
        5,
        4025,
        0,
        0,
        4012,
        0.025265,
        False,
        "openai/gpt-5.6-sol",
        None,
    ),
    "responses-stream-reasoning-encrypted.sse": (
        "responses",
        20,
        19,
        39,
        0,
        0,
        0,
        8.6e-06,
        False,
        "openai/gpt-5-nano",
        None,
    ),
    "responses-stream-text.sse": ("responses", 17, 4, 21, 0, 0, 0, 8.25e-05, False, "openai/gpt-4o", None),
    "responses-stream-tool-call.sse": (
        "responses",
        42,
        12,
        54,
        0,
        0,
        0,
        3.6e-05,
        False,
        "openai/gpt-4.1-mini",
        None,
    ),
}


def _call(name: str, wire: str) -> ChatResponse:
    client = builder(Recorder([Reply.fixture(name)]), wire=wire).build()
    msgs = messages.from_user("Hi")
    if name.endswith(".sse"):
        return client.stream_sync(msgs).final_response()
    return client.complete_sync(msgs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_usage_and_cost_on_every_path(name: str) -> None:
    wire, inp, out, total, reasoning, cached, cache_write, cost, is_byok, model, provider = CASES[name]
    response = _call(name, wire)
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens) == (inp, out)
    assert usage.total_tokens == (total if total is not None else usage.total_tokens) > 0
    if reasoning is not None:
        assert usage.reasoning_tokens == reasoning
    if cached is not None:
        assert usage.cached_tokens == cached
    assert usage.cache_write_tokens == cache_write
    assert usage.cost == (None if cost is None else Decimal(repr(cost)))  # exact: the digits sent
    assert usage.is_byok is is_byok
    assert usage.raw, "the wire's usage object is kept verbatim"
    assert (response.model, response.provider) == (model, provider)
    assert response.id is not None
    assert response.id.startswith("gen-")


def test_cost_details_are_kept_verbatim_on_both_wires() -> None:
    chat = _call("chat-nonstream-prompt-cache-write.json", "completions").usage
    assert chat.cost_details == {
        "upstream_inference_completions_cost": 0.0015,
        "upstream_inference_cost": 0.01355025,
        "upstream_inference_prompt_cost": 0.01205025,
    }
    responses = _call("responses-nonstream-prompt-cache-write.json", "responses").usage
    assert responses.cost_details == {
        "upstream_inference_cost": 0.025265,
        "upstream_inference_input_cost": 0.025115,
        "upstream_inference_output_cost": 0.00015,
    }
    streamed = _call("responses-stream-text.sse", "responses").usage
    assert streamed.cost_details["upstream_inference_output_cost"] == 4e-05


@tool
def get_color() -> str:
    """Get a color name."""
    return "orange"


@tool
def llm_version() -> str:
    """Return the installed version of llm."""
    return "0.27"


def test_cost_is_summed_over_a_tool_loop_completions() -> None:
    recorder = Recorder(
        [
            Reply.fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json"),
            Reply.fixture("chat-nonstream-tool-call-reasoning-roundtrip-turn2.json"),
        ]
    )
    chat = (
        ChatBuilder()
        .with_model(builder(recorder, wire="completions").build())
        .with_tools([get_color])
        .build()
    )
    response = chat.complete_sync(messages.from_user("Use get_color tool to get a color."))
    assert response.text == "The color is: orange."
    assert len(response.steps) == 2
    assert response.usage.cost == Decimal("0.00247")  # 0.001125 + 0.001345, exactly
    assert (response.usage.input_tokens, response.usage.output_tokens) == (386 + 530, 80 + 10)
    assert response.usage.reasoning_tokens == 64
    assert response.usage.cost_details["upstream_inference_cost"] == pytest.approx(0.001125 + 0.001345)
    assert [s.usage.cost for s in response.steps] == [Decimal("0.001125"), Decimal("0.001345")]


@pytest.mark.parametrize(
    ("wire", "first", "second", "costs"),
    [
        (
            "completions",
            "chat-stream-tool-call.sse",
            "chat-stream-tool-result-followup.sse",
            (3.68e-05, 5.16e-05),
        ),
        ("responses", "responses-stream-tool-call.sse", "responses-stream-text.sse", (3.6e-05, 8.25e-05)),
    ],
)
def test_cost_is_summed_over_a_streamed_tool_loop(
    wire: str, first: str, second: str, costs: tuple[float, float]
) -> None:
    recorder = Recorder([Reply.fixture(first), Reply.fixture(second)])
    chat = ChatBuilder().with_model(builder(recorder, wire=wire).build()).with_tools([llm_version]).build()

    async def run() -> ChatResponse:
        stream = chat.stream(messages.from_user("What version of llm?"))
        return await stream.final_response()

    response = asyncio.run(run())
    assert len(response.steps) == 2
    assert len(recorder.posts) == 2
    assert response.usage.cost == sum(Decimal(repr(c)) for c in costs)  # exact
    assert response.usage.is_byok is False
