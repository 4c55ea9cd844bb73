"""Request headers: merged case-insensitively, checked before anything is sent, the key among them.

HTTP field names are case-insensitive (RFC 9110 §5.1), so ``{"authorization": ...}`` given by a caller
*replaces* the ``Authorization`` the key produced; two of them are never sent, whatever the spelling or
the layer they come from (the endpoint's defaults, the key, builder headers, per-call extra headers).

Every name and value is checked when the endpoint is built (and per-call headers when the call is
made): a control character (a newline pasted with a key, a NUL) or a non-ASCII one (a typographic quote)
is a :class:`~chat_openrouter.errors.ConfigurationError` *before* anything reaches the network -- never
a ``UnicodeEncodeError`` from deep inside httpx2, and never a header split in two. Values are never
quoted in those errors: one of them may be a credential.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import ConfigurationError
from .secret import Secret

__all__ = ["check_api_key", "check_headers", "merge_headers"]

# RFC 9110 §5.6.2: a field name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What a value may hold once trimmed: visible ASCII, spaces and tabs (RFC 9110 §5.5, without obs-text,
# which httpx2 cannot encode anyway).
_BAD_VALUE_CHAR = re.compile(r"[^\t\x20-\x7e]")


def merge_headers(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """The layers merged left to right, names compared case-insensitively: a later layer's header
    replaces an earlier one of the same name (and its spelling wins)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        if not layer:
            continue
        for name, value in layer.items():
            lower = name.lower()
            merged.pop(lower, None)  # re-insert: the replacing header takes the later position too
            merged[lower] = (name, value)
    return dict(merged.values())


def _problem(text: str) -> tuple[str, int] | None:
    match = _BAD_VALUE_CHAR.search(text)
    if match is None:
        return None
    kind = "a non-ASCII character" if ord(match.group()) > 0x7E else "a control character"
    return kind, match.start() + 1


def check_headers(headers: Mapping[str, str], *, where: str) -> dict[str, str]:
    """``headers`` with values trimmed, or a ConfigurationError naming the header (never its value).

    ``where`` says where they were given (``"with_headers()"``, ``"ChatOptions.extra_headers"``).
    """
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ConfigurationError(
                f"{where}: a header name is not a valid HTTP field name (letters, digits and !#$%&'*+-.^_`|~ "
                "only, no spaces or colons)"
            )
        if not isinstance(value, str):
            raise ConfigurationError(f"{where}: header {name!r} must be a string, not {type(value).__name__}")
        value = value.strip()
        problem = _problem(value)
        if problem is not None:
            kind, position = problem
            raise ConfigurationError(
                f"{where}: the value of header {name!r} contains {kind} (at position {position}); header "
                "values must be printable ASCII"
            )
        checked[name] = value
    return checked


def check_api_key(key: Secret) -> Secret:
    """The key with surrounding whitespace stripped, or a ConfigurationError that never quotes it.

    A key pasted from a file or a terminal often keeps its newline; one copied from a document may hold
    a typographic character. Either would break the ``Authorization`` header (or split it in two), so
    they are refused here, where the mistake can be named. The raw key is held only inside ``key``
    while this runs: no frame of the error's traceback has it in a local variable (error trackers
    record those).
    """
    problem = _key_problem(key.get())
    if problem is not None:
        raise ConfigurationError(problem)
    if key.get() == key.get().strip():
        return key
    return Secret(key.get().strip())


def _key_problem(raw: str) -> str | None:
    """What is wrong with a key, in words that quote no part of it; None when it can be sent."""
    if not isinstance(raw, str):
        return f"the API key must be a string, not {type(raw).__name__}"
    stripped = raw.strip()
    if not stripped:
        return "the API key is empty (or only whitespace)"
    problem = _problem(stripped)
    if problem is None:
        return None
    kind, position = problem
    return (
        f"the API key contains {kind} (at position {position} once surrounding whitespace is removed); "
        "keys are printable ASCII -- check for a stray newline, quote or invisible character pasted with it"
    )
