"""The auth room: OpenRouter's OAuth PKCE flow, so an app can obtain a user's key (docs: OAuth PKCE).

1. The app sends the user to ``/auth?callback_url=...&code_challenge=...&code_challenge_method=S256``.
   OpenRouter asks the user to log in and approve; the emulator approves at once and redirects (302) to
   ``callback_url?code=...`` -- a test plays the browser by following that redirect. Without HTTP,
   ``Emulator.authorize(url)`` returns the same callback URL.
2. The app exchanges the code: ``POST /auth/keys {code, code_verifier, code_challenge_method}`` returns
   ``{key, user_id}``; the key works against the emulator from then on. A code is single-use and
   expires after ten minutes; a wrong or missing verifier is refused.

``POST /auth/keys/code`` creates a code server-side for an authenticated caller (spec
``createAuthKeysCode``). Callback URLs must be ``https`` or loopback ``http`` (any port), as OpenRouter's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ._asgi import Reply, json_reply
from ._context import Context, utc_iso
from ._errors import RequestError
from ._routing import Request, Router
from ._shapes import Shape
from ._state import AuthCode

__all__ = ["AuthRoom", "authorization_query", "code_challenge"]

CODE_LIFETIME = 600.0
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_METHODS = ("S256", "plain")
_CREATE_CODE: Shape = {
    "type": "object",
    "required": ["callback_url"],
    "properties": {
        "callback_url": {"type": "string"},
        "code_challenge": {"type": "string"},
        "code_challenge_method": {"type": "string", "enum": list(_METHODS)},
        "limit": {"type": "number"},
        "expires_at": {"type": ["string", "null"]},
        "key_label": {"type": "string", "maxLength": 100},
        "usage_limit_type": {"type": "string", "enum": ["daily", "weekly", "monthly"]},
        "workspace_id": {"type": "string"},
    },
}
_EXCHANGE: Shape = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string"},
        "code_verifier": {"type": "string"},
        "code_challenge_method": {"type": ["string", "null"], "enum": [*_METHODS, None]},
    },
}


def code_challenge(verifier: str, method: str = "S256") -> str:
    """The PKCE challenge for ``verifier``: ``base64url(sha256(verifier))`` without padding, or itself."""
    if method == "plain":
        return verifier
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class AuthRoom:
    """Serves the OAuth PKCE endpoints and the emulator's stand-in for the authorization page."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(self, router: Router) -> None:
        router.add("GET", "/auth", self.authorization_page)
        router.add("POST", "/auth/keys/code", self.create_code)
        router.add("POST", "/auth/keys", self.exchange_code)

    # -- step 1: the user approves ----------------------------------------------------------------------------
    def approve(self, query: dict[str, str]) -> str:
        """Approve an authorization request (the ``/auth`` page's query): the callback URL with its code."""
        callback = query.get("callback_url", "")
        _check_callback(callback)
        challenge = query.get("code_challenge") or None
        method = query.get("code_challenge_method") or ("S256" if challenge else "plain")
        if method not in _METHODS:
            raise RequestError(400, f"code_challenge_method: must be S256 or plain, not {method!r}")
        code = self._new_code(callback, challenge, method)
        parts = urlsplit(callback)
        joined = (
            f"{parts.query}&{urlencode({'code': code.code})}"
            if parts.query
            else urlencode({"code": code.code})
        )
        return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))

    async def authorization_page(self, request: Request) -> Reply:
        location = self.approve(request.query)
        return Reply(302, [("location", location), ("content-type", "text/plain")], b"Redirecting")

    def _new_code(self, callback: str, challenge: str | None, method: str, **fields: Any) -> AuthCode:
        code = AuthCode(
            "auth_code_" + self.ctx.token(24),
            callback,
            challenge,
            method,
            self.ctx.settings.clock(),
            **fields,
        )
        with self.ctx.lock:
            self.ctx.state.auth_codes[code.code] = code
        return code

    async def create_code(self, request: Request) -> Reply:
        self.ctx.authenticate(request)
        body = self.ctx.read_body(request, "POST /auth/keys/code", _CREATE_CODE)
        _check_callback(body["callback_url"])
        challenge = body.get("code_challenge")
        code = self._new_code(
            body["callback_url"],
            challenge,
            body.get("code_challenge_method", "S256" if challenge else "plain"),
            limit=body.get("limit"),
            key_label=body.get("key_label"),
            expires_at=body.get("expires_at"),
        )
        data = {"id": code.code, "app_id": 1, "created_at": utc_iso(code.created)}
        return json_reply(200, {"data": data})

    # -- step 2: the app exchanges the code ---------------------------------------------------------------------
    async def exchange_code(self, request: Request) -> Reply:
        # No key: the app has none yet -- that is what the exchange is for.
        body = self.ctx.read_body(request, "POST /auth/keys", _EXCHANGE)
        with self.ctx.lock:
            code = self.ctx.state.auth_codes.get(body["code"])
        if code is None or self.ctx.settings.clock() - code.created > CODE_LIFETIME:
            raise RequestError(403, "Invalid or expired authorization code")
        verifier = body.get("code_verifier")
        method = body.get("code_challenge_method")
        if code.challenge is not None:
            if not verifier:
                raise RequestError(
                    400, "code_verifier: required (the authorization request had a code_challenge)"
                )
            if method is not None and method != code.method:
                raise RequestError(
                    400, f"code_challenge_method: the authorization request used {code.method}, not {method}"
                )
            if not hmac.compare_digest(code_challenge(verifier, code.method), code.challenge):
                raise RequestError(403, "Invalid code_verifier for this authorization code")
        with self.ctx.lock:
            if self.ctx.state.auth_codes.pop(code.code, None) is None:
                raise RequestError(403, "Invalid or expired authorization code")  # exchanged meanwhile
        managed = self.ctx.create_key(
            code.key_label or "OAuth app key", limit=code.limit, expires_at=code.expires_at
        )
        return json_reply(200, {"key": managed.key, "user_id": "user_emulator"})


def _check_callback(url: str) -> None:
    # It becomes a `Location` header: printable ASCII only (no CR/LF to split the answer with).
    if not url.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise RequestError(400, "callback_url: must be a URL of printable ASCII characters")
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS
    if not (parts.scheme == "https" and parts.hostname) and not loopback:
        raise RequestError(
            400, "callback_url: must be an https URL, or http on localhost / 127.0.0.1 for local tools"
        )


def authorization_query(url: str) -> dict[str, str]:
    """The query of an authorization URL (``https://openrouter.ai/auth?...``) as a flat dict."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
