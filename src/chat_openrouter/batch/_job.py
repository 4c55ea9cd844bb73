"""``BatchJob``: many rows through one client on one machine, resumable, rate-limit aware, on a budget."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from ..core.options import ChatOptions, OutputSchema
from ..errors import ConfigurationError
from ._control import FlowControl, Gate
from ._output import ResultLog
from ._row_runner import RowOutcome, RowPolicy, RowTarget, run_row
from ._rows import BatchInputError, BatchRow, error_record, parse_row, row_key, valid_id
from ._summary import BatchSummary, Progress

if TYPE_CHECKING:
    from ..core.chat import Chat, ChatBuilder
    from ..core.provider import ChatProvider

#: What a job sends its rows to: a wire client (any ChatProvider), or a Chat / ChatBuilder.
BatchTarget: TypeAlias = Union["ChatProvider", "Chat[Any]", "ChatBuilder[Any]"]

__all__ = ["BatchJob", "RowFilter", "RowSource", "read_rows"]

#: Rows given as a JSONL path, or as any iterable of row mappings.
RowSource = str | os.PathLike[str] | Iterable[Mapping[str, Any]]

#: Rows shorter than this get no progress bar by default (it would only flash).
PROGRESS_MIN_ROWS = 200


class BatchJob:
    """Run many rows through a model: bounded adaptive concurrency, one shared rate-limit pause, an
    optional requests-per-minute cap and budget, resumable JSON-lines output.

    ::

        from chat_openrouter import OpenRouterBuilder
        from chat_openrouter.batch import BatchJob

        client = OpenRouterBuilder().with_model("openai/gpt-4o-mini").build()
        job = BatchJob(client, concurrency=32, budget_usd=5.0)
        summary = job.run_sync("questions.jsonl", "answers.jsonl")    # or: await job.run(...)
        print(summary.describe())

    ``model`` is a wire client (``OpenRouterBuilder().build()``), any ``ChatProvider``, or a ``Chat`` /
    ``ChatBuilder`` (tools and structured output then run per row; ``output`` holds the validated value
    as JSON). With a client, ``output_schema`` asks for JSON matching a schema and parses it.

    Args:
        concurrency: the most requests in flight at once (the AIMD ceiling).
        budget_usd: stop starting rows once spent plus in-flight estimates reach it (overshoot at most
            ``concurrency`` x the largest single-request cost). Rows not run are reported, not written.
        requests_per_minute: space request starts for a per-minute limit (free models: 20).
        system: a system prompt for every row that brings none.
        options: request options for every row (rows' own ``options`` override them).
        max_attempts: tries per row for transient failures (5xx, connection errors); 429s pause the whole
            job instead and are not counted here.
        max_pause: the longest shared rate-limit pause, in seconds, before the job stops instead.
        fsync_interval: seconds between fsyncs of the output (0: every line); see ``_output``.
        progress: a progress bar on stderr; None shows it when stderr is a terminal and there are at least
            200 rows.
    """

    def __init__(
        self,
        model: BatchTarget,
        *,
        concurrency: int = 16,
        budget_usd: float | None = None,
        requests_per_minute: float | None = None,
        system: str | None = None,
        output_schema: OutputSchema | None = None,
        options: ChatOptions | None = None,
        max_attempts: int = 6,
        max_pause: float = 900.0,
        fsync_interval: float = 1.0,
        progress: bool | None = None,
    ) -> None:
        from ..core.chat import Chat, ChatBuilder
        from ..core.provider import ChatProvider

        if isinstance(model, ChatBuilder):
            model = model.build()
        if not isinstance(model, (Chat, ChatProvider)):
            raise ConfigurationError(
                f"BatchJob needs a client, a Chat or a ChatBuilder, got {type(model).__name__}"
            )
        if concurrency < 1:
            raise ConfigurationError("concurrency must be at least 1")
        if budget_usd is not None and budget_usd < 0:
            raise ConfigurationError("budget_usd cannot be negative")
        if requests_per_minute is not None and requests_per_minute <= 0:
            raise ConfigurationError("requests_per_minute must be positive")
        if max_attempts < 1:
            raise ConfigurationError("max_attempts must be at least 1")
        try:
            self.target = RowTarget(model, output_schema=output_schema)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        self.concurrency = concurrency
        self.budget_usd = budget_usd
        self.requests_per_minute = requests_per_minute
        self.system = system
        self.options = options
        self.policy = RowPolicy(max_attempts=max_attempts)
        self.max_pause = max_pause
        self.fsync_interval = fsync_interval
        self.progress = progress

    def __repr__(self) -> str:
        model = self.target.chat or self.target.client
        return (
            f"BatchJob({model!r}, concurrency={self.concurrency}, budget_usd={self.budget_usd}, "
            f"requests_per_minute={self.requests_per_minute})"
        )

    def flow_control(self) -> FlowControl:
        """A fresh controller with this job's limits (one per run)."""
        return FlowControl(
            max_in_flight=self.concurrency,
            requests_per_minute=self.requests_per_minute,
            budget_usd=self.budget_usd,
            max_pause=self.max_pause,
        )

    async def run(self, rows: RowSource, output: str | os.PathLike[str]) -> BatchSummary:
        """Run every row not already in ``output`` and append one JSON line per answered row.

        Safe to interrupt at any moment (even ``kill -9``) and run again with the same arguments: rows
        already written are skipped, a torn last line is redone, rows that failed transiently are retried.
        Per-row failures never raise: they are written with their ``error``. Raises
        :class:`~chat_openrouter.batch.BatchInputError` only for an unusable output file or input path.
        """
        started = time.monotonic()
        log = ResultLog.open(output, fsync_interval=self.fsync_interval)
        summary = BatchSummary(output=str(output))
        gate = Gate(self.flow_control())
        total = _count_rows(rows)
        show = self.progress if self.progress is not None else (
            sys.stderr.isatty() and total is not None and total >= PROGRESS_MIN_ROWS
        )
        progress = Progress(total, enabled=bool(show))
        try:
            await self._dispatch(rows, log, gate, summary, progress)
        finally:
            progress.close()
            log.close()
            stats = gate.control.stats()
            summary.requests = stats.requests
            summary.rate_limits = stats.rate_limits
            summary.stopped = stats.stopped
            summary.wall_seconds = time.monotonic() - started
        return summary

    def run_sync(self, rows: RowSource, output: str | os.PathLike[str]) -> BatchSummary:
        """Synchronous twin of :meth:`run`. The job runs on a private event loop (in a worker thread when
        this thread already runs one); use the client from that loop only for this job."""
        from ..core.run import run_awaitable_sync

        return run_awaitable_sync(self.run(rows, output))

    async def _dispatch(
        self, rows: RowSource, log: ResultLog, gate: Gate, summary: BatchSummary, progress: Progress
    ) -> None:
        # Rows in progress (sending, or waiting out a backoff) are bounded, so a million-row file is read
        # as the job goes, not loaded; twice the concurrency keeps every slot fed while some rows back off.
        in_progress = asyncio.Semaphore(self.concurrency * 2 + 8)
        tasks: set[asyncio.Task[None]] = set()
        accept = RowFilter(log, summary, progress, system=self.system)
        rng = random.Random()
        lines = _GroupCommit(log)

        async def one(row: BatchRow) -> None:
            try:
                outcome = await run_row(row, self.target, gate, options=self.options, policy=self.policy, rng=rng)
                self._record(row, outcome, lines, summary, progress)
            finally:
                in_progress.release()

        try:
            for line, raw in read_rows(rows):
                row = accept(line, raw)
                if row is None:
                    continue
                if gate.stopped is None:
                    await in_progress.acquire()
                    if gate.stopped is not None:
                        in_progress.release()
                if gate.stopped is not None:  # reported, not written: a rerun sends it
                    summary.add_not_run(row.id)
                    continue
                task = asyncio.create_task(one(row))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            lines.flush()

    @staticmethod
    def _record(
        row: BatchRow, outcome: RowOutcome, lines: _GroupCommit, summary: BatchSummary, progress: Progress
    ) -> None:
        summary.add_usage(outcome.usage)
        if outcome.status == "not_run":
            summary.add_not_run(row.id)
            return
        assert outcome.record is not None
        lines.add(outcome.record)
        if outcome.status == "ok":
            summary.ok += 1
        else:
            summary.failed += 1
        progress.update(outcome.usage.cost if outcome.usage else None, failed=outcome.status == "failed")


class _GroupCommit:
    """Result lines of rows answered in the same event-loop turn, written with one ``write`` at the end of
    that turn (``call_soon``): nothing waits longer than the turn, as a per-row write would not either."""

    def __init__(self, log: ResultLog) -> None:
        self.log = log
        self.pending: list[Mapping[str, Any]] = []

    def add(self, record: Mapping[str, Any]) -> None:
        if not self.pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self.pending.append(record)

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        self.log.write_many(pending)


class RowFilter:
    """Turns input rows into rows to run, accounting for the others in the summary: rows already in the
    output are skipped, a repeated id runs once, a row without a usable id is reported as invalid, and a
    row with an id but bad content gets its error line at once (it would fail the same way every time)."""

    def __init__(self, log: ResultLog, summary: BatchSummary, progress: Progress, *, system: str | None) -> None:
        self.log = log
        self.summary = summary
        self.progress = progress
        self.system = system
        self.seen: set[str] = set()

    def __call__(self, line: int | None, raw: Any) -> BatchRow | None:
        summary = self.summary
        summary.total += 1
        row_id = raw.get("id") if isinstance(raw, Mapping) else None
        key = row_key(row_id) if valid_id(row_id) else None
        if key is not None:
            if key in self.seen:
                summary.duplicates += 1
                return None
            self.seen.add(key)
            if key in self.log.done:
                summary.skipped += 1
                summary.failed_before += key in self.log.failed_before
                return None
        try:
            if isinstance(raw, _BadLine):
                raise BatchInputError(raw.reason, line=line)
            return parse_row(raw, line=line, system=self.system)
        except BatchInputError as error:
            if key is None:  # nothing to key a result line on: report it
                summary.invalid += 1
                if len(summary.invalid_lines) < 100:
                    summary.invalid_lines.append((line, error.message))
                return None
            self.log.write(error_record(row_id, error, 0))  # type: ignore[arg-type]
            summary.failed += 1
            self.progress.update(None, failed=True)
            return None


class _BadLine(dict[str, Any]):
    """An input line that is not JSON: reported as invalid, never fatal."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def read_rows(rows: RowSource) -> Iterator[tuple[int | None, Any]]:
    """``(line number, row)`` pairs from a JSONL path (blank lines skipped), or ``(None, row)`` from an
    iterable. A line that is not JSON comes back as an invalid row, so the job can report it."""
    if isinstance(rows, (str, os.PathLike)):
        path = Path(rows)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the generator's finally
        except OSError as exc:
            raise BatchInputError(f"cannot read the input {str(path)!r}: {exc.strerror or exc}") from None
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except ValueError as exc:
                    yield number, _BadLine(f"not a JSON object: {exc}")
        return
    for row in rows:
        yield None, row


def _count_rows(rows: RowSource) -> int | None:
    """How many rows there are, when cheap to know (a file's non-blank lines, a sized collection)."""
    if isinstance(rows, (str, os.PathLike)):
        try:
            with open(rows, "rb") as handle:
                return sum(1 for line in handle if line.strip())
        except OSError:
            return None
    try:
        return len(rows)  # type: ignore[arg-type]
    except TypeError:
        return None
