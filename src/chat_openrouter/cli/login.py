"""``chat-openrouter login``: get a key by logging in to OpenRouter in the browser (OAuth PKCE), store it.

The command listens on a loopback port for OpenRouter's redirect, opens the authorisation page in the
browser (or prints its URL), exchanges the returned code -- with the PKCE verifier only this process
knows -- for a key, and stores the key like ``keys set`` does. Nothing but ``/callback?code=...`` on
127.0.0.1 is answered, and only once.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Any

from ._config import KEY_ENV, store_key
from ._output import PROG, UsageError, warn, write

__all__ = ["register"]

DEFAULT_TIMEOUT = 300.0
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>chat-openrouter</title>"
    "<p>{message}</p><p>You can close this tab.</p>"
)


def register(subparsers: Any) -> None:
    """Add the ``login`` sub-command."""
    parser = subparsers.add_parser(
        "login",
        help="log in to OpenRouter in the browser and store the key it grants",
        description=(
            "Opens OpenRouter's authorisation page (OAuth PKCE), waits on a loopback port for the "
            "redirect, exchanges the code for a key and stores it like `keys set`."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=0, metavar="N", help="loopback port for the callback (default: a free one)"
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the URL to open instead of opening a browser"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for the browser (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="an OpenRouter-compatible server (default https://openrouter.ai/api/v1)"
    )
    parser.set_defaults(run=_run)


class _Callback:
    """A one-shot loopback server for ``/callback?code=...`` (the standard library's, in a thread)."""

    def __init__(self, port: int) -> None:
        from http.server import BaseHTTPRequestHandler, HTTPServer
        from urllib.parse import parse_qs, urlsplit

        self.code: str | None = None
        self.error: str | None = None
        self.arrived = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path != "/callback" or outer.arrived.is_set():
                    self._answer(404, "Not the login callback.")
                    return
                codes = query.get("code") or []
                if codes and codes[0]:
                    outer.code = codes[0]
                    self._answer(200, "Logged in: chat-openrouter has your key.")
                else:
                    outer.error = (query.get("error") or ["the redirect carried no code"])[0]
                    self._answer(400, "Login failed: no authorisation code.")
                outer.arrived.set()

            def _answer(self, status: int, message: str) -> None:
                body = _PAGE.format(message=message).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # the URL holds the code: no logs
                return

        try:
            self.server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise UsageError(f"cannot listen on 127.0.0.1:{port} for the login callback ({exc.strerror})") from None
        self.server.timeout = 0.5
        self.thread = threading.Thread(target=self._serve, name="login-callback", daemon=True)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.server.server_address[1]}/callback"

    def _serve(self) -> None:
        while not self.arrived.is_set() and not self._stopped:
            self.server.handle_request()

    def __enter__(self) -> _Callback:
        self._stopped = False
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped = True
        self.thread.join(timeout=2)
        self.server.server_close()


def _open_browser(url: str) -> bool:
    try:
        import webbrowser

        return webbrowser.open(url)
    except Exception:  # no browser, no display: the printed URL is the way
        return False


def _run(args: argparse.Namespace) -> int:
    from ..openrouter.builder import OpenRouterBuilder

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    builder = OpenRouterBuilder().without_api_key()
    if args.base_url:
        builder = builder.with_base_url(args.base_url)
    api = builder.build_api()
    with _Callback(args.port) as callback:
        auth = api.authorization_url(callback.url)
        write(sys.stderr, f"{PROG}: open this page to log in to OpenRouter:\n  {auth.url}\n")
        if not args.no_browser and _open_browser(auth.url):
            write(sys.stderr, f"{PROG}: (opened in your browser; waiting for it to come back)\n")
        if not callback.arrived.wait(args.timeout):
            raise UsageError(f"no login within {args.timeout:g} seconds; run `{PROG} login` again")
    if callback.code is None:
        raise UsageError(f"the login did not complete: {callback.error}")
    user = api.exchange_code_sync(callback.code, code_verifier=auth.code_verifier)
    path = store_key(user.key.get())
    write(sys.stderr, f"{PROG}: logged in; key saved to {path} (readable by you only)\n")
    if os.environ.get(KEY_ENV, "").strip():
        warn(f"{KEY_ENV} is set in this environment and is used instead of the stored key")
    return 0
