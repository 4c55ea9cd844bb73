"""Building the real client from command-line flags: OpenRouter, any ``--base-url``, or ``--offline``.

Commands that talk to a model call :func:`add_client_arguments` on their parser and :func:`build_client`
in their ``run``; the key comes from ``OPENROUTER_API_KEY`` or ``chat-openrouter keys set`` (never from the
command line, where it would land in shell history and ``ps``).
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from ._config import MODEL_ENV, resolve_key, resolve_model
from ._output import PROG, UsageError

if TYPE_CHECKING:
    from ..testing.emulator import Emulator
    from ..wire.base import WireClient

__all__ = [
    "DEFAULT_MODEL",
    "OFFLINE_MODEL",
    "add_client_arguments",
    "add_model_argument",
    "build_client",
    "default_model",
]

DEFAULT_MODEL = "openrouter/auto"
OFFLINE_MODEL = "emulator/echo"

NO_KEY_HINT = (
    f"no API key: run `{PROG} keys set` or set OPENROUTER_API_KEY (create a key at "
    "https://openrouter.ai/keys), or add --offline to try the built-in emulator"
)


def add_client_arguments(parser: argparse.ArgumentParser, *, wire: bool = True) -> None:
    """``--offline``, ``--base-url`` and (``wire=True``) ``--completions`` on ``parser``."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--offline",
        action="store_true",
        help="talk to the built-in OpenRouter emulator instead (no key, no network)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="an OpenRouter-compatible server (default https://openrouter.ai/api/v1)",
    )
    if wire:
        group.add_argument(
            "--completions",
            action="store_true",
            help="use the Chat Completions API (default: the Responses API)",
        )


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    """``-m/--model`` (a model id or an alias from ``chat-openrouter aliases``)."""
    parser.add_argument(
        "-m",
        "--model",
        metavar="MODEL",
        help=(
            f"model id or alias (default ${MODEL_ENV}, else {DEFAULT_MODEL}; {OFFLINE_MODEL} with --offline)"
        ),
    )


def default_model(args: argparse.Namespace) -> str:
    """The model for this run: ``-m`` (alias resolved), else the default for online / offline use."""
    chosen = getattr(args, "model", None)
    if chosen and chosen.strip():
        return resolve_model(chosen)
    if getattr(args, "offline", False):
        return OFFLINE_MODEL
    return os.environ.get(MODEL_ENV, "").strip() or DEFAULT_MODEL


def build_client(
    args: argparse.Namespace,
    *,
    model: str | None = None,
    key_required: bool = True,
    emulator: Emulator | None = None,
) -> WireClient:
    """The real client, pointed at OpenRouter, ``--base-url``, or (``--offline``) an in-process emulator.

    ``model`` overrides :func:`default_model`; ``emulator`` reuses an emulator across clients (the REPL's
    ``/model`` rebuilds the client).
    """
    from ..openrouter.builder import OpenRouterBuilder

    if getattr(args, "offline", False) and getattr(args, "base_url", None):
        raise UsageError("--offline and --base-url cannot be used together")
    builder: OpenRouterBuilder[WireClient] = OpenRouterBuilder()
    if getattr(args, "completions", False):
        builder = builder.with_completions()
    if getattr(args, "offline", False):
        if emulator is None:
            emulator = offline_emulator(model or default_model(args))
        builder = builder.with_api_key("offline").with_transport(emulator.transport())
    else:
        if getattr(args, "base_url", None):
            builder = builder.with_base_url(args.base_url)
        key, _ = resolve_key()
        if key is None and key_required:
            raise UsageError(NO_KEY_HINT)
        builder = builder.with_api_key(key) if key else builder.without_api_key()
    client: WireClient = builder.with_model(model or default_model(args)).build()
    return client


def offline_emulator(model: str | None) -> Emulator:
    """The built-in emulator ``--offline`` talks to. A model it does not serve (``openai/gpt-4o-mini``) is
    answered by ``emulator/echo`` under that name, so a command written for OpenRouter runs offline
    unchanged; the emulator's own models (``emulator/tools``, ...) keep their behaviour."""
    from ..testing.emulator import BUILTIN_MODELS, MEDIA_MODELS, Emulator

    known = {m.id for m in (*BUILTIN_MODELS, *MEDIA_MODELS)}
    return Emulator(aliases={model: OFFLINE_MODEL} if model and model not in known else None)
