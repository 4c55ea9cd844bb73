"""Batch throughput and rate-limit behaviour (issue 16), measured side by side in one run.

Part of ``python3 bench/run.py`` (the ``batch`` section: this module's :data:`SECTION` runs it in a child
process; the bench venv installs ``ray[data]`` and ``aiohttp`` for the Ray rows, which are skipped, with
the reason, when Ray is missing). Or run by hand from the repository root (needs
``pip install -e ".[ray]" aiohttp`` for the Ray rows)::

    python bench/batch_bench.py                     # throughput: floor vs ours (local, Ray) vs ray.data.llm
    python bench/batch_bench.py --rpm               # + the 60-requests-per-minute section (~3 minutes)
    python bench/batch_bench.py --rows 4000 --latency 0.05 --concurrency 64 --actors 2 --batch-size 64

Throughput, against ``bench/batch_server.py`` (a fixed-latency server in its own process):

* **floor** -- a hand-written ``asyncio`` + ``httpx2`` loop: a semaphore of ``--concurrency``, POST, ``json.loads``.
* **ours, local** -- ``BatchJob`` with the same concurrency, writing its JSONL output (fsync every second).
* **ours, Ray** -- ``run_on_ray`` with ``--actors`` actors and ``--batch-size`` rows per batch.
* **ray.data.llm** -- ``build_processor(HttpRequestProcessorConfig(...))`` with the same actors and batch
  size (ray 2.60: one request in flight per actor).

Local rows/s = rows / wall time of the whole job. Ray rows/s is measured in the steady state: from the
first result batch to the last (actor start-up excluded, for both Ray rows alike). Targets: ours local
>= 0.9x the floor; ours on Ray >= 15x ray.data.llm.

``--rpm``: the emulator limited to 60 requests per minute (fixed window, 429 + Retry-After over the limit),
``--rpm-rows`` rows: once with ``requests_per_minute=60`` given to the job, once with the job learning the
limit from 429s. Ideal wall time = rows at the limit's sustained rate (one per second). Target: 0 rows lost,
wall <= 1.1x ideal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chat_openrouter import OpenRouterBuilder  # noqa: E402
from chat_openrouter.batch import BatchJob  # noqa: E402

KEY = "sk-or-v1-bench"
MODEL = "bench/fixed-latency"


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "batch_server.py"), "--latency", str(latency)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise SystemExit(f"batch_server.py did not start: {line!r}")
    return server, f"http://127.0.0.1:{int(line.split()[1])}/api/v1"


def rows(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "prompt": f"Summarise fact number {i} about Venus."} for i in range(n)]


# -- floor ---------------------------------------------------------------------------------------------------
async def floor(base_url: str, n: int, concurrency: int) -> float:
    import httpx2

    semaphore = asyncio.Semaphore(concurrency)
    limits = httpx2.Limits(max_connections=1000, max_keepalive_connections=1000)
    async with httpx2.AsyncClient(base_url=base_url, limits=limits, headers={"Authorization": f"Bearer {KEY}"}) as client:

        async def one(row: dict[str, Any]) -> None:
            async with semaphore:
                body = {"model": MODEL, "messages": [{"role": "user", "content": row["prompt"]}]}
                response = await client.post("/chat/completions", json=body)
                json.loads(response.content)

        started = time.perf_counter()
        await asyncio.gather(*(one(r) for r in rows(n)))
        return n / (time.perf_counter() - started)


# -- ours, local -------------------------------------------------------------------------------------------------
def ours_local(base_url: str, n: int, concurrency: int) -> float:
    client = OpenRouterBuilder().with_completions().with_model(MODEL).with_api_key(KEY).with_base_url(base_url).build()
    with tempfile.TemporaryDirectory() as folder:
        summary = BatchJob(client, concurrency=concurrency, progress=False).run_sync(rows(n), Path(folder) / "out.jsonl")
    assert summary.ok == n, summary.describe()
    return summary.rows_per_second


# -- Ray ---------------------------------------------------------------------------------------------------------
def steady_rate(dataset: Any, expected: int) -> float:
    first: float | None = None
    seen = first_rows = 0
    for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
        seen += batch.num_rows
        if first is None:
            first, first_rows = time.perf_counter(), batch.num_rows
    last = time.perf_counter()
    assert seen == expected, (seen, expected)
    return (seen - first_rows) / (last - (first or last)) if last > (first or last) else float("nan")


def ours_ray(base_url: str, n: int, actors: int, batch_size: int, concurrency: int) -> float:
    import ray

    from chat_openrouter.batch import BatchSpec, run_on_ray

    spec = BatchSpec(model=MODEL, wire="completions", base_url=base_url, api_key_env="BENCH_KEY")
    dataset = ray.data.from_items(rows(n))
    return steady_rate(run_on_ray(dataset, spec, actors=actors, batch_size=batch_size, concurrency=concurrency), n)


def ray_llm(base_url: str, n: int, actors: int, batch_size: int) -> float:
    import ray
    from ray.data.llm import HttpRequestProcessorConfig, build_processor

    config = HttpRequestProcessorConfig(
        url=f"{base_url}/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
        batch_size=batch_size, concurrency=actors,
    )
    processor = build_processor(
        config,
        preprocess=lambda row: {"payload": {"model": MODEL, "messages": [{"role": "user", "content": row["prompt"]}]}},
        postprocess=lambda row: {"id": row["id"], "answer": str(row["http_response"])[:20]},
    )
    return steady_rate(processor(ray.data.from_items(rows(n))), n)


# -- 60 rpm --------------------------------------------------------------------------------------------------------
def rpm_section(n: int) -> list[tuple[str, float, float, int, int]]:
    from chat_openrouter.testing.emulator import Emulator, TrafficLimits

    results = []
    for label, given in (("requests_per_minute=60 given", 60.0), ("learning from 429s", None)):
        limits = TrafficLimits(requests_per_minute=60, latency=0.2)
        with Emulator(traffic=limits, max_recorded=10).loopback() as server, tempfile.TemporaryDirectory() as folder:
            client = (OpenRouterBuilder().with_model("emulator/echo").with_api_key(KEY)
                      .with_base_url(server.base_url).build())
            out = Path(folder) / "out.jsonl"
            summary = BatchJob(client, concurrency=16, requests_per_minute=given, progress=False).run_sync(rows(n), out)
            answered = {json.loads(line)["id"] for line in out.read_text().splitlines()}
        lost = n - len(answered)
        results.append((label, summary.wall_seconds, float(n), lost, limits.rate_limited))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description="batch throughput and 60-rpm benchmark")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--llm-rows", type=int, default=400, help="rows for ray.data.llm (it is slow)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved floor/local rounds (median)")
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--rpm", action="store_true", help="also run the 60 requests-per-minute section")
    parser.add_argument("--rpm-rows", type=int, default=90)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (bench/run.py reads it)")
    args = parser.parse_args()

    print(f"batch bench: {args.rows} rows, {args.latency * 1000:.0f} ms server latency, concurrency "
          f"{args.concurrency}, {args.actors} Ray actors x batch {args.batch_size}; load {os.getloadavg()[0]:.2f}")
    server, base_url = start_server(args.latency)
    table: dict[str, float] = {}
    try:
        # Interleaved rounds, medians: on a shared machine the load drifts between two runs.
        floors, locals_ = [], []
        for _ in range(args.rounds):
            floors.append(asyncio.run(floor(base_url, args.rows, args.concurrency)))
            locals_.append(ours_local(base_url, args.rows, args.concurrency))
        table["floor (asyncio + httpx2 semaphore)"] = statistics.median(floors)
        table["ours, local (BatchJob)"] = statistics.median(locals_)
        if not args.skip_ray:
            import ray

            os.environ["BENCH_KEY"] = KEY
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                     runtime_env={"env_vars": {"BENCH_KEY": KEY}})
            ray.data.DataContext.get_current().enable_progress_bars = False
            try:
                table["ours, Ray (run_on_ray)"] = ours_ray(base_url, args.rows, args.actors, args.batch_size, args.concurrency)
                try:
                    table["ray.data.llm HttpRequestProcessor"] = ray_llm(base_url, args.llm_rows, args.actors, args.batch_size)
                except ImportError as exc:
                    print(f"ray.data.llm unavailable ({exc}); pip install aiohttp")
            finally:
                ray.shutdown()
    finally:
        server.terminate()
        server.wait()
    print(f"\n{'contender':42} {'rows/s':>9}")
    for name, rate in table.items():
        print(f"{name:42} {rate:9.1f}")
    local_ratio = table["ours, local (BatchJob)"] / table["floor (asyncio + httpx2 semaphore)"]
    print(f"\nours local / floor: {local_ratio:.2f}x (target >= 0.9x) {'MET' if local_ratio >= 0.9 else 'MISSED'}")
    if "ray.data.llm HttpRequestProcessor" in table:
        ray_ratio = table["ours, Ray (run_on_ray)"] / table["ray.data.llm HttpRequestProcessor"]
        print(f"ours Ray / ray.data.llm: {ray_ratio:.1f}x (target >= 15x) {'MET' if ray_ratio >= 15 else 'MISSED'}")
    rpm: list[tuple[str, float, float, int, int]] = []
    if args.rpm:
        print(f"\n60 requests per minute, {args.rpm_rows} rows (ideal: {args.rpm_rows} s at one row per second)")
        rpm = rpm_section(args.rpm_rows)
        for label, wall, ideal, lost, refused in rpm:
            verdict = "MET" if lost == 0 and wall <= 1.1 * ideal else "MISSED"
            print(f"  {label:30} wall {wall:6.1f} s = {wall / ideal:.2f}x ideal, {lost} lost, {refused} 429s  {verdict}")
    if args.json:
        settings = {k: getattr(args, k) for k in ("rows", "llm_rows", "latency", "concurrency", "actors", "batch_size", "rounds")}
        Path(args.json).write_text(json.dumps({"settings": settings, "rows_per_s": table, "rpm": rpm}))
    return 0


# -- the `batch` section of bench/run.py ---------------------------------------------------------------------
def _ray_missing() -> str | None:
    import importlib.util

    for module in ("ray", "aiohttp"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed in the bench venv (python3 bench/run.py --reinstall)"
    return None


def run_section(runner: Any, url: str, names: list[str], quick: bool) -> dict[str, Any]:
    """Run this benchmark in a child process (its own servers, and Ray if installed); return its results."""
    missing = _ray_missing()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "batch.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--json", str(out)]
        cmd += ["--rows", "600", "--llm-rows", "100", "--rounds", "1"] if quick else ["--rounds", "3"]
        if missing:
            cmd.append("--skip-ray")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return {"error": f"batch_bench.py exited {done.returncode}: {tail[0][:200]}"}
        result: dict[str, Any] = json.loads(out.read_text())
    result["ray_skipped"] = missing
    return result


def render_section(result: dict[str, Any]) -> list[str]:
    out = ["", "## Batch throughput (rows/s; bench/batch_bench.py against a fixed-latency server)", ""]
    if "error" in result:
        return [*out, f"failed: {result['error']}"]
    settings = result["settings"]
    out.append(
        f"{settings['rows']} rows ({settings['llm_rows']} for ray.data.llm), {settings['latency'] * 1000:.0f} ms "
        f"server latency, concurrency {settings['concurrency']}, {settings['actors']} Ray actors x batch "
        f"{settings['batch_size']}; local rows: median of {settings['rounds']} interleaved rounds."
    )
    out += ["", "| contender | rows/s |", "|---|---:|"]
    table: dict[str, float] = result["rows_per_s"]
    out += [f"| {name} | {rate:,.1f} |" for name, rate in table.items()]
    if result.get("ray_skipped"):
        out += ["", f"Ray rows skipped: {result['ray_skipped']}."]
    out += ["", "| target | measured | limit | status |", "|---|---:|---:|---:|"]
    floor_rate, local = table.get("floor (asyncio + httpx2 semaphore)"), table.get("ours, local (BatchJob)")
    if floor_rate and local:
        ratio = local / floor_rate
        out.append(f"| batch: ours local >= 0.9x the floor | {ratio:.2f}x | 0.9x | {'met' if ratio >= 0.9 else 'MISSED'} |")
    ray_rate, llm = table.get("ours, Ray (run_on_ray)"), table.get("ray.data.llm HttpRequestProcessor")
    if ray_rate and llm:
        ratio = ray_rate / llm
        out.append(f"| batch: ours on Ray >= 15x ray.data.llm | {ratio:.1f}x | 15x | {'met' if ratio >= 15 else 'MISSED'} |")
    return out


def _section() -> Any:
    try:
        import scaling  # bench/ is on sys.path when bench/run.py imports this module
    except ImportError:
        return None
    return scaling.Section("batch", "Batch throughput (rows/s)", run_section, render_section)


SECTION = _section()


if __name__ == "__main__":
    raise SystemExit(main())
