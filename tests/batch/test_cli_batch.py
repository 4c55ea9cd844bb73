"""``chat-openrouter batch`` as users run it: a real subprocess against the emulator on loopback."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chat_openrouter.testing.emulator import Emulator, EmulatorServer, TrafficLimits

TIMEOUT = 240


@pytest.fixture
def served() -> Iterator[tuple[TrafficLimits, EmulatorServer]]:
    limits = TrafficLimits()
    with Emulator(traffic=limits, retry_after=0.01, max_recorded=10).loopback() as server:
        yield limits, server


def _env() -> dict[str, str]:
    # A private config folder: a key stored on this machine by `chat-openrouter keys set` must not leak in.
    home = tempfile.mkdtemp(prefix="chat-openrouter-home-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER_", "CHAT_OPENROUTER_"))}
    env.update(OPENROUTER_API_KEY="sk-or-v1-batch-test-key", PYTHONUNBUFFERED="1", CHAT_OPENROUTER_HOME=home)
    return env


def _command(source: Path, out: Path, base_url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "chat_openrouter", "batch", str(source), "-o", str(out), "-m", "emulator/echo",
            "--base-url", base_url, "--no-progress", *extra]


def _ids(path: Path) -> list[Any]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def _prompt(i: int) -> str:
    return f"row {i}: say something"


def test_2000_rows_with_429s_503s_and_400s_every_id_once_errors_kept_exit_non_zero(
    tmp_path: Path, served: tuple[TrafficLimits, EmulatorServer]
) -> None:
    limits, server = served
    source = tmp_path / "in.jsonl"
    rows = []
    for i in range(2000):
        row: dict[str, Any] = {"id": f"q{i}", "prompt": _prompt(i)}
        if i % 100 == 7:  # 1%: a 400 every time
            row["options"] = {"extra_headers": {"X-Emulator-Fault": "error-400"}}
        elif i % 10 == 3:  # 5%: a 429 on the first try
            row["options"] = {"extra_headers": {"X-Emulator-Fault": "rate-limit"}}
        elif i % 10 == 6:  # 5%: a 503 on the first try
            row["options"] = {"extra_headers": {"X-Emulator-Fault": "error-503;times=1"}}
        rows.append(row)
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    done = subprocess.run(_command(source, out, server.base_url, "--concurrency", "32"),
                          capture_output=True, text=True, timeout=TIMEOUT, env=_env(), check=False)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "sk-or-v1-batch" not in done.stderr + done.stdout
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    counts = Counter(line["id"] for line in lines)
    assert set(counts) == {r["id"] for r in rows} and set(counts.values()) == {1}
    failed = {line["id"]: line["error"] for line in lines if line["error"] is not None}
    assert set(failed) == {f"q{i}" for i in range(2000) if i % 100 == 7}
    assert all(error["status"] == 400 and error["type"] == "BadRequestError" for error in failed.values())
    assert "1980 ok, 20 failed" in done.stderr and "rate-limited" in done.stderr
    assert max(limits.successes.values()) == 1  # no row was answered (and paid) twice


def test_sigkill_at_a_random_moment_then_rerun_loses_nothing_and_pays_nothing_twice(tmp_path: Path) -> None:
    limits = TrafficLimits(latency=0.01)
    rows = 600
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "prompt": _prompt(i)}) + "\n" for i in range(rows)))
    out = tmp_path / "out.jsonl"
    kill_after = random.Random().randint(1, rows - 100)  # a different moment each run
    with Emulator(traffic=limits, max_recorded=10).loopback() as server:
        child = subprocess.Popen(_command(source, out, server.base_url, "--concurrency", "16"),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
        deadline = time.monotonic() + TIMEOUT
        while child.poll() is None and time.monotonic() < deadline:
            if out.exists() and out.read_bytes().count(b"\n") >= kill_after:
                break
            time.sleep(0.005)  # polling a condition, not timing anything
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stderr is not None:
            child.stderr.close()
        before = out.read_bytes()
        written_before = [json.loads(line)["id"] for line in before.splitlines() if line.endswith(b"}")]
        # A torn last line too (what a power cut mid-write leaves): it must be detected and redone.
        missing = next(i for i in range(rows) if i not in set(written_before))
        with open(out, "ab") as handle:
            handle.write(json.dumps({"id": missing, "text": "half a line"}).encode()[:20])
        rerun = subprocess.run(_command(source, out, server.base_url, "--concurrency", "16"),
                               capture_output=True, text=True, timeout=TIMEOUT, env=_env(), check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(_ids(out)) == list(range(rows))
    assert f"{len(written_before)} skipped" in rerun.stderr
    for row_id in written_before:
        assert limits.successes_for(_prompt(row_id)) == 1, row_id
    assert max(limits.successes.values()) <= 2  # only rows in flight at the kill may run twice


def test_budget_and_missing_key_and_bad_input_exit_codes(tmp_path: Path, served: tuple[TrafficLimits, EmulatorServer]) -> None:
    _, server = served
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "prompt": _prompt(i)}) + "\n" for i in range(50)))
    out = tmp_path / "out.jsonl"
    stopped = subprocess.run(_command(source, out, server.base_url, "--budget", "0.00001", "--concurrency", "2"),
                             capture_output=True, text=True, timeout=TIMEOUT, env=_env(), check=False)
    assert stopped.returncode == 1 and "budget reached" in stopped.stderr and "not run" in stopped.stderr
    env = {k: v for k, v in _env().items() if k != "OPENROUTER_API_KEY"}
    no_key = subprocess.run(_command(source, out, server.base_url), capture_output=True, text=True,
                            timeout=TIMEOUT, env=env, check=False)
    assert no_key.returncode == 2 and "OPENROUTER_API_KEY" in no_key.stderr
    missing = subprocess.run(_command(tmp_path / "nope.jsonl", out, server.base_url), capture_output=True,
                             text=True, timeout=TIMEOUT, env=_env(), check=False)
    assert missing.returncode == 2 and "not a file" in missing.stderr
    offline = subprocess.run([sys.executable, "-m", "chat_openrouter", "batch", "--offline", str(source), "-o",
                              str(tmp_path / "offline.jsonl")], capture_output=True, text=True, timeout=TIMEOUT,
                             env=env, check=False)
    assert offline.returncode == 0, offline.stderr
    assert sorted(_ids(tmp_path / "offline.jsonl")) == list(range(50))


def test_offline_batch_answers_under_a_real_model_id(tmp_path: Path) -> None:
    """``batch --offline -m openai/gpt-4o-mini`` (the command a user will run online) answers every row
    offline instead of failing each with "not a valid model ID"."""
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "prompt": f"row {i}"}) + "\n" for i in range(5)))
    out = tmp_path / "out.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "chat_openrouter", "batch", "--offline", "-m", "openai/gpt-4o-mini",
         str(source), "-o", str(out)],
        capture_output=True, text=True, timeout=TIMEOUT, env=_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == list(range(5))
    assert all(line["error"] is None and line["text"] == f"row {line['id']}" for line in lines)
