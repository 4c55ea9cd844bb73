"""The pieces of request encoding that are the same on both wires.

Wire-specific shapes (field names, nesting, ``tool_choice`` forms) stay in each wire's ``encode.py``.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping
from typing import Any

from ...core.options import AudioOutput, ChatOptions, ImageConfig, merge_json
from ...core.parts import FilePart, StructuredPart, TextPart

__all__ = [
    "SAMPLING_FIELDS",
    "apply_extra_body",
    "inline_base64",
    "inline_filename",
    "is_inline",
    "json_text",
    "output_fields",
    "part_text",
]


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


def apply_extra_body(body: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with ``ChatOptions.extra_body`` merged in last, recursively (:func:`merge_json`).

    An object extends the object the wire computed (``{"text": {"verbosity": "low"}}`` keeps the
    structured-output ``text.format``; ``{"provider": {"sort": "price"}}`` keeps the routing already
    there); any other value -- a string, a number, a list, ``None`` -- replaces it.
    """
    return merge_json(body, extra) if extra else body


#: The sampling knobs both wires name alike (spec ChatRequest / ResponsesRequest), in request order.
SAMPLING_FIELDS = (
    "frequency_penalty",
    "presence_penalty",
    "repetition_penalty",
    "top_k",
    "min_p",
    "top_a",
    "logit_bias",
)


def output_fields(options: ChatOptions) -> dict[str, Any]:
    """The sampling knobs and output modalities ``options`` set, as JSON (each wire keeps what it has).

    ``logit_bias`` keys become strings (JSON object keys); ``image_config`` and ``audio`` accept their
    typed form or a plain mapping (options rebuilt from JSON, e.g. batch rows).
    """
    out: dict[str, Any] = {}
    for name in SAMPLING_FIELDS:
        value = getattr(options, name)
        if value is not None:
            out[name] = {str(k): v for k, v in value.items()} if name == "logit_bias" else value
    if options.modalities is not None:
        out["modalities"] = list(options.modalities)
    config: Any = options.image_config
    if config is not None:
        out["image_config"] = config.to_json() if isinstance(config, ImageConfig) else dict(config)
    audio: Any = options.audio
    if audio is not None:
        out["audio"] = audio.to_json() if isinstance(audio, AudioOutput) else dict(audio)
    return out
