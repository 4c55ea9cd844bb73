"""App auth: OpenRouter's OAuth PKCE flow, so the users of your app bring their own key.

::

    api = OpenRouterBuilder().without_api_key().build_api()
    auth = api.authorization_url("http://localhost:3000/callback")   # S256 challenge, fresh verifier
    redirect_user_to(auth.url)
    # ... OpenRouter redirects the browser to http://localhost:3000/callback?code=...
    user = api.exchange_code_sync(code, code_verifier=auth.code_verifier)
    client = OpenRouterBuilder().with_api_key(user.key.get()).build()

``chat-openrouter login`` runs the whole flow with a loopback callback and stores the key. The verifier
and the key are :class:`~chat_openrouter.transport.Secret`\\ s: they never show in a repr or a log.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from ...errors import ConfigurationError, DecodeError
from ...transport.secret import Secret
from ...wire.common.lenient import as_str, opt_int
from ._calls import CallFlow, EndpointGroup, Post, unwrap_data

__all__ = [
    "AuthCode",
    "AuthGroup",
    "Authorization",
    "UserKey",
    "auth_page_url",
    "code_challenge",
    "new_code_verifier",
]

ChallengeMethod = Literal["S256", "plain"]
#: RFC 7636 §4.1: a verifier is 43 to 128 characters of [A-Za-z0-9-._~].
_VERIFIER_BYTES = 64  # 86 characters once base64url-encoded
_MAX_LABEL = 100  # spec POST /auth/keys/code key_label maxLength


def new_code_verifier() -> str:
    """A fresh, unguessable PKCE code verifier (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(_VERIFIER_BYTES)


def code_challenge(verifier: str, method: ChallengeMethod = "S256") -> str:
    """The challenge sent with the authorisation request: ``BASE64URL(SHA256(verifier))`` (S256), unpadded."""
    if method == "plain":
        return verifier
    if method != "S256":
        raise ConfigurationError(f"code_challenge_method must be 'S256' or 'plain', got {method!r}")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def auth_page_url(base_url: str) -> str:
    """OpenRouter's authorisation page for an API base URL: ``https://openrouter.ai/api/v1`` ->
    ``https://openrouter.ai/auth`` (any host: the emulator serves ``/auth`` the same way)."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    if path.endswith("/api/v1"):
        path = path[: -len("/api/v1")]
    return urlunsplit((parts.scheme, parts.netloc, f"{path}/auth", "", ""))


def _check_callback(callback_url: str) -> None:
    parts = urlsplit(callback_url) if isinstance(callback_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"callback_url must be an http(s) URL, got {callback_url!r}")


@dataclass(frozen=True, slots=True)
class Authorization:
    """An authorisation request: send the user to ``url``; keep ``code_verifier`` for the exchange."""

    url: str
    callback_url: str
    code_verifier: Secret
    code_challenge_method: ChallengeMethod = "S256"

    def __repr__(self) -> str:
        return f"Authorization(url={self.url!r})"


@dataclass(frozen=True, slots=True)
class UserKey:
    """The key a user granted your app (``POST /auth/keys``): ``key.get()`` reveals it; ``user_id`` is theirs."""

    key: Secret
    user_id: str | None = None

    def __repr__(self) -> str:
        return f"UserKey(user_id={self.user_id!r})"


@dataclass(frozen=True, slots=True)
class AuthCode:
    """An authorisation code created server-side (``POST /auth/keys/code``)."""

    id: str
    app_id: int | None = None
    created_at: str | None = None

    def __repr__(self) -> str:  # the id *is* the code: a credential until exchanged
        return f"AuthCode(app_id={self.app_id!r}, created_at={self.created_at!r})"


class AuthGroup(EndpointGroup):
    """The authorisation URL, ``POST /auth/keys`` (code -> key) and ``POST /auth/keys/code``."""

    def authorization_url(
        self,
        callback_url: str,
        *,
        code_challenge_method: ChallengeMethod = "S256",
        code_verifier: str | None = None,
    ) -> Authorization:
        """Build the URL to send the user to, with a fresh verifier and its challenge (no I/O).

        OpenRouter asks the user to approve and redirects to ``callback_url?code=...`` (``https``, or
        ``http`` on localhost for local tools); exchange that code with :meth:`exchange_code_sync`.
        """
        _check_callback(callback_url)
        verifier = code_verifier or new_code_verifier()
        query = urlencode(
            {
                "callback_url": callback_url,
                "code_challenge": code_challenge(verifier, code_challenge_method),
                "code_challenge_method": code_challenge_method,
            }
        )
        url = f"{auth_page_url(self._calls.endpoint.base_url)}?{query}"
        return Authorization(url, callback_url, Secret(verifier), code_challenge_method)

    def _exchange(self, body: dict[str, Any]) -> CallFlow[UserKey]:
        answer = yield Post("auth/keys", body)
        key = answer.get("key") if isinstance(answer, Mapping) else None
        if not isinstance(key, str) or not key:
            raise DecodeError("POST /auth/keys: the answer carries no 'key'")
        return UserKey(Secret(key), as_str(answer.get("user_id")))

    @staticmethod
    def _exchange_body(
        code: str, code_verifier: str | Secret | None, code_challenge_method: ChallengeMethod | None
    ) -> dict[str, Any]:
        if not isinstance(code, str) or not code:
            raise ConfigurationError("exchange_code needs the code from the callback URL")
        body: dict[str, Any] = {"code": code}
        if code_verifier is not None:
            body["code_verifier"] = (
                code_verifier.get() if isinstance(code_verifier, Secret) else code_verifier
            )
            body["code_challenge_method"] = code_challenge_method or "S256"
        return body

    def exchange_code_sync(
        self,
        code: str,
        *,
        code_verifier: str | Secret | None,
        code_challenge_method: ChallengeMethod | None = "S256",
    ) -> UserKey:
        """Exchange the callback's ``code`` for the user's key (``POST /auth/keys``).

        ``code_verifier`` is the :class:`Authorization`'s (None only for a flow started without PKCE). A
        code works once; a wrong verifier is a :class:`~chat_openrouter.PermissionDeniedError`.
        """
        return self._calls.run_sync(
            self._exchange(self._exchange_body(code, code_verifier, code_challenge_method))
        )

    async def exchange_code(
        self,
        code: str,
        *,
        code_verifier: str | Secret | None,
        code_challenge_method: ChallengeMethod | None = "S256",
    ) -> UserKey:
        """Async twin of :meth:`exchange_code_sync`."""
        return await self._calls.run(
            self._exchange(self._exchange_body(code, code_verifier, code_challenge_method))
        )

    @staticmethod
    def _code_body(
        callback_url: str,
        code_challenge: str | None,
        code_challenge_method: ChallengeMethod | None,
        limit: float | None,
        key_label: str | None,
        expires_at: str | None,
    ) -> dict[str, Any]:
        _check_callback(callback_url)
        body: dict[str, Any] = {"callback_url": callback_url}
        if key_label is not None and len(key_label) > _MAX_LABEL:
            raise ConfigurationError(f"key_label is at most {_MAX_LABEL} characters")
        optional = {
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method if code_challenge is not None else None,
            "limit": limit,
            "key_label": key_label,
            "expires_at": expires_at,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return body

    def _create_code(self, body: dict[str, Any]) -> CallFlow[AuthCode]:
        answer = yield Post("auth/keys/code", body)
        data = unwrap_data(answer, "POST /auth/keys/code")
        code = as_str(data.get("id"))
        if not code:
            raise DecodeError("POST /auth/keys/code: the answer carries no code id")
        return AuthCode(code, opt_int(data.get("app_id")), as_str(data.get("created_at")))

    def create_auth_code_sync(
        self,
        callback_url: str,
        *,
        code_challenge: str | None = None,
        code_challenge_method: ChallengeMethod | None = "S256",
        limit: float | None = None,
        key_label: str | None = None,
        expires_at: str | None = None,
    ) -> AuthCode:
        """Create an authorisation code server-side for the calling key (``POST /auth/keys/code``).

        The code's ``id`` is exchanged like a callback's code; ``limit`` (USD credits), ``key_label``
        and ``expires_at`` shape the key it yields.
        """
        body = self._code_body(
            callback_url, code_challenge, code_challenge_method, limit, key_label, expires_at
        )
        return self._calls.run_sync(self._create_code(body))

    async def create_auth_code(
        self,
        callback_url: str,
        *,
        code_challenge: str | None = None,
        code_challenge_method: ChallengeMethod | None = "S256",
        limit: float | None = None,
        key_label: str | None = None,
        expires_at: str | None = None,
    ) -> AuthCode:
        """Async twin of :meth:`create_auth_code_sync`."""
        body = self._code_body(
            callback_url, code_challenge, code_challenge_method, limit, key_label, expires_at
        )
        return await self._calls.run(self._create_code(body))
