"""``chat-openrouter emulator``: serve the OpenRouter emulator over HTTP for other tools and languages."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._output import PROG, UsageError, error, write

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``emulator`` sub-command."""
    parser = subparsers.add_parser(
        "emulator",
        help="serve the OpenRouter emulator over HTTP (offline by nature)",
        description="Serve the emulator until Ctrl-C; the base URL to use is printed on the first line.",
    )
    parser.add_argument(
        "--port", type=_port, default=8080, help="TCP port (default 8080; 0 picks a free one)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--server",
        choices=("builtin", "uvicorn"),
        default="builtin",
        help="HTTP server (default: the built-in one, no extra dependency)",
    )
    parser.set_defaults(run=run)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 0 and 65535, got {port}")
    return port


def run(args: argparse.Namespace) -> int:
    from ..testing.emulator import Emulator, serve

    def ready(base_url: str) -> None:
        write(sys.stdout, f"OpenRouter emulator listening on {base_url}  (Ctrl-C to stop)\n")
        write(
            sys.stderr,
            f"try: OPENROUTER_API_KEY=any {PROG} chat --base-url {base_url} --model emulator/echo hello\n",
        )

    try:
        serve(Emulator(), host=args.host, port=args.port, backend=args.server, on_ready=ready)
    except RuntimeError:  # uvicorn requested but not installed
        raise UsageError(
            "uvicorn is not installed: `pip install uvicorn`, or leave out --server uvicorn to use the "
            "built-in server"
        ) from None
    except OSError as exc:
        error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 1
    return 0
