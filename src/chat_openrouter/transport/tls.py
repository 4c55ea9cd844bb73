"""The default transport's TLS context, built when the first TLS connection is made (issue 18).

httpx2 builds its default context when a client is created: loading the CA bundle costs ~20-40 ms of
CPU, which a client that only talks plain ``http://`` (a local proxy, the emulator, a benchmark's loopback
server) would pay on its first request for nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

__all__ = ["deferred_tls_context"]


def deferred_tls_context(trust_env: bool) -> ssl.SSLContext:
    """The shared stand-in TLS context for clients with this ``trust_env`` (created on first use)."""
    context = _DEFERRED_TLS.get(trust_env)
    if context is None:
        with _DEFERRED_TLS_LOCK:
            context = _DEFERRED_TLS.get(trust_env)
            if context is None:
                context = _DEFERRED_TLS[trust_env] = _stand_in(trust_env)
    return context


def _stand_in(trust_env: bool) -> ssl.SSLContext:
    import ssl

    class DeferredTLSContext(ssl.SSLContext):
        """httpx2's default TLS context, built when the first TLS connection is made.

        httpx2 builds it when a client is created: loading the CA bundle costs ~20-40 ms of CPU, which a
        client that only talks plain ``http://`` (a local proxy, the emulator, a benchmark's loopback
        server) would pay on its first request for nothing. This stand-in is created in microseconds and
        hands every connection to the real context (``httpx2.create_ssl_context(trust_env=...)``: the same
        CA bundle and environment rules -- ``SSL_CERT_FILE``, ``SSL_CERT_DIR``, ignored with
        ``trust_env=False`` -- as before), built once and shared.
        """

        _real: ssl.SSLContext | None = None
        _trust_env = True
        _lock = threading.Lock()
        _alpn: list[str] | None = None

        def _context(self) -> ssl.SSLContext:
            real = self._real
            if real is None:
                with self._lock:
                    real = self._real
                    if real is None:
                        import httpx2

                        real = self._real = httpx2.create_ssl_context(trust_env=self._trust_env)
            if self._alpn is not None:
                real.set_alpn_protocols(self._alpn)
            return real

        def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
            # httpcore2 sets ALPN on the context before each TLS connection; the real one needs it.
            self._alpn = list(alpn_protocols)

        def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # sync connections
            return self._context().wrap_socket(*args, **kwargs)

        def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:  # asyncio and anyio connections
            return self._context().wrap_bio(*args, **kwargs)

    deferred = DeferredTLSContext(ssl.PROTOCOL_TLS_CLIENT)
    deferred._trust_env = trust_env
    return deferred


#: One stand-in per ``trust_env`` value: the real context (and its CA bundle) is loaded once per process.
_DEFERRED_TLS: dict[bool, ssl.SSLContext] = {}
_DEFERRED_TLS_LOCK = threading.Lock()
