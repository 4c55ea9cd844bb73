"""Every inference answer the emulator gives validates against OpenRouter's spec; echoes follow real traffic.

Non-stream bodies are checked against ``ChatResult`` / ``OpenResponsesResult``, every streamed chunk against
``ChatStreamChunk`` and every Responses event against its ``StreamEvents`` member. Where real captures and
the spec disagree the emulator follows the capture; ``SPEC_GAPS`` lists those places and
``test_every_spec_gap_with_evidence_is_real`` proves each one against its capture.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from _spec import load_fixture, schema_errors, stream_event_errors
from chat_openrouter.testing.emulator import Emulator

from ._emu import (
    SPEC_GAPS,
    assert_events_valid,
    assert_spec_valid,
    chat_tools,
    parse_sse,
    raw_client,
    responses_tools,
    strict_emulator,
    user,
)

CHAT_CASES: list[tuple[str, dict[str, Any]]] = [
    ("emulator/echo", {}),
    ("emulator/tools", {"tools": chat_tools()}),
    ("emulator/reasoning", {"tools": chat_tools()}),
    ("emulator/json", {"response_format": {"type": "json_object"}}),
    ("emulator/echo", {"max_completion_tokens": 1}),
    ("emulator/midstream-error", {}),
    ("emulator/image-output", {"modalities": ["image", "text"], "image_config": {"aspect_ratio": "16:9"}}),
    (
        "emulator/audio-output",
        {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "mp3"}},
    ),
]
RESPONSES_CASES: list[tuple[str, dict[str, Any]]] = [
    ("emulator/echo", {}),
    ("emulator/tools", {"tools": responses_tools()}),
    ("emulator/reasoning", {"tools": responses_tools(), "reasoning": {"effort": "low", "summary": "auto"}}),
    ("emulator/json", {"text": {"format": {"type": "json_object"}}}),
    ("emulator/echo", {"max_output_tokens": 1}),
    ("emulator/midstream-error", {}),
    ("emulator/image-output", {"modalities": ["image", "text"]}),
]


def _ids(cases: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [f"{model}{'+' + ','.join(extra) if extra else ''}" for model, extra in cases]


@pytest.mark.parametrize(("model", "extra"), CHAT_CASES, ids=_ids(CHAT_CASES))
def test_every_chat_completions_answer_validates(model: str, extra: dict[str, Any]) -> None:
    body = {"model": model, "messages": user("Tell me about Paris, please."), **extra}
    with raw_client(strict_emulator()) as client:
        whole = client.post("/chat/completions", json=body)
        streamed = client.post("/chat/completions", json={**body, "stream": True})
    assert whole.status_code == streamed.status_code == 200
    assert_spec_valid(whole.json(), "ChatResult")
    chunks = parse_sse(streamed.content).data
    assert chunks
    for chunk in chunks:
        assert_spec_valid(chunk, "ChatStreamChunk")


@pytest.mark.parametrize(("model", "extra"), RESPONSES_CASES, ids=_ids(RESPONSES_CASES))
def test_every_responses_answer_and_event_validates(model: str, extra: dict[str, Any]) -> None:
    body = {"model": model, "input": "Tell me about Paris, please.", **extra}
    with raw_client(strict_emulator()) as client:
        whole = client.post("/responses", json=body)
        streamed = client.post("/responses", json={**body, "stream": True})
    assert whole.status_code == streamed.status_code == 200
    assert_spec_valid(whole.json(), "OpenResponsesResult")
    events = parse_sse(streamed.content).data
    assert events[-1]["type"] in ("response.completed", "response.incomplete", "response.failed")
    assert_events_valid(events)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


def test_chat_completion_carries_system_fingerprint_null_like_newer_captures() -> None:
    raw, _ = load_fixture("chat-nonstream-reasoning-effort-high.json")
    assert json.loads(raw)["system_fingerprint"] is None
    with raw_client(strict_emulator()) as client:
        body = client.post("/chat/completions", json={"model": "emulator/echo", "messages": user("x")}).json()
    assert body["system_fingerprint"] is None


# -- echoes --------------------------------------------------------------------------------------------------
def _responses_everywhere(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with raw_client(strict_emulator()) as client:
        whole = client.post("/responses", json=body).json()
        events = parse_sse(client.post("/responses", json={**body, "stream": True}).content).data
    return whole, [e["response"] for e in events if "response" in e]


def test_function_tools_are_echoed_with_strict_null_when_not_sent() -> None:
    tools = responses_tools()
    tools[1]["strict"] = True
    whole, snapshots = _responses_everywhere({"model": "emulator/echo", "input": "x", "tools": tools})
    # The capture's echo: {"type","name","description","parameters","strict": null} (responses-stream-tool-call).
    recorded = [
        json.loads(line[6:])
        for line in load_fixture("responses-stream-tool-call.sse")[0].decode().splitlines()
        if line.startswith("data: {")
    ]
    assert list(recorded[0]["response"]["tools"][0]) == [
        "type",
        "name",
        "description",
        "parameters",
        "strict",
    ]
    assert recorded[0]["response"]["tools"][0]["strict"] is None
    for echoed in [whole["tools"], *(s["tools"] for s in snapshots)]:
        assert [list(t) for t in echoed] == [["type", "name", "description", "parameters", "strict"]] * 2
        assert [t["strict"] for t in echoed] == [None, True]
        assert [t["name"] for t in echoed] == ["get_weather", "get_time"]
        assert echoed[0]["parameters"] == tools[0]["parameters"]


def test_the_whole_reasoning_object_is_echoed() -> None:
    sent = {"effort": "low", "summary": "concise", "max_tokens": 2048, "enabled": True}
    whole, snapshots = _responses_everywhere({"model": "emulator/reasoning", "input": "x", "reasoning": sent})
    created, *_, done = snapshots
    assert created["reasoning"] == sent  # while in progress: exactly what was sent
    assert done["reasoning"] == whole["reasoning"] == sent
    assert list(whole["reasoning"])[:2] == ["effort", "summary"]


def test_a_reasoning_model_reports_the_effort_it_used() -> None:
    whole, snapshots = _responses_everywhere(
        {"model": "emulator/reasoning", "input": "x", "reasoning": {"summary": "auto"}}
    )
    assert snapshots[0]["reasoning"] == {"summary": "auto"}
    assert whole["reasoning"] == snapshots[-1]["reasoning"] == {"effort": "medium", "summary": "auto"}


def test_no_reasoning_sent_to_a_plain_model_echoes_null() -> None:
    whole, snapshots = _responses_everywhere({"model": "emulator/echo", "input": "x"})
    assert whole["reasoning"] is None
    assert {json.dumps(s["reasoning"]) for s in snapshots} == {"null"}


# -- where the spec is wrong -----------------------------------------------------------------------------------
@pytest.mark.parametrize("gap", [g for g in SPEC_GAPS if g.evidence], ids=lambda g: g.evidence)
def test_every_spec_gap_with_evidence_is_real(gap: Any) -> None:
    """The capture a gap cites breaks the spec exactly there: the gap is OpenRouter's, not ours."""
    body, _ = load_fixture(gap.evidence)
    events = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: {")]
    errors = [e for event in events for e in stream_event_errors(event)]
    matching = [
        e
        for e in errors
        if gap.path.search(e.partition(": ")[0]) and gap.message.search(e.partition(": ")[2])
    ]
    assert matching, f"{gap.evidence} no longer disagrees with the spec: drop the gap ({gap.why})"


def test_the_capture_the_emulator_copies_validates_apart_from_the_known_gaps() -> None:
    body, _ = load_fixture("responses-stream-text.sse")
    events = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: {")]
    assert_events_valid(events)
    assert schema_errors(events[-1]["response"], "OpenResponsesResult") == []


def test_the_emulators_own_events_need_the_gap_too() -> None:
    # Without the gap the emulator's `response.created` would fail: it copies the capture, not the spec.
    with raw_client(Emulator()) as client:
        events = parse_sse(client.post("/responses", json={"input": "x", "stream": True}).content).data
    assert events[0]["type"] == "response.created"
    assert "response/usage: None is not of type 'object'" in stream_event_errors(events[0])
