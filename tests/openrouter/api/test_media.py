"""Embeddings, rerank, images, speech/transcription and video jobs: decoded from the spec's examples, requests
valid against the spec, inputs checked before sending, broken answers turned into DecodeError."""

from __future__ import annotations

import asyncio
import base64
import struct
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chat_openrouter import APIError, ConfigurationError, FilePart, TextPart
from chat_openrouter.errors import DecodeError, StreamError, TimeoutError
from chat_openrouter.openrouter import OpenRouterAPI, VideoJob
from chat_openrouter.openrouter.api._calls import segment
from chat_openrouter.openrouter.api.embeddings import decode_embeddings

from .._support import Recorder, Reply, Seen, builder
from ._examples import assert_valid_body, example_reply, sent_body, spec_example


def _api(recorder: Recorder, **kwargs: Any) -> OpenRouterAPI:
    return OpenRouterAPI(builder(recorder).build(), **kwargs)


# -- embeddings ------------------------------------------------------------------------------------------
def test_embed_decodes_the_spec_example_and_sends_a_valid_request() -> None:
    recorder = Recorder([example_reply("POST", "/embeddings", **{"x-generation-id": "gen-e1"})])
    result = _api(recorder).embed_sync(
        "The quick brown fox",
        model="openai/text-embedding-3-small",
        dimensions=1536,
        input_type="search_query",
    )
    assert result.vectors == [[0.0023064255, -0.009327292, 0.015797347]]
    assert (result.model, result.usage.prompt_tokens, result.usage.total_tokens) == (
        "openai/text-embedding-3-small",
        8,
        8,
    )
    assert result.generation_ids == ("gen-e1",)
    body = sent_body(recorder)
    assert_valid_body(body, "POST", "/embeddings")
    assert body == {
        "model": "openai/text-embedding-3-small",
        "dimensions": 1536,
        "input_type": "search_query",
        "input": ["The quick brown fox"],
    }
    assert recorder.seen[0].path == "/api/v1/embeddings"


def test_multimodal_inputs_are_content_parts_valid_against_the_spec() -> None:
    answer = {
        "object": "list",
        "model": "m",
        "data": [{"object": "embedding", "embedding": [1.0], "index": 0}],
    }
    recorder = Recorder([Reply.json(answer), Reply.json(answer)])
    api = _api(recorder, embedding_model="acme/multimodal-embed")
    api.embed_sync([TextPart("a cat"), FilePart.from_bytes(b"\x89PNG....", "image/png")])
    body = sent_body(recorder)
    assert_valid_body(body, "POST", "/embeddings")
    assert body["input"] == [
        {
            "content": [
                {"type": "text", "text": "a cat"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORy4uLi4="}},
            ]
        }
    ]
    api.embed_sync([[TextPart("a sound"), FilePart.from_bytes(b"RIFF0000WAVE", "audio/wav")]])
    assert sent_body(recorder)["input"][0]["content"][1] == {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(b"RIFF0000WAVE").decode(), "format": "wav"},
    }


@pytest.mark.parametrize(
    ("inputs", "kwargs", "match"),
    [
        ("", {}, "must not be empty"),
        ([], {}, "at least one input"),
        (["ok", ""], {}, "must not be empty"),
        ([42], {}, "non-empty string"),
        ("x", {"dimensions": 0}, "dimensions"),
        ("x", {"encoding_format": "int8"}, "encoding_format"),
        ([[TextPart("")]], {}, "TextPart"),
    ],
)
def test_bad_embedding_inputs_fail_before_sending(inputs: Any, kwargs: dict[str, Any], match: str) -> None:
    recorder = Recorder([])
    with pytest.raises(ConfigurationError, match=match):
        _api(recorder, embedding_model="m").embed_sync(inputs, **kwargs)
    assert recorder.seen == []


def test_an_embedding_model_is_needed() -> None:
    with pytest.raises(ConfigurationError, match="embedding model"):
        _api(Recorder([])).embed_sync("x")


def test_base64_vectors_are_little_endian_float32s() -> None:
    floats = [0.5, -1.25, 3.0]
    packed = base64.b64encode(struct.pack("<3f", *floats)).decode()
    answer = {
        "object": "list",
        "model": "m",
        "data": [{"object": "embedding", "embedding": packed, "index": 0}],
    }
    result = _api(Recorder([Reply.json(answer)]), embedding_model="m").embed_sync(
        "x", encoding_format="base64"
    )
    assert result.vectors == [floats]


@pytest.mark.parametrize(
    "data",
    [
        [{"embedding": [1.0], "index": 0}],  # one vector for two inputs
        [{"embedding": [1.0], "index": 0}, {"embedding": [2.0], "index": 0}],  # a repeated index
        [{"embedding": [1.0], "index": 0}, {"embedding": [2.0], "index": 7}],  # out of range
        [{"embedding": "not base64!", "index": 0}, {"embedding": [2.0], "index": 1}],
        [{"embedding": ["x"], "index": 0}, {"embedding": [2.0], "index": 1}],
        [{"embedding": base64.b64encode(b"abc").decode(), "index": 0}, {"embedding": [2.0], "index": 1}],
    ],
)
def test_broken_embedding_answers_are_decode_errors(data: list[Any]) -> None:
    with pytest.raises(DecodeError):
        decode_embeddings({"data": data}, {}, 2)


def test_out_of_order_vectors_are_put_back_in_input_order() -> None:
    batch = decode_embeddings(
        {"data": [{"embedding": [2.0], "index": 1}, {"embedding": [1.0], "index": 0}], "model": "m"}, {}, 2
    )
    assert batch.vectors == [[1.0], [2.0]]


def test_hostile_answers_never_raise_a_foreign_exception() -> None:
    for body in ([], {"data": None}, {"data": [None, None]}, "x", {"data": [{"index": "zero"}]}):
        with pytest.raises(DecodeError):
            _api(Recorder([Reply.json(body)]), embedding_model="m").embed_sync(["a", "b"])


def test_to_numpy_needs_numpy_only_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {
        "object": "list",
        "model": "m",
        "data": [{"object": "embedding", "embedding": [1.0, 2.0], "index": 0}],
    }
    result = _api(Recorder([Reply.json(answer)]), embedding_model="m").embed_sync("x")
    numpy = pytest.importorskip("numpy")
    array = result.to_numpy()
    assert array.shape == (1, 2) and array.dtype == numpy.float32
    monkeypatch.setitem(__import__("sys").modules, "numpy", None)  # as if NumPy were not installed
    with pytest.raises(ConfigurationError, match="NumPy"):
        result.to_numpy()


# -- rerank ----------------------------------------------------------------------------------------------
def test_rerank_decodes_the_spec_example_and_sends_a_valid_request() -> None:
    recorder = Recorder([example_reply("POST", "/rerank")])
    ranked = _api(recorder).rerank_sync(
        "What is the capital of France?",
        ["Paris is the capital of France.", {"text": "Berlin is the capital of Germany."}],
        model="cohere/rerank-v3.5",
        top_n=3,
    )
    assert ranked.indices == [0]
    assert ranked[0].relevance_score == 0.98 and ranked[0].text == "Paris is the capital of France."
    assert (ranked.usage.search_units, ranked.usage.total_tokens) == (1, 150)
    assert ranked.id == "gen-rerank-1234567890-abc"
    assert_valid_body(sent_body(recorder), "POST", "/rerank")


def test_rerank_results_are_sorted_and_checked() -> None:
    answer = {
        "model": "m",
        "results": [{"index": 0, "relevance_score": 0.1}, {"index": 1, "relevance_score": 0.9}],
    }
    ranked = _api(Recorder([Reply.json(answer)])).rerank_sync("q", ["a", "b"], model="m")
    assert ranked.indices == [1, 0]
    bad = {"model": "m", "results": [{"index": 5, "relevance_score": 0.1}]}
    with pytest.raises(DecodeError):
        _api(Recorder([Reply.json(bad)])).rerank_sync("q", ["a", "b"], model="m")
    for documents in ([], "a document", [{"title": "x"}]):
        with pytest.raises(ConfigurationError):
            _api(Recorder([])).rerank_sync("q", documents, model="m")  # type: ignore[arg-type]


# -- images ----------------------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_images_decode_to_file_parts_and_the_request_is_valid() -> None:
    example = spec_example("POST", "/images")
    assert example["data"][0]["b64_json"] == "<base64-encoded-image>"  # a placeholder, not base64
    with pytest.raises(DecodeError, match="base64"):
        _api(Recorder([Reply.json(example)])).generate_images_sync("x", model="m")
    answer = {**example, "data": [{"b64_json": base64.b64encode(PNG).decode()}]}
    recorder = Recorder([Reply.json(answer)])
    made = _api(recorder).generate_images_sync(
        "a lighthouse",
        model="google/gemini-2.5-flash-image",
        n=1,
        aspect_ratio="16:9",
        output_format="png",
        seed=3,
        input_references=["https://example.com/ref.png", FilePart.from_bytes(PNG, "image/png")],
    )
    assert made.images[0].data == PNG and made.images[0].mime_type == "image/png"
    assert (made.usage.completion_tokens, made.usage.cost) == (4175, Decimal("0.04"))
    body = sent_body(recorder)
    assert_valid_body(body, "POST", "/images")
    assert body["input_references"][0] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/ref.png"},
    }


def test_image_models_and_endpoints_decode_the_spec_examples() -> None:
    recorder = Recorder(
        [
            example_reply("GET", "/images/models"),
            example_reply("GET", "/images/models/{author}/{slug}/endpoints"),
        ]
    )
    api = _api(recorder)
    [model] = api.list_image_models_sync()
    assert model.id == "bytedance-seed/seedream-4.5" and model.output_modalities == ("image",)
    assert model.supported_parameters["resolution"]["values"] == ["1K", "2K", "4K"]
    [endpoint] = api.list_image_model_endpoints_sync("bytedance-seed/seedream-4.5")
    assert (endpoint.provider_name, endpoint.provider_slug) == ("Bytedance", "bytedance")
    assert endpoint.pricing[0]["cost_usd"] == 0.05
    assert recorder.seen[1].path == "/api/v1/images/models/bytedance-seed/seedream-4.5/endpoints"


# -- audio -----------------------------------------------------------------------------------------------
def test_speech_is_bytes_with_its_media_type_and_the_request_is_valid() -> None:
    audio = b"ID3\x04" + b"\x00" * 64
    recorder = Recorder([Reply(200, audio, {"content-type": "audio/mpeg", "x-generation-id": "gen-s"})])
    speech = _api(recorder).speech_sync(
        "Hello", model="openai/gpt-4o-mini-tts", voice="alloy", response_format="mp3"
    )
    assert (speech.data, speech.media_type, speech.generation_id) == (audio, "audio/mpeg", "gen-s")
    assert speech.as_part().category == "audio"
    assert_valid_body(sent_body(recorder), "POST", "/audio/speech")
    assert recorder.seen[0].headers["accept"] == "audio/*"
    assert "bytes" in repr(speech) and "ID3" not in repr(speech)


def test_speech_streams_chunk_by_chunk_sync_and_async() -> None:
    chunks = [b"ID3", b"\x00" * 10, b"\xff\xfb" * 5]
    route = lambda seen: Reply(200, b"".join(chunks), {"content-type": "audio/mpeg"})  # noqa: E731
    api = _api(Recorder(route=route))
    with api.stream_speech_sync("Hello", model="m") as audio:
        assert audio.content_type == "audio/mpeg"
        assert b"".join(audio) == b"".join(chunks)

    async def run() -> bytes:
        async with api.stream_speech("Hello", model="m") as audio:
            return b"".join([chunk async for chunk in audio])

    assert asyncio.run(run()) == b"".join(chunks)


def test_a_speech_answer_that_is_json_is_an_error_never_audio() -> None:
    error = {"error": {"code": 502, "message": "Provider returned error"}}
    with pytest.raises(StreamError, match="Provider returned error"):
        _api(Recorder([Reply.json(error)])).speech_sync("Hello", model="m")
    with pytest.raises(DecodeError, match="expected binary content"):
        _api(Recorder([Reply.json({"ok": True})])).speech_sync("Hello", model="m")


def test_transcription_sends_base64_audio_and_decodes_the_spec_example(tmp_path: Path) -> None:
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
    recorder = Recorder([example_reply("POST", "/audio/transcriptions")] * 3)
    api = _api(recorder)
    heard = api.transcribe_sync(wav, model="openai/whisper-1", language="en", response_format="json")
    assert heard.text.startswith("Hello, this is a test")
    assert (heard.usage.seconds, heard.usage.input_tokens, heard.usage.cost) == (9.2, 83, Decimal("0.000508"))
    body = sent_body(recorder)
    assert_valid_body(body, "POST", "/audio/transcriptions")
    assert body["input_audio"] == {"data": base64.b64encode(wav).decode(), "format": "wav"}
    path = tmp_path / "note.mp3"
    path.write_bytes(b"ID3" + b"\x00" * 16)
    api.transcribe_sync(path, model="m")
    assert sent_body(recorder)["input_audio"]["format"] == "mp3"
    api.transcribe_sync(b"\x01\x02", model="m", format="pcm16")
    assert sent_body(recorder)["input_audio"]["format"] == "pcm16"
    with pytest.raises(ConfigurationError, match="format"):
        api.transcribe_sync(b"\x01\x02", model="m")
    with pytest.raises(ConfigurationError, match="URL"):
        api.transcribe_sync(FilePart.from_url("https://x/a.mp3"), model="m")


# -- videos ----------------------------------------------------------------------------------------------
def test_video_jobs_decode_the_spec_examples_and_the_request_is_valid() -> None:
    recorder = Recorder(
        [
            example_reply("POST", "/videos", status=202),
            example_reply("GET", "/videos/{jobId}"),
            example_reply("GET", "/videos/models"),
        ]
    )
    api = _api(recorder)
    job = api.create_video_sync(
        "a sunset",
        model="google/veo-3.1",
        duration=8,
        aspect_ratio="16:9",
        first_frame=FilePart.from_bytes(PNG, "image/png"),
    )
    assert (job.id, job.status, job.generation_id, job.done) == ("job-abc123", "pending", "gen-xyz789", False)
    body = sent_body(recorder)
    assert_valid_body(body, "POST", "/videos")
    assert body["frame_images"][0]["frame_type"] == "first_frame"
    done = api.get_video_sync(job)
    assert (done.status, done.urls, done.cost, done.done) == (
        "completed",
        ("https://storage.example.com/video.mp4",),
        0.5,
        True,
    )
    assert recorder.seen[1].path == "/api/v1/videos/job-abc123"
    [model] = api.list_video_models_sync()
    assert model.supported_durations == (5, 8) and model.supported_resolutions == ("720p",)


def _job(status: str, **extra: Any) -> Reply:
    return Reply.json({"id": "job-1", "polling_url": "/api/v1/videos/job-1", "status": status, **extra})


class _Time:
    """A fake clock that the fake sleep advances: waiting costs no real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def test_waiting_backs_off_politely_until_the_job_completes() -> None:
    time = _Time()
    replies = [_job("in_progress")] * 4 + [_job("completed", unsigned_urls=["u"])]
    api = _api(Recorder(replies), clock=time.clock, sleep=time.sleep)
    job = api.wait_for_video_sync("job-1", poll_interval=2, max_interval=4)
    assert job.status == "completed"
    assert time.sleeps == [2, 3.0, 4, 4]  # x1.5 each poll, capped at max_interval
    # The async twin makes the same calls and waits.
    async_time = _Time()
    api = _api(Recorder(replies), clock=async_time.clock, asleep=async_time.asleep)
    assert asyncio.run(api.wait_for_video("job-1", poll_interval=2, max_interval=4)).status == "completed"
    assert async_time.sleeps == time.sleeps


def test_waiting_ends_at_the_deadline_on_failure_and_on_cancel() -> None:
    time = _Time()
    api = _api(Recorder(route=lambda seen: _job("in_progress")), clock=time.clock, sleep=time.sleep)
    with pytest.raises(TimeoutError, match="still in_progress") as timed_out:
        api.wait_for_video_sync("job-1", timeout=30, poll_interval=5, max_interval=10)
    assert timed_out.value.phase == "total"
    assert sum(time.sleeps) == 30  # never past the deadline
    with pytest.raises(APIError, match="failed: content policy"):
        _api(Recorder([_job("failed", error="content policy")])).wait_for_video_sync("job-1")
    cancel = threading.Event()
    polls: list[Seen] = []

    def route(seen: Seen) -> Reply:
        polls.append(seen)
        cancel.set()  # the user gives up while the job is still running
        return _job("in_progress")

    with pytest.raises(TimeoutError, match="cancelled") as stopped:
        _api(Recorder(route=route)).wait_for_video_sync("job-1", cancel=cancel, poll_interval=60)
    assert stopped.value.phase == "cancelled" and len(polls) == 1  # no 60 s wait: the event wakes it


def test_a_given_job_is_not_polled_before_the_first_wait_and_ids_are_path_safe() -> None:
    time = _Time()
    recorder = Recorder([_job("completed")])
    pending = VideoJob("job-1", "pending")
    _api(recorder, clock=time.clock, sleep=time.sleep).wait_for_video_sync(pending, poll_interval=5)
    assert time.sleeps == [5]
    # An id from a caller or a server stays one path segment: it cannot reach another path with the key.
    assert segment("../keys", "id") == "..%2Fkeys" and segment("a?b#c", "id") == "a%3Fb%23c"
    for hostile in ("", "..", "."):
        with pytest.raises(ConfigurationError):
            _api(Recorder([])).get_video_sync(hostile)


def test_video_content_is_downloaded_as_bytes() -> None:
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16
    recorder = Recorder([Reply(200, mp4, {"content-type": "video/mp4"})])
    assert _api(recorder).download_video_sync("job-1", index=0) == mp4
    seen = recorder.seen[0]
    assert (seen.path, seen.params, seen.headers["accept"]) == (
        "/api/v1/videos/job-1/content",
        {"index": "0"},
        "video/*",
    )
