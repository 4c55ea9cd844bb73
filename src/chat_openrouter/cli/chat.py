"""``chat-openrouter chat``: one answer, streamed, or a REPL; continue earlier conversations from the log."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ._client import add_client_arguments, add_model_argument, build_client, default_model
from ._config import NO_LOG_ENV, env_flag, logs_path, resolve_model
from ._output import UsageError, json_text, warn, write
from ._request import (
    check_attachment_for_wire,
    load_attachment,
    load_schema,
    options_help,
    parse_options,
    read_prompt,
    read_stdin,
)

if TYPE_CHECKING:
    from ..core.messages import Messages
    from ..core.response import ChatResponse
    from ._session import Session
    from ._store import LogStore

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``chat`` sub-command."""
    parser = subparsers.add_parser(
        "chat",
        help="stream an answer, or chat in a REPL",
        description=(
            "Stream an answer to PROMPT. Text piped on stdin is added after the prompt. "
            "With no prompt in a terminal (or with -i), open a REPL."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            '  chat-openrouter chat "Explain SSE in one line"\n'
            '  cat notes.md | chat-openrouter chat "Summarize:"\n'
            '  chat-openrouter chat -c "And in French?"           # continue the last conversation\n'
            '  chat-openrouter chat -a photo.jpg "What is this?"\n'
            '  chat-openrouter chat -m fast -o temperature 0.2 --json "Name a colour"\n'
            "  chat-openrouter chat --offline                     # a REPL against the emulator"
        ),
    )
    parser.add_argument("prompt", nargs="*", help="the prompt (words are joined with spaces)")
    add_model_argument(parser)
    parser.add_argument(
        "-s", "--system", metavar="TEXT", help="a system prompt (replaces the conversation's)"
    )
    parser.add_argument(
        "-o",
        "--option",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=f"a request option, repeatable: {options_help()}",
    )
    parser.add_argument(
        "--reasoning-effort", metavar="EFFORT", help="shortcut for -o reasoning_effort EFFORT"
    )
    parser.add_argument(
        "-a",
        "--attachment",
        action="append",
        default=[],
        metavar="FILE|URL",
        help="attach an image, PDF, audio or video file (or URL; - reads stdin), repeatable",
    )
    parser.add_argument(
        "--at",
        "--attachment-type",
        dest="typed_attachments",
        nargs=2,
        action="append",
        default=[],
        metavar=("FILE|URL", "TYPE"),
        help="attach with an explicit media type, e.g. --at scan image/jpeg",
    )
    parser.add_argument(
        "--schema",
        "--json-schema",
        metavar="FILE|JSON",
        help="ask for JSON valid for this JSON schema (a file, or the schema inline)",
    )
    parser.add_argument("--no-stream", action="store_true", help="print the answer when it is complete")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the whole response as JSON (text, output, usage and cost, model, ids)",
    )
    history = parser.add_mutually_exclusive_group()
    history.add_argument(
        "-c", "--continue", dest="continue_last", action="store_true", help="continue the last conversation"
    )
    history.add_argument("--cid", metavar="ID", help="continue the conversation with this id (or id prefix)")
    parser.add_argument(
        "--no-log", action="store_true", help=f"do not log this exchange (or set {NO_LOG_ENV}=1)"
    )
    parser.add_argument(
        "-i", "--interactive", action="store_true", help="REPL even when stdin is not a terminal"
    )
    add_client_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``chat`` (see :func:`register` for the flags)."""
    from ._session import Printer, Session, TurnInterrupted

    wire = "completions" if args.completions else "responses"
    options = parse_options(args.option, wire=wire, reasoning_effort=args.reasoning_effort)
    output = load_schema(args.schema) if args.schema else None
    uses_stdin = "-" in args.attachment or any(source == "-" for source, _ in args.typed_attachments)
    attachments = [load_attachment(source) for source in args.attachment]
    attachments += [load_attachment(source, mime) for source, mime in args.typed_attachments]
    for part in attachments:
        check_attachment_for_wire(part, wire)

    logging_on = not (args.no_log or env_flag(NO_LOG_ENV))
    conversation, conversation_id, stored_model = _history(args)
    model = resolve_model(args.model) if args.model else (stored_model or default_model(args))

    interactive = args.interactive or (not args.prompt and sys.stdin.isatty() and not attachments)
    if args.json and interactive:
        raise UsageError("--json prints one response: give a prompt (the REPL cannot print JSON)")
    piped = None if (interactive or uses_stdin or sys.stdin.isatty()) else read_stdin()
    prompt = read_prompt(args.prompt, piped)
    if not prompt and not attachments and not interactive:
        raise UsageError(
            "no prompt: pass one as an argument, pipe it on stdin, or run in a terminal for a REPL"
        )

    store = _open_store() if logging_on else None
    try:
        session = Session(
            # Offline, each model gets an emulator serving it (a /model switch to a real id works too).
            make_client=lambda name: build_client(args, model=name),
            model=model,
            conversation=conversation,
            conversation_id=conversation_id,
            options=options,
            output=output,
            store=store,
            printer=Printer(sys.stdout, sys.stderr, quiet=args.json),
            stream=not (args.no_stream or args.json),
        )
    except BaseException:
        if store is not None:
            store.close()
        raise
    if args.system is not None:
        session.set_system(args.system)
    try:
        if interactive:
            from ._repl import repl

            return repl(session, first=prompt, attachments=attachments)
        try:
            response = session.ask(prompt, attachments)
        except TurnInterrupted:
            raise KeyboardInterrupt from None
        if args.json:
            write(sys.stdout, json_text(_summary(response, session, output is not None)) + "\n")
        return 0
    finally:
        session.close()


def _history(args: argparse.Namespace) -> tuple[Messages, str | None, str | None]:
    """``(conversation, its id, its last model)`` for ``-c`` / ``--cid``; a new conversation otherwise."""
    from ..core.messages import Messages
    from ..errors import DecodeError
    from ._store import LogStore, StoreError

    if not (args.continue_last or args.cid):
        return Messages(), None, None
    path = logs_path()
    try:
        store = LogStore(path, create=False)
    except FileNotFoundError:
        raise UsageError("no conversation to continue: nothing has been logged yet") from None
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    with store:
        try:
            stored = store.conversation(args.cid) if args.cid else store.latest_conversation()
        except StoreError as exc:
            raise UsageError(str(exc)) from None
    if stored is None:
        raise UsageError("no conversation to continue: nothing has been logged yet")
    try:
        conversation = Messages.from_json(stored.messages_json)
    except DecodeError as exc:
        raise UsageError(f"cannot continue conversation {stored.id}: {exc}") from None
    return conversation, stored.id, stored.model


def _open_store() -> LogStore | None:
    from ._store import LogStore, StoreError

    try:
        return LogStore(logs_path())
    except StoreError as exc:
        warn(f"{exc}; this exchange will not be logged")
        return None


def _summary(response: ChatResponse, session: Session, structured: bool) -> dict[str, Any]:
    """``--json``: the response in one flat, jq-friendly object."""
    output = response.output
    if output is None and structured:
        try:
            output = json.loads(response.text)
        except ValueError:
            output = None
    usage = response.usage
    return {
        "text": response.text,
        "reasoning": response.reasoning or None,
        "refusal": response.refusal,
        "output": output,
        "model": response.model,
        "requested_model": session.model,
        "provider": response.provider,
        "generation_id": response.id,
        "finish_reason": response.finish_reason,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
            "cached_tokens": usage.cached_tokens,
            "total_tokens": usage.total_tokens,
            "cost": None if usage.cost is None else float(usage.cost),
        },
        "conversation_id": session.conversation_id if session.store is not None else None,
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": call.raw_arguments}
            for call in response.tool_calls
        ],
    }
