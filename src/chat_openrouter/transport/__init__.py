"""The Transport seam and what both wires share for I/O: endpoint, SSE, retries, timeouts, limits."""

from .base import HttpRequest, HttpResponse, Timeouts, Transport
from .endpoint import Endpoint, Limits
from .httpx_transport import HttpxTransport
from .retry import RetryPolicy
from .sse import ServerSentEvent, SSEDecoder

__all__ = [
    "Endpoint",
    "HttpRequest",
    "HttpResponse",
    "HttpxTransport",
    "Limits",
    "RetryPolicy",
    "SSEDecoder",
    "ServerSentEvent",
    "Timeouts",
    "Transport",
]
