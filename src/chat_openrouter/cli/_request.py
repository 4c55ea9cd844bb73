"""What a ``chat`` call sends, read from flags: ``-o NAME VALUE`` options, ``-a`` attachments, ``--schema``,
and the prompt (arguments and piped stdin combined). Everything is checked before any network call, and
every problem is a :class:`UsageError` naming the flag.
"""

from __future__ import annotations

import json
import mimetypes
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..core.media import sniff_media_type
from ._output import UsageError

if TYPE_CHECKING:
    from ..core.options import ChatOptions, OutputSchema
    from ..core.parts import FilePart

__all__ = ["OPTIONS", "load_attachment", "load_schema", "parse_options", "read_prompt"]

BOTH = ("responses", "completions")
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


@dataclass(frozen=True, slots=True)
class Option:
    """One ``-o`` name: how to read its value and where it goes."""

    name: str
    help: str
    read: Callable[[str], Any]
    #: ``ChatOptions`` field, ``reasoning.<field>``, or ``extra.<request field>`` (sent as-is).
    target: str
    wires: tuple[str, ...] = BOTH
    repeatable: bool = False


def _number(kind: type[int] | type[float], low: float | None = None, high: float | None = None) -> Any:
    def read(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {text!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low:g}" if high is None else f"between {low:g} and {high:g}"
            raise ValueError(f"must be {bounds}, got {text}")
        return value

    return read


def _choice(*choices: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return value

    return read


def _boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _text(text: str) -> str:
    return text


OPTIONS: dict[str, Option] = {
    o.name: o
    for o in (
        Option("temperature", "sampling temperature, 0 to 2", _number(float, 0, 2), "temperature"),
        Option("top_p", "nucleus sampling, 0 to 1", _number(float, 0, 1), "top_p"),
        Option("top_k", "sample from the k likeliest tokens", _number(int, 0), "extra.top_k"),
        Option("max_tokens", "cap on output tokens (reasoning included)", _number(int, 1), "max_tokens"),
        Option("frequency_penalty", "-2 to 2", _number(float, -2, 2), "extra.frequency_penalty"),
        Option("presence_penalty", "-2 to 2", _number(float, -2, 2), "extra.presence_penalty"),
        Option(
            "repetition_penalty", "0 to 2", _number(float, 0, 2), "extra.repetition_penalty", ("completions",)
        ),
        Option("min_p", "0 to 1", _number(float, 0, 1), "extra.min_p", ("completions",)),
        Option("seed", "for repeatable sampling", _number(int), "seed", ("completions",)),
        Option("stop", "stop sequence (repeatable)", _text, "stop", ("completions",), repeatable=True),
        Option("reasoning_effort", "/".join(EFFORTS), _choice(*EFFORTS), "reasoning.effort"),
        Option("reasoning_max_tokens", "thinking budget in tokens", _number(int, 1), "reasoning.max_tokens"),
        Option("reasoning_exclude", "reason but do not return it", _boolean, "reasoning.exclude"),
        Option("user", "your end-user id, for abuse tracking", _text, "user"),
        Option("timeout", "overall deadline in seconds", _number(float, 0.001), "timeout"),
        Option("retries", "retries on 429/5xx/network errors", _number(int, 0, 20), "retries"),
    )
}
_ALIASES = {
    "max_output_tokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
    "effort": "reasoning_effort",
}


def options_help() -> str:
    """The ``-o`` names for ``--help``."""
    return ", ".join(OPTIONS)


def parse_options(
    pairs: Sequence[Sequence[str]], *, wire: str, reasoning_effort: str | None = None
) -> ChatOptions | None:
    """``ChatOptions`` from ``-o NAME VALUE`` pairs (None when there are none)."""
    from ..core.options import ChatOptions, Reasoning

    fields: dict[str, Any] = {}
    reasoning: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if reasoning_effort is not None:
        pairs = [("reasoning_effort", reasoning_effort), *pairs]
    for raw_name, raw_value in pairs:
        name = raw_name.strip().lower().replace("-", "_")
        option = OPTIONS.get(_ALIASES.get(name, name))
        if option is None:
            raise UsageError(f"-o {raw_name}: unknown option; valid names: {options_help()}")
        if wire not in option.wires:
            raise UsageError(
                f"-o {option.name}: not available on the Responses API (the default); add --completions"
            )
        try:
            value = option.read(raw_value)
        except ValueError as exc:
            raise UsageError(f"-o {option.name}: {exc}") from None
        group, _, key = option.target.rpartition(".")
        into = {"reasoning": reasoning, "extra": extra}.get(group, fields)
        if option.repeatable:
            into.setdefault(key, []).append(value)
        else:
            into[key] = value
    if not (fields or reasoning or extra):
        return None
    if reasoning:
        fields["reasoning"] = Reasoning(**reasoning)
    return ChatOptions(**fields, extra_body=extra)


# -- attachments ------------------------------------------------------------------------------------------
_ACCEPTED = "images, PDF, audio and video"


def _accepted(mime: str) -> bool:
    return mime.split("/", 1)[0] in ("image", "audio", "video") or mime == "application/pdf"


def load_attachment(source: str, mime_type: str | None = None, *, stdin: BinaryIO | None = None) -> FilePart:
    """A :class:`FilePart` for ``-a FILE|URL|-`` (or ``--at FILE|URL TYPE`` with an explicit type).

    URLs (https, http, data) are passed to OpenRouter as URLs; files and stdin (``-``) are sent inline.
    The media type is the explicit one, else the file's extension, else its first bytes.
    """
    from ..core.parts import FilePart

    flag = f"-a {source}" if mime_type is None else f"--at {source} {mime_type}"
    if mime_type is not None and "/" not in mime_type:
        raise UsageError(f"{flag}: {mime_type!r} is not a media type such as image/png")
    if source.startswith(("https://", "http://", "data:")):
        part = FilePart.from_url(source, mime_type=mime_type)
        if not _accepted(part.mime_type):
            raise UsageError(
                f"{flag}: cannot tell the media type from the URL; give it: --at {source} image/jpeg"
            )
        return part
    if source == "-":
        data = (stdin or sys.stdin.buffer).read()
        name = None
    else:
        path = Path(source).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{flag}: cannot read it: {exc.strerror or exc}") from None
        name = path.name
    guessed = mime_type or (mimetypes.guess_type(name)[0] if name else None)
    if guessed is None or not _accepted(guessed):
        guessed = sniff_media_type(data) or guessed
    if guessed is None or not _accepted(guessed):
        what = f"a {guessed} file" if guessed else "a file of unknown type"
        hint = "" if source == "-" else f' (cat {source} | chat-openrouter chat "...")'
        raise UsageError(
            f"{flag}: {what}; models take {_ACCEPTED} as attachments. Pipe text on stdin instead{hint}, "
            "or give the media type with --at"
        )
    return FilePart.from_bytes(data, guessed, filename=name)


def check_attachment_for_wire(part: FilePart, wire: str) -> None:
    """Refuse, before sending, what the chosen wire cannot carry (audio by URL; on Responses, not mp3/wav)."""
    if part.category != "audio":
        return
    if part.url is not None:
        raise UsageError("audio must be a local file (-a FILE): the APIs take audio inline only")
    if wire == "responses" and part.mime_type not in ("audio/mpeg", "audio/mp3", "audio/wav", "audio/x-wav"):
        raise UsageError(
            f"the Responses API takes only mp3 or wav audio (got {part.mime_type}): add --completions"
        )


# -- structured output ------------------------------------------------------------------------------------
def load_schema(value: str) -> OutputSchema:
    """``--schema``: a JSON schema inline (``'{"type": "object", ...}'``) or in a file.

    OpenAI's ``{"name", "schema", "strict"}`` wrapper is accepted too.
    """
    from ..core.options import OutputSchema

    inline = value.lstrip().startswith("{")
    if inline:
        text, stem = value, "output"
    else:
        try:
            text = Path(value).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise UsageError(f"--schema: cannot read {value}: {reason}") from None
        stem = Path(value).stem
    where = "the inline schema" if inline else value
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--schema: {where} is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise UsageError(f"--schema: {where} must be a JSON object (a JSON schema)")
    if isinstance(schema.get("schema"), dict) and "type" not in schema:
        name = str(schema.get("name") or stem)
        return OutputSchema(
            name=_name(name), schema=schema["schema"], strict=bool(schema.get("strict", True))
        )
    return OutputSchema(name=_name(stem), schema=schema)


def _name(text: str) -> str:
    # The APIs allow [a-zA-Z0-9_-]{1,64} as a schema name.
    return "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in text)[:64] or "output"


# -- the prompt -------------------------------------------------------------------------------------------
def read_prompt(words: Sequence[str], piped: str | None) -> str:
    """The prompt from the arguments, then the piped text after a blank line (either may be absent)."""
    prompt = " ".join(words).strip()
    if piped is None or not piped.strip():
        return prompt
    text = piped.lstrip("\r\n").rstrip()
    return f"{prompt}\n\n{text}" if prompt else text.strip()


def read_stdin() -> str:
    """All of stdin as text; bytes that are not UTF-8 become U+FFFD rather than an exception."""
    return sys.stdin.buffer.read().decode("utf-8", errors="replace")
