"""The output file: append-only JSON lines that survive a crash at any moment, and tell a rerun what is done.

Durability discipline (why each step is there):

* **A ``write(2)`` on an ``O_APPEND`` descriptor as soon as the row is answered** -- in the same
  event-loop turn: rows answered in one turn share one ``write`` (a group commit). The bytes are then in
  the kernel's page cache, which outlives the process: a ``SIGKILL`` one instruction later loses nothing,
  so a rerun never pays twice for a row whose line was written. No user-space buffer outlives the turn
  (no ``TextIOWrapper``), and ``O_APPEND`` makes each write land at the end even if another process
  appended meanwhile.
* **``fsync`` at most every ``fsync_interval`` seconds (1 s by default), and at the end.** fsync only
  matters if the *machine* dies (power, kernel panic); syncing every line would cap a job at the disk's
  sync rate (a few hundred per second on an SSD, far fewer on network disks). The trade: a machine crash
  can lose the last second of answers, which a rerun asks for again. ``fsync_interval=0`` syncs every line.
* **A torn last line is detected and dropped on open.** A crash (or a full disk) can leave a partial last
  line, or garbage after the last newline. On open the file is read; a last line that does not end in a
  newline or is not a JSON object with an ``id`` is cut off (the file is truncated to the last complete
  line), so that row runs again. A bad line anywhere *else* is not ours to guess about: that is a
  :class:`BatchInputError` naming the line.
* **Rows whose error was transient are retried on the next run.** Lines whose ``error.retryable`` is true
  (a 5xx or 429 that outlasted every attempt) are removed first -- by writing the kept lines to a
  temporary file, fsyncing it and renaming it over the output (atomic), then fsyncing the directory -- so
  the output still holds every id exactly once. Permanent failures (a 400) are kept and not re-sent.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ._rows import BatchInputError, row_key, valid_id

__all__ = ["ResultLog"]


def encode_line(record: Mapping[str, Any]) -> bytes:
    """One result as one line of UTF-8 JSON (values JSON cannot hold are written as strings)."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode("utf-8")


class ResultLog:
    """An output file opened for a (possibly resumed) batch run.

    After :meth:`open`, :attr:`done` holds the keys (see :func:`row_key`) of rows already in the file when
    it was opened -- answered, or failed for good -- and :attr:`failed_before` the keys among them that failed. Append
    results with :meth:`write`; :meth:`close` syncs and closes.
    """

    def __init__(
        self, path: Path, fd: int, *, fsync_interval: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = path
        self._fd: int | None = fd
        self.fsync_interval = fsync_interval
        self._clock = clock
        self._last_sync = clock()
        self._dirty = False
        self.done: set[str] = set()
        self.failed_before: set[str] = set()
        self.torn_bytes = 0  # bytes of a torn tail dropped on open
        self.retrying = 0  # transient failures of an earlier run removed so they run again
        self.written = 0

    def __repr__(self) -> str:
        return f"ResultLog({str(self.path)!r}, done={len(self.done)}, written={self.written})"

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, fsync_interval: float = 1.0) -> ResultLog:
        """Open (or create) ``path``, repairing a torn tail and dropping transient failures for a retry."""
        target = Path(path)
        if target.parent and not target.parent.is_dir():
            raise BatchInputError(f"the output folder {str(target.parent)!r} does not exist")
        if target.exists() and not target.is_file():
            # A device or a FIFO cannot be resumed (and /dev/zero would be read forever).
            raise BatchInputError(f"the output {str(target)!r} is not a regular file")
        kept, transient, good_end, size = _scan(target)
        if transient:
            _rewrite_without(target, kept_lines=kept)
        elif good_end < size:
            with open(target, "r+b") as handle:  # cut the torn tail so the next append starts a fresh line
                handle.truncate(good_end)
                handle.flush()
                os.fsync(handle.fileno())
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        log = cls(target, fd, fsync_interval=fsync_interval)
        log.torn_bytes = size - good_end
        log.retrying = transient
        for record in kept:
            log.done.add(row_key(record["id"]))
            if record.get("error") is not None:
                log.failed_before.add(row_key(record["id"]))
        return log

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one result line (one ``write`` call); fsync if ``fsync_interval`` has passed."""
        self.write_many([record])

    def write_many(self, records: list[Mapping[str, Any]]) -> None:
        """Append several result lines with one ``write`` call (rows answered in the same event-loop turn:
        a group commit that saves a syscall per row and is no less safe -- see the module docstring)."""
        if self._fd is None:
            raise ValueError("the result log is closed")
        if not records:
            return
        data = b"".join(encode_line(record) for record in records)
        view = memoryview(data)
        while view:  # a regular file takes it whole; loop anyway rather than assume
            written = os.write(self._fd, view)
            view = view[written:]
        self.written += len(records)
        self._dirty = True
        now = self._clock()
        if now - self._last_sync >= self.fsync_interval:
            self.sync()

    def sync(self) -> None:
        """Flush written lines to the disk (``fsync``)."""
        if self._fd is not None and self._dirty:
            os.fsync(self._fd)
            self._dirty = False
        self._last_sync = self._clock()

    def close(self) -> None:
        """Sync and close (safe to call more than once)."""
        if self._fd is not None:
            try:
                self.sync()
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> ResultLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _scan(path: Path) -> tuple[list[dict[str, Any]], int, int, int]:
    """Read an existing output: (records to keep, transient failures dropped, end of the last good line,
    file size)."""
    if not path.exists():
        return [], 0, 0, 0
    data = path.read_bytes()
    kept: list[dict[str, Any]] = []
    transient = 0
    offset = 0
    good_end = 0
    number = 0
    while offset < len(data):
        newline = data.find(b"\n", offset)
        end = len(data) if newline < 0 else newline + 1
        number += 1
        line = data[offset:end]
        record = _record(line) if newline >= 0 else None
        if record is None and line.strip():
            if end < len(data):
                raise BatchInputError(
                    f"{str(path)!r} line {number} is not a result line (a JSON object with an id); "
                    "it was not written by a batch run, or the file was edited -- fix or remove it",
                    line=number,
                )
            break  # the torn tail: cut here
        offset = end
        if record is None:  # a blank line: harmless, keep scanning
            good_end = end
            continue
        good_end = end
        error = record.get("error")
        if isinstance(error, Mapping) and error.get("retryable") is True:
            transient += 1
        else:
            kept.append(record)
    return kept, transient, good_end, len(data)


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:  # includes invalid UTF-8
        return None
    if isinstance(value, dict) and valid_id(value.get("id")):
        return value
    return None


def _rewrite_without(path: Path, *, kept_lines: list[dict[str, Any]]) -> None:
    temporary = path.with_name(path.name + ".rewrite")
    with open(temporary, "wb") as handle:
        for record in kept_lines:
            handle.write(encode_line(record))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)  # atomic: a crash leaves either the old file or the new one
    directory = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
