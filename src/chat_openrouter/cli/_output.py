"""Everything the command prints goes through here: terminal-safe text, optional styling, one-line errors.

Terminal safety: text that came from a server (answers, reasoning, model names, error messages, the logs
listing) can carry escape sequences -- ``ESC [ 2 J`` clears the screen, OSC 52 writes the clipboard, OSC 8
forges links, a C1 ``CSI`` does the same in one byte. :func:`safe` is the one function that neutralises
them before anything is printed: every C0 control except newline and tab, DEL and every C1 control is
written as a visible ``\\x..`` escape (and a lone surrogate as ``\\u....``, which no encoder could write).
Printable text, including every non-ASCII letter, emoji and combining mark, passes unchanged.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "PROG",
    "Style",
    "UsageError",
    "describe",
    "error",
    "format_cost",
    "json_text",
    "safe",
    "warn",
    "write",
]

PROG = "chat-openrouter"


class UsageError(Exception):
    """A problem with how the command was called: one line on stderr, exit status 2."""


def _escapes() -> dict[int, str]:
    table = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
    del table[ord("\n")], table[ord("\t")]
    table.update({code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)})
    return table


_ESCAPES = _escapes()
# Inside JSON strings C0 controls are already escaped by json.dumps; the rest get JSON's own \u escape,
# which keeps the document valid and equal once parsed.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000))}


def safe(text: str) -> str:
    """``text`` with every terminal control character made visible (see the module docstring).

    It works character by character, so escaping a stream chunk by chunk gives the same result as
    escaping the whole text at once.
    """
    return text.translate(_ESCAPES)


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """JSON for stdout: non-ASCII kept readable, nothing a terminal would interpret, valid JSON."""
    return json.dumps(value, ensure_ascii=False, indent=indent).translate(_JSON_ESCAPES)


class Style:
    """ANSI styling for one stream, only when it is a terminal (and ``NO_COLOR`` is unset)."""

    def __init__(self, stream: TextIO) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = (
            bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        )

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)


def write(stream: TextIO, text: str) -> None:
    """Write and flush: streamed text must reach a pipe as it arrives, not when a buffer fills."""
    stream.write(text)
    stream.flush()


def error(message: str) -> None:
    """``chat-openrouter: error: <message>`` on one line of stderr (the message is made safe)."""
    style = Style(sys.stderr)
    write(sys.stderr, style.red(f"{PROG}: error: ") + safe(" ".join(message.split())) + "\n")


def warn(message: str) -> None:
    """``chat-openrouter: warning: <message>`` on stderr."""
    style = Style(sys.stderr)
    write(sys.stderr, style.yellow(f"{PROG}: warning: ") + safe(" ".join(message.split())) + "\n")


def describe(exc: BaseException) -> str:
    """One line for any library error: class, HTTP status, message."""
    status = getattr(exc, "status", None)
    prefix = type(exc).__name__ + (f" {status}" if isinstance(status, int) and status != 200 else "")
    return f"{prefix}: {exc}"


def format_cost(cost: Decimal | float | None) -> str:
    """``$0.0000022``: seven decimals at most, no float noise, ``$0`` for a real zero."""
    if cost is None:
        return "-"
    if not cost:
        return "$0"
    return ("$" + f"{float(cost):.7f}".rstrip("0").rstrip(".")) if cost >= 1e-7 else "<$0.0000001"
