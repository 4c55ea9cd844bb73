"""What the media endpoint groups (images, audio, videos) share: media references and format sniffing."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...core.parts import FilePart
from ...core.usage import as_cost
from ...errors import ConfigurationError, DecodeError
from ...wire.common.lenient import as_mapping, opt_bool, opt_float, opt_int

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["b64_bytes", "media_reference", "sniff_audio", "sniff_image", "usage_cost"]

#: Magic numbers of the image formats ``POST /images`` makes (spec ``output_format``).
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)


def sniff_image(data: bytes) -> str | None:
    """The MIME type of image bytes from their first bytes (PNG, JPEG, GIF, WebP, SVG), else None."""
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:256].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "image/svg+xml"
    return None


def sniff_audio(data: bytes) -> str | None:
    """The ``input_audio.format`` of audio bytes (wav, mp3, flac, ogg, m4a, aiff), else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data.startswith(b"fLaC"):
        return "flac"
    if data.startswith(b"OggS"):
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data.startswith(b"FORM") and data[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    return None


def b64_bytes(value: Any, what: str) -> bytes:
    """Decode a base64 field of an answer; a :class:`~chat_openrouter.errors.DecodeError` if it is not."""
    if not isinstance(value, str):
        raise DecodeError(f"{what}: expected base64 text", snippet=str(value)[:60])
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DecodeError(f"{what}: not valid base64", snippet=value[:60]) from None


def media_reference(item: FilePart | str, what: str) -> dict[str, Any]:
    """An input reference (spec ``InputReference``): ``image_url`` / ``audio_url`` / ``video_url`` by URL.

    A string is an image URL (https or ``data:``); a :class:`FilePart` goes by its URL or as a
    ``data:`` URL of its bytes, typed by its MIME type.
    """
    if isinstance(item, str):
        if not item:
            raise ConfigurationError(f"{what}: an empty URL")
        return {"type": "image_url", "image_url": {"url": item}}
    if not isinstance(item, FilePart):
        raise ConfigurationError(f"{what}: a URL string or a FilePart, got {type(item).__name__}")
    kind = {"image": "image_url", "audio": "audio_url", "video": "video_url"}.get(item.category)
    if kind is None:
        raise ConfigurationError(f"{what}: an image, audio or video file, got {item.mime_type}")
    return {"type": kind, kind: {"url": item.data_url()}}


def usage_cost(usage: Mapping[str, Any]) -> tuple[Decimal | None, bool | None]:
    """``usage.cost`` (an exact ``Decimal``, as every cost) and ``usage.is_byok`` of a media answer, leniently."""
    cost = opt_float(usage.get("cost"))
    return as_cost(cost if cost is not None and cost >= 0 else None), opt_bool(usage.get("is_byok"))


def tokens(usage: Any, name: str) -> int | None:
    """An integer usage field, leniently."""
    return opt_int(as_mapping(usage).get(name))
