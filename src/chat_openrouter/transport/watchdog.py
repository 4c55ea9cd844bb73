"""The sync deadline: every socket operation of a blocking call ends by its overall deadline.

Two mechanisms, because a sync call has two phases that httpx2 gives us different handles on:

* **Before the response headers** (connect, sending, waiting for and reading the status line and
  headers) no socket is visible to us yet. :class:`DeadlineBackend` wraps httpcore2's network backend
  in the clients :class:`~.httpx_transport.HttpxTransport` creates: while :func:`deadline_scope` is
  active every read, write and connect is given at most the time left, so a server that drips its
  headers a byte at a time cannot keep a call alive past its deadline (per-read timeouts alone would
  restart with each byte).
* **The body**: once the headers are in, a blocking ``recv`` cannot be given a new timeout after it
  started, so a read begun just before the deadline could run a whole idle budget past it. One daemon
  thread (:class:`Watchdog`) shuts the socket down at the deadline, which wakes the read; this also
  covers clients the caller passed in, whose backend we do not touch.

Async calls need none of this: ``asyncio.wait_for`` bounds every await.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "DeadlineBackend",
    "Watch",
    "Watchdog",
    "arm",
    "cancel",
    "deadline_scope",
    "install_deadline_backend",
]


class Watch:
    """One armed deadline: the socket to shut down, and whether that happened."""

    __slots__ = ("cancelled", "fired", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.cancelled = False
        self.fired = False


class Watchdog:
    """One daemon thread for all sync streams: at a call's deadline it shuts the socket down.

    A blocking ``recv`` cannot be given a new timeout once it started, and httpcore2 fixes the read
    timeout when the body iteration starts, so without this a read begun just before the deadline could
    run a whole idle budget past it. ``shutdown`` (not ``close``: the reading thread still owns the file
    descriptor) makes the pending ``recv`` return at once; the stream then reports the total timeout.
    Cancelled entries are dropped lazily and compacted when they dominate the heap.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._cancelled = 0
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, sock: socket.socket) -> Watch:
        watch = Watch(sock)
        with self._cond:
            heapq.heappush(self._heap, (deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="chat-openrouter-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is watch:
                # Wake the thread only when this deadline is now the earliest: with the default hour-long
                # deadline every new call is *later* than the one being waited for, so arming costs no
                # thread switch (bench: 6.5 context switches and ~170 us of kernel CPU per request before).
                self._cond.notify()
        return watch

    def cancel(self, watch: Watch) -> None:
        with self._cond:
            if watch.cancelled or watch.fired:
                return
            watch.cancelled = True
            self._cancelled += 1
            if self._cancelled > 64 and self._cancelled * 2 > len(self._heap):
                self._heap = [item for item in self._heap if not item[2].cancelled]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._heap:
                        self._cond.wait()
                        continue
                    # Cancelled entries are not popped early: waking to drop them would cost a thread
                    # switch per call. They leave at their deadline, or in `cancel`'s compaction.
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        watch = heapq.heappop(self._heap)[2]
                        if watch.cancelled:
                            self._cancelled = max(0, self._cancelled - 1)
                            continue
                        # Under the lock, so a stream that ends now either cancels first or sees `fired`.
                        watch.fired = True
                        try:
                            socket.socket.shutdown(watch.sock, socket.SHUT_RDWR)  # base method: TLS too
                        except OSError:
                            pass  # already closed: the stream ended on its own
                        break
                    self._cond.wait(wait)


_WATCHDOG = Watchdog()


def _reset_watchdog_after_fork() -> None:
    # A forked child has no watchdog thread, only the parent's bookkeeping: start afresh.
    global _WATCHDOG
    _WATCHDOG = Watchdog()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_watchdog_after_fork)


def arm(deadline: float, sock: socket.socket) -> Watch:
    """Shut ``sock`` down at ``deadline`` (the process-wide watchdog) unless :func:`cancel` comes first."""
    return _WATCHDOG.arm(deadline, sock)


def cancel(watch: Watch) -> None:
    """The stream ended before its deadline: forget ``watch``."""
    _WATCHDOG.cancel(watch)


# -- the headers phase: a network backend that bounds each operation by the deadline --------------------
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "chat_openrouter_deadline", default=None
)
#: Writes are cut into pieces of this size so the deadline is re-checked while a slow reader drains them.
_WRITE_PIECE = 64 * 1024


@contextlib.contextmanager
def deadline_scope(deadline: float | None) -> Iterator[None]:
    """Bound every socket operation of :class:`DeadlineBackend` streams in this thread/task by ``deadline``."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` capped by the time left before the current deadline; ``error`` once it has passed."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the call's overall deadline passed")
    return left if timeout is None or timeout > left else timeout


class _DeadlineStream:
    """An httpcore2 network stream whose every read and write ends by the current deadline."""

    __slots__ = ("_stream",)

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore2

        data: bytes = self._stream.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore2

        view = memoryview(buffer)
        while view:
            self._stream.write(view[:_WRITE_PIECE], _bounded(timeout, httpcore2.WriteTimeout))
            view = view[_WRITE_PIECE:]

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        import httpcore2

        bounded = _bounded(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend:
    """Wraps an httpcore2 sync network backend: its streams honour :func:`deadline_scope`."""

    __slots__ = ("_backend",)

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _DeadlineStream:
        import httpcore2

        bounded = _bounded(timeout, httpcore2.ConnectTimeout)
        stream = self._backend.connect_tcp(
            host, port, timeout=bounded, local_address=local_address, socket_options=socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> _DeadlineStream:
        import httpcore2

        bounded = _bounded(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(
            self._backend.connect_unix_socket(path, timeout=bounded, socket_options=socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def install_deadline_backend(client: Any) -> None:
    """Give every connection pool of an ``httpx2.Client`` *we created* a :class:`DeadlineBackend`.

    httpx2 does not take a network backend as an argument, so the pools' backend is replaced after the
    client was made (the default transport and any proxy mounts from the environment). A pool without
    the expected attribute (another httpx2 version) is left alone: the watchdog still bounds bodies.
    """
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
