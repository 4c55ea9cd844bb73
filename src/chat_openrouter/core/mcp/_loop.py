"""A private event loop on a daemon thread: where one Chat's MCP sessions live.

The MCP SDK is async (anyio), and its sessions are bound to the event loop -- and, for their task groups
and cancel scopes, to the task -- that opened them. A Chat, though, is called from anywhere: sync code,
``complete_sync`` inside someone else's running loop, ``asyncio.run`` after ``asyncio.run`` (a new loop
each time), several threads at once. So the sessions get a loop of their own, on a thread the Chat owns,
and both shells hop to it: sync callers block on a ``concurrent.futures.Future``, async callers await it
(``asyncio.wrap_future``), so a cancelled caller cancels the hop too. One hop costs a thread handoff,
negligible next to an MCP round trip (a subprocess pipe or an HTTP request).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["LoopClosedError", "LoopThread"]

T = TypeVar("T")

#: How long stop() waits for the thread to end before leaving it (a daemon) to the interpreter.
_JOIN_TIMEOUT = 30.0

logger = logging.getLogger("chat_openrouter")


class LoopClosedError(RuntimeError):
    """The loop was stopped (the chat was closed) before this work could be scheduled."""


class LoopThread:
    """An asyncio loop running forever on a daemon thread until :meth:`stop`.

    Daemon, so a chat nobody closed never keeps the interpreter from exiting; the toolset's finalizer
    closes the sessions (and their subprocesses) properly at garbage collection or interpreter exit.
    """

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def thread(self) -> threading.Thread:
        """The loop's thread (tests assert it ended)."""
        return self._thread

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            # Whatever is still scheduled was abandoned by stop(): cancel it and let it unwind, so no
            # "Task was destroyed but it is pending" warning and no half-open pipe survives the thread.
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    @property
    def in_loop_thread(self) -> bool:
        """True when the caller is running on this loop's thread (blocking there would deadlock)."""
        return threading.current_thread() is self._thread

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Schedule ``coroutine`` on the loop; its result arrives in the returned future."""
        try:
            return asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        except RuntimeError:  # the loop is closed: do not leave the coroutine un-awaited
            coroutine.close()
            raise LoopClosedError("the MCP loop was stopped") from None

    def run_sync(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coroutine`` on the loop and block until it is done (``TimeoutError`` after ``timeout``)."""
        if self.in_loop_thread:
            coroutine.close()
            raise RuntimeError("cannot block on the MCP loop from inside it")
        future = self.submit(coroutine)
        try:
            return future.result(timeout)
        except BaseException:  # KeyboardInterrupt while waiting: do not leave the work running
            future.cancel()
            raise

    async def run_async(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and await it from the caller's loop (cancellation propagates)."""
        return await asyncio.wrap_future(self.submit(coroutine))

    def stop(self) -> None:
        """Stop the loop and join its thread (from any thread but the loop's own, where it only stops)."""
        if self._loop.is_closed():
            return
        try:
            self._loop.call_soon_threadsafe(self._loop.stop)
        except RuntimeError:  # closed between the check and the call
            return
        if not self.in_loop_thread:
            self._thread.join(_JOIN_TIMEOUT)
            if (
                self._thread.is_alive()
            ):  # something blocks the loop itself (a sync call in an in-process tool)
                logger.warning(
                    "the MCP loop thread did not stop within %s s; leaving it to exit with Python",
                    _JOIN_TIMEOUT,
                )
