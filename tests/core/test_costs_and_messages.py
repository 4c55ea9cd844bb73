"""Issue 14, "Why" 5: summed costs are exact and print without float noise (before: 0.00019700000000000002);
`response.messages` is always a Messages (before: Optional), per step too, and saves without repeating the
conversation once per step."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_openrouter import ChatBuilder, ChatResponse, Messages, Usage, messages, tool
from chat_openrouter.core.usage import as_cost
from chat_openrouter.testing import ScriptedProvider, call, reply


def test_summed_costs_print_the_digits_openrouter_sent() -> None:
    total = Usage(cost=0.000098) + Usage(cost=0.000099)
    assert total.cost == Decimal("0.000197")
    assert str(total.cost) == "0.000197" and f"{total.cost:f}" == "0.000197"
    assert (Usage(cost=0.1) + Usage(cost=0.2)).cost == Decimal("0.3")
    details = Usage(cost_details={"upstream_inference_cost": 0.1}) + Usage(cost_details={"upstream_inference_cost": 0.2})
    assert details.cost_details == {"upstream_inference_cost": 0.3}  # still a JSON number, summed exactly


@given(st.lists(st.decimals(min_value=0, max_value=10, places=7, allow_nan=False), max_size=30))
def test_any_costs_sum_exactly(costs: list[Decimal]) -> None:
    total = Usage()
    for cost in costs:
        total = total + Usage(cost=float(cost))  # as a wire decodes them: JSON numbers
    expected = sum((Decimal(repr(float(c))) for c in costs), Decimal(0)) if costs else None
    assert total.cost == expected


@pytest.mark.parametrize(
    ("value", "cost"),
    [
        (0.25, Decimal("0.25")),
        (0, Decimal(0)),
        ("0.001", Decimal("0.001")),
        (Decimal("1E-7"), Decimal("1E-7")),
        (float("nan"), None),
        (float("inf"), None),
        (None, None),
    ],
)
def test_as_cost(value: object, cost: Decimal | None) -> None:
    assert as_cost(value) == cost
    assert Usage(cost=value).cost == cost  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [True, "cheap", object()])
def test_a_cost_that_is_not_a_number_is_a_typeerror(bad: object) -> None:
    with pytest.raises(TypeError, match="a cost must be a number"):
        as_cost(bad)


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def _run() -> ChatResponse:
    model = ScriptedProvider([
        reply(tool_calls=[call("add", {"a": 1, "b": 2})], usage=Usage(cost=0.000098)),
        reply("3", usage=Usage(cost=0.000099)),
    ])  # fmt: skip
    return ChatBuilder().with_model(model).with_tools([add]).build().complete_sync(messages.from_user("1+2?"))


def test_a_runs_cost_and_each_steps_conversation() -> None:
    response = _run()
    assert response.usage.cost == Decimal("0.000197")
    assert isinstance(response.messages, Messages) and len(response.messages) == 3
    first, second = response.steps
    # Each step's conversation as it stood after that call: the run's own turn objects.
    assert list(first.messages) == list(response.messages[:2]) and first.messages[-1] is first.content
    assert second.messages == response.messages and second.messages is not response.messages


def test_a_saved_run_writes_the_conversation_once_and_loads_each_steps_back() -> None:
    response = _run()
    saved = json.loads(response.to_json())
    assert [step.get("messages_until") for step in saved["response"]["steps"]] == [2, 3]
    assert all("messages" not in step for step in saved["response"]["steps"])
    loaded = ChatResponse.from_json(saved)
    assert loaded == response
    assert loaded.steps[0].content is loaded.messages[1]  # one object again, as after the run
    assert json.loads(loaded.to_json()) == saved


def test_a_saved_cost_is_exact_text_and_json_outputs_are_numbers() -> None:
    response = _run()
    saved = json.loads(response.to_json())
    assert saved["response"]["usage"]["cost"] == "0.000197"
    from chat_openrouter.batch._rows import usage_info

    assert json.dumps(usage_info(response.usage)).count('"cost": 0.000197') == 1


def test_a_messages_until_out_of_range_is_a_decode_error() -> None:
    from chat_openrouter.errors import DecodeError

    saved = json.loads(_run().to_json())
    saved["response"]["steps"][0]["messages_until"] = 9
    with pytest.raises(DecodeError, match=r"steps\[0\]\.messages_until: 9 is not within the 3 turns"):
        ChatResponse.from_json(saved)


def test_an_empty_response_has_an_empty_conversation() -> None:
    assert ChatResponse().messages == Messages()
    assert ChatResponse.from_json(ChatResponse().to_json()).messages == Messages()
