"""The Ray engine for real: a local Ray (2 CPUs) started here, actors talking to the emulator on loopback."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chat_openrouter.testing.emulator import Emulator, EmulatorServer, TrafficLimits

ray = pytest.importorskip("ray", reason='the Ray engine needs Ray: pip install "chat-openrouter[ray]"')
pytest.importorskip("ray.data", reason="the Ray engine needs Ray Data: pip install 'ray[data]'")

from chat_openrouter.batch import BatchSpec, run_file_on_ray, run_on_ray  # noqa: E402

KEY_ENV = "CHAT_OPENROUTER_RAY_TEST_KEY"


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    # The key reaches the workers through their environment, as on a real cluster; never through pickles.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {KEY_ENV: "sk-or-v1-ray-test-key"}})
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def served() -> Iterator[tuple[TrafficLimits, EmulatorServer]]:
    limits = TrafficLimits(latency=0.005)
    with Emulator(traffic=limits, retry_after=0.01, max_recorded=10).loopback() as server:
        yield limits, server


def _spec(server: EmulatorServer, **changes: Any) -> BatchSpec:
    return BatchSpec(model="emulator/echo", base_url=server.base_url, api_key_env=KEY_ENV, **changes)


def test_the_spec_pickles_without_any_key() -> None:
    spec = BatchSpec(model="m", base_url="http://127.0.0.1:1/api/v1")
    assert b"sk-or" not in pickle.dumps(spec)
    with pytest.raises(Exception, match="no API key"):
        BatchSpec(model="m", api_key_env="CHAT_OPENROUTER_UNSET_FOR_TEST").build_client()


def test_rows_keep_error_columns_instead_of_failing_the_dataset(
    cluster: None, served: tuple[TrafficLimits, EmulatorServer]
) -> None:
    limits, server = served
    rows: list[dict[str, Any]] = [{"id": i, "prompt": f"ray row {i}"} for i in range(120)]
    rows[5]["options"] = {"extra_headers": {"X-Emulator-Fault": "error-400"}}
    rows[6]["options"] = {"extra_headers": {"X-Emulator-Fault": "rate-limit"}}
    rows[7]["options"] = {"extra_headers": {"X-Emulator-Fault": "error-503;times=1"}}
    dataset = ray.data.from_items([{"id": r["id"], "_row": json.dumps(r)} for r in rows])
    results = run_on_ray(dataset, _spec(server), actors=2, batch_size=16, concurrency=16).take_all()
    by_id = {row["id"]: row for row in results}
    assert sorted(by_id) == list(range(120))
    assert by_id[5]["status"] == "failed" and by_id[5]["error_status"] == 400
    assert by_id[5]["error_type"] == "BadRequestError" and by_id[5]["error_retryable"] is False
    assert by_id[6]["status"] == "ok" and by_id[6]["attempts"] == 2
    assert by_id[7]["status"] == "ok" and by_id[7]["attempts"] == 2
    assert by_id[0]["text"] == "ray row 0" and by_id[0]["cost"] > 0 and by_id[0]["error_type"] is None
    assert max(limits.successes.values()) == 1


def test_plain_columns_in_and_a_budget_shared_by_every_actor(
    cluster: None, served: tuple[TrafficLimits, EmulatorServer]
) -> None:
    _, server = served
    dataset = ray.data.from_items([{"id": f"r{i}", "prompt": "word " * (1 + i % 5)} for i in range(200)])
    budget, concurrency = 0.00004, 4
    results = run_on_ray(dataset, _spec(server), actors=2, batch_size=10, concurrency=concurrency,
                         budget_usd=budget).take_all()
    costs = [row["cost"] for row in results if row["status"] == "ok"]
    not_run = [row for row in results if row["status"] == "not_run"]
    assert len(results) == 200 and not_run and costs
    assert all(row["error_type"] == "NotRun" for row in not_run)
    assert sum(costs) - budget <= concurrency * max(costs) + 1e-12


def test_the_file_runner_writes_and_resumes_like_the_local_engine(
    cluster: None, served: tuple[TrafficLimits, EmulatorServer], tmp_path: Path
) -> None:
    limits, server = served
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "messages": [{"role": "user", "content": f"m{i}"}]}) + "\n"
                              for i in range(80)) + '{"id": "bad"}\n')
    out = tmp_path / "out.jsonl"
    first = run_file_on_ray(source, out, _spec(server), actors=2, batch_size=16, concurrency=8)
    assert (first.ok, first.failed, first.engine) == (80, 1, "ray")
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(str(line["id"]) for line in lines) == sorted([*map(str, range(80)), "bad"])
    assert next(line for line in lines if line["id"] == 3)["text"] == "m3"
    again = run_file_on_ray(source, out, _spec(server), actors=2, batch_size=16, concurrency=8)
    assert again.skipped == 81 and again.ok == 0 and again.failed_before == 1
    assert max(limits.successes.values()) == 1
