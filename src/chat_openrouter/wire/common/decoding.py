"""The pieces of response decoding that are the same on both wires.

Whatever both wires read in the same way -- one ``json.loads`` per stream payload, a tool call read back
as a :class:`ToolPart`, the usage and cost fields, token log probabilities -- is written once here, so a
fix lands on both wires at once. Wire-specific shapes (field names, nesting, error envelopes) stay in each
wire's ``decode.py`` / ``stream.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from ... import _json
from ...core.media import sniff_audio_format
from ...core.parts import AudioPart, ToolPart
from ...core.response import ChatResponse, TokenLogprob, TopLogprob
from ...core.usage import Usage, as_cost
from ...errors import DecodeError
from .lenient import as_count, as_mapping, as_str, opt_bool, opt_float, opt_int

__all__ = [
    "SNIPPET",
    "adopt_emitted_calls",
    "audio_bytes",
    "audio_part",
    "parse_payload",
    "raw_arguments",
    "require_object",
    "server_tool_use",
    "token_logprobs",
    "tool_part",
    "usage_from",
]

#: How much of an undecodable body or payload a :class:`DecodeError` quotes.
SNIPPET = 120


# -- decoding --------------------------------------------------------------------------------------------


def require_object(body: Any, message: str) -> Mapping[str, Any]:
    """``body`` if it is a JSON object; else a :class:`DecodeError` with ``message`` and a snippet."""
    if not isinstance(body, Mapping):
        raise DecodeError(message, snippet=json.dumps(body, default=str)[:SNIPPET])
    return body


def parse_payload(data: str, *, what: str, partial: Callable[[], ChatResponse]) -> Any:
    """One SSE ``data`` payload as JSON: the only ``json.loads`` an event gets.

    Invalid JSON raises :class:`DecodeError` ("``what`` is not valid JSON") quoting the payload's start,
    with ``partial()`` -- the response decoded so far -- attached; so does JSON nested too deeply to
    parse (never a ``RecursionError``).
    """
    error = None
    try:
        return _json.loads(data)
    except ValueError:
        error = f"{what} is not valid JSON"
    except RecursionError:
        error = f"{what} is JSON nested too deeply to read"
    raise DecodeError(error, snippet=data[:SNIPPET], partial=partial())


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


def adopt_emitted_calls(parts: list[Any], emitted: Mapping[str, ToolPart]) -> None:
    """Put the parts already handed out in ``ToolCall`` events (by call id) in place of the equal calls of
    a decoded ``parts`` list, updated to the decoded values -- the final arguments and wire ids.

    So a caller holding the event's part and a caller reading the response see one object, and the event
    reflects the final call even when the terminal copy corrected it (issue 11). Only the fields the wire
    decides are updated; ``status``/``result`` belong to whoever runs the tool.
    """
    adopted: set[str] = set()
    for n, part in enumerate(parts):
        if not isinstance(part, ToolPart) or part.id in adopted:
            continue  # a second call under the same id (a broken upstream) stays a part of its own
        handed_out = emitted.get(part.id)
        if handed_out is None:
            continue
        adopted.add(part.id)
        if handed_out is part:
            continue
        handed_out.name = part.name
        handed_out.raw_arguments = part.raw_arguments
        handed_out.arguments = part.arguments
        handed_out.provider_data = part.provider_data
        parts[n] = handed_out


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
    inputs = as_count(input_tokens)
    outputs = as_count(output_tokens)
    total = usage.get("total_tokens")
    read_details = as_mapping(input_details)
    cost_details = usage.get("cost_details")
    # Lenient, and never NaN (issue 13): a count that is not a non-negative integer reads as 0, a cost
    # that is not a finite number >= 0 as None ("not reported"); the server's values stay in `raw`.
    cost = opt_float(usage.get("cost"))
    return Usage(
        input_tokens=inputs,
        output_tokens=outputs,
        total_tokens=as_count(total) if total is not None else inputs + outputs,
        reasoning_tokens=as_count(as_mapping(output_details).get("reasoning_tokens")),
        cached_tokens=as_count(read_details.get("cached_tokens")),
        cache_write_tokens=as_count(read_details.get("cache_write_tokens")),
        cost=as_cost(cost if cost is not None and cost >= 0 else None),  # exact Decimal (core/usage.py)
        is_byok=opt_bool(usage.get("is_byok")),
        cost_details=dict(cost_details) if isinstance(cost_details, Mapping) else {},
        raw=dict(usage),
        server_tool_use=server_tool_use(usage),
    )


def server_tool_use(usage: Mapping[str, Any]) -> dict[str, int]:
    """The counts of OpenRouter's server tools in a ``usage`` object: ``server_tool_use_details``
    (``web_search_requests``, ``tool_calls_requested``, ``tool_calls_executed``; fixtures
    chat-nonstream-server-tool-usage, chat-nonstream-advisor-server-tool), or the older documented
    ``server_tool_use``. Only integer counts are kept; anything else stays in ``Usage.raw``."""
    details = usage.get("server_tool_use_details")
    if not isinstance(details, Mapping):
        details = as_mapping(usage.get("server_tool_use"))
    return {key: count for key, value in details.items() if (count := opt_int(value)) is not None}


def _token_bytes(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(b for b in value if isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255)


def token_logprobs(entries: Any) -> list[TokenLogprob]:
    """Token log probabilities, the same shape on both wires (spec ``ChatTokenLogprob``,
    ``OpenResponsesLogProbs``): ``[{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]``.

    Lenient: entries without a string ``token`` or a numeric ``logprob`` are skipped, ``bytes`` that are
    not a list read as None; a non-list reads as ``[]`` (``"logprobs": null`` when none were asked for).
    """
    out: list[TokenLogprob] = []
    if not isinstance(entries, list):
        return out
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        token, logprob = as_str(entry.get("token")), opt_float(entry.get("logprob"))
        if token is None or logprob is None:
            continue
        top: list[TopLogprob] = []
        alternatives = entry.get("top_logprobs")
        for alt in alternatives if isinstance(alternatives, list) else ():
            if not isinstance(alt, Mapping):
                continue
            alt_token, alt_logprob = as_str(alt.get("token")), opt_float(alt.get("logprob"))
            if alt_token is not None and alt_logprob is not None:
                top.append(TopLogprob(alt_token, alt_logprob, _token_bytes(alt.get("bytes"))))
        out.append(TokenLogprob(token, logprob, _token_bytes(entry.get("bytes")), tuple(top)))
    return out


# -- audio output ----------------------------------------------------------------------------------------
def audio_bytes(value: Any) -> bytes:
    """Base64 audio (``message.audio.data``, a ``delta.audio.data`` piece) as bytes; b"" when it is not
    base64 -- a broken piece must not sink the text of the answer."""
    if not isinstance(value, str) or not value:
        return b""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b""


def audio_part(audio: Any) -> AudioPart | None:
    """Chat ``message.audio`` (``{id, data, transcript, expires_at}``, spec ``ChatAudioOutput``) as a part.

    The wire does not name the format (it is the request's ``audio.format``): it is read from the bytes,
    None for headerless PCM.
    """
    audio = as_mapping(audio)
    data = audio_bytes(audio.get("data"))
    transcript = as_str(audio.get("transcript")) or ""
    if not data and not transcript:
        return None
    return AudioPart(
        data,
        format=sniff_audio_format(data),
        transcript=transcript,
        id=as_str(audio.get("id")),
        expires_at=opt_int(audio.get("expires_at")),
    )
