"""``chat-openrouter batch``: run a JSONL file of rows through a model, resumably.

::

    chat-openrouter batch questions.jsonl -o answers.jsonl -m openai/gpt-4o-mini --concurrency 32
    chat-openrouter batch questions.jsonl -o answers.jsonl -m meta-llama/llama-3.3-70b-instruct:free --rpm 20
    chat-openrouter batch questions.jsonl -o answers.jsonl --offline            # against the emulator
    chat-openrouter batch questions.jsonl -o answers.jsonl -m MODEL --engine ray  # local Ray or RAY_ADDRESS

Exit status: 0 when every row has an answer in the output, 1 otherwise (failed rows, rows not run
because of the budget or a 402, invalid input lines), 2 for usage errors. The summary goes to stderr;
rerun the same command to continue an interrupted or stopped job.

Registered with :func:`register` (the CLI's sub-command convention); it builds its own client: ``-m``
picks the model, the key comes from ``OPENROUTER_API_KEY``, ``--offline`` uses the built-in emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._client import OFFLINE_MODEL

if TYPE_CHECKING:
    from ..batch._summary import BatchSummary
    from ..core.options import OutputSchema
    from ..wire.base import WireClient

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``batch`` sub-command to ``subparsers`` (from ``ArgumentParser.add_subparsers()``)."""
    parser = subparsers.add_parser(
        "batch",
        help="run a JSONL file of prompts, resumably (rate limits, budget)",
        description=(
            "Run every row of INPUT (JSON lines: {\"id\", \"prompt\"} or {\"id\", \"messages\"}) and append "
            "one result line per row to OUTPUT. Rerun the same command to resume: rows already in OUTPUT "
            "are skipped. Exit status 0 only when every row has an answer."
        ),
    )
    parser.add_argument("input", metavar="INPUT.jsonl", help="rows to run, one JSON object per line")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT.jsonl", help="results (appended)")
    parser.add_argument("-m", "--model", help=f"model id (required online; {OFFLINE_MODEL} with --offline)")
    parser.add_argument("--concurrency", type=_positive_int, default=16, metavar="N", help="most requests in flight (default 16)")
    parser.add_argument("--budget", type=_non_negative_float, metavar="USD", help="stop starting rows once this much is spent")
    parser.add_argument("--rpm", type=_positive_float, metavar="N", help="at most N requests per minute (free models: 20)")
    parser.add_argument("-s", "--system", help="a system prompt for rows that bring none")
    parser.add_argument("--schema", metavar="FILE", help="ask for JSON matching the JSON schema in FILE")
    parser.add_argument("--completions", action="store_true", help="use the Chat Completions wire")
    parser.add_argument("--max-attempts", type=_positive_int, default=6, metavar="N", help="tries per row for transient errors (default 6)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local", help="local (default) or ray (local Ray, or RAY_ADDRESS)")
    parser.add_argument("--actors", type=_positive_int, default=2, metavar="N", help="Ray actors (--engine ray; default 2)")
    parser.add_argument("--batch-size", type=_positive_int, default=64, metavar="N", help="rows per Ray batch (default 64)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show one")
    # The shared options may also come before the command; SUPPRESS keeps that value.
    parser.add_argument("--offline", action="store_true", default=argparse.SUPPRESS, help="use the built-in emulator")
    parser.add_argument("--base-url", default=argparse.SUPPRESS, metavar="URL", help="an OpenRouter-compatible base URL")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """The ``batch`` command: returns the exit status."""
    from ..errors import ChatOpenRouterError, ConfigurationError

    offline = bool(getattr(args, "offline", False))
    base_url = getattr(args, "base_url", None)
    from ._config import resolve_model

    model = args.model or (OFFLINE_MODEL if offline else os.environ.get("OPENROUTER_MODEL"))
    if not model:
        raise ConfigurationError("batch needs a model: -m MODEL (or --offline for the emulator)")
    model = resolve_model(model)  # `chat-openrouter aliases set NAME MODEL` works here too
    if not Path(args.input).is_file():
        raise ConfigurationError(f"the input {args.input!r} is not a file")
    schema = _load_schema(args.schema) if args.schema else None
    try:
        if args.engine == "ray":
            summary = _run_ray(args, model, schema, offline=offline, base_url=base_url)
        else:
            summary = _run_local(args, model, schema, offline=offline, base_url=base_url)
    except OSError as exc:  # a full disk, a read-only folder: what was written is safe, rerun later
        if isinstance(exc, ChatOpenRouterError):
            raise  # our ConnectionError/TimeoutError are OSErrors too: not a write failure
        sys.stderr.write(f"chat-openrouter: error: cannot write {args.output}: {exc.strerror or exc}; "
                         "rows already written are kept, rerun to continue\n")
        return 1
    sys.stderr.write(summary.describe() + "\n")
    sys.stderr.flush()
    return 0 if summary.complete else 1


def _run_local(
    args: argparse.Namespace, model: str, schema: OutputSchema | None, *, offline: bool, base_url: str | None
) -> BatchSummary:
    from ..batch._job import BatchJob

    client = _client(model, offline=offline, base_url=base_url, completions=args.completions)
    job = BatchJob(
        client,
        concurrency=args.concurrency,
        budget_usd=args.budget,
        requests_per_minute=args.rpm,
        system=args.system,
        output_schema=schema,
        max_attempts=args.max_attempts,
        progress=args.progress,
    )
    return job.run_sync(args.input, args.output)


def _run_ray(
    args: argparse.Namespace, model: str, schema: OutputSchema | None, *, offline: bool, base_url: str | None
) -> BatchSummary:
    from ..batch._ray import OFFLINE_KEY_ENV, BatchSpec, run_file_on_ray

    spec = BatchSpec(
        model=model,
        wire="completions" if args.completions else "responses",
        base_url=base_url,
        system=args.system,
        output_schema=schema,
        max_attempts=args.max_attempts,
    )
    server = None
    worker_env: dict[str, str] = {}
    if offline:
        # Actors are other processes: they reach the emulator over loopback, with a throwaway key (the
        # emulator takes any), which they read from their environment like a real one.
        from ._client import offline_emulator

        server = offline_emulator(model).loopback().start()
        spec = replace(spec, base_url=server.base_url, api_key_env=OFFLINE_KEY_ENV)
        os.environ[OFFLINE_KEY_ENV] = worker_env[OFFLINE_KEY_ENV] = "offline"
    try:
        return run_file_on_ray(
            args.input,
            args.output,
            spec,
            actors=args.actors,
            batch_size=args.batch_size,
            concurrency=args.concurrency,
            budget_usd=args.budget,
            requests_per_minute=args.rpm,
            worker_env=worker_env,
            progress=args.progress,
        )
    finally:
        if server is not None:
            server.stop()


def _client(model: str, *, offline: bool, base_url: str | None, completions: bool) -> Any:
    from ..errors import ConfigurationError
    from ..openrouter.builder import OpenRouterBuilder

    builder: OpenRouterBuilder[WireClient] = OpenRouterBuilder().with_model(model)
    if completions:
        builder = builder.with_completions()
    if offline:
        from ._client import offline_emulator

        return builder.with_api_key("offline").with_transport(offline_emulator(model).transport()).build()
    if base_url:
        builder = builder.with_base_url(base_url)
    from ._config import resolve_key

    key, _ = resolve_key()  # the environment variable, else the key stored by `chat-openrouter keys set`
    if not key:
        raise ConfigurationError(
            "no API key: set OPENROUTER_API_KEY or run `chat-openrouter keys set` "
            "(https://openrouter.ai/keys), or add --offline for the emulator"
        )
    return builder.with_api_key(key).build()


def _load_schema(path: str) -> OutputSchema:
    from ..core.options import OutputSchema
    from ..errors import ConfigurationError

    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"--schema: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigurationError(f"--schema: {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigurationError(f"--schema: {path} must hold a JSON schema object")
    # A bare schema, or OpenAI's {"name", "schema", "strict"} wrapper.
    if isinstance(document.get("schema"), dict) and "type" not in document:
        name = str(document.get("name") or Path(path).stem)
        return OutputSchema(name=name, schema=document["schema"], strict=bool(document.get("strict", True)))
    name = "".join(c if c.isalnum() or c in "_-" else "_" for c in Path(path).stem)[:64] or "output"
    return OutputSchema(name=name, schema=document)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError("cannot be negative")
    return value
