"""What every endpoint group of :class:`~chat_openrouter.openrouter.api.OpenRouterAPI` shares.

An endpoint method is written once, as a *flow*: a generator that yields :class:`Call` (a JSON call
through the endpoint, any method; :class:`Get` and :class:`Post` are its common cases),
:class:`Download` (a binary body) or :class:`Wait`, is sent the answer back, and returns the typed
result. :class:`ApiCalls` runs a flow with blocking I/O (:meth:`ApiCalls.run_sync`) or awaitable
I/O (:meth:`ApiCalls.run`), so each sync/async pair of public methods is two one-line shells::

    def _key(self) -> CallFlow[KeyInfo]:
        body = yield Get("key")
        return KeyInfo.from_json(unwrap_data(body, "GET /key"))

    def get_key_sync(self) -> KeyInfo:
        return self._calls.run_sync(self._key())

Retries, timeouts, error mapping (including an ``error`` object in a 200 body) and key scrubbing are the
endpoint's (:meth:`~chat_openrouter.transport.Endpoint.request_json`); an error is thrown into the flow
at the call that failed, so a flow may catch one (``get_generation`` polls through early 404s).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from ...errors import ChatOpenRouterError, ConfigurationError, DecodeError
from ...transport.endpoint import Endpoint

__all__ = [
    "ApiCalls",
    "Call",
    "CallFlow",
    "Download",
    "EndpointGroup",
    "Get",
    "Post",
    "Wait",
    "check_path",
    "paged",
    "query",
    "segment",
    "unwrap_data",
]

T = TypeVar("T")


class Call:
    """``{method} {base}/{path}?{params}`` with an optional JSON ``body``.

    The flow is sent the decoded JSON body, or ``(body, response headers)`` with ``with_headers=True``.
    """

    __slots__ = ("body", "method", "params", "path", "with_headers")

    def __init__(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        with_headers: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.params = params
        self.body = body
        self.with_headers = with_headers


class Get(Call):
    """``GET {base}/{path}?{params}``; the flow is sent the decoded JSON body."""

    __slots__ = ()

    def __init__(self, path: str, params: Mapping[str, str] | None = None) -> None:
        super().__init__("GET", path, params=params)


class Post(Call):
    """``POST {base}/{path}`` with a JSON ``body``; the flow is sent the decoded JSON body."""

    __slots__ = ()

    def __init__(self, path: str, body: Mapping[str, Any], *, with_headers: bool = False) -> None:
        super().__init__("POST", path, body=body, with_headers=with_headers)


class Download:
    """A call whose answer is binary (a video file): the flow is sent ``(bytes, response headers)``."""

    __slots__ = ("accept", "body", "method", "params", "path")

    def __init__(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        accept: str = "*/*",
    ) -> None:
        self.method = method
        self.path = path
        self.params = params
        self.body = body
        self.accept = accept


class Wait:
    """Pause ``seconds`` (polling); the flow is sent None. A set ``cancel`` event ends a sync wait early."""

    __slots__ = ("cancel", "seconds")

    def __init__(self, seconds: float, cancel: threading.Event | None = None) -> None:
        self.seconds = seconds
        self.cancel = cancel


#: An endpoint method written once: yields calls and waits, returns the typed result.
CallFlow = Generator[Call | Download | Wait, Any, T]


def unwrap_data(body: Any, what: str) -> Mapping[str, Any]:
    """The ``data`` object most OpenRouter REST answers wrap their record in (spec examples)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise DecodeError(f"{what}: expected a JSON object with a 'data' object", snippet=str(body)[:120])
    return data


def segment(value: str, what: str) -> str:
    """``value`` as one URL path segment (``/``, ``?``, ``#`` and ``..`` cannot escape it).

    Ids in paths come from callers and servers; quoting them keeps a hostile id from reaching another
    path of the API with the caller's key.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{what} must be a non-empty string, got {value!r}")
    if value in (".", ".."):
        raise ConfigurationError(f"{what} must not be {value!r}")
    return quote(value, safe="")


def check_path(path: str) -> str:
    """A caller's relative API path (``keys``, ``/guardrails/abc``), checked: never a URL elsewhere.

    The key goes with every request, so an absolute URL, a query (use ``params``), a fragment, ``..``
    segments or control characters are refused with a :class:`~chat_openrouter.ConfigurationError`.
    """
    if not isinstance(path, str) or not path.strip("/ "):
        raise ConfigurationError(f"an API path must be a non-empty string such as 'keys', got {path!r}")
    if "://" in path or path.startswith("//") or any(c in path for c in "?#\\") or not path.isprintable():
        raise ConfigurationError(
            f"an API path is relative to the base URL, without query or fragment (use params=), got {path!r}"
        )
    parts = path.strip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ConfigurationError(f"an API path must not contain empty, '.' or '..' segments, got {path!r}")
    return "/".join(quote(p, safe="@:$&'()*+,;=-._~!") for p in parts)


def query(**values: Any) -> dict[str, str]:
    """Query parameters from keyword arguments: None is left out, booleans are ``true``/``false``."""
    params: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if not isinstance(value, (str, int, float)):
            raise ConfigurationError(f"query parameter {name!r} must be a string, number or boolean, got {value!r}")
        params[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return params


#: ``limit`` of a paged list request (the spec's maximum), and how many pages a listing may take: a
#: server that keeps answering full pages cannot keep a caller looping forever.
PAGE_LIMIT = 1000
MAX_PAGES = 100


def paged(path: str, params: Mapping[str, str] | None = None) -> CallFlow[list[Any]]:
    """Every entry of a paged list (``{"data": [...], "total_count": N}`` with ``offset``/``limit``)."""
    entries: list[Any] = []
    for _ in range(MAX_PAGES):
        body = yield Get(path, {**(params or {}), "offset": str(len(entries)), "limit": str(PAGE_LIMIT)})
        page = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(page, list):
            raise DecodeError(f"GET /{path}: expected an object with a 'data' list", snippet=str(body)[:120])
        entries.extend(page)
        total = body.get("total_count")
        if len(page) < PAGE_LIMIT or (isinstance(total, int) and len(entries) >= total):
            break
    return entries


class _Finished:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _advance(
    flow: CallFlow[Any], reply: Any, thrown: ChatOpenRouterError | None
) -> Call | Download | Wait | _Finished:
    """Resume ``flow``; a flow that trips over a body shaped unlike the spec raises our DecodeError.

    Flows decode what the server sent; a ``KeyError`` or ``TypeError`` from a hostile or broken answer
    must surface as :class:`~chat_openrouter.errors.DecodeError`, never as a bare foreign exception.
    """
    try:
        return flow.send(reply) if thrown is None else flow.throw(thrown)
    except StopIteration as stop:
        return _Finished(stop.value)
    except ChatOpenRouterError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise DecodeError(f"could not decode the response ({type(exc).__name__}: {exc})") from exc


class ApiCalls:
    """Runs call flows against one endpoint, sync or async (``sleep``/``asleep``/``clock`` are test seams)."""

    __slots__ = ("_asleep", "_sleep", "clock", "endpoint")

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        sleep: Callable[[float], None] | None = None,
        asleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._sleep = sleep
        self._asleep = asleep
        self.clock = clock or time.monotonic

    def run_sync(self, flow: CallFlow[T]) -> T:
        """Run ``flow`` with blocking I/O; return its result or raise its error."""
        reply: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            command = _advance(flow, reply, thrown)
            if isinstance(command, _Finished):
                return command.value  # type: ignore[no-any-return]
            reply, thrown = None, None
            try:
                reply = self._perform_sync(command)
            except ChatOpenRouterError as error:
                thrown = error  # thrown into the flow outside this block: no chaining across calls

    def _perform_sync(self, command: Call | Download | Wait) -> Any:
        endpoint = self.endpoint
        if isinstance(command, Call):
            body, headers = endpoint.request_json(
                command.method, command.path, command.body, params=command.params
            )
            return (body, headers) if command.with_headers else body
        if isinstance(command, Download):
            return endpoint.request_bytes(
                command.method, command.path, command.body, params=command.params, accept=command.accept
            )
        if self._sleep is not None:
            self._sleep(command.seconds)
        elif command.cancel is not None:
            command.cancel.wait(command.seconds)  # wakes at once when cancelled
        else:
            time.sleep(command.seconds)
        return None

    async def run(self, flow: CallFlow[T]) -> T:
        """Async twin of :meth:`run_sync`."""
        reply: Any = None
        thrown: ChatOpenRouterError | None = None
        while True:
            command = _advance(flow, reply, thrown)
            if isinstance(command, _Finished):
                return command.value  # type: ignore[no-any-return]
            reply, thrown = None, None
            try:
                reply = await self._perform(command)
            except ChatOpenRouterError as error:
                thrown = error

    async def _perform(self, command: Call | Download | Wait) -> Any:
        endpoint = self.endpoint
        if isinstance(command, Call):
            body, headers = await endpoint.arequest_json(
                command.method, command.path, command.body, params=command.params
            )
            return (body, headers) if command.with_headers else body
        if isinstance(command, Download):
            return await endpoint.arequest_bytes(
                command.method, command.path, command.body, params=command.params, accept=command.accept
            )
        await self._await_sleep(command.seconds)
        return None

    async def _await_sleep(self, seconds: float) -> None:
        if self._asleep is not None:
            await self._asleep(seconds)
            return
        import asyncio  # here, not at module level: building the API object stays cheap

        await asyncio.sleep(seconds)


class EndpointGroup:
    """Base of the endpoint groups (models, generations, account, ...) :class:`OpenRouterAPI` is made of.

    A group is a mixin: its public methods are sync/async shells over its flows, run by ``_calls``,
    which :class:`OpenRouterAPI` sets up once for all groups.
    """

    _calls: ApiCalls
