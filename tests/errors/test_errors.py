from __future__ import annotations

import pytest

from chat_openrouter import errors
from chat_openrouter.errors import error_for_status


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (402, errors.InsufficientCreditsError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (408, errors.RequestTimeoutError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (524, errors.ServerError),
        (529, errors.ServerError),
        (418, errors.APIStatusError),
    ],
)
def test_status_maps_to_one_class(status: int, cls: type[errors.APIStatusError]) -> None:
    assert error_for_status(status) is cls
    assert issubclass(cls, errors.APIError) and issubclass(cls, errors.ChatOpenRouterError)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (402, False),
        (403, False),
        (404, False),
        (408, True),
        (429, True),
        (502, True),
        (529, True),
    ],
)
def test_retryable_by_status(status: int, retryable: bool) -> None:
    assert error_for_status(status)("x", status=status).retryable is retryable


def test_in_band_error_uses_openrouter_code_for_retryability() -> None:
    assert errors.StreamError("rate", code=429).retryable
    assert errors.StreamError("srv", code="server_error").retryable
    assert not errors.StreamError("bad", code=400).retryable
    assert errors.StreamError("x").status == 200


def test_messages_are_redacted() -> None:
    err = errors.APIError("bad key sk-or-v1-abcdef0123456789abcdef and Bearer sk-xyz123")
    assert "abcdef0123456789" not in str(err)
    assert "sk-xyz123" not in str(err)


def test_error_metadata_views() -> None:
    err = errors.APIError("x", metadata={"provider_name": "Google", "error_type": "rate_limit_exceeded"})
    assert err.provider_name == "Google" and err.error_type == "rate_limit_exceeded"


def test_error_type_and_availability_win_over_the_code() -> None:
    # doc-responses-failed-body: lossy code "server_error" but error_type "authentication" -> not retryable.
    assert not errors.StreamError(
        "x", code="server_error", metadata={"error_type": "authentication"}
    ).retryable
    assert errors.StreamError("x", code=400, metadata={"error_type": "provider_overloaded"}).retryable
    capacity = errors.RateLimitError("x", status=429, metadata={"availability": {"retryable": False}})
    assert not capacity.retryable
    assert errors.NotFoundError("x", status=404, metadata={"availability": {"retryable": True}}).retryable
