"""The Transport seam and what every caller shares for I/O: endpoint, SSE, retries, timeouts, limits.

One concern per module: ``base`` (the seam), ``httpx_transport`` (the default transport), ``sse`` (the
event decoder), ``retry`` (policy and per-call bookkeeping), ``flows`` (every decision of a call, without
I/O), ``drivers`` and ``payloads`` (the sync/async I/O that runs a flow), ``endpoint`` (one configured
endpoint), ``headers`` (checked, case-insensitively merged headers), ``limits``, ``secret`` and
``watchdog`` (the sync deadline: a network backend and a thread). Names load on first
access (PEP 562): ``import chat_openrouter`` needs only the small settings modules, not the machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import HttpRequest, HttpResponse, Timeouts, Transport
    from .endpoint import Endpoint
    from .httpx_transport import HttpxTransport
    from .limits import Limits
    from .retry import RetryPolicy
    from .secret import Secret
    from .sse import ServerSentEvent, SSEDecoder

_LAZY = {
    "Endpoint": "endpoint",
    "HttpRequest": "base",
    "HttpResponse": "base",
    "HttpxTransport": "httpx_transport",
    "Limits": "limits",
    "RetryPolicy": "retry",
    "SSEDecoder": "sse",
    "Secret": "secret",
    "ServerSentEvent": "sse",
    "Timeouts": "base",
    "Transport": "base",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chat_openrouter.transport' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Endpoint",
    "HttpRequest",
    "HttpResponse",
    "HttpxTransport",
    "Limits",
    "RetryPolicy",
    "SSEDecoder",
    "Secret",
    "ServerSentEvent",
    "Timeouts",
    "Transport",
]
