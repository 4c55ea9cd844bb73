"""Bounds that keep the emulator standing whatever a client sends: sizes, nesting, time, connections.

Two layers share the work:

* the **app** bounds what it reads, under any server (built-in, uvicorn, in-process): the request body's
  size (413) and read time (408), and JSON nesting (400) -- :func:`parse_json`;
* the **built-in server** bounds what only a server sees: how long a client may take to send its request
  head, how long an idle keep-alive connection stays open, how large a head may be, and how many
  connections are open at once -- :class:`ServerLimits`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ._errors import RequestError

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_JSON_DEPTH",
    "ServerLimits",
    "json_depth",
    "parse_json",
]

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_JSON_DEPTH = 128
DEFAULT_BODY_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What the built-in loopback server tolerates from a client before it gives up on it.

    Args:
        head_timeout: seconds from a request's first byte to the end of its head (status line and
            headers); a client that drips its head slower gets a 408 and the connection is closed.
        idle_timeout: seconds a connection may sit without starting a request (a fresh connection, or a
            keep-alive one between requests) before it is closed.
        max_head_bytes: the largest request head accepted (431 beyond it).
        max_connections: connections served at once; one more is answered 503 with ``Retry-After`` and
            closed, and the server keeps serving the others.

    The request body's size and read time are bounded by the app (``Emulator(max_body_bytes=...,
    body_timeout=...)``), so they hold under uvicorn and in-process too.
    """

    head_timeout: float = 10.0
    idle_timeout: float = 60.0
    max_head_bytes: int = 64 * 1024
    max_connections: int = 256

    def __post_init__(self) -> None:
        for name in ("head_timeout", "idle_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number of seconds")
        if self.max_head_bytes < 1024:
            raise ValueError("max_head_bytes must be at least 1024")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests arrays and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse_json(raw: bytes, max_depth: int) -> Any:
    """Decode a request body, refusing anything nested deeper than ``max_depth`` with a 400.

    A hostile body (``[[[[…`` 100,000 deep) must neither crash the decoder nor reach code that walks the
    value recursively (schema validation, ``json.dumps``): the decoder's own recursion guard is turned
    into a 400, and anything it accepts is measured iteratively before anyone else sees it.
    """
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise RequestError(400, "Invalid JSON in request body") from None
    # Counting brackets is cheap and bounds the depth from above: most bodies stop here.
    if raw.count(b"[") + raw.count(b"{") > max_depth and json_depth(value) > max_depth:
        raise _too_deep(max_depth)
    return value


def _no_constants(name: str) -> Any:
    # `NaN`, `Infinity` and `-Infinity` are not JSON (RFC 8259); Python's decoder accepts them by default,
    # and echoing one back would make the emulator's own answer invalid JSON.
    raise ValueError(f"{name} is not valid JSON")


def _too_deep(max_depth: int) -> RequestError:
    return RequestError(400, f"Invalid JSON in request body: nested deeper than {max_depth} levels")
