"""``errors.mapping``: OpenRouter's error responses -> the error tree (pure; shared by transport and codecs)."""

from __future__ import annotations

import pytest

from chat_openrouter import errors
from chat_openrouter.errors.mapping import (
    api_error_from_response,
    header,
    parse_retry_after,
    stream_error_from_object,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0", 0.0), ("-3", 0.0), ("1.5", 1.5), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_header_lookup_is_case_insensitive_on_plain_dicts() -> None:
    headers = {"Retry-After": "3", "x-generation-id": "gen-1"}
    assert header(headers, "retry-after") == "3"
    assert header(headers, "X-Generation-Id") == "gen-1"
    assert header(headers, "content-type") is None


def test_status_error_from_an_html_edge_page_keeps_the_status_and_a_short_reason() -> None:
    error = api_error_from_response(502, {"Content-Type": "text/html"}, b"<html><body>Bad gateway</body></html>")
    assert isinstance(error, errors.ServerError)
    assert error.status == 502
    assert error.message.startswith("HTTP 502")
    assert error.retryable


def test_an_error_object_in_a_200_is_a_stream_error_with_openrouter_code_and_metadata() -> None:
    body = {"error": {"code": "server_error", "message": "upstream died", "metadata": {"provider_name": "X"}}}
    error = stream_error_from_object(body["error"], partial=None, body=body, generation_id="gen-9")
    assert isinstance(error, errors.StreamError)
    assert (error.status, error.code, error.provider_name, error.generation_id) == (200, "server_error", "X", "gen-9")
    assert error.retryable
