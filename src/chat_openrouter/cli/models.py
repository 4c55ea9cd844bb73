"""``chat-openrouter models``: the catalogue (``GET /models``) as a table, or as JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ._client import add_client_arguments, build_client
from ._output import PROG, Style, json_text, safe, write

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``models`` sub-command."""
    parser = subparsers.add_parser(
        "models",
        help="list models with context length, prices and capabilities",
        description="The OpenRouter catalogue (public: no key needed).",
    )
    parser.add_argument("--search", metavar="TEXT", help="only models whose id or name contains TEXT")
    parser.add_argument("--json", action="store_true", help="one JSON object per model, as the API sends it")
    add_client_arguments(parser, wire=False)
    parser.set_defaults(run=run)


def _per_million(value: Any) -> str:
    if value is None:
        return "-"
    per_million = value * 1_000_000
    if per_million == 0:
        return "free"
    return f"{per_million:.2f}" if per_million >= 0.01 else f"{per_million:.4f}"


def run(args: argparse.Namespace) -> int:
    from ..openrouter.api import OpenRouterAPI

    with build_client(args, key_required=False) as client:
        models = OpenRouterAPI(client).list_models_sync()
    needle = (args.search or "").lower()
    if needle:
        models = [m for m in models if needle in m.id.lower() or needle in (m.name or "").lower()]
    if not models:
        write(sys.stderr, safe(f"{PROG}: no model matches {args.search!r}") + "\n")
        return 1
    models = sorted(models, key=lambda m: m.id)
    if args.json:
        write(sys.stdout, json_text([dict(m.raw) or {"id": m.id} for m in models]) + "\n")
        return 0
    headers = ("MODEL", "CONTEXT", "$/M IN", "$/M OUT", "TOOLS", "REASONING", "STRUCTURED")
    rows = []
    for m in models:
        params = m.supported_parameters
        rows.append(
            (
                safe(m.id),
                f"{m.context_length:,}" if m.context_length else "-",
                _per_million(m.pricing.prompt),
                _per_million(m.pricing.completion),
                "yes" if "tools" in params else "-",
                "yes" if "reasoning" in params or "include_reasoning" in params else "-",
                "yes" if "structured_outputs" in params or "response_format" in params else "-",
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    right = {1, 2, 3}

    def line(cells: Sequence[str]) -> str:
        padded = (
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    style = Style(sys.stdout)
    write(sys.stdout, style.bold(line(headers)) + "\n" + "".join(line(r) + "\n" for r in rows))
    return 0
