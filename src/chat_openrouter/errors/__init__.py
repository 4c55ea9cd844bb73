"""The one error tree of chat-openrouter.

Every exception this library raises on purpose derives from :class:`ChatOpenRouterError`::

    ChatOpenRouterError
    ├── ConfigurationError            bad builder or option input, missing API key (raised where the mistake
    │   │                             is made -- a with_*() call, ChatOptions(...), build() -- never retried,
    │   │                             never sys.exit); also a built-in ValueError
    │   └── ModelCapabilityError      the model's supported_parameters lack what the request uses (opt-in check)
    ├── APIError                      OpenRouter (or the provider behind it) said no
    │   ├── APIStatusError            a non-2xx HTTP status; `.status` is the HTTP status
    │   │   ├── RedirectError                 3xx (never followed: the key would travel along); `.location`
    │   │   ├── BadRequestError               400 (invalid params, provider rejected a value, unknown model)
    │   │   ├── AuthenticationError           401 (missing / invalid key)
    │   │   ├── InsufficientCreditsError      402 (credits, key limit, max_tokens pre-authorisation)
    │   │   ├── PermissionDeniedError         403 (moderation, guardrail, region, management key needed)
    │   │   ├── NotFoundError                 404 (model/endpoint unavailable under your constraints)
    │   │   ├── RequestTimeoutError           408
    │   │   ├── PayloadTooLargeError          413
    │   │   ├── UnprocessableEntityError      422
    │   │   ├── RateLimitError                429 (rate limit, capacity exhausted)
    │   │   └── ServerError                   5xx (500, 502 provider error, 503, 504, 524, 529)
    │   └── StreamError               an error delivered inside an HTTP 200: a mid-stream `error` chunk,
    │       │                         `finish_reason: "error"`, a Responses `response.failed`/`error` event,
    │       │                         or a 200 JSON body carrying `error`. `.partial` holds what arrived.
    │       └── IncompleteStreamError the stream ended (EOF, `[DONE]`) before any terminal event
    ├── TransportError                we could not talk to the server at all (or stopped listening);
    │   │                             `.url` is where the request went (no credentials, no query)
    │   ├── ConnectionError           connect refused/reset, TLS, DNS; `.partial` if output had started;
    │   │                             also the built-in ConnectionError (an OSError)
    │   └── TimeoutError              connect / first byte / idle between events / overall deadline;
    │                                 also the built-in TimeoutError (an OSError; asyncio's too)
    ├── DecodeError                   what came back is not what the wire promises: invalid JSON,
    │                                 invalid UTF-8, an SSE event or body over the size limit
    └── ChatError                     raised by the Chat engine (tool loop)
        ├── MaxStepsExceededError     the model kept calling tools; carries the conversation and usage
        ├── StructuredOutputError     the final answer never validated; carries the raw text
        └── ToolsetError              a toolset (an MCP server) could not be connected or listed

Not an error: :class:`InsecureTransportWarning` (a ``UserWarning``), issued once per endpoint whose API key
would travel over plain ``http://`` to a host that is not this machine.

`status → class` is decided in one place, :func:`error_for_status`; turning an error *body* into this
tree (OpenRouter's ``{"error": {...}}``, HTML pages from the edge) happens in :mod:`.mapping`. Every :class:`APIError` carries the
HTTP status, OpenRouter's `code` (int **or** string: documented mid-stream errors use `"server_error"`),
`message`, `metadata` (provider_name, raw upstream error, error_type, ...), the generation id when known,
and whether a retry can help (:attr:`APIError.retryable`). Errors never contain the API key: messages
are built from server text only, and :func:`redact` scrubs anything that looks like a bearer token.

Three classes also derive from a built-in exception, so code written against the standard library's
conventions catches them: ``except ValueError`` catches a :class:`ConfigurationError` (a bad value),
``except ConnectionError`` / ``except TimeoutError`` (the built-ins, as in ``asyncio`` code) catch ours.
What that implies: both transport errors are ``OSError`` s too, so an ``except OSError`` meant for file
I/O must not wrap a model call (the CLI re-raises ours first); and inside this package the names
``ConnectionError`` / ``TimeoutError`` are ours -- ``builtins.TimeoutError`` is written out where asyncio's
timeout is meant, after an ``except`` for our own errors, so one of ours is never taken for asyncio's.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "APIError",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ChatError",
    "ChatOpenRouterError",
    "ConfigurationError",
    "ConnectionError",
    "DecodeError",
    "IncompleteStreamError",
    "InsecureTransportWarning",
    "InsufficientCreditsError",
    "MaxStepsExceededError",
    "ModelCapabilityError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectError",
    "RequestTimeoutError",
    "ServerError",
    "StreamError",
    "StructuredOutputError",
    "TimeoutError",
    "ToolsetError",
    "TransportError",
    "UnprocessableEntityError",
    "error_for_status",
    "redact",
]

#: What arrived before a failure: a :class:`~chat_openrouter.ChatResponse` (text, reasoning, tool calls,
#: usage). Named here, not imported: the error tree sits below the core that defines the response, so
#: that every layer can raise these errors (ARCHITECTURE.md, "Layers").
PartialResponse = Any

# Statuses where a second attempt can succeed (reference §9.2: 408, 429, 5xx incl. Cloudflare 524, 529).
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 524, 529})

_BEARER = re.compile(r"(sk-or-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]+|(Bearer\s+)\S+", re.IGNORECASE)


def redact(text: str) -> str:
    """Scrub anything that looks like an OpenRouter key or a bearer token from `text`."""
    return _BEARER.sub(lambda m: (m.group(1) + "…") if m.group(1) else (m.group(2) + "[redacted]"), text)


class ChatOpenRouterError(Exception):
    """Base class of every error raised by chat-openrouter.

    ``attempts`` is how many HTTP attempts the call made before this error was raised (set by the
    retry layer on every error it raises; 1 when the error did not come from a request).

    ``run`` is set when the error ended a :class:`~chat_openrouter.Chat` run: a
    :class:`~chat_openrouter.ChatResponse` of the run so far -- ``.messages`` (the conversation, tool
    results already produced included), ``.steps`` (every completed model call) and ``.usage`` (summed,
    with the cost) -- so nothing paid for is lost: log it, bill it, or continue from ``run.messages``.
    None outside a Chat run.
    """

    attempts: int = 1
    run: Any = None

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)


class ConfigurationError(ChatOpenRouterError, ValueError):
    """Something you configured is unusable: a builder input (no API key and no ``OPENROUTER_API_KEY``,
    an empty model, a base URL without ``https://``), an option out of range (``ChatOptions(temperature=5)``)
    or of the wrong type, an unknown reasoning effort. Raised where the mistake is made, never retried.

    Also a :class:`ValueError`, so ``except ValueError`` written for the standard library catches it.
    """


class ModelCapabilityError(ConfigurationError):
    """The chosen model cannot do what the request asks (raised before sending, by the capability check).

    ``model`` is the model id; ``missing`` maps each missing ``supported_parameters`` name to the request
    feature that needs it (e.g. ``{"tools": "2 function tools"}``).
    """

    def __init__(self, model: str, missing: Mapping[str, str], supported: Sequence[str]) -> None:
        needs = "; ".join(f"{param!r} (the request uses {why})" for param, why in missing.items())
        super().__init__(
            f"model {model!r} does not list {needs} in its supported_parameters "
            f"{sorted(supported)}. Pick a model that supports it, drop the option, or build the client "
            "without with_capability_check()."
        )
        self.model = model
        self.missing = dict(missing)


class APIError(ChatOpenRouterError):
    """OpenRouter, or the provider behind it, returned an error.

    Attributes:
        status: HTTP status of the response (200 for errors delivered inside a successful response).
        code: OpenRouter's ``error.code`` -- an int (usually the HTTP status) or a string such as
            ``"server_error"``; None when the body had none (availability errors omit it).
        metadata: ``error.metadata`` verbatim (``provider_name``, ``raw``, ``error_type``, ...).
        body: the whole decoded error body, when there was one.
        generation_id: the ``gen-...`` id from ``X-Generation-Id`` or the body, when known.
        retry_after: seconds the server asked us to wait (``Retry-After`` or ``availability.retry_after``),
            a finite number >= 0; None when it did not say (or said something that is not a duration).
        headers: the response headers that explain the error, lowercased: ``retry-after``,
            ``x-ratelimit-*`` (limit, remaining, reset), ``location``, ``x-generation-id``,
            ``content-type``. Other headers (cookies, ...) are not kept.
        attempts: how many HTTP attempts were made before giving up (set by the retry layer).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        body: Any = None,
        generation_id: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.body = body
        self.generation_id = generation_id
        self.retry_after = retry_after
        self.attempts = attempts
        self.headers: dict[str, str] = dict(headers or {})

    @property
    def provider_name(self) -> str | None:
        """The upstream provider that produced the error, when OpenRouter says."""
        value = self.metadata.get("provider_name")
        return value if isinstance(value, str) else None

    @property
    def error_type(self) -> str | None:
        """OpenRouter's precise ``error_type`` (e.g. ``rate_limit_exceeded``), when present."""
        value = self.metadata.get("error_type")
        if value is None and isinstance(self.body, Mapping):
            err = self.body.get("error")
            value = err.get("error_type") if isinstance(err, Mapping) else self.body.get("error_type")
        return value if isinstance(value, str) else None

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again may succeed.

        OpenRouter's own signals win over the status code (reference §9.2, §9.4): an
        ``availability.retryable`` flag, then the precise ``error_type`` (a Responses ``failed`` body
        says ``code: "server_error"`` even for an ``authentication`` failure), then the status.
        """
        availability = self.metadata.get("availability")
        if isinstance(availability, Mapping) and isinstance(availability.get("retryable"), bool):
            return bool(availability["retryable"])
        error_type = self.error_type
        if error_type in _RETRYABLE_ERROR_TYPES:
            return True
        if error_type in _PERMANENT_ERROR_TYPES:
            return False
        status = _effective_status(self.status, self.code)
        return status in RETRYABLE_STATUSES

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class APIStatusError(APIError):
    """A non-2xx HTTP response. ``status`` is the HTTP status code."""

    status: int


class RedirectError(APIStatusError):
    """3xx: the server answered with a redirect, which is never followed.

    Following it would send the request -- and the API key in its ``Authorization`` header -- to
    wherever the server says. ``location`` is where it pointed (None when it did not say): fix the base
    URL instead (a missing ``/api/v1``, ``http://`` for ``https://``, a moved proxy).
    """

    @property
    def location(self) -> str | None:
        """The ``Location`` the server redirected to, when it sent one."""
        return self.headers.get("location")


class BadRequestError(APIStatusError):
    """400: invalid parameters, unknown model, or the provider rejected a value."""


class AuthenticationError(APIStatusError):
    """401: missing or invalid API key."""


class InsufficientCreditsError(APIStatusError):
    """402: not enough credits -- or ``max_tokens`` unset, so OpenRouter pre-authorised the model maximum."""


class PermissionDeniedError(APIStatusError):
    """403: moderation flag, guardrail, region restriction, or a management key is required."""


class NotFoundError(APIStatusError):
    """404: no endpoint serves this model under your routing constraints, or a deprecated model."""


class RequestTimeoutError(APIStatusError):
    """408: OpenRouter timed out the request."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body is too large."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(APIStatusError):
    """429: rate limited, or every provider is at capacity. ``retry_after`` says how long to wait."""


class ServerError(APIStatusError):
    """5xx: OpenRouter or the upstream provider failed (500, 502, 503, 504, 524, 529)."""


class StreamError(APIError):
    """An error delivered inside an HTTP 200 response (mid-stream chunk, failed response, error body).

    ``partial`` is the :class:`~chat_openrouter.ChatResponse` assembled from everything received before
    the error -- text, reasoning, tool calls, usage -- so nothing is lost.
    """

    def __init__(self, message: str, *, partial: PartialResponse | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("status", 200)
        super().__init__(message, **kwargs)
        self.partial = partial

    @property
    def received_output(self) -> bool:
        """True when any text, reasoning or tool call had arrived before the error."""
        return self.partial is not None and bool(self.partial.content.parts)


class IncompleteStreamError(StreamError):
    """The stream ended without a terminal event: it must never be mistaken for a complete answer."""

    @property
    def retryable(self) -> bool:
        return not self.received_output


class TransportError(ChatOpenRouterError):
    """The HTTP exchange itself failed. ``partial`` holds output received before the failure, if any;
    ``url`` is the URL the request went to, without credentials, query or fragment (None when unknown)."""

    def __init__(
        self,
        message: str,
        *,
        partial: PartialResponse | None = None,
        attempts: int = 1,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.partial = partial
        self.attempts = attempts
        self.url = url

    @property
    def retryable(self) -> bool:
        return self.partial is None or not self.partial.content.parts


# The two below shadow the built-ins inside this package on purpose (namespaced), and derive from them so
# `except TimeoutError:` in a user's asyncio code catches ours too. The built-ins are OSErrors with a C
# layout of their own; CPython allows it as a second base because our classes add no slots. Their
# __init__ chain ends in OSError.__init__(message): one argument, so no errno parsing and str() == message.
class ConnectionError(TransportError, builtins.ConnectionError):
    """Could not connect, or the connection broke (refused, reset, TLS failure). The message names the URL.

    Also the built-in :class:`ConnectionError` (hence an :class:`OSError`).
    """


class TimeoutError(TransportError, builtins.TimeoutError):
    """A deadline passed. ``phase`` is one of ``connect``, ``first_byte``, ``idle``, ``total``, ``write``, ``pool``.

    Also the built-in :class:`TimeoutError` (hence an :class:`OSError`, and what ``asyncio`` raises), so
    ``except TimeoutError:`` catches it without importing ours.
    """

    def __init__(self, message: str, *, phase: str = "read", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.phase = phase

    @property
    def retryable(self) -> bool:
        # Only a timeout before the request fully reached OpenRouter is retried: after that the model may
        # be generating (and billing), and a retry would stack another full wait on a long one. A pool
        # timeout already waited the first-byte budget for a free connection: waiting again won't help.
        return self.phase in ("connect", "write") and super().retryable


class DecodeError(ChatOpenRouterError):
    """The response is not what the wire promises (invalid JSON/UTF-8, oversize event or body).

    ``snippet`` is a truncated copy of the offending bytes/text, ``partial`` what was decoded before.
    """

    def __init__(self, message: str, *, snippet: str = "", partial: PartialResponse | None = None) -> None:
        super().__init__(message + (f" (got: {snippet!r})" if snippet else ""))
        self.snippet = snippet
        self.partial = partial


class ChatError(ChatOpenRouterError):
    """Raised by the Chat engine."""


class MaxStepsExceededError(ChatError):
    """The model was still calling tools after ``max_steps`` model calls.

    ``messages`` is the conversation so far (a :class:`~chat_openrouter.Messages`, including every tool
    result), ``usage`` the summed :class:`~chat_openrouter.Usage`.
    """

    def __init__(self, message: str, *, messages: Any, usage: Any, steps: int) -> None:
        super().__init__(message)
        self.messages = messages
        self.usage = usage
        self.steps = steps


class StructuredOutputError(ChatError):
    """The model's final answer did not validate against the requested output type, after all retries."""

    def __init__(self, message: str, *, raw_text: str, attempts: int, errors: Any = None) -> None:
        super().__init__(message)
        self.raw_text = raw_text
        self.attempts = attempts
        self.errors = errors


class ToolsetError(ChatError):
    """A toolset the Chat owns (an MCP server) could not be connected or listed, so the run did not start.

    Errors *during* a tool call never raise: they go back to the model as error results.
    """


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _effective_status(status: int | None, code: int | str | None) -> int | None:
    # Inside a 200 the HTTP status says nothing; OpenRouter's numeric code is the real status.
    if (status is None or status == 200) and isinstance(code, int):
        return code
    if (status is None or status == 200) and isinstance(code, str):
        return _STRING_CODE_STATUS.get(code)
    return status


# String codes seen in documented errors and the Responses API's OpenAI-style code set (reference §7, §9).
_STRING_CODE_STATUS: dict[str, int] = {
    "server_error": 500,
    "rate_limit_exceeded": 429,
    "invalid_prompt": 400,
    "invalid_request_error": 400,
    "authentication_error": 401,
    "insufficient_quota": 402,
    "payment_required": 402,
    "permission_denied": 403,
    "content_policy_violation": 403,
    "not_found": 404,
    "timeout": 408,
    "provider_overloaded": 529,
    "provider_unavailable": 503,
}


# OpenRouter's typed `error_type` vocabulary (reference §9.2), split by whether a retry can help.
_RETRYABLE_ERROR_TYPES = frozenset(
    {"rate_limit_exceeded", "provider_overloaded", "provider_unavailable", "server", "timeout"}
)
_PERMANENT_ERROR_TYPES = frozenset(
    {
        "context_length_exceeded",
        "max_tokens_exceeded",
        "token_limit_exceeded",
        "string_too_long",
        "authentication",
        "permission_denied",
        "payment_required",
        "invalid_request",
        "invalid_prompt",
        "not_found",
        "precondition_failed",
        "payload_too_large",
        "unprocessable",
        "content_policy_violation",
        "refusal",
        "invalid_image",
        "image_too_large",
        "image_too_small",
        "unsupported_image_format",
        "image_not_found",
        "image_download_failed",
    }
)


class InsecureTransportWarning(UserWarning):
    """The API key would travel unencrypted: the base URL is plain ``http://`` to a host that is not this
    machine. Issued once per endpoint, when it is built; use ``https://`` (or silence it with
    ``warnings.filterwarnings("ignore", category=InsecureTransportWarning)`` for a trusted network)."""


def error_for_status(status: int) -> type[APIStatusError]:
    """The error class for an HTTP status: the single place where status maps to class."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return ServerError
    if 300 <= status < 400:
        return RedirectError
    return APIStatusError
