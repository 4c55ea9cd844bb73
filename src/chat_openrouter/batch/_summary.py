"""The end-of-job report, and the optional progress bar on stderr."""

from __future__ import annotations

import importlib
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from ..core.usage import Usage
from ._rows import RowId

__all__ = ["BatchSummary", "Progress"]

#: ``not_run_ids`` keeps at most this many ids (the count is exact); a rerun finds them all anyway.
MAX_LISTED_IDS = 10_000


@dataclass
class BatchSummary:
    """What a batch run did. ``complete`` is True when every input row has an answer in the output.

    Counts: ``ok`` / ``failed`` rows answered in this run; ``skipped`` rows already in the output from an
    earlier run (``failed_before`` of them failed for good then); ``not_run`` rows the job stopped before
    (budget, 402, 401, a rate limit longer than ``max_pause``: see ``stopped``) -- rerun with the same
    output to continue; ``invalid`` input lines that have no usable id (``invalid_lines``: line and
    reason) and ``duplicates`` (a repeated id runs once). ``requests`` counts every try sent,
    ``rate_limits`` the 429s among them.
    """

    output: str | None = None
    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    failed_before: int = 0
    not_run: int = 0
    not_run_ids: list[RowId] = field(default_factory=list)
    invalid: int = 0
    invalid_lines: list[tuple[int | None, str]] = field(default_factory=list)
    duplicates: int = 0
    requests: int = 0
    rate_limits: int = 0
    usage: Usage = field(default_factory=Usage)
    #: USD, summed exactly (each row's cost is a Decimal); ``to_json`` writes it as a number.
    cost: Decimal = field(default_factory=Decimal)
    unknown_cost_rows: int = 0
    wall_seconds: float = 0.0
    stopped: str | None = None
    engine: str = "local"

    @property
    def complete(self) -> bool:
        """Every row has an answer: nothing failed (now or before), nothing left unrun or unreadable."""
        return not (self.failed or self.failed_before or self.not_run or self.invalid)

    @property
    def rows_per_second(self) -> float:
        """Rows answered (ok or failed) in this run per second of wall time."""
        return (self.ok + self.failed) / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def add_usage(self, usage: Usage | None) -> None:
        if usage is None:
            return
        self.usage = self.usage + usage
        if usage.cost is None:
            self.unknown_cost_rows += 1
        else:
            self.cost += usage.cost

    def add_not_run(self, row_id: RowId) -> None:
        self.not_run += 1
        if len(self.not_run_ids) < MAX_LISTED_IDS:
            self.not_run_ids.append(row_id)

    def describe(self) -> str:
        """A few human lines (what the CLI prints on stderr)."""
        lines = [
            f"batch ({self.engine}): {self.ok} ok, {self.failed} failed, {self.skipped} skipped"
            + (f" ({self.failed_before} failed before)" if self.failed_before else "")
            + f", {self.not_run} not run of {self.total} rows"
            + (f"; {self.invalid} invalid lines" if self.invalid else "")
            + (f"; {self.duplicates} duplicate ids ignored" if self.duplicates else ""),
            f"  tokens {self.usage.input_tokens:,} in / {self.usage.output_tokens:,} out · cost ${self.cost:.6f}"
            + (f" (+{self.unknown_cost_rows} rows without a cost)" if self.unknown_cost_rows else "")
            + f" · {self.requests} requests, {self.rate_limits} rate-limited",
            f"  wall {self.wall_seconds:.1f} s · {self.rows_per_second:.1f} rows/s",
        ]
        if self.stopped:
            lines.append(f"  stopped: {self.stopped}")
        if self.not_run:
            shown = ", ".join(map(str, self.not_run_ids[:5])) + (" ..." if self.not_run > 5 else "")
            lines.append(f"  not run: {shown} -- rerun with the same output file to continue")
        for line, reason in self.invalid_lines[:5]:
            lines.append(f"  invalid input{'' if line is None else f' line {line}'}: {reason}")
        if not self.complete and not self.not_run and (self.failed or self.failed_before):
            lines.append("  failed rows carry their error in the output; transient ones are retried on a rerun")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-able data (ids of rows not run included, up to a limit)."""
        return {
            "engine": self.engine,
            "output": self.output,
            "total": self.total,
            "ok": self.ok,
            "failed": self.failed,
            "skipped": self.skipped,
            "failed_before": self.failed_before,
            "not_run": self.not_run,
            "not_run_ids": self.not_run_ids,
            "invalid": self.invalid,
            "duplicates": self.duplicates,
            "requests": self.requests,
            "rate_limits": self.rate_limits,
            "input_tokens": self.usage.input_tokens,
            "output_tokens": self.usage.output_tokens,
            "cost": float(self.cost),  # JSON output writes costs as numbers (docs/batch.md)
            "wall_seconds": self.wall_seconds,
            "rows_per_second": self.rows_per_second,
            "stopped": self.stopped,
            "complete": self.complete,
        }


class Progress:
    """A progress bar on stderr: tqdm when installed (``pip install "chat-openrouter[batch]"``), else a
    plain line every few seconds. Disabled, it costs nothing and imports nothing."""

    def __init__(self, total: int | None, *, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self._stream = stream or sys.stderr
        self._bar: Any = None
        self._done = 0
        self._cost = 0.0
        self._total = total
        self._last_line = 0.0
        if not enabled:
            return
        try:
            tqdm = importlib.import_module("tqdm").tqdm  # optional: the `batch` extra
        except ImportError:
            return
        self._bar = tqdm(total=total, unit="row", file=self._stream, dynamic_ncols=True, smoothing=0.1)

    def update(self, cost: Decimal | float | None, *, failed: bool) -> None:
        if not self.enabled:
            return
        self._done += 1
        self._cost += float(cost or 0)
        if self._bar is not None:
            self._bar.update(1)
            if self._done % 20 == 0 or failed:
                self._bar.set_postfix_str(f"${self._cost:.4f}", refresh=False)
            return
        now = time.monotonic()
        if now - self._last_line >= 5.0:
            self._last_line = now
            total = f"/{self._total}" if self._total else ""
            self._stream.write(f"batch: {self._done}{total} rows · ${self._cost:.4f}\n")
            self._stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
