"""The sampling knobs, output modalities, image/audio config and the end-user id, mapped per wire (spec-valid
bodies; a warning where a wire has no equivalent), and audio output decoded as AudioPart / AudioChunk --
streamed and whole alike, replayed as its transcript."""

from __future__ import annotations

import base64
import warnings
from typing import Any

import pytest

from _spec import assert_valid_request
from chat_openrouter import (
    AudioChunk,
    AudioOutput,
    AudioPart,
    ChatOptions,
    ConfigurationError,
    ImageConfig,
    OpenRouterBuilder,
    messages,
)
from chat_openrouter.openrouter import Trace, request_options
from chat_openrouter.testing.emulator import Emulator
from chat_openrouter.wire.completions import codec as completions
from chat_openrouter.wire.responses import codec as responses

ALL = ChatOptions(
    frequency_penalty=0.5,
    presence_penalty=-0.5,
    repetition_penalty=1.1,
    top_k=40,
    min_p=0.05,
    top_a=0.2,
    logit_bias={50256: -100, "11": 5},
    modalities=("text", "image"),
    image_config=ImageConfig(aspect_ratio="16:9", image_size="2K", extra={"quality": "high"}),
    user="end-user-1",
)


def _encode(codec: Any, options: ChatOptions) -> dict[str, Any]:
    body: dict[str, Any] = codec.encode_request(
        messages.from_user("hi"), model="m", tools=None, options=options, output=None, stream=False
    )
    return body


def test_chat_completions_sends_every_option() -> None:
    body = _encode(completions, ALL)
    assert_valid_request(body, "ChatRequest")
    assert {k: body[k] for k in ("frequency_penalty", "presence_penalty", "repetition_penalty", "top_k")} == {
        "frequency_penalty": 0.5,
        "presence_penalty": -0.5,
        "repetition_penalty": 1.1,
        "top_k": 40,
    }
    assert (body["min_p"], body["top_a"], body["logit_bias"]) == (0.05, 0.2, {"50256": -100, "11": 5})
    assert body["modalities"] == ["text", "image"]
    assert body["image_config"] == {"quality": "high", "aspect_ratio": "16:9", "image_size": "2K"}
    assert body["user"] == "end-user-1" and "safety_identifier" not in body


def test_the_responses_api_sends_what_it_has_and_warns_about_the_rest() -> None:
    with pytest.warns(
        UserWarning, match=r"repetition_penalty and min_p and top_a and logit_bias are not part"
    ):
        body = _encode(responses, ALL)
    assert_valid_request(body, "ResponsesRequest")
    assert (body["frequency_penalty"], body["presence_penalty"], body["top_k"]) == (0.5, -0.5, 40)
    assert body["modalities"] == ["text", "image"] and body["image_config"]["aspect_ratio"] == "16:9"
    assert body["safety_identifier"] == "end-user-1" and "user" not in body
    assert not {"repetition_penalty", "min_p", "top_a", "logit_bias"} & set(body)


def test_audio_output_is_chat_completions_only() -> None:
    options = ChatOptions(modalities=("text", "audio"), audio=AudioOutput(voice="nova", format="mp3"))
    body = _encode(completions, options)
    assert_valid_request(body, "ChatRequest")
    assert (body["modalities"], body["audio"]) == (["text", "audio"], {"voice": "nova", "format": "mp3"})
    with pytest.warns(UserWarning, match="audio and audio output are not part"):
        body = _encode(responses, options)
    assert_valid_request(body, "ResponsesRequest")
    assert body["modalities"] == ["text"] and "audio" not in body


def test_options_no_wire_needs_warn_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = _encode(responses, ChatOptions(frequency_penalty=1, top_k=3, modalities=("image", "text")))
    assert (body["frequency_penalty"], body["top_k"], body["modalities"]) == (1, 3, ["image", "text"])


@pytest.mark.parametrize(
    "bad",
    [
        {"frequency_penalty": 2.5},
        {"presence_penalty": -3},
        {"repetition_penalty": 3},
        {"min_p": 1.5},
        {"top_a": -0.1},
        {"top_k": -1},
        {"top_k": 2.5},
        {"top_k": True},
        {"logit_bias": {"not-a-token": 1}},
        {"logit_bias": {1: 101}},
        {"modalities": "image"},
        {"modalities": ("video",)},
        {"modalities": ()},
    ],
)
def test_out_of_range_values_fail_where_they_are_written(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ChatOptions(**bad)
    if "modalities" not in bad:
        with pytest.raises(ConfigurationError):
            OpenRouterBuilder().with_sampling(**bad)
    with pytest.raises(ConfigurationError):
        request_options(**bad)


@pytest.mark.parametrize("wire", ["responses", "completions"])
def test_builder_and_per_call_options_reach_both_wires(wire: str) -> None:
    emulator = Emulator(validator=__import__("_spec").spec_errors)
    builder = (
        OpenRouterBuilder().with_api_key("test").with_transport(emulator.transport()).with_model("emulator/image-output")
        .with_sampling(frequency_penalty=0.3, top_k=20)
        .with_trace(trace_id="t-1", span_name="s", custom="c")
        .with_metadata({"tenant": "acme"})
        .with_user("user-9")
    )  # fmt: skip
    client = (builder.with_completions() if wire == "completions" else builder).build()
    extra = client.options.extra_body
    assert extra["trace"] == {"custom": "c", "trace_id": "t-1", "span_name": "s"}
    assert extra["metadata"] == {"tenant": "acme"}
    drawn = client.complete_sync(
        messages.from_user("a red square"),
        options=request_options(modalities=["image", "text"], image_config=ImageConfig(aspect_ratio="1:1")),
    )
    [picture] = drawn.content.files
    assert picture.category == "image"
    record = emulator.requests[-1].body
    assert (
        record["frequency_penalty"] == 0.3 and record["top_k"] == 20 and record["trace"]["trace_id"] == "t-1"
    )
    assert record["safety_identifier" if wire == "responses" else "user"] == "user-9"


def test_metadata_and_trace_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="16 pairs"):
        OpenRouterBuilder().with_metadata({str(i): "v" for i in range(17)})
    with pytest.raises(ConfigurationError, match="brackets"):
        OpenRouterBuilder().with_metadata({"a[0]": "v"})
    with pytest.raises(ConfigurationError, match="512"):
        request_options(metadata={"k": "v" * 513})
    assert Trace(trace_id="x", extra={"k": 1}).to_json() == {"k": 1, "trace_id": "x"}


# -- audio output ----------------------------------------------------------------------------------------
def _audio_client(emulator: Emulator, fmt: str = "wav") -> Any:
    return (
        OpenRouterBuilder().with_api_key("test").with_transport(emulator.transport())
        .with_model("emulator/audio-output").with_completions().with_audio_output(voice="alloy", format=fmt)
        .build()
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["wav", "mp3", "pcm16"])
def test_audio_output_is_an_audio_part_streamed_or_not(fmt: str) -> None:
    client = _audio_client(Emulator(), fmt)
    answer = client.complete_sync(messages.from_user("Say hello"))
    audio = answer.audio
    assert isinstance(audio, AudioPart) and audio.transcript == "Say hello" and audio.id
    assert audio.format == {"wav": "wav", "mp3": "mp3", "pcm16": None}[fmt]  # headerless PCM: unknown
    assert audio.expires_at and audio.data and "bytes" in repr(audio)
    events = list(client.stream_sync(messages.from_user("Say hello")))
    chunks = [e for e in events if isinstance(e, AudioChunk)]
    assert len(chunks) > 1
    assert b"".join(c.data for c in chunks) == audio.data
    assert "".join(c.transcript for c in chunks) == audio.transcript
    streamed = events[-1].response  # type: ignore[union-attr]
    # A stream and a whole answer are the same answer (each call gets its own audio id).
    assert (streamed.audio.data, streamed.audio.format, streamed.audio.transcript) == (
        audio.data,
        audio.format,
        audio.transcript,
    )
    assert streamed.audio.id and streamed.audio.expires_at


def test_a_spoken_turn_goes_back_as_its_transcript_on_both_wires() -> None:
    spoken = AudioPart(b"RIFF....WAVE", format="wav", transcript="Hello there", id="audio_1", expires_at=1)
    conversation = messages.from_user("hi").model(spoken).user("and again?")
    body = completions.encode_request(
        conversation, model="m", tools=None, options=ChatOptions(), output=None, stream=False
    )
    assert_valid_request(body, "ChatRequest")
    assert body["messages"][1] == {"role": "assistant", "content": "Hello there"}
    body = responses.encode_request(
        conversation, model="m", tools=None, options=ChatOptions(), output=None, stream=False
    )
    assert_valid_request(body, "ResponsesRequest")
    assert body["input"][1]["content"][0]["text"] == "Hello there"
    # With a text part the text speaks for the turn (the emulator, like some providers, sends both).
    both = messages.from_user("hi").model("Hello there", spoken)
    body = completions.encode_request(
        both, model="m", tools=None, options=ChatOptions(), output=None, stream=False
    )
    assert body["messages"][1]["content"] == "Hello there"


def test_a_multi_turn_spoken_conversation_against_the_emulator() -> None:
    emulator = Emulator(validator=__import__("_spec").spec_errors)
    client = _audio_client(emulator)
    first = client.complete_sync(messages.from_user("one"))
    conversation = messages.from_user("one").push(first.content).user("two")
    second = client.complete_sync(conversation)
    assert second.audio is not None and second.audio.transcript == "two"
    # An audio part a user passes on (speech to transcribe, say) is an input audio file.
    relay = messages.from_user("what did it say?", first.audio)  # type: ignore[arg-type]
    body = completions.encode_request(
        relay, model="m", tools=None, options=ChatOptions(), output=None, stream=False
    )
    assert (
        body["messages"][0]["content"][1]["input_audio"]["data"]
        == base64.b64encode(first.audio.data).decode()
    )  # type: ignore[union-attr]


def test_broken_audio_pieces_never_sink_the_answer() -> None:
    from chat_openrouter.wire.completions.stream import CompletionsStreamState

    state = CompletionsStreamState()
    chunk = '{"id":"g","model":"m","choices":[{"index":0,"delta":{"audio":{"id":"a","data":"%%%","transcript":"hi"}}}]}'
    events = state.handle(chunk)
    assert events == [AudioChunk(b"", "hi")]
    state.handle(
        '{"id":"g","model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}'
    )
    response = state.finish()
    assert response.text == "hi" and response.audio is not None and response.audio.transcript == "hi"
