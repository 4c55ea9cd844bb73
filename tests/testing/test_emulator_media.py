"""Embeddings, rerank, images, speech, transcription and video jobs: deterministic, spec-shaped, billed.

Every request here goes through an emulator that validates it against the spec, and every JSON answer is
validated against the response schema the spec declares for it.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from typing import Any

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter.testing.emulator import Emulator

from ._emu import KEY, assert_answer_valid, assert_spec_valid, parse_sse, raw_client, strict_emulator

EMBED = "emulator/embedding"


def _embed(client: httpx2.Client, inputs: Any, **extra: Any) -> httpx2.Response:
    return client.post("/embeddings", json={"model": EMBED, "input": inputs, **extra})


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


# -- embeddings ----------------------------------------------------------------------------------------------
def test_embeddings_are_unit_vectors_equal_for_equal_texts_and_billed() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        r = _embed(client, ["The quick brown fox", "The quick brown fox", "Quarterly tax filing rules"])
        again = _embed(client, "The quick brown fox")
    assert_answer_valid("POST", "/embeddings", r)
    body = r.json()
    assert body["object"] == "list"
    assert body["model"] == EMBED
    assert [d["index"] for d in body["data"]] == [0, 1, 2]
    vectors = [d["embedding"] for d in body["data"]]
    assert {len(v) for v in vectors} == {384}
    assert all(math.isclose(_cosine(v, v), 1.0, rel_tol=1e-9) for v in vectors)
    assert vectors[0] == vectors[1] == again.json()["data"][0]["embedding"]
    usage = body["usage"]
    assert usage["prompt_tokens"] == usage["total_tokens"] == 4 + 4 + 4
    assert usage["cost"] == pytest.approx(12 * 0.00000002)
    assert r.headers["x-generation-id"] == body["id"]
    assert emulator.generations[body["id"]]["api_type"] == "embeddings"


def test_texts_sharing_words_are_closer_than_unrelated_ones() -> None:
    query = "How do I reset my router password?"
    related = "Resetting the password on your router takes a minute."
    unrelated = "The orchestra tuned up before the symphony began."
    with raw_client(strict_emulator()) as client:
        q, near, far = (d["embedding"] for d in _embed(client, [query, related, unrelated]).json()["data"])
    assert _cosine(q, near) > _cosine(q, far) + 0.2
    assert abs(_cosine(q, far)) < 0.2


@settings(max_examples=25, deadline=None)
@given(
    shared=st.lists(
        st.sampled_from(["apple", "river", "engine", "violet", "tundra", "copper"]),
        min_size=2,
        max_size=4,
        unique=True,
    ),
    other=st.lists(
        st.sampled_from(["opera", "quartz", "meadow", "signal", "harbor", "lantern"]),
        min_size=2,
        max_size=4,
        unique=True,
    ),
)
def test_adding_shared_words_always_brings_texts_closer(shared: list[str], other: list[str]) -> None:
    with raw_client(Emulator()) as client:
        base, more, none = (
            d["embedding"]
            for d in _embed(client, [" ".join(shared), " ".join([*shared, *other]), " ".join(other)]).json()[
                "data"
            ]
        )
    assert _cosine(base, more) > _cosine(base, none)


def test_dimensions_truncate_and_renormalise_and_base64_is_float32() -> None:
    with raw_client(strict_emulator()) as client:
        full = _embed(client, "semantic search").json()["data"][0]["embedding"]
        short = _embed(client, "semantic search", dimensions=8).json()["data"][0]["embedding"]
        packed = _embed(client, "semantic search", encoding_format="base64", dimensions=8)
    assert_answer_valid("POST", "/embeddings", packed)
    norm = math.sqrt(sum(x * x for x in full[:8]))
    assert short == pytest.approx([x / norm for x in full[:8]])
    raw = base64.b64decode(packed.json()["data"][0]["embedding"])
    assert struct.unpack("<8f", raw) == pytest.approx(short, rel=1e-6)


def test_token_ids_and_multimodal_inputs_are_embedded_too() -> None:
    with raw_client(strict_emulator()) as client:
        tokens = _embed(client, [[1, 2, 3], [1, 2, 3], [9, 9]]).json()["data"]
        parts = _embed(
            client,
            [
                {
                    "content": [
                        {"type": "text", "text": "a red car"},
                        {"type": "image_url", "image_url": {"url": "https://x/1.png"}},
                    ]
                }
            ],
        ).json()["data"]
    assert tokens[0]["embedding"] == tokens[1]["embedding"] != tokens[2]["embedding"]
    assert len(parts) == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"input": ["x"] * 2049}, "at most 2048 inputs"),
        ({"input": "word " * 9000}, "maximum context length of 8192"),
        ({"input": ["word " * 8000] * 40}, "300000 allowed per request"),
        ({"input": "x", "dimensions": 385}, "at most 384 dimensions"),
        ({"input": ""}, "Invalid request"),
        ({"input": "x", "encoding_format": "int8"}, "Invalid request"),
        ({"input": "x", "model": "emulator/echo"}, "not available on /embeddings"),
        ({"input": "x", "model": "nobody/nothing"}, "not a valid model ID"),
    ],
    ids=[
        "too-many-inputs",
        "input-too-long",
        "request-too-long",
        "too-many-dimensions",
        "empty",
        "format",
        "chat-model",
        "unknown",
    ],
)
def test_embedding_limits_and_mistakes_are_400s(extra: dict[str, Any], message: str) -> None:
    with raw_client(Emulator()) as client:  # the emulator's own checks
        own = client.post("/embeddings", json={"model": EMBED, **extra})
    with raw_client(strict_emulator()) as client:  # with the spec's on top, whichever speaks first
        both = client.post("/embeddings", json={"model": EMBED, **extra})
    assert own.status_code == both.status_code == 400
    assert message in own.json()["error"]["message"]
    assert_answer_valid("POST", "/embeddings", own)
    assert_answer_valid("POST", "/embeddings", both)


def test_embedding_models_are_listed() -> None:
    with raw_client(Emulator()) as client:
        r = client.get("/embeddings/models")
    assert_answer_valid("GET", "/embeddings/models", r)
    assert [m["id"] for m in r.json()["data"]] == [EMBED]
    assert r.json()["data"][0]["architecture"]["output_modalities"] == ["embeddings"]


# -- rerank --------------------------------------------------------------------------------------------------------
def test_rerank_orders_documents_by_shared_words() -> None:
    documents = [
        "Berlin is the capital of Germany.",
        {"text": "Paris is the capital and largest city of France."},
        "Bananas are rich in potassium.",
    ]
    with raw_client(strict_emulator()) as client:
        r = client.post(
            "/rerank",
            json={
                "model": "emulator/rerank",
                "query": "What is the capital of France?",
                "documents": documents,
                "top_n": 2,
            },
        )
        again = client.post(
            "/rerank",
            json={
                "model": "emulator/rerank",
                "query": "What is the capital of France?",
                "documents": documents,
            },
        )
    assert_answer_valid("POST", "/rerank", r)
    results = r.json()["results"]
    assert [x["index"] for x in results] == [1, 0]
    assert results[0]["document"] == {"text": "Paris is the capital and largest city of France."}
    assert 1 >= results[0]["relevance_score"] > results[1]["relevance_score"] > 0
    assert [x["index"] for x in again.json()["results"]] == [1, 0, 2]
    assert again.json()["results"][2]["relevance_score"] == 0
    assert r.json()["usage"]["search_units"] == 1
    assert r.json()["usage"]["cost"] > 0


# -- images --------------------------------------------------------------------------------------------------------
def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, size, chunks = 8, (0, 0), []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, payload = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + payload), kind
        chunks.append(kind)
        if kind == b"IHDR":
            size = struct.unpack(">II", payload[:8])
        if kind == b"IDAT":
            width, height = size
            assert len(zlib.decompress(payload)) == height * (1 + 3 * width)
        position += 12 + length
    assert chunks == [b"IHDR", b"IDAT", b"IEND"]
    return size


def test_images_are_valid_pngs_drawn_from_the_prompt() -> None:
    emulator = strict_emulator()
    body = {
        "model": "emulator/image-generation",
        "prompt": "a red panda astronaut",
        "n": 2,
        "aspect_ratio": "16:9",
    }
    with raw_client(emulator) as client:
        r = client.post("/images", json=body)
        again = client.post("/images", json=body)
        other = client.post("/images", json={**body, "prompt": "a blue whale"})
    assert_answer_valid("POST", "/images", r)
    data = r.json()["data"]
    assert [d["media_type"] for d in data] == ["image/png", "image/png"]
    pictures = [base64.b64decode(d["b64_json"]) for d in data]
    assert [_png_size(p) for p in pictures] == [(32, 18), (32, 18)]
    assert pictures[0] != pictures[1]  # n images differ
    assert data == again.json()["data"] != other.json()["data"]  # same prompt, same pictures
    usage = r.json()["usage"]
    assert usage["cost"] == pytest.approx(2 * 0.002)
    assert emulator.generations[r.headers["x-generation-id"]]["api_type"] == "image"


def test_images_stream_and_svg_and_unsupported_formats() -> None:
    with raw_client(strict_emulator()) as client:
        streamed = client.post(
            "/images", json={"model": "emulator/image-generation", "prompt": "dawn", "stream": True}
        )
        svg = client.post(
            "/images", json={"model": "emulator/image-generation", "prompt": "dawn", "output_format": "svg"}
        )
        jpeg = client.post(
            "/images", json={"model": "emulator/image-generation", "prompt": "dawn", "output_format": "jpeg"}
        )
    events = parse_sse(streamed.content)
    assert events.done
    assert [e["type"] for e in events.data] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    for event in events.data:
        assert_spec_valid({"data": event}, "ImageStreamingResponse")
    assert base64.b64decode(events.data[1]["b64_json"]).startswith(b"\x89PNG")
    assert base64.b64decode(svg.json()["data"][0]["b64_json"]).startswith(b"<svg ")
    assert jpeg.status_code == 400
    assert "png and svg" in jpeg.json()["error"]["message"]


def test_image_models_and_their_endpoints_are_listed() -> None:
    with raw_client(Emulator()) as client:
        listed = client.get("/images/models")
        endpoints = client.get("/images/models/emulator/image-generation/endpoints")
        missing = client.get("/images/models/emulator/echo/endpoints")
    assert_answer_valid("GET", "/images/models", listed)
    assert_answer_valid("GET", "/images/models/{author}/{slug}/endpoints", endpoints)
    assert {m["id"] for m in listed.json()["data"]} == {"emulator/image-generation", "emulator/image-output"}
    assert endpoints.json()["endpoints"][0]["pricing"][0]["cost_usd"] == 0.002
    assert missing.status_code == 404


# -- speech and transcription --------------------------------------------------------------------------------------
def test_speech_streams_mp3_that_transcription_reads_back() -> None:
    emulator = strict_emulator()
    text = "Hello from the emulator, in five words or so."
    with raw_client(emulator) as client:
        with client.stream("POST", "/audio/speech", json={"model": "emulator/speech", "input": text}) as r:
            pieces = list(r.iter_raw())
            content_type = r.headers["content-type"]
        audio = b"".join(pieces)
        heard = client.post(
            "/audio/transcriptions",
            json={
                "model": "emulator/transcription",
                "input_audio": {"data": base64.b64encode(audio).decode(), "format": "mp3"},
            },
        )
    assert content_type == "audio/mpeg"
    assert len(pieces) > 1  # streamed in pieces, not one body
    assert audio.startswith(b"ID3")
    assert b"\xff\xfb\x90\xc4" in audio  # MPEG-1 Layer III frames follow the tag
    assert_answer_valid("POST", "/audio/transcriptions", heard)
    assert heard.json()["text"] == text
    assert heard.json()["usage"]["seconds"] == pytest.approx(9 * 0.3, abs=0.03)
    assert [g["api_type"] for g in emulator.generations.values()] == ["tts", "stt"]


def test_pcm_speech_and_multipart_uploads_and_verbose_transcripts() -> None:
    with raw_client(strict_emulator()) as client:
        pcm = client.post(
            "/audio/speech", json={"model": "emulator/speech", "input": "two words", "response_format": "pcm"}
        )
        heard = client.post(
            "/audio/transcriptions",
            files={"file": ("tone.pcm", pcm.content, "audio/pcm")},
            data={
                "model": "emulator/transcription",
                "response_format": "verbose_json",
                "timestamp_granularities[]": "word",
            },
        )
        missing = client.post(
            "/audio/transcriptions", data={"model": "emulator/transcription"}, files={"other": ("x", b"1")}
        )
        not_base64 = client.post(
            "/audio/transcriptions",
            json={"model": "emulator/transcription", "input_audio": {"data": "%%%", "format": "wav"}},
        )
    assert pcm.headers["content-type"] == "audio/pcm"
    assert len(pcm.content) == 2 * 24000 * 0.6  # 0.6 s of 16-bit mono at 24 kHz
    body = heard.json()
    assert_answer_valid("POST", "/audio/transcriptions", heard)
    assert body["text"] == "[0.6 seconds of pcm16 audio]"  # raw PCM carries no text: described instead
    assert body["duration"] == 0.6
    assert [w["word"] for w in body["words"]] == ["[0.6", "seconds", "of", "pcm16", "audio]"]
    assert missing.status_code == not_base64.status_code == 400


# -- videos ----------------------------------------------------------------------------------------------------------
def test_a_video_job_is_in_progress_for_a_few_polls_then_completes_with_content() -> None:
    emulator = strict_emulator(video_polls=2)
    with (
        emulator.loopback() as server,
        httpx2.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        created = client.post(
            "/videos", json={"model": "emulator/video", "prompt": "a sunset", "duration": 2}
        )
        job = created.json()
        polls = [client.get(f"/videos/{job['id']}") for _ in range(3)]
        content = client.get(polls[-1].json()["unsigned_urls"][0])
        fresh = client.post("/videos", json={"model": "emulator/video", "prompt": "x"}).json()
        too_early = client.get(f"/videos/{fresh['id']}/content")
        unknown = client.get("/videos/job-nothing")
    assert created.status_code == 202
    assert_answer_valid("POST", "/videos", created)
    assert job["status"] == "pending"
    assert job["polling_url"] == f"/api/v1/videos/{job['id']}"
    for poll in polls:
        assert_answer_valid("GET", "/videos/{jobId}", poll)
    assert [p.json()["status"] for p in polls] == ["in_progress", "in_progress", "completed"]
    done = polls[-1].json()
    assert done["unsigned_urls"] == [f"{server.url}/api/v1/videos/{job['id']}/content?index=0"]
    assert done["usage"]["cost"] == pytest.approx(2 * 0.01)
    assert content.headers["content-type"] == "video/mp4"
    assert content.content[4:12] == b"ftypisom"
    assert b"moov" in content.content
    assert b"a sunset" in content.content
    assert too_early.status_code == 400
    assert unknown.status_code == 404
    assert_answer_valid("GET", "/videos/{jobId}", unknown)


def test_video_models_are_listed_and_durations_checked() -> None:
    with raw_client(strict_emulator()) as client:
        listed = client.get("/videos/models")
        odd = client.post("/videos", json={"model": "emulator/video", "duration": 3})
    assert_answer_valid("GET", "/videos/models", listed)
    assert listed.json()["data"][0]["supported_durations"] == [1, 2, 4, 8]
    assert odd.status_code == 400


# -- faults and auth apply here too ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/embeddings", {"model": EMBED, "input": "x"}),
        ("/rerank", {"model": "emulator/rerank", "query": "q", "documents": ["d"]}),
        ("/images", {"model": "emulator/image-generation", "prompt": "p"}),
        ("/audio/speech", {"model": "emulator/speech", "input": "hi"}),
        ("/videos", {"model": "emulator/video", "prompt": "p"}),
    ],
)
def test_media_endpoints_honour_fault_headers_and_need_a_key(path: str, body: dict[str, Any]) -> None:
    emulator = Emulator()
    with raw_client(emulator) as client:
        limited = client.post(path, json=body, headers={"X-Emulator-Fault": "rate-limit"})
        retried = client.post(path, json=body, headers={"X-Emulator-Fault": "rate-limit"})
    with raw_client(emulator, key=None) as anonymous:
        refused = anonymous.post(path, json=body)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "0.05"
    assert retried.status_code in (200, 202)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "No auth credentials found"
