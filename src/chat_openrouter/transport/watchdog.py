"""The sync deadline watchdog: one daemon thread that shuts a socket down at its call's overall deadline.

A blocking ``recv`` cannot be given a new timeout once it started, so a sync stream whose read began just
before the deadline could otherwise run a whole idle budget past it (see :mod:`.httpx_transport`, which
arms a watch per sync stream). Async streams need none of this: ``asyncio.wait_for`` bounds their reads.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time

__all__ = ["Watch", "Watchdog", "arm", "cancel"]


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
