"""The emulator speaks OpenRouter's real wire: shapes, ids, SSE framing, errors (raw HTTP, no client code).

Every emulator here validates the request bodies it receives against the OpenAPI spec, so these tests
also prove the bodies they send are spec-valid requests.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from chat_openrouter.testing.emulator import BUILTIN_MODELS, Emulator, Fault

from ._emu import (
    KEY,
    WEATHER_SCHEMA,
    chat_tools,
    parse_sse,
    raw_client,
    responses_tools,
    strict_emulator,
    user,
)

PRICES = {m.id: (Decimal(m.prompt_price), Decimal(m.completion_price)) for m in BUILTIN_MODELS}


def _expected_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    prompt, completion = PRICES[model]
    return float(prompt * prompt_tokens + completion * completion_tokens)


# -- Chat Completions ------------------------------------------------------------------------------------
def test_chat_nonstream_echo_has_openrouter_shape() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions", json={"model": "emulator/echo", "messages": user("Hello, world!")}
        )
    assert r.status_code == 200
    body = r.json()
    assert r.headers["x-generation-id"] == body["id"]
    assert body["id"].startswith("gen-1767225600-")
    assert len(body["id"].split("-")[2]) == 20
    assert body["object"] == "chat.completion"
    assert body["provider"] == "Emulator"
    assert body["model"] == "emulator/echo"
    choice = body["choices"][0]
    assert choice["message"]["content"] == "Hello, world!"
    assert (choice["finish_reason"], choice["native_finish_reason"]) == ("stop", "stop")
    usage = body["usage"]
    assert usage["completion_tokens"] == 4  # "Hello" "," "world" "!"
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["cost"] == _expected_cost(
        "emulator/echo", usage["prompt_tokens"], usage["completion_tokens"]
    )
    assert usage["is_byok"] is False
    assert usage["cost_details"]["upstream_inference_cost"] == usage["cost"]


def test_chat_stream_framing_matches_real_traffic() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions",
            json={"model": "emulator/echo", "stream": True, "messages": user("one two three")},
        )
    assert r.headers["content-type"].startswith("text/event-stream")
    sse = parse_sse(r.content)
    assert sse.order[0] == "comment"
    assert sse.comments[0] == ": OPENROUTER PROCESSING"
    assert sse.order[-1] == "done"
    assert sse.done
    assert sse.field_names == {"data"}  # never `event:` or `id:` lines (reference §5.1)
    chunks = sse.data
    assert {c["id"] for c in chunks} == {r.headers["x-generation-id"]}
    assert list(chunks[0]) == ["id", "object", "created", "model", "provider", "choices"]  # 2026 layout
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "one two three"
    finish = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert [f["choices"][0]["finish_reason"] for f in finish] == ["stop"]
    last = chunks[-1]
    assert last["choices"] == []
    assert last["usage"]["cost"] > 0
    assert "cost_details" in last["usage"]


def test_chat_tools_model_calls_every_tool_with_schema_valid_arguments_then_answers() -> None:
    emulator = strict_emulator()
    messages: list[dict[str, Any]] = user("Weather and time in Paris?")
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions", json={"model": "emulator/tools", "messages": messages, "tools": chat_tools()}
        )
        choice = r.json()["choices"][0]
        assert choice["finish_reason"] == "tool_calls"
        calls = choice["message"]["tool_calls"]
        assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
        weather_args = json.loads(calls[0]["function"]["arguments"])
        jsonschema.validate(weather_args, WEATHER_SCHEMA)
        assert weather_args == {"city": "Paris", "unit": "celsius", "days": 7}  # 42 clamped to the maximum
        assert all(c["id"].startswith("call_") for c in calls)
        messages = [
            *messages,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": c["id"], "type": "function", "function": c["function"]} for c in calls],
            },
            {"role": "tool", "tool_call_id": calls[0]["id"], "content": "sunny"},
            {"role": "tool", "tool_call_id": calls[1]["id"], "content": "noon"},
        ]
        r = client.post(
            "/chat/completions", json={"model": "emulator/tools", "messages": messages, "tools": chat_tools()}
        )
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == "Based on the tools: get_weather: sunny; get_time: noon"


def test_chat_stream_tool_call_deltas_are_keyed_by_index() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions",
            json={"model": "emulator/tools", "stream": True, "messages": user("go"), "tools": chat_tools()},
        )
    chunks = [c for c in parse_sse(r.content).data if c["choices"]]
    by_index: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for delta in chunk["choices"][0]["delta"].get("tool_calls") or []:
            entry = by_index.setdefault(delta["index"], {"name": "", "arguments": ""})
            if "id" in delta:
                assert delta["function"]["arguments"] == ""  # first fragment: id + name, empty arguments
                entry["name"] = delta["function"]["name"]
            entry["arguments"] += delta["function"]["arguments"]
    assert [v["name"] for v in by_index.values()] == ["get_weather", "get_time"]
    jsonschema.validate(json.loads(by_index[0]["arguments"]), WEATHER_SCHEMA)
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_parallel_tool_calls_false_calls_one_tool_per_turn() -> None:
    emulator = strict_emulator()
    body: dict[str, Any] = {
        "model": "emulator/tools",
        "messages": user("go"),
        "tools": chat_tools(),
        "parallel_tool_calls": False,
    }
    with raw_client(emulator) as client:
        first = client.post("/chat/completions", json=body).json()["choices"][0]["message"]["tool_calls"]
        body["messages"] = [
            *body["messages"],
            {"role": "assistant", "content": None, "tool_calls": first},
            {"role": "tool", "tool_call_id": first[0]["id"], "content": "sunny"},
        ]
        second = client.post("/chat/completions", json=body).json()["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in first] == ["get_weather"]
    assert [c["function"]["name"] for c in second] == ["get_time"]


def test_tool_choice_none_and_named_function() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        none = client.post(
            "/chat/completions",
            json={
                "model": "emulator/tools",
                "messages": user("hi"),
                "tools": chat_tools(),
                "tool_choice": "none",
            },
        ).json()
        named = client.post(
            "/chat/completions",
            json={
                "model": "emulator/tools",
                "messages": user("hi"),
                "tools": chat_tools(),
                "tool_choice": {"type": "function", "function": {"name": "get_time"}},
            },
        ).json()
    assert none["choices"][0]["message"]["content"] == "hi"
    assert [c["function"]["name"] for c in named["choices"][0]["message"]["tool_calls"]] == ["get_time"]


def test_json_model_answers_valid_json_for_the_schema_on_both_wires() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        chat = client.post(
            "/chat/completions",
            json={
                "model": "emulator/json",
                "messages": user("weather please"),
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "weather", "schema": WEATHER_SCHEMA, "strict": True},
                },
            },
        ).json()
        resp = client.post(
            "/responses",
            json={
                "model": "emulator/json",
                "input": "weather please",
                "text": {
                    "format": {
                        "type": "json_schema",
                        "name": "weather",
                        "schema": WEATHER_SCHEMA,
                        "strict": True,
                    }
                },
            },
        ).json()
    chat_value = json.loads(chat["choices"][0]["message"]["content"])
    resp_value = json.loads(resp["output"][0]["content"][0]["text"])
    jsonschema.validate(chat_value, WEATHER_SCHEMA)
    assert resp_value == chat_value


def test_max_tokens_truncates_with_length_finish() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        chat = client.post(
            "/chat/completions",
            json={"model": "emulator/echo", "messages": user("a b c d e f"), "max_completion_tokens": 3},
        ).json()
        resp = client.post(
            "/responses",
            json={"model": "emulator/echo", "input": "a b c d e f", "max_output_tokens": 3, "stream": True},
        )
    assert chat["choices"][0]["message"]["content"] == "a b c"
    assert chat["choices"][0]["finish_reason"] == "length"
    final = parse_sse(resp.content).data[-1]
    assert final["type"] == "response.incomplete"
    assert final["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


# -- Responses API --------------------------------------------------------------------------------------
def test_responses_stream_event_sequence() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/responses",
            json={
                "model": "emulator/echo",
                "input": [{"role": "user", "content": "Skipper or Sundance"}],
                "stream": True,
            },
        )
    sse = parse_sse(r.content)
    assert sse.order[0] == "comment"
    assert sse.done
    assert sse.field_names == {"data"}
    types = [e["type"] for e in sse.data]
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e["sequence_number"] for e in sse.data] == list(range(len(types)))
    created, completed = sse.data[0]["response"], sse.data[-1]["response"]
    assert created["id"] == completed["id"] == r.headers["x-generation-id"]
    assert created["status"] == "in_progress"
    assert created["usage"] is None
    assert (completed["store"], completed["previous_response_id"]) == (False, None)
    assert completed["output"][0]["id"].startswith("msg_tmp_")
    assert completed["output"][0]["content"][0]["text"] == "Skipper or Sundance"
    usage = completed["usage"]
    assert usage["cost"] == _expected_cost("emulator/echo", usage["input_tokens"], usage["output_tokens"])


def test_responses_tools_loop_with_function_call_items() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        first = client.post(
            "/responses", json={"model": "emulator/tools", "input": "weather?", "tools": responses_tools()}
        ).json()
        calls = [item for item in first["output"] if item["type"] == "function_call"]
        assert [c["name"] for c in calls] == ["get_weather", "get_time"]
        assert all(c["id"].startswith("fc_tmp_") and c["call_id"].startswith("call_") for c in calls)
        history = [{"role": "user", "content": "weather?"}]
        history += [
            {
                "type": "function_call",
                "call_id": c["call_id"],
                "name": c["name"],
                "arguments": c["arguments"],
                "id": c["id"],
            }
            for c in calls
        ]
        history += [
            {"type": "function_call_output", "call_id": calls[0]["call_id"], "output": "21C"},
            {"type": "function_call_output", "call_id": calls[1]["call_id"], "output": "09:00"},
        ]
        second = client.post(
            "/responses",
            json={"model": "emulator/tools", "input": history, "tools": responses_tools(), "stream": True},
        )
    final = parse_sse(second.content).data[-1]["response"]
    assert final["output"][0]["content"][0]["text"] == "Based on the tools: get_weather: 21C; get_time: 09:00"


def test_responses_stream_function_call_events() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/responses",
            json={"model": "emulator/tools", "input": "go", "tools": responses_tools()[:1], "stream": True},
        )
    events = parse_sse(r.content).data
    kinds = [e["type"] for e in events]
    assert kinds[2:] == [
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    added, done = events[2]["item"], events[-2]["item"]
    assert (added["arguments"], added["status"]) == ("", "in_progress")
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta")
    assert deltas == done["arguments"] == events[-3]["arguments"]


@pytest.mark.parametrize(("field", "value"), [("previous_response_id", "gen-1-abc"), ("store", True)])
def test_responses_rejects_stateful_fields(field: str, value: Any) -> None:
    emulator = Emulator()
    with raw_client(emulator) as client:
        r = client.post("/responses", json={"model": "emulator/echo", "input": "hi", field: value})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 400
    assert field.split("_")[0] in error["message"]


# -- reasoning ------------------------------------------------------------------------------------------
def _chat_reasoning_turns(client: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    messages = user("Weather in Paris?")
    first = client.post(
        "/chat/completions",
        json={
            "model": "emulator/reasoning",
            "messages": messages,
            "tools": chat_tools()[:1],
            "reasoning": {"effort": "high"},
        },
    ).json()
    message = first["choices"][0]["message"]
    return message, messages


def test_chat_reasoning_has_signed_details_and_replay_is_checked() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        message, history = _chat_reasoning_turns(client)
        details = message["reasoning_details"]
        assert message["reasoning"] == details[0]["text"]
        assert details[0]["signature"]
        assert details[0]["type"] == "reasoning.text"
        assert details[0]["format"] == "anthropic-claude-v1"
        call = message["tool_calls"][0]
        tool_result = {"role": "tool", "tool_call_id": call["id"], "content": "sunny"}

        def follow_up(assistant: dict[str, Any]) -> Any:
            return client.post(
                "/chat/completions",
                json={
                    "model": "emulator/reasoning",
                    "tools": chat_tools()[:1],
                    "messages": [*history, assistant, tool_result],
                },
            )

        verbatim = {
            "role": "assistant",
            "content": "",
            "tool_calls": message["tool_calls"],
            "reasoning": message["reasoning"],
            "reasoning_details": details,
        }
        ok = follow_up(verbatim)
        dropped = follow_up(
            {k: v for k, v in verbatim.items() if k not in ("reasoning", "reasoning_details")}
        )
        altered = follow_up(
            {**verbatim, "reasoning_details": [{**details[0], "text": details[0]["text"] + "!"}]}
        )
    assert ok.status_code == 200
    assert ok.json()["choices"][0]["message"]["content"] == "Based on get_weather: sunny"
    assert dropped.status_code == 400
    assert "reasoning details to be preserved" in dropped.json()["error"]["metadata"]["raw"]
    assert altered.status_code == 400
    assert "signature" in altered.json()["error"]["metadata"]["raw"]


def test_chat_streamed_reasoning_replayed_fragment_by_fragment_is_accepted() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions",
            json={
                "model": "emulator/reasoning",
                "messages": user("hi"),
                "tools": chat_tools()[:1],
                "stream": True,
            },
        )
        chunks = [c for c in parse_sse(r.content).data if c["choices"]]
        details = [d for c in chunks for d in c["choices"][0]["delta"].get("reasoning_details") or []]
        assert "signature" in details[-1]
        assert "text" not in details[-1]
        call = next(d for c in chunks for d in c["choices"][0]["delta"].get("tool_calls") or [] if "id" in d)
        arguments = "".join(
            d["function"]["arguments"]
            for c in chunks
            for d in c["choices"][0]["delta"].get("tool_calls") or []
        )
        assistant = {
            "role": "assistant",
            "content": "",
            "reasoning_details": details,
            "tool_calls": [
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": arguments},
                }
            ],
        }
        follow = client.post(
            "/chat/completions",
            json={
                "model": "emulator/reasoning",
                "tools": chat_tools()[:1],
                "messages": [
                    *user("hi"),
                    assistant,
                    {"role": "tool", "tool_call_id": call["id"], "content": "ok"},
                ],
            },
        )
    assert follow.status_code == 200, follow.text


def test_responses_reasoning_item_has_summary_and_encrypted_content() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/responses",
            json={
                "model": "emulator/reasoning",
                "input": "Weather?",
                "tools": responses_tools()[:1],
                "reasoning": {"effort": "low", "summary": "auto"},
                "stream": True,
                "include": ["reasoning.encrypted_content"],
            },
        )
        events = parse_sse(r.content).data
        kinds = [e["type"] for e in events]
        assert kinds[2:8] == [
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
        ]
        output = events[-1]["response"]["output"]
        reasoning, call = output[0], output[1]
        assert reasoning["type"] == "reasoning"
        assert reasoning["id"].startswith("rs_tmp_")
        summary = reasoning["summary"][0]["text"]
        assert summary == "".join(
            e["delta"] for e in events if e["type"] == "response.reasoning_summary_text.delta"
        )
        assert reasoning["encrypted_content"].count(".") == 1  # OpenRouter's ".<endpoint slug>" suffix

        def follow_up(items: list[dict[str, Any]]) -> Any:
            return client.post(
                "/responses",
                json={
                    "model": "emulator/reasoning",
                    "tools": responses_tools()[:1],
                    "input": [
                        {"role": "user", "content": "Weather?"},
                        *items,
                        {"type": "function_call_output", "call_id": call["call_id"], "output": "rain"},
                    ],
                },
            )

        call_item = {k: call[k] for k in ("type", "id", "call_id", "name", "arguments")}
        replay = {k: reasoning[k] for k in ("type", "id", "summary", "encrypted_content")}
        ok = follow_up([replay, call_item])
        dropped = follow_up([call_item])
        tampered = follow_up(
            [{**replay, "encrypted_content": "x" + reasoning["encrypted_content"]}, call_item]
        )
    assert ok.status_code == 200
    assert ok.json()["output"][-1]["content"][0]["text"] == "Based on get_weather: rain"
    assert (dropped.status_code, tampered.status_code) == (400, 400)


def test_reasoning_exclude_hides_reasoning_but_bills_it() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        body = client.post(
            "/chat/completions",
            json={"model": "emulator/reasoning", "messages": user("hi"), "reasoning": {"exclude": True}},
        ).json()
    message = body["choices"][0]["message"]
    assert message["reasoning"] is None
    assert "reasoning_details" not in message
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


# -- errors and faults ----------------------------------------------------------------------------------
def test_missing_or_unknown_key_is_401() -> None:
    emulator = Emulator(api_keys={KEY})
    with raw_client(emulator, key=None) as anonymous, raw_client(emulator, key="sk-or-v1-other") as stranger:
        missing = anonymous.post("/chat/completions", json={"model": "emulator/echo", "messages": user("x")})
        unknown = stranger.post("/responses", json={"model": "emulator/echo", "input": "x"})
    assert missing.status_code == 401
    assert missing.json() == {"error": {"code": 401, "message": "No auth credentials found"}}
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "User not found."


def test_unknown_model_is_400_with_availability() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post("/chat/completions", json={"model": "acme/fake-1.0", "messages": user("x")})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 400
    assert error["message"] == "acme/fake-1.0 is not a valid model ID"
    assert error["availability"]["code"] == "model_not_found"


def test_validator_rejects_what_the_spec_rejects() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions", json={"model": "emulator/echo", "messages": user("x"), "temperature": "hot"}
        )
    assert r.status_code == 400
    assert "temperature" in r.json()["error"]["message"]


def test_wire_shape_mixups_are_rejected() -> None:
    emulator = Emulator()
    with raw_client(emulator) as client:
        flat_tool = client.post(
            "/chat/completions",
            json={"model": "emulator/tools", "messages": user("x"), "tools": responses_tools()},
        )
        messages_on_responses = client.post(
            "/responses", json={"model": "emulator/echo", "messages": user("x")}
        )
        orphan = client.post(
            "/chat/completions",
            json={
                "model": "emulator/echo",
                "messages": [*user("x"), {"role": "tool", "tool_call_id": "call_missing", "content": "?"}],
            },
        )
        not_json = client.post(
            "/chat/completions", content=b"{nope", headers={"content-type": "application/json"}
        )
    assert [r.status_code for r in (flat_tool, messages_on_responses, orphan, not_json)] == [
        400,
        400,
        400,
        400,
    ]


def test_rate_limit_model_fails_once_per_conversation_with_retry_after() -> None:
    emulator = strict_emulator(retry_after=0.05)
    body = {"model": "emulator/rate-limit", "messages": user("again")}
    with raw_client(emulator) as client:
        statuses = [client.post("/chat/completions", json=body) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 200, 429]
    limited = statuses[0]
    assert limited.headers["retry-after"] == "0.05"
    assert limited.json()["error"]["code"] == 429
    assert limited.json()["error"]["metadata"]["error_type"] == "rate_limit_exceeded"
    assert statuses[1].json()["choices"][0]["message"]["content"] == "again"


def test_fault_header_any_status_and_times() -> None:
    emulator = strict_emulator()
    body = {"model": "emulator/echo", "input": "x"}
    with raw_client(emulator) as client:
        twice = [
            client.post(
                "/responses", json=body, headers={"X-Emulator-Fault": "error-503;times=2"}
            ).status_code
            for _ in range(3)
        ]
        always = [
            client.post("/responses", json=body, headers={"X-Emulator-Fault": "error-502"}).status_code
            for _ in range(2)
        ]
        bad = client.post("/responses", json=body, headers={"X-Emulator-Fault": "gremlins"})
    assert twice == [503, 503, 200]
    assert always == [502, 502]
    assert bad.status_code == 400
    assert "unknown fault" in bad.json()["error"]["message"]


def test_fallback_models_answer_when_the_primary_fails() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions",
            json={"model": "emulator/error-500", "models": ["emulator/echo"], "messages": user("still here")},
        )
    body = r.json()
    assert r.status_code == 200
    assert body["model"] == "emulator/echo"
    assert body["choices"][0]["message"]["content"] == "still here"


def test_error_500_model_always_fails() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        responses = [
            client.post("/chat/completions", json={"model": "emulator/error-500", "messages": user("x")})
            for _ in range(2)
        ]
    assert [r.status_code for r in responses] == [500, 500]
    assert responses[0].json()["error"] == {
        "code": 500,
        "message": "Internal Server Error",
        "metadata": {"error_type": "server", "provider_name": "Emulator"},
    }


def test_midstream_error_on_both_wires() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        chat = client.post(
            "/chat/completions",
            json={
                "model": "emulator/midstream-error",
                "stream": True,
                "messages": user("one two three four"),
            },
        )
        resp = client.post(
            "/responses",
            json={"model": "emulator/midstream-error", "stream": True, "input": "one two three four"},
        )
        chat_whole = client.post(
            "/chat/completions",
            json={"model": "emulator/midstream-error", "messages": user("one two three four")},
        ).json()
        resp_whole = client.post(
            "/responses", json={"model": "emulator/midstream-error", "input": "one two"}
        ).json()
    chunks = parse_sse(chat.content).data
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "one two"
    assert chunks[-1]["error"]["code"] == 502
    assert chunks[-1]["choices"][0]["finish_reason"] == "error"
    last = parse_sse(resp.content).data[-1]
    assert last["type"] == "response.failed"
    assert last["response"]["error"]["code"] == "server_error"
    assert last["response"]["error_type"] == "provider_unavailable"
    assert chat_whole["choices"][0]["finish_reason"] == "error"
    assert chat_whole["choices"][0]["error"]["code"] == 502
    assert resp_whole["status"] == "failed"
    assert resp_whole["error"]["code"] == "server_error"


def test_disconnect_fault_ends_the_stream_without_finish_or_done() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = client.post(
            "/chat/completions",
            json={"model": "emulator/echo", "stream": True, "messages": user("a b c d")},
            headers={"X-Emulator-Fault": "disconnect"},
        )
    sse = parse_sse(r.content)
    assert not sse.done
    assert all(c["choices"][0]["finish_reason"] is None for c in sse.data)


def test_slow_start_sends_keepalive_comments_before_the_first_chunk() -> None:
    emulator = strict_emulator(keepalive_interval=0.01)
    with raw_client(emulator) as client:
        r = client.post(
            "/responses",
            json={"model": "emulator/echo", "input": "x", "stream": True},
            headers={"X-Emulator-Start-Delay": "0.05"},
        )
    sse = parse_sse(r.content)
    first_data = sse.order.index("data")
    assert first_data >= 3
    assert set(sse.order[:first_data]) == {"comment"}


def test_fault_parse() -> None:
    assert Fault.parse("rate-limit") == Fault("error", 429, 1)
    assert Fault.parse("Error-504; times=always") == Fault("error", 504, None)
    assert Fault.parse("slow;times=2") == Fault("slow", None, 2)


# -- catalog and account --------------------------------------------------------------------------------
def test_models_catalog_shape_and_filters() -> None:
    emulator = Emulator()
    with raw_client(emulator, key=None) as client:  # the catalog is public
        everything = client.get("/models").json()["data"]
        with_tools = client.get("/models", params={"supported_parameters": "tools,reasoning"}).json()["data"]
    assert [m["id"] for m in everything] == [m.id for m in BUILTIN_MODELS]
    echo = everything[0]
    assert echo["pricing"]["prompt"] == "0.0000001"
    assert isinstance(echo["pricing"]["completion"], str)
    assert echo["context_length"] == 131072
    assert echo["architecture"]["output_modalities"] == ["text"]
    assert [m["id"] for m in with_tools] == ["emulator/reasoning"]
    assert "structured_outputs" in with_tools[0]["supported_parameters"]


def test_generation_key_and_credits() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        gen_id = client.post(
            "/chat/completions", json={"model": "emulator/echo", "messages": user("x y z"), "stream": True}
        ).headers["x-generation-id"]
        record = client.get("/generation", params={"id": gen_id})
        missing = client.get("/generation", params={"id": "gen-0-nothing"})
        key = client.get("/key").json()["data"]
        credits = client.get("/credits").json()["data"]
    data = record.json()["data"]
    assert data["id"] == gen_id
    assert data["streamed"] is True
    assert data["model"] == "emulator/echo"
    assert data["tokens_completion"] == 3
    assert data["total_cost"] == emulator.total_cost > 0
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404
    assert key["usage"] == emulator.total_cost
    assert key["label"] == "sk-or-v1-te...789"
    assert credits == {"total_credits": 10.0, "total_usage": emulator.total_cost}


@pytest.mark.parametrize("base", ["http://emulator.test", "http://emulator.test/api/v1"])
def test_mounted_at_root_and_under_api_v1(base: str) -> None:
    with raw_client(Emulator(), base=base) as client:
        assert client.get("/models").status_code == 200
        assert client.get("/nowhere").status_code == 404
        assert client.get("/chat/completions").status_code == 405


def test_same_seed_same_ids_and_recorded_requests() -> None:
    def run() -> tuple[list[str], Emulator]:
        emulator = Emulator(seed=7, clock=lambda: 1000)
        with raw_client(emulator) as client:
            ids = [
                client.post(
                    "/chat/completions", json={"model": "emulator/echo", "messages": user(str(i))}
                ).json()["id"]
                for i in range(2)
            ]
        return ids, emulator

    (first, emulator), (second, _) = run(), run()
    assert first == second
    assert first[0] != first[1]
    recorded = emulator.requests
    assert [r.body["messages"][0]["content"] for r in recorded] == ["0", "1"]
    assert recorded[0].headers["authorization"] == "Bearer ***"
    assert recorded[0].generation_id == first[0]
    emulator.reset()
    assert emulator.requests == []
    assert emulator.total_cost == 0


def test_aliases_serve_real_model_ids() -> None:
    emulator = Emulator(aliases={"openai/gpt-4o": "emulator/tools"})
    with raw_client(emulator) as client:
        body = client.post(
            "/chat/completions",
            json={"model": "openai/gpt-4o", "messages": user("x"), "tools": chat_tools()[:1]},
        ).json()
    assert body["model"] == "openai/gpt-4o"
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
