"""One sniffer of media bytes for the CLI's attachments, the media APIs and the wires' audio output."""

from __future__ import annotations

import pytest

from chat_openrouter.core.media import (
    AUDIO_MEDIA_TYPES,
    audio_format,
    audio_format_name,
    audio_media_type,
    sniff_audio_format,
    sniff_image,
    sniff_media_type,
)

SAMPLES = [
    (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"\xff\xd8\xff\xe0..JFIF", "image/jpeg"),
    (b"GIF89a....", "image/gif"),
    (b"GIF87a....", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
    (b"%PDF-1.7\n", "application/pdf"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
    (b"ID3\x04\x00", "audio/mpeg"),
    (b"\xff\xfb\x90\x00", "audio/mpeg"),
    (b"OggS\x00\x02", "audio/ogg"),
    (b"fLaC\x00\x00", "audio/flac"),
    (b"FORM\x00\x00\x00\x00AIFF", "audio/aiff"),
    (b"\x00\x00\x00\x20ftypM4A \x00", "audio/mp4"),
    (b"\x00\x00\x00\x20ftypisom\x00", "video/mp4"),
    (b"\x1a\x45\xdf\xa3\x9f", "video/webm"),
    (b"plain text", None),
    (b"", None),
]


@pytest.mark.parametrize(("data", "expected"), SAMPLES)
def test_media_types_from_the_first_bytes(data: bytes, expected: str | None) -> None:
    assert sniff_media_type(data) == expected


@pytest.mark.parametrize(("data", "expected"), SAMPLES)
def test_the_narrow_sniffers_agree_with_the_general_one(data: bytes, expected: str | None) -> None:
    image, audio = sniff_image(data), sniff_audio_format(data)
    if expected is not None and expected.startswith("image/"):
        assert image == expected
    else:
        assert image is None
    if expected is not None and expected.startswith("audio/"):
        assert audio is not None and AUDIO_MEDIA_TYPES[audio] == expected


@pytest.mark.parametrize(
    ("mime", "expected"),
    [("audio/wav", "wav"), ("audio/MPEG; rate=44100", "mp3"), ("audio/x-flac", "flac"), ("audio/opus", None)],
)
def test_audio_format_knows_the_spec_names(mime: str, expected: str | None) -> None:
    assert audio_format(mime) == expected


def test_unknown_audio_formats_keep_their_name_both_ways() -> None:
    assert audio_format_name("audio/x-opus") == "opus" and audio_format_name("audio/wav") == "wav"
    assert audio_media_type("opus") == "audio/opus" and audio_media_type("mp3") == "audio/mpeg"
