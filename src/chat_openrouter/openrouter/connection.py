"""Who we talk to: OpenRouter's base URL, where the API key comes from, and the app attribution headers.

Everything below this package (transport, wires) is told an :class:`~chat_openrouter.transport.Endpoint`
and knows no vendor; this module is where "OpenRouter" becomes a URL, a key and headers. It costs nothing
to import (the builder reads it at ``build()``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from ..errors import ConfigurationError
from ..transport.secret import Secret

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "attribution_headers",
    "check_base_url",
    "resolve_api_key",
    "resolve_base_url",
]

#: OpenRouter's API root; both wires and the REST API live under it.
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
#: The environment variable read at ``build()`` when no key was given.
API_KEY_ENV = "OPENROUTER_API_KEY"

# X-OpenRouter-Categories: lowercase-hyphenated, <= 30 chars each, at most 2 per request (reference §1.1).
_CATEGORY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_CATEGORY_CHARS = 30
MAX_CATEGORIES = 2


def resolve_api_key(explicit: Secret | None, *, required: bool) -> Secret | None:
    """The key to send: the one given, else ``OPENROUTER_API_KEY``; a clear error when one is required.

    Raises :class:`~chat_openrouter.errors.ConfigurationError` (never ``sys.exit``) when ``required`` and
    neither is set. The message names the variable, never a value.
    """
    if explicit is not None or not required:
        return explicit
    env = os.environ.get(API_KEY_ENV, "").strip()
    if not env:
        raise ConfigurationError(
            f"no API key: call .with_api_key(...) or set {API_KEY_ENV} (get one at https://openrouter.ai/keys)"
        )
    return Secret(env)


def attribution_headers(
    *, url: str | None = None, title: str | None = None, categories: Sequence[str] = ()
) -> dict[str, str]:
    """App attribution headers: ``HTTP-Referer``, ``X-OpenRouter-Title``, ``X-OpenRouter-Categories``.

    Only the values given are returned (nothing is sent by default). ``categories`` are marketplace slugs
    such as ``"cli-agent"``: lowercase, hyphenated, at most 30 characters, at most two (reference §1.1);
    anything else is a :class:`~chat_openrouter.errors.ConfigurationError`.
    """
    if isinstance(categories, str):
        categories = [categories]
    bad = [c for c in categories if len(c) > _MAX_CATEGORY_CHARS or not _CATEGORY.match(c)]
    if bad:
        raise ConfigurationError(f"app categories must be lowercase-hyphenated slugs of <= 30 chars, got {bad}")
    if len(categories) > MAX_CATEGORIES:
        raise ConfigurationError(
            f"OpenRouter accepts at most {MAX_CATEGORIES} app categories, got {len(categories)}"
        )
    headers: dict[str, str] = {}
    if url:
        headers["HTTP-Referer"] = url
    if title:
        headers["X-OpenRouter-Title"] = title
    if categories:
        headers["X-OpenRouter-Categories"] = ",".join(categories)
    return headers


_SCHEMES = ("https", "http")


def check_base_url(base_url: object) -> str:
    """``base_url`` without surrounding whitespace or a trailing slash, once it is usable: an ``https://``
    (or ``http://``) URL with a host, a valid port, and no query or fragment (the wires append their paths).

    Anything else is a :class:`~chat_openrouter.errors.ConfigurationError` at ``with_base_url()``, saying
    what is wrong -- not a connection error retried three times at the first call. The message shows the
    URL without its credentials or query.
    """
    from urllib.parse import urlsplit

    from ..transport.base import display_url

    if not isinstance(base_url, str):
        raise ConfigurationError(f"the base URL must be a string, got {type(base_url).__name__}")
    url = base_url.strip()
    # Without "://" urlsplit reads "localhost:8080" as a scheme: show such a URL as written (minus any query).
    shown = display_url(url) if "://" in url else url.split("?", 1)[0].split("#", 1)[0]
    if not url:
        raise ConfigurationError(f"the base URL is empty (OpenRouter's is {DEFAULT_BASE_URL})")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check (out of range, not a number)
    except ValueError as exc:
        raise ConfigurationError(f"the base URL {shown!r} is not a valid URL: {exc}") from None
    if "://" in url and not parts.hostname:
        raise ConfigurationError(f"the base URL {shown!r} has no host")
    if not parts.scheme or not parts.netloc:
        # "openrouter.ai/api/v1" parses as a path; "localhost:8080/v1" as scheme "localhost".
        raise ConfigurationError(
            f"the base URL {shown!r} has no scheme: write it with https:// (or http:// for a local "
            f"server), e.g. https://{url.split('://', 1)[-1]}"
        )
    if parts.scheme.lower() not in _SCHEMES:
        raise ConfigurationError(
            f"the base URL {shown!r} has the scheme {parts.scheme!r}; only https:// and http:// work"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"the base URL {shown!r} must not have a query or fragment: paths such as /responses are "
            "appended to it"
        )
    return url.rstrip("/")


#: The environment variable read at ``build()`` when ``with_base_url`` was not called: point an app at a
#: proxy, a gateway or the emulator (``chat-openrouter emulator``) without changing its code.
BASE_URL_ENV = "OPENROUTER_BASE_URL"


def resolve_base_url() -> str:
    """``OPENROUTER_BASE_URL`` when set (checked like :func:`check_base_url`), else OpenRouter's own."""
    value = os.environ.get(BASE_URL_ENV, "").strip()
    if not value:
        return DEFAULT_BASE_URL
    try:
        return check_base_url(value)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{BASE_URL_ENV}: {exc.message}") from None
