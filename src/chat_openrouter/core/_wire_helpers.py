"""The pieces of encoding and decoding that are the same on both wires.

The two wire codecs mirror each other but never import each other (STYLE.md, "The picture"). Whatever
both do in the same way -- the text of a part, inline file data, audio format names, a tool call read
back as a :class:`ToolPart`, the usage and cost fields, one ``json.loads`` per stream payload -- is
written once here, so a fix lands on both wires at once. Wire-specific shapes (field names, nesting,
``tool_choice`` forms, error envelopes) stay in each wire's ``codec.py``.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import DecodeError
from ._lenient import as_int, as_mapping, opt_bool, opt_float
from .parts import FilePart, StructuredPart, TextPart, ToolPart
from .usage import Usage

if TYPE_CHECKING:
    from .response import ChatResponse

__all__ = [
    "SNIPPET",
    "audio_format",
    "inline_base64",
    "inline_filename",
    "is_inline",
    "json_text",
    "parse_payload",
    "part_text",
    "raw_arguments",
    "require_object",
    "tool_part",
    "usage_from",
]

#: How much of an undecodable body or payload a :class:`DecodeError` quotes.
SNIPPET = 120


# -- encoding --------------------------------------------------------------------------------------------


def json_text(value: Any) -> str:
    """A structured value as the text a wire carries: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def part_text(part: TextPart | StructuredPart) -> str:
    """The text a text-like part sends."""
    return part.text if isinstance(part, TextPart) else json_text(part.value)


def is_inline(part: FilePart) -> bool:
    """Whether the file travels in the request (bytes, or a ``data:`` URL) rather than by reference."""
    return part.url is None or part.url.startswith("data:")


def inline_base64(part: FilePart) -> str | None:
    """The base64 payload of an inline file, or None when it is only reachable by URL.

    Audio (both wires) and generated images (Responses) have no by-URL form: they need the bytes.
    """
    if part.data is not None:
        return part.base64()
    url = part.url or ""
    header, sep, payload = url.partition(",")
    return payload if url.startswith("data:") and sep and header.endswith(";base64") else None


def inline_filename(part: FilePart) -> str:
    """The filename to send with an inline file: ``part.filename``, else ``file`` plus an extension
    guessed from the MIME type (``file.pdf``). OpenAI-backed endpoints reject inline file data without
    a filename, on both wires."""
    return part.filename or "file" + (mimetypes.guess_extension(part.mime_type) or "")


# MIME type -> `input_audio.format`, every format the spec's ChatContentAudio lists (wav, mp3, flac, m4a,
# ogg, aiff, aac, pcm16). The Responses wire accepts only the mp3 and wav rows (spec InputAudio).
_AUDIO_FORMATS = {
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/ogg": "ogg",
    "audio/aiff": "aiff",
    "audio/x-aiff": "aiff",
    "audio/aac": "aac",
    "audio/x-aac": "aac",
    "audio/l16": "pcm16",
    "audio/pcm": "pcm16",
}


def audio_format(mime_type: str) -> str | None:
    """The ``input_audio.format`` name of a known audio MIME type (parameters ignored), else None."""
    return _AUDIO_FORMATS.get(mime_type.split(";", 1)[0].strip().lower())


# -- decoding --------------------------------------------------------------------------------------------


def require_object(body: Any, message: str) -> Mapping[str, Any]:
    """``body`` if it is a JSON object; else a :class:`DecodeError` with ``message`` and a snippet."""
    if not isinstance(body, Mapping):
        raise DecodeError(message, snippet=json.dumps(body, default=str)[:SNIPPET])
    return body


def parse_payload(data: str, *, what: str, partial: Callable[[], ChatResponse]) -> Any:
    """One SSE ``data`` payload as JSON: the only ``json.loads`` an event gets.

    Invalid JSON raises :class:`DecodeError` ("``what`` is not valid JSON") quoting the payload's start,
    with ``partial()`` -- the response decoded so far -- attached.
    """
    try:
        return json.loads(data)
    except ValueError:
        raise DecodeError(f"{what} is not valid JSON", snippet=data[:SNIPPET], partial=partial()) from None


def raw_arguments(arguments: Any) -> str:
    """A tool call's arguments as the string the model produced; "" when absent or null.

    Some upstreams send the arguments as a JSON object instead of a string: it is serialised back.
    """
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, (dict, list)):
        return json.dumps(arguments, ensure_ascii=False)
    return ""


def tool_part(
    call_id: str, name: str, raw_arguments: str, *, provider_data: dict[str, Any] | None = None
) -> ToolPart:
    """A tool call read back from a wire.

    An empty argument string means "no arguments" (pydantic/pydantic-ai#822): ``arguments`` is ``{}``,
    not the None that marks invalid JSON for the engine.
    """
    part = ToolPart(id=call_id, name=name, raw_arguments=raw_arguments, provider_data=provider_data or {})
    if not raw_arguments:
        part.arguments = {}
    return part


def usage_from(
    usage: Mapping[str, Any],
    *,
    input_tokens: Any,
    output_tokens: Any,
    input_details: Any,
    output_details: Any,
) -> Usage:
    """:class:`Usage` from a wire's ``usage`` object, given the token fields under that wire's names.

    The rest is named the same on both wires (OpenRouter's additions to OpenAI's shapes): ``total_tokens``
    (summed when absent), ``*_details.cached_tokens`` / ``cache_write_tokens`` / ``reasoning_tokens``,
    ``cost`` (USD credits; None when not sent), ``is_byok``, and ``cost_details`` and the whole object,
    kept verbatim.
    """
    inputs = as_int(input_tokens)
    outputs = as_int(output_tokens)
    total = usage.get("total_tokens")
    read_details = as_mapping(input_details)
    cost_details = usage.get("cost_details")
    return Usage(
        input_tokens=inputs,
        output_tokens=outputs,
        total_tokens=as_int(total) if total is not None else inputs + outputs,
        reasoning_tokens=as_int(as_mapping(output_details).get("reasoning_tokens")),
        cached_tokens=as_int(read_details.get("cached_tokens")),
        cache_write_tokens=as_int(read_details.get("cache_write_tokens")),
        cost=opt_float(usage.get("cost")),
        is_byok=opt_bool(usage.get("is_byok")),
        cost_details=dict(cost_details) if isinstance(cost_details, Mapping) else {},
        raw=dict(usage),
    )
