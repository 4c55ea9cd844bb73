"""Every decision of one HTTP call, written once, without I/O (the ``httpx.Auth.auth_flow`` trick).

A flow is a generator that *yields commands* -- :class:`Send`, :class:`Open`, :class:`ReadBody`,
:class:`Deliver`, :class:`Sleep` -- and is sent their results: attempt, check the status, decide whether
to retry, wait. The drivers (:mod:`.drivers` for whole responses, :mod:`.payloads` for streams) execute
the commands with blocking or awaitable I/O; neither contains a decision. A transport error is thrown
back into the generator at the command that failed, so the retry decision sees it exactly where it
happened.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import Any, TypeVar

from .. import _json
from ..errors import ChatOpenRouterError, DecodeError
from ..errors.mapping import api_error_from_response, header, stream_error_from_object
from .base import AsyncHttpStream, HttpRequest, HttpResponse, HttpStream
from .limits import SNIPPET_CHARS
from .retry import RetryState

__all__ = [
    "Command",
    "Deliver",
    "Open",
    "ReadBody",
    "Send",
    "Sleep",
    "call_flow",
    "decode_json",
    "json_and_headers",
    "stream_flow",
]

T = TypeVar("T")


# -- the commands a flow yields ---------------------------------------------------------------------------
# Plain slotted classes, not dataclasses: they are created per attempt and cost nothing at import time.
class Send:
    """Send the request, read the whole response (bounded). Result: :class:`HttpResponse`."""

    __slots__ = ("request",)

    def __init__(self, request: HttpRequest) -> None:
        self.request = request


class Open:
    """Open a streaming response. Result: the open ``HttpStream`` (the driver keeps it until released)."""

    __slots__ = ("request",)

    def __init__(self, request: HttpRequest) -> None:
        self.request = request


class ReadBody:
    """Read the (bounded) body of the open response, then release it. Result: :class:`HttpResponse`
    (whose repr shows no body: an echoed credential must not reach a traceback's local variables)."""

    __slots__ = ("stream",)

    def __init__(self, stream: Any) -> None:
        self.stream = stream


class Deliver:
    """Hand the open event stream's payloads to the consumer. Resumed only by a thrown error (a retry)."""

    __slots__ = ("stream",)

    def __init__(self, stream: Any) -> None:
        self.stream = stream


class Sleep:
    """Wait before the next attempt. Result: None."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Command = Send | Open | ReadBody | Deliver | Sleep


# -- the flows ---------------------------------------------------------------------------------------------
def call_flow(
    request: HttpRequest, state: RetryState, decode: Callable[[Any, Mapping[str, str]], T]
) -> Generator[Command, Any, T]:
    """A whole-response call: returns ``decode(json_body, headers)`` or raises the final error.

    ``decode`` runs inside the retry loop: an error it raises for a 200 body (a codec's ``StreamError``
    for an ``error`` object, say) is retried like an HTTP error with the same code.
    """
    while True:
        state.begin()
        try:
            response: HttpResponse = yield Send(request)
            state.responded(response.status, response.headers)
            if response.status >= 300:
                # 3xx included: redirects are never followed (the key would go along), and a redirect's
                # body is no answer -- decoding it would misreport a wrong base URL as a broken payload.
                raise api_error_from_response(response.status, response.headers, response.content)
            data = decode_json(response.content) if response.content else None
            return _decode_safely(decode, data, response.headers)
        except ChatOpenRouterError as error:
            failure = error
        delay = state.give_up_or_wait(failure)
        if delay is None:
            raise failure
        yield Sleep(delay)


def stream_flow(request: HttpRequest, state: RetryState) -> Generator[Command, Any, None]:
    """A streamed call: attempts until one delivers an event stream (then :class:`Deliver`), or raises.

    After ``Deliver`` the flow stays suspended while payloads flow; the payload stream throws an error
    into it to ask for another attempt (see :class:`~.payloads.PayloadStream`).
    """
    while True:
        state.begin()
        try:
            opened: HttpStream | AsyncHttpStream = yield Open(request)
            state.responded(opened.status, opened.headers)
            if not _is_event_stream(opened):
                body: HttpResponse = yield ReadBody(opened)
                raise _stream_open_error(body.status, body.headers, body.content)
            yield Deliver(opened)
            return
        except ChatOpenRouterError as error:
            failure = error
        delay = state.give_up_or_wait(failure)
        if delay is None:
            raise failure
        yield Sleep(delay)


# -- decoding helpers ----------------------------------------------------------------------------------
def decode_json(content: bytes) -> Any:
    """``content`` as JSON, or a :class:`DecodeError` quoting its start."""
    error: DecodeError | None = None
    try:
        return _json.loads(content)
    except (ValueError, RecursionError):
        error = DecodeError(
            "response body is not valid JSON", snippet=content[:SNIPPET_CHARS].decode("utf-8", "replace")
        )
    raise error


def _decode_safely(decode: Callable[[Any, Mapping[str, str]], T], data: Any, headers: Mapping[str, str]) -> T:
    # A codec bug or a body shaped unlike anything documented must surface as our DecodeError, never as
    # a KeyError from deep inside (the cause stays chained for debugging; it holds no secrets).
    try:
        return decode(data, headers)
    except ChatOpenRouterError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise DecodeError(
            f"could not decode the response ({type(exc).__name__}: {exc})", snippet=repr(data)[:SNIPPET_CHARS]
        ) from exc


def json_and_headers(data: Any, headers: Mapping[str, str]) -> tuple[Any, Mapping[str, str]]:
    """The ``decode`` of a plain JSON call: the body and the headers, unless the body is an error."""
    err = data.get("error") if isinstance(data, Mapping) else None
    if isinstance(err, Mapping):
        # OpenRouter can answer 200 with an error object (reference §9, pain points "200 JSON with
        # {error:…}"): never hand it back as a success.
        raise stream_error_from_object(
            err, partial=None, body=data, generation_id=header(headers, "x-generation-id"), headers=headers
        )
    return data, headers


def _stream_open_error(status: int, headers: Mapping[str, str], content: bytes) -> ChatOpenRouterError:
    """The error for a stream request that did not get an event stream back."""
    if status >= 300:
        return api_error_from_response(status, headers, content)
    body = decode_json(content) if content else None
    err = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(err, Mapping):
        return stream_error_from_object(
            err, partial=None, body=body, generation_id=header(headers, "x-generation-id"), headers=headers
        )
    content_type = header(headers, "content-type") or "no content type"
    return DecodeError(
        f"expected an event stream, got {content_type}",
        snippet=content[:SNIPPET_CHARS].decode("utf-8", "replace"),
    )


def _is_event_stream(response: HttpStream | AsyncHttpStream) -> bool:
    if response.status >= 300:
        return False
    content_type = (header(response.headers, "content-type") or "").split(";", 1)[0].strip().lower()
    # Some proxies drop or mangle the content type: anything but JSON or an HTML page on a 2xx is read
    # as SSE (where a stray body decodes to no events and ends as an incomplete stream).
    return content_type not in ("application/json", "text/html")
