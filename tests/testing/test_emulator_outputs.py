"""Chat models that answer with pictures and speech: ``modalities``, ``image_config``, ``audio`` on both wires."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from chat_openrouter.testing.emulator import Emulator

from ._emu import assert_events_valid, parse_sse, raw_client, strict_emulator, user

IMAGE = {"model": "emulator/image-output", "modalities": ["image", "text"]}
AUDIO = {"model": "emulator/audio-output", "modalities": ["text", "audio"]}


def _png_size(data_url: str) -> tuple[int, int]:
    prefix = "data:image/png;base64,"
    assert data_url.startswith(prefix)
    png = base64.b64decode(data_url[len(prefix) :])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _chat(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with raw_client(strict_emulator()) as client:
        whole = client.post("/chat/completions", json=body)
        streamed = client.post("/chat/completions", json={**body, "stream": True})
    assert whole.status_code == streamed.status_code == 200, whole.text
    return whole.json(), [c for c in parse_sse(streamed.content).data if c["choices"]]


def test_chat_image_output_is_a_png_data_url_in_message_images_and_delta_images() -> None:
    whole, chunks = _chat(
        {**IMAGE, "messages": user("a lighthouse at dusk"), "image_config": {"aspect_ratio": "9:16"}}
    )
    message = whole["choices"][0]["message"]
    assert message["content"] == "a lighthouse at dusk"
    [image] = message["images"]
    assert image["type"] == "image_url"
    assert _png_size(image["image_url"]["url"]) == (18, 32)
    assert whole["usage"]["completion_tokens_details"]["image_tokens"] == 1290
    streamed = [c["choices"][0]["delta"]["images"] for c in chunks if "images" in c["choices"][0]["delta"]]
    assert streamed == [[image]]


def test_without_image_modalities_the_image_model_answers_text_only() -> None:
    whole, chunks = _chat({"model": "emulator/image-output", "messages": user("just words")})
    assert "images" not in whole["choices"][0]["message"]
    assert not any("images" in c["choices"][0]["delta"] for c in chunks)


def test_responses_image_output_is_an_image_generation_call_item() -> None:
    body = {**IMAGE, "input": "a lighthouse"}
    with raw_client(strict_emulator()) as client:
        whole = client.post("/responses", json=body).json()
        events = parse_sse(client.post("/responses", json={**body, "stream": True}).content).data
    [item] = [i for i in whole["output"] if i["type"] == "image_generation_call"]
    assert item["status"] == "completed"
    assert base64.b64decode(item["result"]).startswith(b"\x89PNG")
    kinds = [e["type"] for e in events]
    progress = [k for k in kinds if k.startswith("response.image_generation_call.")]
    assert progress == [
        "response.image_generation_call.in_progress",
        "response.image_generation_call.generating",
        "response.image_generation_call.partial_image",
        "response.image_generation_call.completed",
    ]
    assert_events_valid(events)
    [final] = [i for i in events[-1]["response"]["output"] if i["type"] == "image_generation_call"]
    assert final["result"] == item["result"]  # the same picture, streamed or not
    assert final["id"].startswith("ig_tmp_")


@pytest.mark.parametrize(("fmt", "magic"), [("wav", b"RIFF"), ("mp3", b"ID3"), ("pcm16", None)])
def test_chat_audio_output_streams_pieces_that_add_up_to_the_whole(fmt: str, magic: bytes | None) -> None:
    body = {**AUDIO, "messages": user("say it back to me"), "audio": {"voice": "nova", "format": fmt}}
    whole, chunks = _chat(body)
    audio = whole["choices"][0]["message"]["audio"]
    assert audio["transcript"] == "say it back to me"
    assert audio["id"].startswith("audio_")
    assert audio["expires_at"] > whole["created"]
    data = base64.b64decode(audio["data"])
    if magic is not None:
        assert data.startswith(magic)
    pieces = [c["choices"][0]["delta"]["audio"] for c in chunks if "audio" in c["choices"][0]["delta"]]
    assert pieces[0]["id"].startswith("audio_")  # once, on the first piece (a different generation)
    assert "".join(p["transcript"] for p in pieces) == audio["transcript"]
    assert b"".join(base64.b64decode(p["data"]) for p in pieces) == data
    assert pieces[-1]["expires_at"] == audio["expires_at"]
    assert whole["usage"]["completion_tokens_details"]["audio_tokens"] > 0


def test_spoken_wav_reads_back_through_the_transcription_endpoint() -> None:
    whole, _ = _chat({**AUDIO, "messages": user("round trip"), "audio": {"format": "wav"}})
    data = whole["choices"][0]["message"]["audio"]["data"]
    with raw_client(strict_emulator()) as client:
        heard = client.post(
            "/audio/transcriptions",
            json={"model": "emulator/transcription", "input_audio": {"data": data, "format": "wav"}},
        ).json()
    assert heard["text"] == "round trip"


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        (
            "/chat/completions",
            {"model": "emulator/echo", "messages": user("x"), "modalities": ["image", "text"]},
            404,
            "No endpoints found that support image output",
        ),
        (
            "/chat/completions",
            {**AUDIO, "messages": user("x"), "audio": {"format": "flac"}},
            400,
            "not supported",
        ),
        ("/responses", {**AUDIO, "input": "x"}, 400, "modalities"),
        (
            "/chat/completions",
            {"model": "emulator/embedding", "messages": user("x")},
            400,
            "not available on",
        ),
    ],
    ids=[
        "text-model-asked-for-images",
        "unknown-audio-format",
        "audio-on-responses",
        "embedding-model-on-chat",
    ],
)
def test_outputs_a_model_cannot_make_are_refused(
    path: str, body: dict[str, Any], status: int, message: str
) -> None:
    with raw_client(Emulator()) as client:  # the emulator's own checks (the spec would refuse some first)
        r = client.post(path, json=body)
    assert r.status_code == status
    assert message in r.json()["error"]["message"]
