"""``chat-openrouter aliases``: short names for models, usable wherever ``-m`` takes a model."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._config import aliases_path, load_aliases, save_aliases
from ._output import PROG, UsageError, json_text, safe, write

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``aliases`` sub-command (``aliases``, ``set``, ``remove``, ``list``, ``path``)."""
    parser = subparsers.add_parser(
        "aliases",
        help="name models: aliases set fast google/gemini-2.5-flash, then -m fast",
        description="Aliases are resolved by -m and by the REPL's /model.",
    )
    parser.add_argument("--json", action="store_true", help="list as a JSON object")
    parser.set_defaults(run=_list)
    actions = parser.add_subparsers(dest="aliases_command", metavar="ACTION")
    set_ = actions.add_parser("set", help="create or change an alias")
    set_.add_argument("name", help="the alias (no spaces)")
    set_.add_argument("model", help="the model id it stands for, e.g. anthropic/claude-sonnet-4")
    set_.set_defaults(run=_set)
    remove = actions.add_parser("remove", help="delete an alias")
    remove.add_argument("name")
    remove.set_defaults(run=_remove)
    listing = actions.add_parser("list", help="list the aliases (the default)")
    listing.add_argument("--json", action="store_true", help="as a JSON object")
    listing.set_defaults(run=_list)
    actions.add_parser("path", help="print the path of the aliases file").set_defaults(run=_path)


def _set(args: argparse.Namespace) -> int:
    name, model = args.name.strip(), args.model.strip()
    if not name or any(c.isspace() for c in name) or not name.isprintable():
        raise UsageError(f"aliases set: {safe(args.name)!r} cannot be an alias: use a word without spaces")
    if not model or any(c.isspace() for c in model) or not model.isprintable():
        raise UsageError(f"aliases set: {safe(args.model)!r} is not a model id (like openai/gpt-4o)")
    aliases = load_aliases()
    aliases[name] = model
    save_aliases(aliases)
    write(sys.stderr, safe(f"{PROG}: {name} → {model}") + "\n")
    return 0


def _remove(args: argparse.Namespace) -> int:
    aliases = load_aliases()
    if args.name not in aliases:
        raise UsageError(f"aliases remove: no alias {safe(args.name)!r} (`{PROG} aliases` lists them)")
    del aliases[args.name]
    save_aliases(aliases)
    return 0


def _list(args: argparse.Namespace) -> int:
    aliases = load_aliases()
    if args.json:
        write(sys.stdout, json_text(aliases) + "\n")
        return 0
    if not aliases:
        write(sys.stderr, f"{PROG}: no aliases yet: {PROG} aliases set NAME MODEL\n")
        return 0
    width = max(len(name) for name in aliases)
    write(
        sys.stdout, "".join(safe(f"{name.ljust(width)}  {model}") + "\n" for name, model in aliases.items())
    )
    return 0


def _path(args: argparse.Namespace) -> int:
    write(sys.stdout, f"{aliases_path()}\n")
    return 0
