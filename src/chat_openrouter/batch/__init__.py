"""Batch jobs: thousands to millions of prompts through one model, resumable, rate-limit aware, on a budget.

::

    from chat_openrouter import OpenRouterBuilder
    from chat_openrouter.batch import BatchJob

    client = OpenRouterBuilder().with_model("openai/gpt-4o-mini").build()
    summary = BatchJob(client, concurrency=32, budget_usd=5.0).run_sync("in.jsonl", "out.jsonl")
    print(summary.describe())

Rows are ``{"id": ..., "prompt": "..."}`` or ``{"id": ..., "messages": [...]}`` (see
:func:`parse_row`); each answered row becomes one JSON line with ``id, text, output, usage (with cost),
model, provider, generation_id, attempts, error``. The same job runs on a Ray cluster with
:func:`run_on_ray` (``pip install "chat-openrouter[ray]"``). See ``docs/batch.md``.

Ray and the progress bar (tqdm) are imported only when used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._control import FlowControl, FlowStats, Gate, Ticket
    from ._job import BatchJob, RowSource, read_rows
    from ._output import ResultLog
    from ._ray import BatchSpec, run_file_on_ray, run_on_ray
    from ._row_runner import RowOutcome, RowPolicy, RowTarget, run_row
    from ._rows import BatchInputError, BatchRow, RowId, parse_row
    from ._summary import BatchSummary

# Loaded on first access (PEP 562): the CLI imports this package's command module at start-up, and
# neither it nor `import chat_openrouter.batch` should pay for asyncio, let alone Ray.
_LAZY = {
    "FlowControl": "_control",
    "FlowStats": "_control",
    "Gate": "_control",
    "Ticket": "_control",
    "BatchJob": "_job",
    "RowSource": "_job",
    "read_rows": "_job",
    "ResultLog": "_output",
    "BatchSpec": "_ray",
    "run_file_on_ray": "_ray",
    "run_on_ray": "_ray",
    "RowOutcome": "_row_runner",
    "RowPolicy": "_row_runner",
    "RowTarget": "_row_runner",
    "run_row": "_row_runner",
    "BatchInputError": "_rows",
    "BatchRow": "_rows",
    "RowId": "_rows",
    "parse_row": "_rows",
    "BatchSummary": "_summary",
}

__all__ = [
    "BatchInputError",
    "BatchJob",
    "BatchRow",
    "BatchSpec",
    "BatchSummary",
    "FlowControl",
    "FlowStats",
    "Gate",
    "ResultLog",
    "RowId",
    "RowOutcome",
    "RowPolicy",
    "RowSource",
    "RowTarget",
    "Ticket",
    "parse_row",
    "read_rows",
    "run_file_on_ray",
    "run_on_ray",
    "run_row",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
