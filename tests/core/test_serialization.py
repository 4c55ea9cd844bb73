"""The lossless JSON form of Messages and ChatResponse: every part kind and field round-trips, old files load,
bad files fail with a DecodeError that says where."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._spec import load_fixture

from chat_openrouter import (
    ChatBuilder,
    ChatOptions,
    ChatResponse,
    Content,
    DecodeError,
    FilePart,
    Messages,
    Pause,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
    Usage,
    tool,
)
from chat_openrouter.core import serialization
from chat_openrouter.core.parts import AudioPart, Part
from chat_openrouter.core.response import TokenLogprob, TopLogprob
from chat_openrouter.testing import ScriptedProvider, call, reply
from chat_openrouter.wire.completions import codec as completions_codec
from chat_openrouter.wire.responses import codec as responses_codec

DATA = Path(__file__).parent / "data"

# -- strategies --------------------------------------------------------------------------------------------
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=5), json_values, max_size=3)
opt_text = st.none() | st.text(max_size=10)

text_parts = st.builds(
    TextPart,
    st.text(max_size=20),
    annotations=st.lists(json_objects, max_size=2),
    cache_control=st.none() | json_objects,
)
reasoning_parts = st.builds(
    ReasoningPart,
    text=st.text(max_size=20),
    signature=opt_text,
    details=st.lists(json_objects, max_size=3),
    item=st.none() | json_objects,
)
file_parts = st.builds(
    FilePart,
    mime_type=st.sampled_from(["image/png", "application/pdf", "audio/wav", "x/unknown"]),
    data=st.binary(max_size=40),
    filename=opt_text,
    detail=st.none() | st.sampled_from(["low", "high", "auto"]),
    cache_control=st.none() | json_objects,
) | st.builds(FilePart, mime_type=st.just("image/jpeg"), url=st.text(min_size=1, max_size=30))
structured_parts = st.builds(StructuredPart, json_values)
refusal_parts = st.builds(RefusalPart, st.text(max_size=20))
audio_parts = st.builds(
    AudioPart,
    data=st.binary(max_size=40),
    format=st.none() | st.sampled_from(["wav", "mp3", "pcm16"]),
    transcript=st.text(max_size=20),
    id=opt_text,
    expires_at=st.none() | st.integers(0, 2**40),
)


@st.composite
def tool_parts(draw: st.DrawFn) -> ToolPart:
    # Every field drawn independently: after an approval edit or a failure, arguments, raw_arguments,
    # status, result and error need not agree with one another, and the saved form must not "fix" that.
    part = ToolPart(id=draw(st.text(min_size=1, max_size=8)), name=draw(st.text(min_size=1, max_size=8)))
    part.raw_arguments = draw(st.text(max_size=20))
    part.arguments = draw(st.none() | json_objects)
    part.status = draw(st.sampled_from(list(ToolStatus)))
    part.result = draw(json_values)
    part.error = draw(opt_text)
    part.provider_data = draw(json_objects)
    return part


parts = st.one_of(
    text_parts, reasoning_parts, tool_parts(), file_parts, structured_parts, refusal_parts, audio_parts
)
contents = st.builds(Content, st.sampled_from(list(Role)), st.lists(parts, max_size=4))
conversations = st.builds(Messages, st.lists(contents, max_size=5))
usages = st.builds(
    Usage,
    input_tokens=st.integers(0, 10**6),
    output_tokens=st.integers(0, 10**6),
    total_tokens=st.integers(0, 10**6),
    reasoning_tokens=st.integers(0, 10**6),
    cached_tokens=st.integers(0, 10**6),
    cache_write_tokens=st.integers(0, 10**6),
    cost=st.none() | st.floats(min_value=0, max_value=100),
    is_byok=st.none() | st.booleans(),
    cost_details=json_objects,
    server_tool_use=st.dictionaries(st.text(max_size=5), st.integers(0, 10**6), max_size=3),
    raw=json_objects,
)
top_logprobs = st.builds(
    TopLogprob,
    st.text(max_size=5),
    st.floats(max_value=0, allow_nan=False),
    st.none() | st.lists(st.integers(0, 255), max_size=4).map(tuple),
)
token_logprobs = st.builds(
    TokenLogprob,
    st.text(max_size=5),
    st.floats(max_value=0, allow_nan=False),
    st.none() | st.lists(st.integers(0, 255), max_size=4).map(tuple),
    st.lists(top_logprobs, max_size=2).map(tuple),
)


def _responses(depth: int) -> st.SearchStrategy[ChatResponse]:
    steps = st.lists(_responses(depth - 1), max_size=2) if depth else st.just([])
    return st.builds(
        ChatResponse,
        content=st.builds(Content, st.just(Role.MODEL), st.lists(parts, max_size=3)),
        id=opt_text,
        model=opt_text,
        provider=opt_text,
        finish_reason=opt_text,
        native_finish_reason=opt_text,
        usage=usages,
        created=st.none() | st.integers(0, 2**40),
        raw=st.none() | json_objects,
        steps=steps,
        output=json_values,
        messages=conversations,
        system_fingerprint=opt_text,
        service_tier=opt_text,
        logprobs=st.lists(token_logprobs, max_size=2),
    )


@st.composite
def paused_responses(draw: st.DrawFn) -> ChatResponse:
    response = draw(_responses(1))
    conversation = draw(conversations)
    pending = draw(st.lists(tool_parts(), min_size=1, max_size=3))
    for part in pending:
        part.status = ToolStatus.PENDING
    conversation.push(Content(Role.MODEL, list(pending)))
    response.messages = conversation
    response.pause = Pause(
        pending=pending,
        messages=conversation,
        steps=draw(st.lists(_responses(0), max_size=2)),
        usage=draw(usages),
        output_retries_used=draw(st.integers(0, 5)),
    )
    return response


# -- round trips -------------------------------------------------------------------------------------------
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(conversations)
def test_any_conversation_round_trips_to_an_equal_object(messages: Messages) -> None:
    text = messages.to_json()
    assert Messages.from_json(text) == messages
    assert Messages.from_json(text.encode()) == messages
    assert Messages.from_json(messages.to_dict()) == messages
    assert Messages.from_json(messages.to_json(indent=2)) == messages


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(_responses(2) | paused_responses())
def test_any_response_round_trips_to_an_equal_object(response: ChatResponse) -> None:
    loaded = ChatResponse.from_json(response.to_json())
    assert loaded == response
    assert loaded.to_json() == response.to_json()


def test_every_part_kind_and_field_is_saved() -> None:
    # When a part kind or a field is added to core/parts.py, this test fails until the saved form keeps it
    # (core/serialization.py) and a value for it is set below.
    assert {cls.__name__ for cls in typing.get_args(Part)} == {
        "TextPart",
        "ReasoningPart",
        "ToolPart",
        "FilePart",
        "StructuredPart",
        "RefusalPart",
        "AudioPart",
    }
    tool_call = ToolPart("call_1", "search", '{"q": "x"}', status=ToolStatus.FAILED, error="boom")
    tool_call.arguments = {"q": "edited"}
    tool_call.result = {"partial": [1, 2.5, None, True]}
    tool_call.provider_data = {"item_id": "fc_1"}
    every_field_set: list[Part] = [
        TextPart(
            "hi", annotations=[{"type": "url_citation", "url": "u"}], cache_control={"type": "ephemeral"}
        ),
        ReasoningPart(
            "why", signature="sig", details=[{"type": "reasoning.encrypted", "data": "x"}], item={"a": 1}
        ),
        tool_call,
        FilePart("image/png", data=b"\x00\xff", filename="a.png", detail="high", cache_control={"t": 1}),
        FilePart("application/pdf", url="https://x/a.pdf", filename="a.pdf"),
        StructuredPart({"city": "Paris"}),
        RefusalPart("I can't help with that."),
        AudioPart(b"RIFF", format="wav", transcript="hello", id="audio_1", expires_at=1_767_225_600),
    ]
    for part in every_field_set:
        assert serialization.decode_part(serialization.encode_part(part)) == part
    # ...and between them the examples give every field of every kind a value other than its default.
    for cls in typing.get_args(Part):
        examples = [p for p in every_field_set if type(p) is cls]
        for f in dataclasses.fields(cls):
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            covered = any(getattr(p, f.name) != default for p in examples)
            assert covered or f.name == "kind", f"{cls.__name__}.{f.name}: give it a value in this test"
    usage_fields = {f.name for f in dataclasses.fields(Usage)}
    assert usage_fields == {
        *serialization._TOKEN_FIELDS, "cost", "is_byok", "cost_details", "server_tool_use", "raw"
    }
    response_fields = {f.name for f in dataclasses.fields(ChatResponse)}
    assert response_fields == {
        "content",
        "id",
        "model",
        "provider",
        "finish_reason",
        "native_finish_reason",
        "usage",
        "created",
        "raw",
        "steps",
        "output",
        "pause",
        "messages",
        "system_fingerprint",
        "service_tier",
        "logprobs",
    }, "a new ChatResponse field: save it in core/response.py (_encode/_decode) and list it here"


def test_a_version_1_file_written_by_hand_still_loads() -> None:
    # The committed file is the format's contract: it must keep loading, field for field, in every release.
    messages = Messages.from_json((DATA / "conversation-v1.json").read_text())
    assert [turn.role for turn in messages] == [Role.SYSTEM, Role.USER, Role.MODEL, Role.USER]
    assert messages[1].files[0].data == b"\x89PNG\r\n\x1a\n"
    model_turn = messages[2]
    reasoning = model_turn.parts[0]
    assert isinstance(reasoning, ReasoningPart)
    assert reasoning.signature == "EqQBCkgIARABGAIiQL"
    assert reasoning.encrypted
    call_part = model_turn.tool_calls[0]
    assert call_part.arguments == {"city": "Paris"}
    assert call_part.status is ToolStatus.COMPLETED
    assert call_part.result == {"forecast": "rain"}
    assert call_part.provider_data == {"item_id": "fc_01"}
    assert model_turn.text == "Take an umbrella."


def test_real_captures_replay_identically_after_a_round_trip() -> None:
    # Decoded real responses (encrypted reasoning, signatures, tool calls), saved and loaded, encode to the
    # very same request bodies on both wires: continuing a saved conversation is indistinguishable.
    for name, codec in (
        ("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json", completions_codec),
        ("chat-nonstream-reasoning-summary-encrypted.json", completions_codec),
        ("spec-responses-nonstream.json", responses_codec),
    ):
        body, _ = load_fixture(name)
        response = codec.decode_response(json.loads(body))
        conversation = Messages().user("question").push(response.content).user("next")
        request: dict[str, Any] = {
            "model": "m",
            "tools": None,
            "options": ChatOptions(),
            "output": None,
            "stream": False,
        }
        loaded = Messages.from_json(conversation.to_json())
        assert loaded == conversation
        for wire in (completions_codec, responses_codec):
            before = wire.encode_request(conversation, **request)
            after = wire.encode_request(loaded, **request)
            assert after == before, name
        assert ChatResponse.from_json(response.to_json()) == response


def test_a_paused_run_saved_and_loaded_resumes() -> None:
    @tool(approval="require")
    def delete(path: str) -> str:
        """Delete a file."""
        return f"deleted {path}"

    model = ScriptedProvider([reply(tool_calls=[call("delete", {"path": "a.txt"})]), reply("Done.")])
    chat = ChatBuilder().with_model(model).with_tools([delete]).build()
    paused = chat.complete_sync("delete a.txt")
    assert paused.pause is not None

    loaded = ChatResponse.from_json(paused.to_json())
    assert loaded == paused
    assert loaded.pause is not None
    loaded.pause.approve(loaded.pause.pending[0].id)
    # The pending call is the conversation's own part again, so the approval reaches what resume() sends.
    assert loaded.pause.messages[-1].tool_calls[0].status is ToolStatus.APPROVED
    final = chat.resume_sync(loaded.pause)
    assert final.text == "Done."
    assert model.requests[1].messages[-1].tool_calls[0].result == "deleted a.txt"


def test_structured_output_loads_as_data_or_as_the_given_type() -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str

    response = ChatResponse(content=Content.model('{"name": "Oslo"}'), output=City(name="Oslo"))
    text = response.to_json()
    assert ChatResponse.from_json(text).output == {"name": "Oslo"}
    assert ChatResponse.from_json(text, output_type=City).output == City(name="Oslo")


def test_a_tool_result_that_is_not_json_is_saved_as_the_json_the_model_saw() -> None:
    from pydantic import BaseModel

    class Weather(BaseModel):
        celsius: int

    part = ToolPart("c", "weather", "{}", status=ToolStatus.COMPLETED)
    part.result = Weather(celsius=14)
    loaded = Messages.from_json(Messages().model(part).to_json())
    assert loaded[0].tool_calls[0].result == {"celsius": 14}


def test_lone_surrogates_are_escaped_so_the_text_is_always_utf8() -> None:
    messages = Messages().model("half an emoji: \ud83d")
    text = messages.to_json()
    text.encode("utf-8")  # a lone surrogate written raw would raise here (files, SQLite)
    assert Messages.from_json(text) == messages


def test_tuples_come_back_as_lists_and_non_string_keys_are_refused() -> None:
    part = ToolPart("c", "f", "{}")
    part.result = (1, 2)
    assert Messages.from_json(Messages().model(part).to_json())[0].tool_calls[0].result == [1, 2]
    part.result = {1: "one"}  # a tool result is saved as the JSON the model was sent
    assert Messages.from_json(Messages().model(part).to_json())[0].tool_calls[0].result == {"1": "one"}
    part.provider_data = {1: "one"}
    with pytest.raises(TypeError, match=r"messages\[0\]\.parts\[0\]\.provider_data.*key 1"):
        Messages().model(part).to_json()


def test_something_that_is_not_a_part_cannot_be_saved() -> None:
    turn = Content(Role.USER, [object()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"messages\[0\]\.parts\[0\]: object is not a message part"):
        Messages([turn]).to_json()


# -- bad documents ---------------------------------------------------------------------------------------
def _doc(*turns: Any, version: Any = 1) -> dict[str, Any]:
    return {"format": serialization.MESSAGES_FORMAT, "version": version, "messages": list(turns)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "invalid JSON"),
        (b"\xff\xfe", "invalid JSON"),
        ("[1, 2]", "expected a JSON object, got a list"),
        ({"version": 1, "messages": []}, "expected format 'chat-openrouter.messages', found None"),
        (_doc(version=2), "format version 2 by a newer chat-openrouter.*upgrade"),
        (_doc(version="1"), "'version' must be a positive integer"),
        (_doc(version=0), "'version' must be a positive integer"),
        (_doc(version=True), "'version' must be a positive integer"),
        ({**_doc(), "messages": {}}, "messages: expected a list of turns, got an object"),
        (
            _doc({"role": "tool", "parts": []}),
            r"messages\[0\]\.role: 'tool' is not one of user, system, model",
        ),
        (
            _doc({"role": "user", "parts": [{"kind": "hologram"}]}),
            r"parts\[0\]\.kind: unknown part kind 'hologram'",
        ),
        (
            _doc({"role": "user", "parts": [{"kind": "text", "text": 3}]}),
            r"parts\[0\]\.text: expected a string",
        ),
        (
            _doc({"role": "user", "parts": [{"kind": "file", "mime_type": "image/png", "data": "@@"}]}),
            "base64",
        ),
        (_doc({"role": "user", "parts": [{"kind": "file", "mime_type": "image/png"}]}), "exactly one of"),
        (
            _doc(
                {
                    "role": "model",
                    "parts": [
                        {"kind": "tool", "id": "c", "name": "f", "raw_arguments": "", "status": "done"}
                    ],
                }
            ),
            r"status: 'done' is not one of pending",
        ),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON"),
    ],
)
def test_a_bad_document_is_a_decode_error_naming_the_place(data: Any, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        Messages.from_json(data)


def test_loading_the_other_kind_of_document_says_which_loader_to_use() -> None:
    response = ChatResponse(content=Content.model("hi"))
    with pytest.raises(DecodeError, match=r"saved response \(ChatResponse\).*ChatResponse\.from_json"):
        Messages.from_json(response.to_json())
    with pytest.raises(DecodeError, match=r"Messages\.from_json"):
        ChatResponse.from_json(Messages().user("hi").to_json())


def test_wrong_argument_types_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="JSON text"):
        Messages.from_json(42)  # type: ignore[arg-type]


def test_bad_usage_and_response_fields_name_their_path() -> None:
    document = ChatResponse(content=Content.model("hi"), usage=Usage(input_tokens=3)).to_dict()
    document["response"]["usage"]["input_tokens"] = True
    with pytest.raises(
        DecodeError, match=r"response\.usage\.input_tokens: expected an integer, got a boolean"
    ):
        ChatResponse.from_json(document)
    document["response"]["usage"] = {"cost": "lots"}
    with pytest.raises(DecodeError, match=r"response\.usage\.cost: 'lots' is not a number"):
        ChatResponse.from_json(document)


def test_a_decimal_cost_keeps_its_exact_digits() -> None:
    from decimal import Decimal

    usage = Usage(input_tokens=1)
    usage.cost = Decimal("0.000197")  # type: ignore[assignment]  # costs may become Decimal (issue 14)
    document = ChatResponse(usage=usage).to_dict()
    assert document["response"]["usage"]["cost"] == "0.000197"
    assert ChatResponse.from_json(document).usage.cost == Decimal("0.000197")
