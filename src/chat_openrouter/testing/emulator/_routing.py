"""Requests as the rooms see them, and the route table that sends each one to its room.

Routes are ``(method, template)`` pairs such as ``("GET", "/models/{author}/{slug}/endpoints")``; a literal
segment beats a ``{parameter}`` (``/videos/models`` is not the video job ``models``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ._asgi import Reply
from ._bounds import parse_json
from ._errors import RequestError
from ._state import RecordedRequest

__all__ = ["Handler", "Request", "Router"]


@dataclass(slots=True)
class Request:
    """One request, read and bounded: what a room's handler receives.

    ``path`` is the routed path (without ``/api/v1``); ``params`` holds the template's path parameters;
    ``headers`` are lower-cased; ``origin`` is ``http://host:port`` as the client addressed us (for the
    absolute URLs some answers carry).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    record: RecordedRequest
    origin: str
    max_json_depth: int
    params: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON (400 when it is not JSON or nests too deeply); also kept on the record."""
        value = parse_json(self.raw, self.max_json_depth) if self.raw else None
        self.record.body = value
        return value

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or a 400 naming what was wrong."""
        value = self.json()
        if not isinstance(value, dict):
            raise RequestError(400, "The request body must be a JSON object")
        return value


Handler = Callable[[Request], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    segments: tuple[str, ...]
    handler: Handler

    @property
    def literals(self) -> int:
        return sum(1 for s in self.segments if not s.startswith("{"))

    def match(self, parts: tuple[str, ...]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for expected, actual in zip(self.segments, parts, strict=True):
            if expected.startswith("{"):
                if not actual:
                    return None
                params[expected[1:-1]] = actual
            elif expected != actual:
                return None
        return params


class Router:
    """The route table: ``add`` routes, then ``match`` a request to its handler (404 / 405 otherwise)."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self._literal: dict[tuple[str, tuple[str, ...]], Handler] = {}

    def add(self, method: str, template: str, handler: Handler) -> None:
        route = _Route(method.upper(), _split(template), handler)
        self._routes.append(route)
        if route.literals == len(route.segments):
            self._literal[(route.method, route.segments)] = handler

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        parts = _split(path)
        exact = self._literal.get((method, parts))
        if exact is not None:  # the common case: a path without parameters, matched by a dict lookup
            return exact, {}
        matches = [(route, params) for route in self._routes if (params := route.match(parts)) is not None]
        if not matches:
            raise RequestError(404, f"Not Found: {path}")
        best = max(route.literals for route, _ in matches)
        matches = [(route, params) for route, params in matches if route.literals == best]
        for route, params in matches:
            if route.method == method:
                return route.handler, params
        allowed = ", ".join(sorted({route.method for route, _ in matches}))
        raise RequestError(405, f"Method {method} not allowed on {path} (allowed: {allowed})")

    @property
    def templates(self) -> list[str]:
        """Every route as ``"METHOD /template"``, in registration order."""
        return [f"{r.method} /{'/'.join(r.segments)}" for r in self._routes]


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.strip("/").split("/")) if path.strip("/") else ()
