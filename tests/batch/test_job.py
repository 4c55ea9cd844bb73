"""BatchJob end to end against the emulator (in-process transport): faults, stops, resume, Chat targets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from chat_openrouter import ChatBuilder, OpenRouterBuilder, OutputSchema, tool
from chat_openrouter.batch import BatchJob, BatchSummary
from chat_openrouter.testing.emulator import Emulator, TrafficLimits


def _client(emulator: Emulator, model: str = "emulator/echo", key: str = "test") -> Any:
    return (OpenRouterBuilder().with_model(model).with_api_key(key)
            .with_transport(emulator.transport()).build())


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _fault(fault: str) -> dict[str, Any]:
    return {"extra_headers": {"X-Emulator-Fault": fault}}


def test_faults_are_retried_once_each_permanent_errors_kept_and_nothing_paid_twice(tmp_path: Path) -> None:
    limits = TrafficLimits()
    emulator = Emulator(traffic=limits, retry_after=0.01)
    rows: list[dict[str, Any]] = [{"id": i, "prompt": f"question {i}"} for i in range(60)]
    rows[3]["options"] = _fault("rate-limit")
    rows[4]["options"] = _fault("error-503;times=2")
    rows[5]["options"] = _fault("error-400")
    rows[6]["options"] = _fault("disconnect")  # a 200 body cut in half: billed, unusable, not re-sent
    out = tmp_path / "out.jsonl"
    summary = BatchJob(_client(emulator), concurrency=8).run_sync(rows, out)
    lines = {line["id"]: line for line in _lines(out)}
    assert sorted(lines) == list(range(60))
    assert lines[3]["error"] is None and lines[3]["attempts"] == 2
    assert lines[4]["error"] is None and lines[4]["attempts"] == 3
    assert lines[5]["error"]["status"] == 400 and lines[5]["error"]["retryable"] is False
    assert lines[0]["text"] == "question 0" and lines[0]["usage"]["cost"] > 0
    assert lines[0]["generation_id"].startswith("gen-") and lines[0]["model"] == "emulator/echo"
    assert lines[6]["error"]["type"] == "DecodeError" and lines[6]["attempts"] == 1
    assert summary.failed == 2 and not summary.complete and summary.rate_limits == 1
    assert max(limits.successes.values()) == 1
    # Every answered row's cost is accounted; the cut body was billed but its usage never arrived.
    assert float(summary.cost) == pytest.approx(sum(line["usage"]["cost"] for line in lines.values() if line["usage"]))
    assert summary.cost < limits.charged


def test_a_402_stops_cleanly_reports_rows_not_run_and_a_rerun_finishes(tmp_path: Path) -> None:
    limits = TrafficLimits(credits=0.00002)  # a handful of echo answers
    emulator = Emulator(traffic=limits)
    rows = [{"id": f"r{i}", "prompt": f"please answer number {i}"} for i in range(40)]
    out = tmp_path / "out.jsonl"
    first = BatchJob(_client(emulator), concurrency=4).run_sync(rows, out)
    assert first.stopped is not None and "402" in first.stopped
    assert first.not_run > 0 and first.ok + first.not_run == 40 and first.failed == 0
    written = {line["id"] for line in _lines(out)}
    assert written.isdisjoint(first.not_run_ids)  # not-run rows are reported, never written
    limits.credits = None  # credits topped up
    second = BatchJob(_client(emulator), concurrency=4).run_sync(rows, out)
    assert second.complete and second.skipped == first.ok
    assert sorted(line["id"] for line in _lines(out)) == sorted(r["id"] for r in rows)
    assert max(limits.successes.values()) == 1


@pytest.mark.parametrize("concurrency", [1, 6])
def test_budget_stops_scheduling_and_overshoots_at_most_one_request_per_slot(tmp_path: Path, concurrency: int) -> None:
    emulator = Emulator(traffic=TrafficLimits())
    rows = [{"id": i, "prompt": "word " * (1 + i % 7)} for i in range(80)]
    out = tmp_path / "out.jsonl"
    budget = 0.00005
    summary = BatchJob(_client(emulator), concurrency=concurrency, budget_usd=budget).run_sync(rows, out)
    costs = [line["usage"]["cost"] for line in _lines(out)]
    assert summary.stopped is not None and "budget" in summary.stopped
    assert summary.not_run == 80 - len(costs) > 0
    assert sum(costs) - budget <= concurrency * max(costs) + 1e-12
    assert float(summary.cost) == pytest.approx(sum(costs))


def test_a_401_stops_the_job_instead_of_failing_every_row(tmp_path: Path) -> None:
    emulator = Emulator(api_keys=["right"])
    out = tmp_path / "out.jsonl"
    summary = BatchJob(_client(emulator, key="wrong"), concurrency=4).run_sync(
        [{"id": i, "prompt": "x"} for i in range(30)], out
    )
    assert summary.stopped is not None and "401" in summary.stopped
    assert summary.not_run == 30 and out.read_text() == ""


def test_invalid_lines_duplicates_and_bad_rows_are_accounted_for(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": 1, "prompt": "a"}),
        "{not json",
        json.dumps({"id": 1, "prompt": "dup"}),
        json.dumps({"id": 2}),
        "",
        json.dumps({"prompt": "no id"}),
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    summary = BatchJob(_client(Emulator()), concurrency=2).run_sync(source, out)
    assert (summary.total, summary.ok, summary.failed, summary.invalid, summary.duplicates) == (5, 1, 1, 2, 1)
    assert [line for line, _ in summary.invalid_lines] == [2, 6]
    bad = next(line for line in _lines(out) if line["id"] == 2)
    assert bad["error"]["type"] == "BatchInputError" and bad["attempts"] == 0
    assert not summary.complete and "invalid input line 2" in summary.describe()


class Forecast(BaseModel):
    city: str
    umbrella: bool


def test_a_chat_target_runs_tools_and_typed_output_per_row(tmp_path: Path) -> None:
    @tool
    def get_weather(city: str) -> dict[str, Any]:
        """Weather for a city."""
        return {"city": city, "rain": True}

    emulator = Emulator()
    tools_chat = ChatBuilder().with_model(_client(emulator, "emulator/tools")).with_tools([get_weather])
    out = tmp_path / "tools.jsonl"
    BatchJob(tools_chat, concurrency=3).run_sync([{"id": i, "prompt": "Weather?"} for i in range(3)], out)
    assert all(line["text"].startswith("Based on get_weather") for line in _lines(out))

    typed = ChatBuilder().with_model(_client(emulator, "emulator/json")).with_structured_output(Forecast).build()
    out = tmp_path / "typed.jsonl"
    summary = BatchJob(typed).run_sync([{"id": "a", "prompt": "Paris?"}], out)
    assert summary.complete
    assert set(_lines(out)[0]["output"]) == {"city", "umbrella"}


def test_a_client_with_a_json_schema_parses_the_answer(tmp_path: Path) -> None:
    schema = OutputSchema("answer", {"type": "object", "properties": {"n": {"type": "integer"}},
                                     "required": ["n"], "additionalProperties": False})
    out = tmp_path / "out.jsonl"
    BatchJob(_client(Emulator(), "emulator/json"), output_schema=schema).run_sync([{"id": 1, "prompt": "n?"}], out)
    assert isinstance(_lines(out)[0]["output"]["n"], int)


def test_run_sync_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    async def main() -> BatchSummary:
        return BatchJob(_client(Emulator())).run_sync([{"id": 1, "prompt": "hi"}], tmp_path / "o.jsonl")

    assert asyncio.run(main()).ok == 1


def test_the_job_sends_no_client_retries_of_its_own(tmp_path: Path) -> None:
    # The client would retry a 503 twice by itself; the job turns that off and counts its own tries.
    emulator = Emulator(retry_after=0.01)
    rows = [{"id": 1, "prompt": "x", "options": _fault("error-503")}]
    summary = BatchJob(_client(emulator), max_attempts=2).run_sync(rows, tmp_path / "o.jsonl")
    assert summary.requests == 2 and len(emulator.requests) == 2
    assert _lines(tmp_path / "o.jsonl")[0]["error"]["retryable"] is True
