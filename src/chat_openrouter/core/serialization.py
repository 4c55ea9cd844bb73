"""The lossless JSON form of conversations and responses, versioned so that an old file still loads.

Save a conversation and continue it later, in another process or on another machine::

    Path("chat.json").write_text(response.messages.to_json())
    ...
    msgs = Messages.from_json(Path("chat.json").read_text())
    msgs.user("And then?")

:meth:`Messages.to_json <chat_openrouter.Messages.to_json>` and
:meth:`ChatResponse.to_json <chat_openrouter.ChatResponse.to_json>` write a document like::

    {"format": "chat-openrouter.messages", "version": 1,
     "messages": [{"role": "user", "parts": [{"kind": "text", "text": "Hello!"}]}, ...]}

Every part kind is kept whole: reasoning with its signatures, encrypted blobs and the verbatim Responses
item (so a reasoning model accepts the replayed turn), tool calls with their arguments, status, results and
wire ids, files with their bytes (base64), structured values, text annotations and cache-control marks.
Fields left at their default are omitted; loading restores the default.

Versioning: ``version`` is the format version, bumped only when a change would make an old reader
misread a new file; readers accept every version from 1 up to :data:`FORMAT_VERSION` (older documents are
upgraded on load) and refuse a newer one with a :class:`~chat_openrouter.errors.DecodeError` that says to
upgrade. Anything else wrong with a document (not JSON, an unknown part kind, a string where a number
belongs) is also a ``DecodeError`` naming the place, e.g. ``messages[2].parts[0].text``.

Values are JSON: tuples come back as lists, a tool result that is not JSON data (a pydantic model, a
dataclass) is saved as the JSON the model was sent, and dictionary keys must be strings.

This module is the part/usage codec and the envelope; :class:`~chat_openrouter.Messages` and
:class:`~chat_openrouter.ChatResponse` assemble their documents from it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from ..errors import DecodeError
from .parts import (
    AudioPart,
    FilePart,
    Part,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
)
from .usage import Usage, as_cost

__all__ = [
    "FORMAT_VERSION",
    "MESSAGES_FORMAT",
    "RESPONSE_FORMAT",
    "ObjectReader",
    "decode_part",
    "decode_turns",
    "decode_usage",
    "document",
    "dumps",
    "encode_part",
    "encode_turns",
    "encode_usage",
    "jsonable",
    "open_document",
]

#: The newest format version this library writes and reads.
FORMAT_VERSION = 1
#: The ``format`` of a saved :class:`~chat_openrouter.Messages`.
MESSAGES_FORMAT = "chat-openrouter.messages"
#: The ``format`` of a saved :class:`~chat_openrouter.ChatResponse`.
RESPONSE_FORMAT = "chat-openrouter.response"

_WHAT = {MESSAGES_FORMAT: "conversation (Messages)", RESPONSE_FORMAT: "response (ChatResponse)"}
_LOADER = {MESSAGES_FORMAT: "Messages.from_json", RESPONSE_FORMAT: "ChatResponse.from_json"}

# Upgrades from one format version to the next, applied in order on load: {old_version: upgrade}.
# Version 1 is the first, so there is nothing to upgrade yet.
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

_SURROGATE = re.compile("[\ud800-\udfff]")


class _Turn(Protocol):
    @property
    def role(self) -> Role: ...
    @property
    def parts(self) -> list[Part]: ...


# -- envelope ----------------------------------------------------------------------------------------------
def document(format_name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A versioned document: ``{"format": format_name, "version": FORMAT_VERSION, **body}``."""
    return {"format": format_name, "version": FORMAT_VERSION, **body}


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text for a document: UTF-8 friendly (non-ASCII kept), compact unless ``indent`` is given.

    A lone surrogate (which a server can send as ``"\\ud83d"``) is written as its ``\\u`` escape, so the
    text always encodes to UTF-8 (files, SQLite) and loads back to the same string.
    """
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)
    if _SURROGATE.search(text):  # only possible inside JSON strings, where the escape means the same
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def open_document(data: str | bytes | bytearray | Mapping[str, Any], format_name: str) -> dict[str, Any]:
    """Parse ``data`` (JSON text or an already-parsed dict), check its format and version, upgrade it.

    Raises :class:`DecodeError` for anything that is not a readable document of ``format_name``.
    """
    if isinstance(data, (str, bytes, bytearray)):
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError too
            raise DecodeError(f"not a saved {_WHAT[format_name]}: invalid JSON ({exc})") from None
    elif isinstance(data, Mapping):
        value = dict(data)
    else:
        raise TypeError(
            f"{_LOADER[format_name]} takes JSON text (str or bytes) or a dict, not {type(data).__name__}"
        )
    if not isinstance(value, dict):
        raise DecodeError(f"not a saved {_WHAT[format_name]}: expected a JSON object, got {_kind(value)}")
    found = value.get("format")
    if found != format_name:
        if found in _WHAT:
            raise DecodeError(
                f"this is a saved {_WHAT[found]}, not a {_WHAT[format_name]}: load it with {_LOADER[found]}"
            )
        raise DecodeError(
            f"not a saved {_WHAT[format_name]}: expected format {format_name!r}, found {found!r}"
        )
    version = value.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DecodeError(
            f"saved {_WHAT[format_name]}: 'version' must be a positive integer, got {version!r}"
        )
    if version > FORMAT_VERSION:
        raise DecodeError(
            f"this {_WHAT[format_name]} was saved in format version {version} by a newer chat-openrouter; "
            f"this one reads versions 1 to {FORMAT_VERSION}: upgrade chat-openrouter to load it"
        )
    doc: dict[str, Any] = value
    while version < FORMAT_VERSION:
        doc = _UPGRADES[version](doc)
        version += 1
    return doc


# -- reading with a path in every error ---------------------------------------------------------------------
def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _wrong(path: str, expected: str, value: Any) -> DecodeError:
    return DecodeError(f"saved conversation: {path}: expected {expected}, got {_kind(value)}")


class ObjectReader:
    """Typed reads from one JSON object of a document; a missing or mistyped field names its path."""

    __slots__ = ("obj", "path")

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _wrong(path, "an object", value)
        self.obj: dict[str, Any] = value
        self.path = path

    def at(self, key: str) -> str:
        """The path of ``key`` inside this object, for error messages."""
        return f"{self.path}.{key}"

    def req_str(self, key: str) -> str:
        value = self.obj.get(key)
        if not isinstance(value, str):
            raise _wrong(self.at(key), "a string", value)
        return value

    def opt_str(self, key: str, default: str | None = None) -> str | None:
        value = self.obj.get(key, default)
        if value is not None and not isinstance(value, str):
            raise _wrong(self.at(key), "a string or null", value)
        return value

    def req_int(self, key: str, default: int = 0) -> int:
        value = self.obj.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _wrong(self.at(key), "an integer", value)
        return value

    def opt_int(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise _wrong(self.at(key), "an integer or null", value)
        return value

    def opt_bool(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is not None and not isinstance(value, bool):
            raise _wrong(self.at(key), "true, false or null", value)
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.obj.get(key, {})
        if not isinstance(value, dict):
            raise _wrong(self.at(key), "an object", value)
        return value

    def opt_dict(self, key: str) -> dict[str, Any] | None:
        value = self.obj.get(key)
        if value is not None and not isinstance(value, dict):
            raise _wrong(self.at(key), "an object or null", value)
        return value

    def items(self, key: str) -> list[Any]:
        value = self.obj.get(key, [])
        if not isinstance(value, list):
            raise _wrong(self.at(key), "a list", value)
        return value

    def dicts(self, key: str) -> list[dict[str, Any]]:
        values = self.items(key)
        for n, value in enumerate(values):
            if not isinstance(value, dict):
                raise _wrong(f"{self.at(key)}[{n}]", "an object", value)
        return values

    def value(self, key: str) -> Any:
        return self.obj.get(key)


# -- JSON values ------------------------------------------------------------------------------------------
def _json(value: Any, path: str) -> Any:
    """``value`` as plain JSON data (tuples become lists); TypeError naming ``path`` when it is not."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"cannot save {path}: dictionary key {key!r} is not a string")
            out[key] = _json(item, f"{path}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_json(item, f"{path}[{n}]") for n, item in enumerate(value)]
    raise TypeError(f"cannot save {path}: a {type(value).__name__} is not JSON data")


def jsonable(value: Any, path: str) -> Any:
    """Like :func:`_json`, but a pydantic model or dataclass is first dumped the way tool results are."""
    try:
        return _json(value, path)
    except TypeError:
        from pydantic_core import to_jsonable_python

        try:
            return _json(to_jsonable_python(value), path)
        except Exception as exc:
            raise TypeError(f"cannot save {path}: {exc}") from None


def _put(out: dict[str, Any], key: str, value: Any, path: str, default: Any = None) -> None:
    """Add ``key`` unless ``value`` is the field's default (None, or the empty list/dict it starts as)."""
    if (value is not None) if default is None else (value != default):
        out[key] = _json(value, f"{path}.{key}")


# -- parts ------------------------------------------------------------------------------------------------
def encode_part(part: Part, path: str = "part") -> dict[str, Any]:
    """One part as a JSON object tagged with its ``kind``."""
    out: dict[str, Any]
    if isinstance(part, TextPart):
        out = {"kind": "text", "text": part.text}
        _put(out, "annotations", part.annotations, path, [])
        _put(out, "cache_control", part.cache_control, path)
    elif isinstance(part, ReasoningPart):
        out = {"kind": "reasoning", "text": part.text}
        _put(out, "signature", part.signature, path)
        _put(out, "details", part.details, path, [])
        _put(out, "item", part.item, path)
    elif isinstance(part, ToolPart):
        out = {"kind": "tool", "id": part.id, "name": part.name, "raw_arguments": part.raw_arguments}
        # Always written: it may differ from what raw_arguments parses to (an approval that edited them).
        out["arguments"] = _json(part.arguments, f"{path}.arguments")
        if part.status is not ToolStatus.PENDING:
            out["status"] = part.status.value
        if part.result is not None:
            out["result"] = jsonable(part.result, f"{path}.result")
        _put(out, "error", part.error, path)
        _put(out, "provider_data", part.provider_data, path, {})
    elif isinstance(part, FilePart):
        out = {"kind": "file", "mime_type": part.mime_type}
        if part.data is not None:
            out["data"] = base64.b64encode(part.data).decode("ascii")
        _put(out, "url", part.url, path)
        _put(out, "filename", part.filename, path)
        _put(out, "detail", part.detail, path)
        _put(out, "cache_control", part.cache_control, path)
    elif isinstance(part, StructuredPart):
        out = {"kind": "structured", "value": jsonable(part.value, f"{path}.value")}
    elif isinstance(part, RefusalPart):
        out = {"kind": "refusal", "text": part.text}
    elif isinstance(part, AudioPart):
        out = {"kind": "audio", "data": base64.b64encode(part.data).decode("ascii"), "transcript": part.transcript}
        _put(out, "format", part.format, path)
        _put(out, "id", part.id, path)
        _put(out, "expires_at", part.expires_at, path)
    else:
        raise TypeError(f"cannot save {path}: {type(part).__name__} is not a message part")
    return out


def _text(r: ObjectReader) -> TextPart:
    return TextPart(
        r.req_str("text"), annotations=r.dicts("annotations"), cache_control=r.opt_dict("cache_control")
    )


def _reasoning(r: ObjectReader) -> ReasoningPart:
    return ReasoningPart(
        text=r.req_str("text"),
        signature=r.opt_str("signature"),
        details=r.dicts("details"),
        item=r.opt_dict("item"),
    )


def _tool(r: ObjectReader) -> ToolPart:
    status = r.opt_str("status", ToolStatus.PENDING.value)
    try:
        tool_status = ToolStatus(status)
    except ValueError:
        known = ", ".join(s.value for s in ToolStatus)
        raise DecodeError(f"saved conversation: {r.at('status')}: {status!r} is not one of {known}") from None
    part = ToolPart(id=r.req_str("id"), name=r.req_str("name"), raw_arguments=r.req_str("raw_arguments"))
    if "arguments" in r.obj:  # restore exactly what was saved, not what raw_arguments would parse to
        part.arguments = r.opt_dict("arguments")
    part.status = tool_status
    part.result = r.value("result")
    part.error = r.opt_str("error")
    part.provider_data = r.mapping("provider_data")
    return part


def _file(r: ObjectReader) -> FilePart:
    data: bytes | None = None
    encoded = r.opt_str("data")
    if encoded is not None:
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise DecodeError(f"saved conversation: {r.at('data')}: not valid base64") from None
    url = r.opt_str("url")
    if (url is None) == (data is None):
        raise DecodeError(f"saved conversation: {r.path}: a file needs exactly one of 'url' or 'data'")
    return FilePart(
        mime_type=r.req_str("mime_type"),
        url=url,
        data=data,
        filename=r.opt_str("filename"),
        detail=r.opt_str("detail"),
        cache_control=r.opt_dict("cache_control"),
    )


def _structured(r: ObjectReader) -> StructuredPart:
    return StructuredPart(r.value("value"))


def _refusal(r: ObjectReader) -> RefusalPart:
    return RefusalPart(r.req_str("text"))


def _audio(r: ObjectReader) -> AudioPart:
    try:
        data = base64.b64decode(r.req_str("data"), validate=True)
    except (binascii.Error, ValueError):
        raise DecodeError(f"saved conversation: {r.at('data')}: not valid base64") from None
    return AudioPart(
        data,
        format=r.opt_str("format"),
        transcript=r.opt_str("transcript") or "",
        id=r.opt_str("id"),
        expires_at=r.opt_int("expires_at"),
    )


_PART_DECODERS: dict[str, Callable[[ObjectReader], Part]] = {
    "text": _text,
    "reasoning": _reasoning,
    "tool": _tool,
    "file": _file,
    "structured": _structured,
    "refusal": _refusal,
    "audio": _audio,
}


def decode_part(value: Any, path: str = "part") -> Part:
    """The part a JSON object saved by :func:`encode_part` describes."""
    r = ObjectReader(value, path)
    kind = r.obj.get("kind")
    decoder = _PART_DECODERS.get(kind) if isinstance(kind, str) else None
    if decoder is None:
        known = ", ".join(_PART_DECODERS)
        raise DecodeError(
            f"saved conversation: {r.at('kind')}: unknown part kind {kind!r} (this version knows {known}; "
            "a newer chat-openrouter may have written it)"
        )
    return decoder(r)


# -- turns ------------------------------------------------------------------------------------------------
def encode_turns(turns: Iterable[_Turn], path: str = "messages") -> list[dict[str, Any]]:
    """Each turn as ``{"role": ..., "parts": [...]}``."""
    out = []
    for n, turn in enumerate(turns):
        role = turn.role.value if isinstance(turn.role, Role) else str(turn.role)
        parts = [encode_part(p, f"{path}[{n}].parts[{i}]") for i, p in enumerate(turn.parts)]
        out.append({"role": role, "parts": parts})
    return out


def decode_turns(value: Any, path: str = "messages") -> list[tuple[Role, list[Part]]]:
    """``(role, parts)`` for each turn saved by :func:`encode_turns`."""
    if not isinstance(value, list):
        raise _wrong(path, "a list of turns", value)
    turns = []
    for n, item in enumerate(value):
        r = ObjectReader(item, f"{path}[{n}]")
        role_name = r.req_str("role")
        try:
            role = Role(role_name)
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise DecodeError(
                f"saved conversation: {r.at('role')}: {role_name!r} is not one of {known}"
            ) from None
        parts = [decode_part(p, f"{r.at('parts')}[{i}]") for i, p in enumerate(r.items("parts"))]
        turns.append((role, parts))
    return turns


# -- usage ------------------------------------------------------------------------------------------------
_TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "cache_write_tokens",
)


def encode_usage(usage: Usage, path: str = "usage") -> dict[str, Any]:
    """Token counts, cost (a JSON number; a ``Decimal`` cost as its exact string) and the raw details."""
    out: dict[str, Any] = {name: getattr(usage, name) for name in _TOKEN_FIELDS if getattr(usage, name)}
    cost: Any = usage.cost
    if isinstance(cost, (int, float)):
        out["cost"] = cost
    elif cost is not None:  # a Decimal: its exact digits, as a string (decimal is imported only if used)
        out["cost"] = str(cost)
    if usage.is_byok is not None:
        out["is_byok"] = usage.is_byok
    _put(out, "cost_details", usage.cost_details, path, {})
    _put(out, "server_tool_use", usage.server_tool_use, path, {})
    _put(out, "raw", usage.raw, path, {})
    return out


def decode_usage(value: Any, path: str = "usage") -> Usage:
    """The :class:`Usage` saved by :func:`encode_usage`."""
    r = ObjectReader(value, path)
    cost: Any = r.value("cost")
    if isinstance(cost, str):
        from decimal import Decimal

        try:
            cost = Decimal(cost)
        except ArithmeticError:
            raise DecodeError(f"saved conversation: {r.at('cost')}: {cost!r} is not a number") from None
    elif cost is not None and (not isinstance(cost, (int, float)) or isinstance(cost, bool)):
        raise _wrong(r.at("cost"), "a number or null", cost)
    tools = ObjectReader(r.mapping("server_tool_use"), r.at("server_tool_use"))
    usage = Usage(
        is_byok=r.opt_bool("is_byok"),
        cost_details=r.mapping("cost_details"),
        server_tool_use={name: tools.req_int(name) for name in tools.obj},
        raw=r.mapping("raw"),
    )
    for name in _TOKEN_FIELDS:
        setattr(usage, name, r.req_int(name))
    usage.cost = as_cost(cost)  # a cost saved as a number by an older release is a Decimal now too
    return usage
