"""``chat-openrouter keys``: store the OpenRouter key in a user-only file (the environment variable wins)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ._config import KEY_ENV, key_path, remove_key, resolve_key, store_key
from ._output import PROG, UsageError, warn, write

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``keys`` sub-command (``keys``, ``keys set``, ``keys unset``, ``keys path``)."""
    parser = subparsers.add_parser(
        "keys",
        help="store your OpenRouter API key (keys set), or see which key is used",
        description=(
            f"`keys set` asks for the key without echoing it (or reads it from stdin) and stores it in a "
            f"file only you can read. {KEY_ENV}, when set, is used instead."
        ),
    )
    parser.set_defaults(run=_status)
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION")
    actions.add_parser("set", help="store the key (prompted without echo, or piped on stdin)").set_defaults(
        run=_set
    )
    actions.add_parser("unset", help="delete the stored key").set_defaults(run=_unset)
    actions.add_parser("path", help="print the path of the key file").set_defaults(run=_path)
    actions.add_parser("status", help="say which key would be used (the default)").set_defaults(run=_status)


def _read_key() -> str:
    if sys.stdin.isatty():
        import getpass

        try:
            return getpass.getpass("OpenRouter API key (input hidden): ")
        except EOFError:
            return ""
    line = sys.stdin.buffer.readline(16_384)
    return line.decode("utf-8", errors="replace")


def _set(args: argparse.Namespace) -> int:
    key = _read_key()
    if not key.strip():
        raise UsageError(
            "no key given: paste it at the prompt, or pipe it: echo $KEY | chat-openrouter keys set"
        )
    path = store_key(key)
    write(sys.stderr, f"{PROG}: key saved to {path} (readable by you only)\n")
    if os.environ.get(KEY_ENV, "").strip():
        warn(f"{KEY_ENV} is set in this environment and is used instead of the stored key")
    return 0


def _unset(args: argparse.Namespace) -> int:
    removed = remove_key()
    write(sys.stderr, f"{PROG}: {'key removed from' if removed else 'no key stored in'} {key_path()}\n")
    return 0


def _path(args: argparse.Namespace) -> int:
    write(sys.stdout, f"{key_path()}\n")
    return 0


def _status(args: argparse.Namespace) -> int:
    key, source = resolve_key()
    if key is None:
        write(sys.stderr, f"{PROG}: no key: run `{PROG} keys set` or set {KEY_ENV}\n")
        return 1
    write(sys.stdout, f"using the key from {source}\n")
    return 0
