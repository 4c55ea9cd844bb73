"""Chat Completions codec, read side: non-stream bodies and the streaming state, on hand-written payloads.

Real recorded traffic is replayed through the client in ``test_completions_fixtures.py``; these tests pin
the edge cases the reference (§4, §5) warns about, one at a time.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from chat_openrouter.core.events import ReasoningChunk, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from chat_openrouter.core.parts import FilePart, ReasoningPart, TextPart, ToolPart
from chat_openrouter.errors import DecodeError, IncompleteStreamError, StreamError
from chat_openrouter.wire.completions.codec import CompletionsStreamState, decode_response, decode_usage

# -- non-stream -----------------------------------------------------------------------------------------


def body(message: dict[str, Any], **top: Any) -> dict[str, Any]:
    choice = {"index": 0, "finish_reason": top.pop("finish_reason", "stop"), "message": message}
    if "native_finish_reason" in top:
        choice["native_finish_reason"] = top.pop("native_finish_reason")
    return {"id": "gen-1", "model": "m/x", "choices": [choice], **top}


def test_text_response_fields() -> None:
    r = decode_response(
        body(
            {"role": "assistant", "content": "Hi"},
            provider="OpenAI",
            created=1700000000,
            native_finish_reason="completed",
            usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "cost": 0.001},
        )
    )
    assert (r.text, r.id, r.model, r.provider, r.created) == ("Hi", "gen-1", "m/x", "OpenAI", 1700000000)
    assert (r.finish_reason, r.native_finish_reason) == ("stop", "completed")
    assert (r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens, r.usage.cost) == (
        3,
        2,
        5,
        Decimal("0.001"),
    )
    assert r.raw is not None
    assert r.raw["provider"] == "OpenAI"


def test_minimal_and_unknown_fields_never_crash() -> None:
    r = decode_response(
        {
            "choices": [{"message": {"content": "x", "brand_new": {"a": 1}}, "finish_reason": "sparkles"}],
            "future_field": [1, 2],
        }
    )
    assert r.text == "x"
    assert r.finish_reason == "sparkles"  # unknown reasons are kept raw
    assert r.usage.cost is None
    assert r.usage.total_tokens == 0
    assert decode_response({}).content.parts == []


def test_generation_id_header_is_used_when_the_body_has_no_id() -> None:
    assert decode_response({"choices": []}, generation_id="gen-h").id == "gen-h"
    assert decode_response({"id": "gen-b", "choices": []}, generation_id="gen-h").id == "gen-b"


def test_empty_content_gives_no_text_part() -> None:
    r = decode_response(body({"role": "assistant", "content": "", "tool_calls": []}))
    assert r.content.parts == []


def test_reasoning_string_and_details() -> None:
    details = [
        {"type": "reasoning.text", "text": "step 1", "signature": "s1", "index": 0},
        {"type": "reasoning.text", "text": "step 2", "signature": "s2", "index": 1},
        {"type": "reasoning.encrypted", "data": "opaque", "index": 2},
    ]
    r = decode_response(body({"content": "ok", "reasoning": "step 1step 2", "reasoning_details": details}))
    part = r.content.parts[0]
    assert isinstance(part, ReasoningPart)
    assert (part.text, part.signature) == ("step 1step 2", "s2")
    assert part.details == details
    assert part.encrypted


def test_reasoning_text_falls_back_to_details() -> None:
    details = [
        {"type": "reasoning.summary", "summary": "**A**", "index": 0},
        {"type": "reasoning.encrypted", "data": "zz", "index": 0},
        {"type": "reasoning.summary", "summary": "**B**", "index": 1},
    ]
    r = decode_response(body({"content": "ok", "reasoning": None, "reasoning_details": details}))
    assert r.reasoning == "**A**\n\n**B**"


def test_tool_calls_with_odd_arguments() -> None:
    calls = [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
        {"id": "b", "type": "function", "function": {"name": "g", "arguments": None}},  # pydantic-ai#822
        {"id": "c", "type": "function", "function": {"name": "h", "arguments": "{not json"}},
        {"type": "function", "function": {"name": "i", "arguments": {"y": 2}}},  # object, and no id
    ]
    r = decode_response(body({"content": None, "tool_calls": calls}, finish_reason="tool_calls"))
    got = [(t.id, t.name, t.raw_arguments, t.arguments) for t in r.tool_calls]
    assert got == [
        ("a", "f", '{"x": 1}', {"x": 1}),
        ("b", "g", "", {}),
        ("c", "h", "{not json", None),
        ("call_3", "i", '{"y": 2}', {"y": 2}),
    ]
    assert r.finish_reason == "tool_calls"


def test_annotations_and_images() -> None:
    annotation = {"type": "url_citation", "url_citation": {"url": "https://x", "title": "X"}}
    message = {
        "content": "See X",
        "annotations": [annotation],
        "images": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
    }
    r = decode_response(body(message))
    text, image = r.content.parts
    assert isinstance(text, TextPart)
    assert text.annotations == [annotation]
    assert isinstance(image, FilePart)
    assert (image.url, image.mime_type) == ("data:image/png;base64,AAAA", "image/png")
    assert r.annotations == [annotation]


def test_usage_details() -> None:
    usage = decode_usage(
        {
            "prompt_tokens": 3214,
            "completion_tokens": 100,
            "prompt_tokens_details": {"cached_tokens": 7, "cache_write_tokens": 3211},
            "completion_tokens_details": {"reasoning_tokens": 48},
            "cost": 0,
            "is_byok": True,
            "cost_details": {"upstream_inference_cost": 0.0003},
        }
    )
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (3214, 100, 3314)
    assert (usage.cached_tokens, usage.cache_write_tokens, usage.reasoning_tokens) == (7, 3211, 48)
    assert usage.cost == 0.0
    assert usage.is_byok is True
    assert usage.cost_details == {"upstream_inference_cost": 0.0003}
    assert decode_usage({"prompt_tokens_details": None, "cost": "cheap"}).cost is None


def test_not_an_object_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode_response(["not", "an", "object"])


def test_error_in_a_200_body_raises_with_partial() -> None:
    with pytest.raises(StreamError) as info:
        decode_response(
            {"error": {"code": 429, "message": "Provider returned error", "metadata": {"provider_name": "K"}}}
        )
    assert (info.value.code, info.value.provider_name, info.value.status) == (429, "K", 200)
    assert info.value.partial is not None
    assert info.value.partial.text == ""


def test_finish_reason_error_without_error_object() -> None:
    with pytest.raises(StreamError) as info:
        decode_response(
            body({"content": "half"}, finish_reason="error", native_finish_reason="MALFORMED_FUNCTION_CALL")
        )
    assert "MALFORMED_FUNCTION_CALL" in info.value.message
    assert info.value.partial is not None
    assert info.value.partial.text == "half"


# -- stream ---------------------------------------------------------------------------------------------


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any) -> str:
    payload: dict[str, Any] = {"id": "gen-s", "object": "chat.completion.chunk", "model": "m/x", **top}
    if "choices" not in top:
        payload["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return json.dumps(payload)


def run(state: CompletionsStreamState, payloads: list[str]) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for p in payloads:
        events.extend(state.handle(p))
    return events


def test_text_stream_events_and_final_response() -> None:
    state = CompletionsStreamState()
    events = run(
        state,
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Hel"}),
            chunk({"content": None}),
            chunk({"content": "lo"}),
            chunk({"content": ""}, "stop", provider="P"),
            chunk(
                choices=[], usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "cost": 0.5}
            ),
        ],
    )
    assert events == [TextChunk("Hel"), TextChunk("lo")]
    r = state.finish()
    assert (r.text, r.finish_reason, r.id, r.model, r.usage.cost, r.usage.total_tokens) == (
        "Hello",
        "stop",
        "gen-s",
        "m/x",
        0.5,
        3,
    )


def test_reasoning_string_and_details_in_parallel_are_emitted_once() -> None:
    state = CompletionsStreamState()
    fmt = "anthropic-claude-v1"
    events = run(
        state,
        [
            chunk(
                {
                    "reasoning": None,
                    "reasoning_details": [
                        {"type": "reasoning.text", "text": "", "signature": "", "format": fmt, "index": 0}
                    ],
                }
            ),
            chunk(
                {
                    "reasoning": "Two",
                    "reasoning_details": [
                        {"type": "reasoning.text", "text": "Two", "format": fmt, "index": 0}
                    ],
                }
            ),
            chunk(
                {
                    "reasoning": " plus",
                    "reasoning_details": [
                        {"type": "reasoning.text", "text": " plus", "format": fmt, "index": 0}
                    ],
                }
            ),
            chunk(
                {
                    "reasoning": None,
                    "reasoning_details": [
                        {"type": "reasoning.text", "signature": "SIG==", "format": fmt, "index": 0}
                    ],
                }
            ),
            chunk({"content": "4"}, "stop"),
        ],
    )
    assert [e for e in events if isinstance(e, ReasoningChunk)] == [
        ReasoningChunk("Two"),
        ReasoningChunk(" plus"),
    ]
    part = state.finish().content.parts[0]
    assert isinstance(part, ReasoningPart)
    assert part.text == "Two plus"
    assert part.signature == "SIG=="
    assert part.details == [
        {"type": "reasoning.text", "text": "Two plus", "signature": "SIG==", "format": fmt, "index": 0}
    ]


def test_details_only_reasoning_feeds_the_chunks() -> None:
    state = CompletionsStreamState()
    events = run(
        state,
        [
            chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": "**A**", "index": 0}]}),
            chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": " more", "index": 0}]}),
            chunk(
                {
                    "reasoning_details": [
                        {"type": "reasoning.encrypted", "data": "blob", "id": "rs_1", "index": 0}
                    ]
                }
            ),
            chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": "**B**", "index": 1}]}),
            chunk({}, "stop"),
        ],
    )
    texts = [e.text for e in events if isinstance(e, ReasoningChunk)]
    r = state.finish()
    assert texts == ["**A**", " more", "\n\n**B**"]
    assert r.reasoning == "".join(texts) == "**A** more\n\n**B**"
    assert r.content.parts[0].details == [  # type: ignore[union-attr]
        {"type": "reasoning.summary", "summary": "**A** more", "index": 0},
        {"type": "reasoning.encrypted", "data": "blob", "id": "rs_1", "index": 0},
        {"type": "reasoning.summary", "summary": "**B**", "index": 1},
    ]


def test_parallel_tool_calls_merge_by_index() -> None:
    state = CompletionsStreamState()
    events = run(
        state,
        [
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "a",
                            "type": "function",
                            "function": {"name": "fa", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "b",
                            "type": "function",
                            "function": {"name": "fb", "arguments": '{"y"'},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}),
            chunk(
                {
                    "tool_calls": [
                        {"index": 1, "function": {"arguments": ": 2}"}},
                        {"index": 0, "function": {"arguments": " 1}"}},
                    ]
                }
            ),
        ],
    )
    assert [e for e in events if isinstance(e, ToolCallChunk)] == [
        ToolCallChunk(0, "a", "fa", ""),
        ToolCallChunk(1, "b", "fb", '{"y"'),
        ToolCallChunk(0, "a", "fa", '{"x":'),
        ToolCallChunk(1, "b", "fb", ": 2}"),
        ToolCallChunk(0, "a", "fa", " 1}"),
    ]
    assert not any(isinstance(e, ToolCall) for e in events)  # not complete before a finish reason
    final_events = run(state, [chunk({}, "tool_calls"), chunk({}, "tool_calls")])  # twice (agno#8880)
    calls = [e.part for e in final_events if isinstance(e, ToolCall)]
    assert [(c.id, c.name, c.arguments) for c in calls] == [("a", "fa", {"x": 1}), ("b", "fb", {"y": 2})]
    r = state.finish()
    assert r.tool_calls == calls
    assert r.tool_calls[0] is calls[0]
    assert r.finish_reason == "tool_calls"


def test_tool_call_index_reused_for_a_new_call() -> None:
    state = CompletionsStreamState()
    run(
        state,
        [
            chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}]}),
            chunk({"tool_calls": [{"index": 0, "id": "b", "function": {"name": "g", "arguments": '{"k"'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}),
            chunk({}, "tool_calls"),
        ],
    )
    assert [(t.id, t.name, t.arguments) for t in state.finish().tool_calls] == [
        ("a", "f", {}),
        ("b", "g", {"k": 1}),
    ]


def test_tool_call_without_index_falls_back_to_id_then_position() -> None:
    state = CompletionsStreamState()
    run(
        state,
        [
            chunk({"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": '{"a"'}}]}),
            chunk({"tool_calls": [{"function": {"arguments": ": 1}"}}]}),  # continues the latest call
            chunk({"tool_calls": [{"id": "b", "function": {"name": "g", "arguments": "{"}}]}),
            chunk({"tool_calls": [{"id": "b", "function": {"arguments": "}"}}]}),  # by id
            chunk({}, "tool_calls"),
        ],
    )
    assert [(t.id, t.raw_arguments) for t in state.finish().tool_calls] == [("a", '{"a": 1}'), ("b", "{}")]


def test_too_many_tool_calls_is_a_decode_error() -> None:
    state = CompletionsStreamState(max_tool_calls=2)
    payloads = [
        chunk({"tool_calls": [{"index": i, "id": f"c{i}", "function": {"name": "f"}}]}) for i in range(3)
    ]
    with pytest.raises(DecodeError) as info:
        run(state, payloads)
    assert info.value.partial is not None
    assert len(info.value.partial.tool_calls) == 2


def test_usage_arrives_on_a_chunk_with_empty_choices_after_the_finish() -> None:
    state = CompletionsStreamState()
    run(
        state,
        [chunk({"content": "x"}, "length"), chunk(choices=[], usage={"prompt_tokens": 9, "cost": 0.01})],
    )
    r = state.finish()
    assert (r.finish_reason, r.usage.input_tokens, r.usage.cost) == ("length", 9, Decimal("0.01"))


def test_finish_without_usage_is_fine() -> None:
    state = CompletionsStreamState()
    run(state, [chunk({"content": "x"}, "stop")])
    assert state.finish().usage.cost is None


def test_mid_stream_error_chunk_raises_with_everything_received() -> None:
    state = CompletionsStreamState()
    events = run(
        state,
        [
            chunk({"reasoning": "thinking"}),
            chunk({"content": "partial "}),
            chunk(
                {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": '{"q": 1'}}]}
            ),
        ],
    )
    assert len(events) == 3
    error_chunk = chunk(
        {"content": "answer"},
        None,  # real traffic: finish_reason null on the error chunk, with usage (reference §5.5)
        error={"code": "server_error", "message": "Provider disconnected unexpectedly"},
        usage={"prompt_tokens": 5},
    )
    with pytest.raises(StreamError) as info:
        state.handle(error_chunk)
    err = info.value
    assert (err.code, err.message, err.status, err.generation_id) == (
        "server_error",
        "Provider disconnected unexpectedly",
        200,
        "gen-s",
    )
    assert err.partial is not None
    assert (err.partial.text, err.partial.reasoning) == ("partial answer", "thinking")
    assert [(t.id, t.raw_arguments) for t in err.partial.tool_calls] == [("a", '{"q": 1')]
    assert err.partial.usage.input_tokens == 5
    assert err.retryable  # server_error maps to 500


def test_finish_reason_error_without_error_object_raises() -> None:
    state = CompletionsStreamState()
    run(state, [chunk({"content": "so far"})])
    with pytest.raises(StreamError) as info:
        state.handle(
            json.dumps(
                {
                    "choices": [
                        {"index": 0, "delta": {}, "finish_reason": "error", "native_finish_reason": "SAFETY"}
                    ]
                }
            )
        )
    assert "SAFETY" in info.value.message
    assert info.value.partial is not None
    assert info.value.partial.text == "so far"
    assert info.value.partial.finish_reason == "error"


def test_stream_that_never_finishes_is_incomplete() -> None:
    state = CompletionsStreamState()
    run(state, [chunk({"content": "half an ans"})])
    with pytest.raises(IncompleteStreamError) as info:
        state.finish()
    assert info.value.partial is not None
    assert info.value.partial.text == "half an ans"
    assert not info.value.retryable  # output had started


def test_invalid_json_chunk_is_a_decode_error_with_partial() -> None:
    state = CompletionsStreamState()
    run(state, [chunk({"content": "ok"})])
    with pytest.raises(DecodeError) as info:
        state.handle('{"choices": [')
    assert info.value.partial is not None
    assert info.value.partial.text == "ok"


def test_debug_chunks_unknown_fields_and_unknown_finish_reasons_are_tolerated() -> None:
    state = CompletionsStreamState()
    events = run(
        state,
        [
            json.dumps({"id": "gen-d", "choices": [], "debug": {"echo_upstream_body": {"model": "x"}}}),
            "[1, 2, 3]",
            chunk({"content": "x", "hologram": True}, None, telemetry={"a": 1}),
            chunk({}, "sparkles"),
        ],
    )
    assert events == [TextChunk("x")]
    r = state.finish()
    assert (r.text, r.finish_reason, r.id) == ("x", "sparkles", "gen-d")


def test_annotation_deltas_are_kept_once() -> None:
    citation = {"type": "url_citation", "url_citation": {"url": "https://a", "title": "A"}}
    state = CompletionsStreamState()
    run(
        state,
        [chunk({"content": "see A", "annotations": [citation]}), chunk({"annotations": [citation]}, "stop")],
    )
    assert state.finish().annotations == [citation]


def test_snapshot_does_not_freeze_streaming_tool_calls() -> None:
    state = CompletionsStreamState()
    run(
        state,
        [chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": '{"a":'}}]})],
    )
    early = state.snapshot().tool_calls[0]
    run(
        state,
        [chunk({"tool_calls": [{"index": 0, "function": {"arguments": " 1}"}}]}), chunk({}, "tool_calls")],
    )
    assert early.raw_arguments == '{"a":'
    assert early.arguments is None
    final = state.finish().tool_calls[0]
    assert isinstance(final, ToolPart)
    assert final.arguments == {"a": 1}
