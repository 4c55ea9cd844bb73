"""The same batch job on Ray Data: ``map_batches`` with an async callable class, flow control shared
through one Ray actor.

::

    import ray
    from chat_openrouter.batch import BatchSpec, run_on_ray

    ds = ray.data.read_json("s3://bucket/questions.jsonl")          # rows: {"id", "prompt"} or {"id", "messages"}
    spec = BatchSpec(model="openai/gpt-4o-mini")                   # picklable; holds no key
    answers = run_on_ray(ds, spec, actors=4, concurrency=128, budget_usd=20.0)
    answers.write_parquet("s3://bucket/answers/")

How it fits together:

* :class:`BatchSpec` is what travels to the actors: model, wire, base URL, options, schema -- never the
  key. Each actor builds its own client from it and reads the key from *its* environment
  (``api_key_env``, ``OPENROUTER_API_KEY`` by default); our ``Secret`` refuses to be pickled anyway.
* ``BatchRowsActor`` is the ``map_batches`` callable: an ``async __call__`` that runs every row of its
  batch concurrently on the actor's event loop (Ray Data runs up to 4 batches per actor at once), each
  row through the same :func:`~chat_openrouter.batch.run_row` as the local engine.
* One ``SharedFlowControl`` Ray actor hosts the job's :class:`~chat_openrouter.batch.Gate`: the global
  in-flight limit (AIMD), the shared rate-limit pause, the requests-per-minute spacing and the budget
  are decided in one place for every actor.
* A row never fails the dataset: its result columns say what happened (``status`` is ``ok``,
  ``failed`` or ``not_run``, and ``error_*`` columns describe a failure).

Result columns, appended to the input's (flat, so every block has the same Arrow schema): ``status``,
``text``, ``output`` (JSON text, or null), ``model``, ``provider``, ``generation_id``, ``attempts``,
``input_tokens``, ``output_tokens``, ``total_tokens``, ``reasoning_tokens``, ``cached_tokens``, ``cost``,
``error_type``, ``error_status``, ``error_code``, ``error_message``, ``error_retryable``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigurationError
from ._control import FlowControl, FlowStats, Gate, Ticket
from ._row_runner import RowOutcome, RowPolicy, RowTarget, run_row
from ._rows import BatchInputError, error_record, parse_row

if TYPE_CHECKING:
    from ..core.options import ChatOptions, OutputSchema, Timeouts
    from ..wire.base import WireClient
    from ._summary import BatchSummary

__all__ = ["RESULT_COLUMNS", "BatchRowsActor", "BatchSpec", "run_file_on_ray", "run_on_ray"]

#: Env var the CLI sets for ``--offline --engine ray``: the emulator accepts any key; never a real one.
OFFLINE_KEY_ENV = "CHAT_OPENROUTER_OFFLINE_KEY"
#: The file runner's input column: each row's original JSON, so mixed id types and nested messages
#: never meet Arrow's type inference.
ROW_COLUMN = "_row"


@dataclass(frozen=True)
class BatchSpec:
    """Everything a Ray actor needs to build the job's client -- picklable, and holding no secret.

    ``chat`` optionally turns the actor's client into a ``Chat`` (tools, typed structured output): a
    function ``client -> Chat | ChatBuilder``, pickled with its closure by Ray (define it at module level
    or make sure what it captures is importable on the workers). ``concurrency_per_actor`` bounds the rows
    one actor sends at once, on top of the job's global limit.
    """

    model: str
    wire: Literal["responses", "completions"] = "responses"
    base_url: str | None = None
    api_key_env: str = "OPENROUTER_API_KEY"
    system: str | None = None
    output_schema: OutputSchema | None = None
    options: ChatOptions | None = None
    chat: Callable[[Any], Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeouts: Timeouts | None = None
    max_attempts: int = 6
    concurrency_per_actor: int = 64

    def build_client(self) -> Any:
        """The wire client, built here (in the actor) with the key from this process's environment."""
        from ..openrouter.builder import OpenRouterBuilder

        key = os.environ.get(self.api_key_env, "").strip()
        if not key:
            raise ConfigurationError(
                f"no API key in this Ray worker: set {self.api_key_env} in the workers' environment "
                "(e.g. ray.init(runtime_env={'env_vars': {...}}) or the cluster's own settings)"
            )
        builder: OpenRouterBuilder[WireClient] = OpenRouterBuilder().with_model(self.model).with_api_key(key)
        if self.wire == "completions":
            builder = builder.with_completions()
        if self.base_url:
            builder = builder.with_base_url(self.base_url)
        if self.headers:
            builder = builder.with_headers(self.headers)
        if self.timeouts is not None:
            builder = builder.with_timeouts(self.timeouts)
        return builder.build()

    def target(self, client: Any) -> RowTarget:
        """What rows are sent to: the client, or the ``Chat`` that ``chat`` builds around it."""
        if self.chat is None:
            return RowTarget(client, output_schema=self.output_schema)
        from ..core.chat import ChatBuilder

        chat = self.chat(client)
        return RowTarget(chat.build() if isinstance(chat, ChatBuilder) else chat)


class BatchRowsActor:
    """The ``map_batches`` callable class: builds the client once per actor, then answers whole batches
    (``pyarrow.Table`` in, the same table plus result columns out)."""

    def __init__(self, spec: BatchSpec, control: Any) -> None:
        self.spec = spec
        self.client = spec.build_client()
        self.target = spec.target(self.client)
        self.gate = _RemoteGate(control)
        self.policy = RowPolicy(max_attempts=spec.max_attempts)
        self.rng = random.Random()
        self._local: asyncio.Semaphore | None = None

    async def __call__(self, batch: Any) -> Any:
        if self._local is None:  # created on the actor's event loop, not in __init__
            self._local = asyncio.Semaphore(self.spec.concurrency_per_actor)
        rows = batch.to_pylist()
        outcomes = await asyncio.gather(*(self._one(row) for row in rows))
        return with_result_columns(batch, outcomes)

    async def _one(self, raw: Mapping[str, Any]) -> RowOutcome:
        payload = json.loads(raw[ROW_COLUMN]) if ROW_COLUMN in raw else raw
        try:
            row = parse_row(payload, system=self.spec.system)
        except BatchInputError as error:  # keyed by whatever id it has: the column is kept as it came
            return RowOutcome("failed", error_record(payload.get("id"), error, 0), None, 0)  # type: ignore[arg-type]
        assert self._local is not None
        async with self._local:
            return await run_row(
                row, self.target, self.gate, options=self.spec.options, policy=self.policy, rng=self.rng
            )


class _RemoteGate:
    """:class:`~chat_openrouter.batch.Gate`'s interface for one actor, answered by the shared Ray actor in
    batches: one remote call fetches tickets for every row of this actor waiting at that moment, and
    another carries all the outcomes reported since the last one. Per-row round trips would cost two
    remote calls per request and make the shared actor the bottleneck. Outcomes travel on their own
    calls, never behind a waiting ``acquire``: a slot held here must be released even while this actor
    waits for another."""

    def __init__(self, control: Any) -> None:
        self._control = control
        self._waiters: list[asyncio.Future[Ticket | None]] = []
        self._reports: list[tuple[str, Ticket | None, Any]] = []
        self._acquiring: asyncio.Task[None] | None = None
        self._reporting: asyncio.Task[None] | None = None

    async def acquire(self) -> Ticket | None:
        future: asyncio.Future[Ticket | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        if self._acquiring is None or self._acquiring.done():
            self._acquiring = asyncio.ensure_future(self._acquire_loop())
        return await future

    async def _acquire_loop(self) -> None:
        while True:
            self._waiters = [w for w in self._waiters if not w.done()]
            if not self._waiters:
                return
            tickets: list[Ticket] = await self._control.acquire_many.remote(len(self._waiters))
            if not tickets:  # the job stopped
                for waiter in self._waiters:
                    if not waiter.done():
                        waiter.set_result(None)
                self._waiters = []
                return
            for ticket in tickets:
                pending = [w for w in self._waiters if not w.done()]
                if pending:
                    pending[0].set_result(ticket)
                else:  # its row was cancelled meanwhile: give the slot back
                    self._report("ended", ticket, None)

    def _report(self, kind: str, ticket: Ticket | None, value: Any) -> None:
        self._reports.append((kind, ticket, value))
        if self._reporting is None or self._reporting.done():
            self._reporting = asyncio.ensure_future(self._report_loop())

    async def _report_loop(self) -> None:
        while self._reports:
            reports, self._reports = self._reports, []
            await self._control.report.remote(reports)

    async def succeeded(self, ticket: Ticket, cost: float | None) -> None:
        self._report("succeeded", ticket, cost)

    async def rate_limited(self, ticket: Ticket, wait: float) -> None:
        self._report("rate_limited", ticket, wait)

    async def ended(self, ticket: Ticket, cost: float | None = None) -> None:
        self._report("ended", ticket, cost)

    async def stop(self, reason: str) -> None:
        self._report("stop", None, reason)


class _SharedFlowControl:
    """The body of the shared Ray actor: one :class:`Gate` for every batch actor (an async actor, so
    thousands of waiting ``acquire`` calls cost one coroutine each)."""

    def __init__(self, control: FlowControl) -> None:
        self.gate = Gate(control)

    async def acquire(self) -> Ticket | None:
        return await self.gate.acquire()

    async def acquire_many(self, wanted: int) -> list[Ticket]:
        """Wait for one ticket, then take up to ``wanted`` that may start now; [] once stopped."""
        first = await self.gate.acquire()
        if first is None:
            return []
        tickets = [first]
        while len(tickets) < wanted:
            ticket = self.gate.try_acquire()
            if ticket is None:
                break
            tickets.append(ticket)
        return tickets

    async def report(self, reports: list[tuple[str, Ticket | None, Any]]) -> None:
        """Outcomes reported by an actor, in order."""
        for kind, ticket, value in reports:
            if kind == "stop":
                await self.gate.stop(value)
            elif ticket is None:
                continue
            elif kind == "succeeded":
                await self.gate.succeeded(ticket, value)
            elif kind == "rate_limited":
                await self.gate.rate_limited(ticket, value)
            else:
                await self.gate.ended(ticket, value)

    async def succeeded(self, ticket: Ticket, cost: float | None) -> None:
        await self.gate.succeeded(ticket, cost)

    async def rate_limited(self, ticket: Ticket, wait: float) -> None:
        await self.gate.rate_limited(ticket, wait)

    async def ended(self, ticket: Ticket, cost: float | None = None) -> None:
        await self.gate.ended(ticket, cost)

    async def stop(self, reason: str) -> None:
        await self.gate.stop(reason)

    async def stats(self) -> FlowStats:
        return await self.gate.stats()


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise ConfigurationError(
            'the Ray engine needs Ray: pip install "chat-openrouter[ray]" (ray[data])'
        ) from None


def start_shared_control(
    *, concurrency: int, budget_usd: float | None, requests_per_minute: float | None, max_pause: float
) -> Any:
    """Start the job's shared flow-control actor; returns its handle (it lives while handles do)."""
    ray = _ray()
    actor = ray.remote(num_cpus=0, max_concurrency=100_000)(_SharedFlowControl)
    control = FlowControl(
        max_in_flight=concurrency,
        requests_per_minute=requests_per_minute,
        budget_usd=budget_usd,
        max_pause=max_pause,
    )
    return actor.remote(control)


def run_on_ray(
    dataset: Any,
    spec: BatchSpec,
    *,
    actors: int = 2,
    batch_size: int = 64,
    concurrency: int = 64,
    budget_usd: float | None = None,
    requests_per_minute: float | None = None,
    max_pause: float = 900.0,
    num_cpus: float = 0.5,
) -> Any:
    """``dataset`` (a ``ray.data.Dataset`` of rows) with result columns appended, computed lazily by
    ``actors`` ``BatchRowsActor`` instances sharing one flow control.

    ``concurrency`` is the global number of requests in flight (all actors together); ``budget_usd`` and
    ``requests_per_minute`` are global too. ``num_cpus`` is what each actor reserves: the work is network
    I/O, so half a CPU lets two actors share a core with Ray's own tasks.
    """
    mapped, _control = _map(
        dataset, spec, actors=actors, batch_size=batch_size, concurrency=concurrency, budget_usd=budget_usd,
        requests_per_minute=requests_per_minute, max_pause=max_pause, num_cpus=num_cpus,
    )
    return mapped


def _map(dataset: Any, spec: BatchSpec, *, actors: int, batch_size: int, num_cpus: float, **limits: Any) -> tuple[Any, Any]:
    control = start_shared_control(**limits)
    mapped = dataset.map_batches(
        BatchRowsActor,
        fn_constructor_kwargs={"spec": spec, "control": control},
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=_ray().data.ActorPoolStrategy(size=actors),
        num_cpus=num_cpus,
    )
    return mapped, control


# -- result columns ----------------------------------------------------------------------------------------
RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "string"),
    ("text", "string"),
    ("output", "string"),
    ("model", "string"),
    ("provider", "string"),
    ("generation_id", "string"),
    ("attempts", "int64"),
    ("input_tokens", "int64"),
    ("output_tokens", "int64"),
    ("total_tokens", "int64"),
    ("reasoning_tokens", "int64"),
    ("cached_tokens", "int64"),
    ("cost", "float64"),
    ("error_type", "string"),
    ("error_status", "int64"),
    ("error_code", "string"),
    ("error_message", "string"),
    ("error_retryable", "bool_"),
)


def result_columns(outcome: RowOutcome) -> dict[str, Any]:
    """One row's result columns (see :data:`RESULT_COLUMNS`)."""
    record = outcome.record or {}
    usage = record.get("usage") or {}
    error = record.get("error") or {}
    output = record.get("output")
    return {
        "status": outcome.status,
        "text": record.get("text"),
        "output": None if output is None else json.dumps(output, ensure_ascii=False),
        "model": record.get("model"),
        "provider": record.get("provider"),
        "generation_id": record.get("generation_id"),
        "attempts": outcome.tries,
        "input_tokens": usage.get("input_tokens"),
        "output_tokens": usage.get("output_tokens"),
        "total_tokens": usage.get("total_tokens"),
        "reasoning_tokens": usage.get("reasoning_tokens"),
        "cached_tokens": usage.get("cached_tokens"),
        "cost": usage.get("cost"),
        "error_type": error.get("type") or ("NotRun" if outcome.status == "not_run" else None),
        "error_status": error.get("status"),
        "error_code": None if error.get("code") is None else str(error.get("code")),
        "error_message": error.get("message") or ("the job stopped first" if outcome.status == "not_run" else None),
        "error_retryable": error.get("retryable") if error else (True if outcome.status == "not_run" else None),
    }


def with_result_columns(batch: Any, outcomes: list[RowOutcome]) -> Any:
    """``batch`` (a ``pyarrow.Table``) with the result columns appended (replacing same-named ones)."""
    pa = importlib.import_module("pyarrow")
    rows = [result_columns(outcome) for outcome in outcomes]
    table = batch.drop_columns([name for name, _ in RESULT_COLUMNS if name in batch.column_names])
    for name, kind in RESULT_COLUMNS:
        table = table.append_column(pa.field(name, getattr(pa, kind)()), pa.array([r[name] for r in rows], type=getattr(pa, kind)()))
    return table


def record_from_columns(row: Mapping[str, Any], row_id: Any) -> dict[str, Any]:
    """A result row of the dataset as the local engine's JSON line."""
    error = None
    if row.get("error_type") is not None:
        code = row.get("error_code")
        error = {
            "type": row["error_type"],
            "status": row.get("error_status"),
            "code": int(code) if isinstance(code, str) and code.isdigit() else code,
            "message": row.get("error_message"),
            "retryable": bool(row.get("error_retryable")),
        }
    has_usage = row.get("total_tokens") is not None or row.get("cost") is not None
    return {
        "id": row_id,
        "text": row.get("text"),
        "output": None if row.get("output") is None else json.loads(row["output"]),
        "usage": {
            "input_tokens": row.get("input_tokens") or 0,
            "output_tokens": row.get("output_tokens") or 0,
            "total_tokens": row.get("total_tokens") or 0,
            "reasoning_tokens": row.get("reasoning_tokens") or 0,
            "cached_tokens": row.get("cached_tokens") or 0,
            "cost": row.get("cost"),
        } if has_usage else None,
        "model": row.get("model"),
        "provider": row.get("provider"),
        "generation_id": row.get("generation_id"),
        "attempts": row.get("attempts") or 0,
        "error": error,
    }


# -- the CLI's file runner ----------------------------------------------------------------------------------
def run_file_on_ray(
    rows: Any,
    output: str | os.PathLike[str],
    spec: BatchSpec,
    *,
    actors: int = 2,
    batch_size: int = 64,
    concurrency: int = 64,
    budget_usd: float | None = None,
    requests_per_minute: float | None = None,
    max_pause: float = 900.0,
    worker_env: Mapping[str, str] | None = None,
    progress: bool | None = None,
    fsync_interval: float = 1.0,
) -> BatchSummary:
    """The local engine's file-to-file job, with the rows answered by Ray actors (local Ray, or the
    cluster at ``RAY_ADDRESS``). The driver filters the input against the output (resume), and appends
    each result line as its block streams back, so an interrupted run resumes like the local one; rows
    answered by actors but not yet streamed back when the driver dies are asked again. ``worker_env``:
    environment variables for the actors when this call starts Ray itself (never a real key: actors read
    theirs from their own environment)."""
    from ..core.usage import Usage
    from ._job import RowFilter, read_rows
    from ._output import ResultLog
    from ._summary import BatchSummary, Progress

    ray = _ray()
    started = time.monotonic()
    log = ResultLog.open(output, fsync_interval=fsync_interval)
    summary = BatchSummary(output=str(output), engine="ray")
    accept = RowFilter(log, summary, Progress(None, enabled=False), system=spec.system)
    pending: list[dict[str, str]] = []
    for line, raw in read_rows(rows):
        if accept(line, raw) is not None:
            pending.append({ROW_COLUMN: json.dumps(raw, ensure_ascii=False)})
    started_ray = False
    try:
        if pending:
            if not ray.is_initialized():
                env = dict(worker_env or {})
                ray.init(include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env} if env else None)
                started_ray = True
            if progress is False:
                ray.data.DataContext.get_current().enable_progress_bars = False
            dataset = ray.data.from_items(pending)
            mapped, control = _map(
                dataset, spec, actors=actors, batch_size=batch_size, num_cpus=0.5, concurrency=concurrency,
                budget_usd=budget_usd, requests_per_minute=requests_per_minute, max_pause=max_pause,
            )
            for batch in mapped.iter_batches(batch_format="pyarrow", batch_size=None):
                records = [_collect(row, summary, Usage) for row in batch.to_pylist()]
                log.write_many([record for record in records if record is not None])  # a block: one write
            stats = ray.get(control.stats.remote())
            summary.requests, summary.rate_limits, summary.stopped = stats.requests, stats.rate_limits, stats.stopped
    finally:
        log.close()
        if started_ray:
            ray.shutdown()
        summary.wall_seconds = time.monotonic() - started
    return summary


def _collect(row: Mapping[str, Any], summary: BatchSummary, usage_type: Any) -> dict[str, Any] | None:
    """The result line of one dataset row (None for a row not run), counted in ``summary``."""
    row_id = json.loads(row[ROW_COLUMN]).get("id")
    if row["status"] == "not_run":
        summary.add_not_run(row_id)
        return None
    record = record_from_columns(row, row_id)
    if record["usage"] is not None:
        usage = record["usage"]
        summary.add_usage(usage_type(
            input_tokens=usage["input_tokens"], output_tokens=usage["output_tokens"],
            total_tokens=usage["total_tokens"], reasoning_tokens=usage["reasoning_tokens"],
            cached_tokens=usage["cached_tokens"], cost=usage["cost"],
        ))
    if row["status"] == "ok":
        summary.ok += 1
    else:
        summary.failed += 1
    return record
