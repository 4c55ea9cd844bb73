"""The errors the emulator answers with, in OpenRouter's shape: ``{"error": {"code", "message", "metadata"}}``.

Every room raises :class:`RequestError`; the app renders it (reference §9.1). This module sits at the bottom
of the package: it imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "STATUS_ERRORS",
    "RequestError",
    "management_only",
    "not_found",
    "status_error",
    "unknown_model",
    "wrong_endpoint",
]

# Messages and error types OpenRouter uses per status (reference §9.2, docs error vocabulary).
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("Provider returned error", "invalid_request"),
    401: ("User not found.", "authentication"),
    402: ("Insufficient credits. Add more using https://openrouter.ai/credits", "payment_required"),
    403: ("Your request was flagged by content moderation.", "content_policy_violation"),
    404: ("No endpoints found that can handle the requested parameters.", "not_found"),
    408: ("Request timed out", "timeout"),
    413: ("Request payload too large", "payload_too_large"),
    422: ("Unprocessable request", "unprocessable"),
    429: (
        "Rate limit exceeded: the upstream provider is temporarily rate-limited. Retry shortly.",
        "rate_limit_exceeded",
    ),
    500: ("Internal Server Error", "server"),
    502: ("Provider returned error", "provider_unavailable"),
    503: ("No available provider could serve the request. Retry shortly.", "provider_unavailable"),
    504: ("Gateway timeout", "timeout"),
    524: ("Provider timed out", "timeout"),
    529: ("Provider overloaded", "provider_overloaded"),
}


class RequestError(Exception):
    """A request OpenRouter would refuse: rendered as ``{"error": {"code", "message", "metadata"}}``.

    ``headers`` are sent with the answer (``Retry-After`` …); ``extra`` adds fields beside ``code`` and
    ``message`` (``availability`` on routing errors).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.metadata = dict(metadata or {})
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.status, "message": self.message}
        if self.metadata:
            error["metadata"] = self.metadata
        error.update(self.extra)
        return {"error": error}


def status_error(status: int, message: str | None = None, **metadata: Any) -> RequestError:
    """A plain error for ``status`` with OpenRouter's wording and ``error_type`` for it."""
    default, error_type = STATUS_ERRORS.get(status, (f"Error {status}", "unmapped"))
    return RequestError(status, message or default, metadata={"error_type": error_type, **metadata})


def unknown_model(model_id: str) -> RequestError:
    # Documented shape (fixture doc-error-400-model-not-found) plus the numeric code every error carries.
    return RequestError(
        400,
        f"{model_id} is not a valid model ID",
        extra={
            "error_type": "invalid_request",
            "http_status": 400,
            "availability": {
                "code": "model_not_found",
                "retryable": False,
                "requested_models": [model_id],
                "docs_url": "https://openrouter.ai/docs/errors#model_not_found",
            },
        },
    )


def wrong_endpoint(model_id: str, path: str) -> RequestError:
    """A model asked for on an endpoint that does not serve its kind (an embedding model on chat …).

    Availability code ``wrong_endpoint`` (reference §9.4).
    """
    return RequestError(
        400,
        f"{model_id} is not available on {path}",
        extra={
            "error_type": "invalid_request",
            "http_status": 400,
            "availability": {
                "code": "wrong_endpoint",
                "retryable": False,
                "requested_models": [model_id],
                "docs_url": "https://openrouter.ai/docs/errors#wrong_endpoint",
            },
        },
    )


def not_found(message: str = "Resource not found") -> RequestError:
    # The spec's 404 example for account resources (`NotFoundResponse`).
    return RequestError(404, message)


def management_only() -> RequestError:
    # fixture spec-credits-get (the 403 example) and reference §10.4.
    return RequestError(403, "Only management keys can perform this operation")
