"""The ``chat`` REPL: one question per line, the conversation kept between them, slash commands local."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._config import resolve_model
from ._output import Style, UsageError, describe, error, safe, write
from ._session import Session, TurnInterrupted

if TYPE_CHECKING:
    from ..core.parts import FilePart

__all__ = ["HELP", "repl"]

HELP = """\
Commands (never sent to the model):
  /help           this list
  /clear          start a new conversation (the system prompt stays)
  /model [NAME]   show the model, or switch to NAME (a model id or an alias)
  /system [TEXT]  show the system prompt, or set it; "/system -" removes it
  /exit, /quit    leave (Ctrl-D does too)
  //text          send a line that starts with "/" (the first slash is dropped)
Ctrl-C stops an answer and keeps what arrived in the history; Ctrl-C at the prompt quits."""


def _read_line(use_readline: bool) -> str:
    """One line from the user. The prompt goes where the person is looking: the terminal on stdout, else
    stderr, so that stdout keeps answers only (``chat -i < questions.txt > answers.txt``)."""
    if not sys.stdout.isatty():
        write(sys.stderr, "you> ")
        return input()
    if not Style(sys.stdout).enabled:
        return input("you> ")
    if use_readline:
        # Readline counts every byte of the prompt as a column unless escapes sit between \001 and \002.
        return input("\x01\x1b[1m\x02you> \x01\x1b[0m\x02")
    return input(Style(sys.stdout).bold("you> "))


def repl(session: Session, *, first: str = "", attachments: Sequence[FilePart] = ()) -> int:
    """Run the REPL until ``/exit``, Ctrl-D (exit 0) or Ctrl-C at the prompt (exit 130)."""
    from ..errors import ChatOpenRouterError

    use_readline = False
    if sys.stdin.isatty():
        try:
            import readline  # noqa: F401 - line editing and history for input()

            use_readline = True
        except ImportError:
            pass
    notes = Style(sys.stderr)
    turns = len(session.conversation)
    resumed = f" · continuing {session.conversation_id} ({turns} turns)" if turns else ""
    write(
        sys.stderr,
        notes.dim(
            safe(
                f"{session.model}{resumed} · /help for commands · Ctrl-D or /exit to quit · "
                "Ctrl-C stops an answer"
            )
        )
        + "\n",
    )
    pending, pending_files = first, list(attachments)
    while True:
        if pending or pending_files:
            line, pending = pending, ""
        else:
            try:
                line = _read_line(use_readline)
            except EOFError:
                write(sys.stderr if not sys.stdout.isatty() else sys.stdout, "\n")
                return 0
            except KeyboardInterrupt:
                write(sys.stderr, "\n")
                return 130
        text = line.strip()
        if not text and not pending_files:
            continue
        if text.startswith("/") and not text.startswith("//"):
            status = _command(session, text)
            if status is not None:
                return status
            continue
        files, pending_files = pending_files, []
        try:
            session.ask(text[1:] if text.startswith("//") else text, files)
        except TurnInterrupted:
            write(sys.stderr, notes.dim("[answer stopped]") + "\n")
        except ChatOpenRouterError as exc:
            error(describe(exc))


def _command(session: Session, line: str) -> int | None:
    """Run one slash command; an exit status when the REPL should end."""
    from ..errors import ChatOpenRouterError

    name, _, argument = line.partition(" ")
    argument = argument.strip()
    notes = Style(sys.stderr)

    def say(text: str) -> None:
        write(sys.stderr, notes.dim(safe(text)) + "\n")

    if name in ("/exit", "/quit"):
        return 0
    if name == "/help":
        write(sys.stderr, HELP + "\n")
    elif name == "/clear":
        session.clear()
        say(f"new conversation {session.conversation_id}")
    elif name == "/model":
        if not argument:
            say(f"model: {session.model}")
            return None
        try:
            session.set_model(resolve_model(argument))
        except (ChatOpenRouterError, UsageError) as exc:
            error(str(exc))
        else:
            say(f"model: {session.model}")
    elif name == "/system":
        if not argument:
            say(f"system prompt: {session.system}" if session.system else "no system prompt")
        else:
            session.set_system(None if argument == "-" else argument)
            say("system prompt removed" if argument == "-" else "system prompt set")
    else:
        error(f"unknown command {name}: /help lists them; start the line with // to send it as text")
    return None
