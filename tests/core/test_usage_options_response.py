from __future__ import annotations

from decimal import Decimal

from chat_openrouter import ChatOptions, ChatResponse, Content, Reasoning, TextPart, ToolPart, Usage
from chat_openrouter.core.response import normalise_finish_reason


def test_usage_sum_keeps_cost_and_details() -> None:
    a = Usage(
        input_tokens=10,
        output_tokens=5,
        total_tokens=15,
        cost=0.001,
        cost_details={"upstream_inference_cost": 0.001},
    )
    b = Usage(input_tokens=1, output_tokens=2, total_tokens=3, cached_tokens=4, cost=0.002, is_byok=False)
    total = a + b
    assert (total.input_tokens, total.output_tokens, total.total_tokens, total.cached_tokens) == (
        11,
        7,
        18,
        4,
    )
    assert total.cost == Decimal("0.003")  # exact: Decimal costs
    assert total.cost_details == {"upstream_inference_cost": 0.001}
    assert total.is_byok is False


def test_usage_sum_with_unknown_cost_stays_known_part() -> None:
    assert (Usage(cost=None) + Usage(cost=0.5)).cost == 0.5
    assert (Usage() + Usage()).cost is None


def test_options_merge_override_wins_and_dicts_merge() -> None:
    base = ChatOptions(
        temperature=0.2, max_tokens=100, extra_body={"a": 1}, reasoning=Reasoning(effort="low")
    )
    merged = base.merged(ChatOptions(temperature=0.9, extra_body={"b": 2}))
    assert merged.temperature == 0.9 and merged.max_tokens == 100
    assert merged.extra_body == {"a": 1, "b": 2}
    assert merged.reasoning == Reasoning(effort="low")
    assert base.merged(None) is base


def test_reasoning_to_json_skips_unset_and_passes_a_deliberate_unknown_effort() -> None:
    # An effort newer than this library is sent as given when asked for; `allow_unknown` is never sent.
    assert Reasoning(effort="ultra-future", exclude=True, allow_unknown=True).to_json() == {
        "effort": "ultra-future",
        "exclude": True,
    }
    assert Reasoning().to_json() == {}


def test_finish_reason_normalisation() -> None:
    assert normalise_finish_reason("end_turn") == "stop"
    assert normalise_finish_reason("MAX_TOKENS") == "length"
    assert normalise_finish_reason("tool_calls") == "tool_calls"
    assert normalise_finish_reason("MALFORMED_FUNCTION_CALL") == "MALFORMED_FUNCTION_CALL"
    assert normalise_finish_reason(None) is None


def test_response_views() -> None:
    resp = ChatResponse(
        content=Content.model(
            TextPart("hi", annotations=[{"type": "url_citation"}]), ToolPart(id="1", name="f")
        ),
        id="gen-1",
    )
    assert resp.text == "hi" and resp.reasoning == ""
    assert [t.name for t in resp.tool_calls] == ["f"]
    assert resp.annotations == [{"type": "url_citation"}]
    assert resp.generation_id == "gen-1" and not resp.is_paused
