"""Input rows and result lines: validation with clear errors, and the JSON shapes a result line has."""

from __future__ import annotations

import json

import pytest

from chat_openrouter import BadRequestError, ChatResponse, Reasoning, Usage
from chat_openrouter.batch import BatchInputError, parse_row
from chat_openrouter.batch._rows import error_info, error_record, result_record, row_key
from chat_openrouter.core.messages import Content
from chat_openrouter.core.parts import FilePart, TextPart


def test_prompt_row_becomes_one_user_turn_with_the_job_system_prompt() -> None:
    row = parse_row({"id": "a", "prompt": "Capital of France?"}, system="Be brief.")
    assert [c.role.value for c in row.messages] == ["system", "user"]
    assert row.messages[0].text == "Be brief." and row.messages[1].text == "Capital of France?"
    assert row.options is None and row.key == '"a"'


def test_messages_row_keeps_roles_and_parts_and_its_own_system_wins() -> None:
    row = parse_row(
        {
            "id": 7,
            "messages": [
                {"role": "developer", "content": "Answer in French."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Bonjour"},
                {"role": "user", "content": [{"type": "text", "text": "Describe"},
                                             {"type": "image_url", "image_url": {"url": "https://x.test/cat.png"}}]},
            ],
        },
        system="job system prompt",
    )
    assert [c.role.value for c in row.messages] == ["system", "user", "model", "user"]
    last = row.messages[-1]
    assert isinstance(last.parts[0], TextPart) and isinstance(last.parts[1], FilePart)
    assert row.key == "7" and row_key("7") != row.key


def test_row_options_and_model_become_chat_options() -> None:
    row = parse_row({"id": 1, "prompt": "x", "model": "openai/gpt-4o-mini",
                     "options": {"temperature": 0, "max_tokens": 20, "reasoning": {"effort": "low"}}})
    assert row.options is not None
    assert row.options.temperature == 0 and row.options.max_tokens == 20
    assert row.options.reasoning == Reasoning(effort="low")
    assert row.options.extra_body == {"model": "openai/gpt-4o-mini"}


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"prompt": "x"}, '"id"'),
        ({"id": True, "prompt": "x"}, '"id"'),
        ({"id": "", "prompt": "x"}, '"id"'),
        ({"id": 1}, "exactly one"),
        ({"id": 1, "prompt": "x", "messages": []}, "exactly one"),
        ({"id": 1, "prompt": "  "}, "non-empty"),
        ({"id": 1, "messages": [{"role": "tool", "content": "x"}]}, "role"),
        ({"id": 1, "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}, "last message"),
        ({"id": 1, "messages": [{"role": "user", "content": [{"type": "audio"}]}]}, "unsupported part"),
        ({"id": 1, "prompt": "x", "options": {"retries": 5}}, "unknown"),
        ({"id": 1, "prompt": "x", "options": {"reasoning": "high"}}, "reasoning"),
        ({"id": 1, "prompt": "x", "model": 3}, "model"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_bad_rows_raise_a_typed_error_naming_the_problem(raw: object, needle: str) -> None:
    with pytest.raises(BatchInputError) as caught:
        parse_row(raw, line=12)
    assert needle in str(caught.value) and "line 12" in str(caught.value)
    if isinstance(raw, dict) and type(raw.get("id")) is int:
        assert caught.value.row_id == 1


def test_null_valued_keys_count_as_absent() -> None:
    # Arrow fills struct fields missing from some rows with null: such rows must still parse.
    row = parse_row({"id": 1, "prompt": "hi", "messages": None, "system": None, "options": None, "model": None})
    assert row.messages[-1].text == "hi"


def test_result_and_error_records_have_the_documented_fields() -> None:
    response = ChatResponse(content=Content.model("Paris."), id="gen-1", model="m", provider="P",
                            usage=Usage(input_tokens=3, output_tokens=2, total_tokens=5, cost=0.001))
    record = result_record("q", response, {"a": 1}, 2)
    assert list(record) == ["id", "text", "output", "usage", "model", "provider", "generation_id", "attempts", "error"]
    assert record["usage"]["cost"] == 0.001 and record["error"] is None and record["attempts"] == 2
    error = BadRequestError("Provider returned error", status=400, code=400, generation_id="gen-2")
    failed = error_record("q", error, 1)
    assert failed["error"] == {"type": "BadRequestError", "status": 400, "code": 400,
                               "message": "Provider returned error", "retryable": False}
    assert failed["text"] is None and failed["generation_id"] == "gen-2"
    json.dumps(failed)
    assert error_info(ValueError())["message"] == "ValueError"
