"""The ``chat-openrouter`` command (also ``python -m chat_openrouter``).

::

    chat-openrouter demo                              # offline tour: emulator on loopback, both wires
    chat-openrouter keys set                          # store your key (or set OPENROUTER_API_KEY)
    chat-openrouter login                             # or log in in the browser and store the key
    chat-openrouter chat "Explain SSE in one line"    # stream an answer
    cat notes.md | chat-openrouter chat "summarize"   # the prompt, then the piped text
    chat-openrouter chat -c "and in French?"          # continue the last conversation
    chat-openrouter chat                              # no prompt in a terminal: a REPL
    chat-openrouter logs                              # recent prompts, tokens and cost
    chat-openrouter models --search claude            # the catalogue as a table
    chat-openrouter emulator --port 8080              # serve the emulator for other tools

Output: the answer goes to stdout, everything else (reasoning, the usage footer, errors) to stderr, so
``chat-openrouter chat ... > answer.txt`` keeps just the answer. Text from the server is printed with its
control characters made visible (``_output.safe``). Styling is used only on a terminal without
``NO_COLOR``.

Exit status: 0 success, 1 the API or the network failed (one line on stderr), 2 usage or configuration
error (e.g. no API key), 130 interrupted with Ctrl-C.

Layout: one module per command (``chat``, ``models``, ...), each exposing ``register(subparsers)``, which
adds its sub-parser and sets ``run`` (``argparse.Namespace -> int``) as a default; shared helpers live
in private modules (``_client``, ``_output``, ``_config``, ...). Command modules import only the standard
library at the top, so ``--help`` never loads the client; each ``run`` imports what it needs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ._output import PROG, UsageError, describe, error, write

__all__ = ["COMMANDS", "build_parser", "main"]

#: The command modules, in ``--help`` order. Each is ``chat_openrouter.cli.<name>`` with ``register()``.
COMMANDS: tuple[str, ...] = ("chat", "models", "batch", "logs", "keys", "login", "aliases", "emulator", "demo")


class _Parser(argparse.ArgumentParser):
    """Every parser of the command, sub-commands included: no prefix matching of long options.

    Prefix matching would silently read ``--json`` as ``--json-schema`` (or any future option that
    happens to start the same way); a typo must be an error instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (each command module registers its own sub-parser)."""
    from .. import __version__

    parser = _Parser(
        prog=PROG,
        description="Talk to OpenRouter from the command line. New here? Try: chat-openrouter demo",
        epilog="The API key comes from OPENROUTER_API_KEY or `chat-openrouter keys set`, never from a flag.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def _tolerant_streams() -> None:
    # A server can send text the terminal's encoding cannot show (a lone surrogate, an emoji on a latin-1
    # console): print an escape instead of dying with UnicodeEncodeError halfway through an answer.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, io.UnsupportedOperation):
                stream.reconfigure(errors="backslashreplace")


@contextlib.contextmanager
def _quiet_broken_pipe() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(1) from None


def _key_hint(args: argparse.Namespace) -> None:
    """After a 401: say which key was sent, and how to replace it (never the key itself)."""
    if getattr(args, "offline", False):
        return
    from ._config import resolve_key

    _, source = resolve_key()
    if source:
        write(sys.stderr, f"{PROG}: the key came from {source}; `{PROG} keys set` stores another\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    _tolerant_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `chat-openrouter`: show what there is, not just "COMMAND is required"
        parser.print_help(sys.stderr)
        return 2
    run: Callable[[argparse.Namespace], int] = args.run
    from ..errors import AuthenticationError, ChatOpenRouterError, ConfigurationError

    try:
        with _quiet_broken_pipe():
            return run(args)
    except KeyboardInterrupt:
        write(sys.stderr, "\n")
        return 130
    except UsageError as exc:
        error(str(exc))
        return 2
    except ConfigurationError as exc:
        error(str(exc))
        return 2
    except AuthenticationError as exc:
        error(describe(exc))
        _key_hint(args)
        return 1
    except ChatOpenRouterError as exc:
        error(describe(exc))
        return 1
