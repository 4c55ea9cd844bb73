"""What the media endpoint groups (images, audio, videos) share: media references, base64 and usage
(format sniffing is :mod:`chat_openrouter.core.media`)."""

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

__all__ = ["b64_bytes", "media_reference", "usage_cost"]


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
