"""``chat-openrouter logs``: recent prompts with model, tokens and cost; ``logs path`` shows the database."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._config import logs_path
from ._output import PROG, Style, UsageError, format_cost, json_text, safe, write

if TYPE_CHECKING:
    from ._store import Exchange

__all__ = ["register", "run_list", "run_path"]

_PROMPT_WIDTH = 60


def _listing_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-n", "--count", type=_count, default=10, metavar="N", help="how many exchanges (default 10; 0 = all)"
    )
    parser.add_argument("--cid", metavar="ID", help="only this conversation (id or id prefix)")
    parser.add_argument("--json", action="store_true", help="everything logged, as a JSON list")


def register(subparsers: Any) -> None:
    """Add the ``logs`` sub-command (``logs``, ``logs list``, ``logs path``)."""
    parser = subparsers.add_parser(
        "logs",
        help="recent prompts with model, tokens and cost (logs path: where they are kept)",
        description=(
            "Every exchange of `chat` is logged to a local SQLite database, unless --no-log or "
            "CHAT_OPENROUTER_NO_LOG=1. The newest exchange is listed last."
        ),
    )
    _listing_arguments(parser)
    parser.set_defaults(run=run_list)
    actions = parser.add_subparsers(dest="logs_command", metavar="ACTION")
    listing = actions.add_parser("list", help="list recent exchanges (the default)")
    _listing_arguments(listing)
    listing.set_defaults(run=run_list)
    path = actions.add_parser("path", help="print the path of the log database")
    path.set_defaults(run=run_path)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (all) or more")
    return value


def run_path(args: argparse.Namespace) -> int:
    write(sys.stdout, f"{logs_path()}\n")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ._store import LogStore, StoreError

    path = logs_path()
    try:
        store = LogStore(path, create=False)
    except FileNotFoundError:
        if args.json:
            write(sys.stdout, "[]\n")
        else:
            write(sys.stderr, f"{PROG}: nothing logged yet ({path})\n")
        return 0
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    with store:
        try:
            conversation = store.conversation(args.cid).id if args.cid else None
            exchanges = store.exchanges(limit=args.count or None, conversation_id=conversation)
        except StoreError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        write(sys.stdout, json_text([asdict(e) for e in exchanges]) + "\n")
        return 0
    if not exchanges:
        write(sys.stderr, f"{PROG}: nothing logged yet ({path})\n")
        return 0
    write(sys.stdout, _table(exchanges))
    return 0


def _when(created: str) -> str:
    try:
        return datetime.fromisoformat(created).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return created[:16]


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _table(exchanges: list[Exchange]) -> str:
    headers = ("ID", "WHEN", "CONVERSATION", "MODEL", "TOKENS", "COST", "PROMPT")
    rows = []
    for e in exchanges:
        tokens = f"{e.input_tokens} → {e.output_tokens}" if e.input_tokens is not None else "-"
        marker = "" if e.status == "ok" else f"[{e.status}] "
        prompt = " ".join((marker + (e.prompt or "(attachments only)")).split())
        model = e.response_model or e.model
        rows.append(
            tuple(
                safe(cell)
                for cell in (
                    str(e.id),
                    _when(e.created),
                    e.conversation_id,
                    model,
                    tokens,
                    format_cost(e.cost),
                    prompt,
                )
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    # The prompt gets what is left of a terminal's width (a fixed width in a pipe), never wrapping a row.
    room = _PROMPT_WIDTH
    if sys.stdout.isatty():
        room = max(20, shutil.get_terminal_size().columns - sum(widths[:-1]) - 2 * (len(widths) - 1))
    rows = [(*r[:-1], _one_line(r[-1], room)) for r in rows]
    widths[-1] = max(len(headers[-1]), *(len(r[-1]) for r in rows))

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in (0, 5) else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    style = Style(sys.stdout)
    return style.bold(line(headers)) + "\n" + "".join(line(r) + "\n" for r in rows)
