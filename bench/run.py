"""Run every benchmark in one go and print the tables: ``python bench/run.py``.

1. Makes sure ``bench/.venv-peers`` exists with the peers (openai, openrouter, litellm,
   pydantic-ai-slim[openai]), matplotlib, uvloop and this project (editable), then re-runs itself
   inside it, so every client is measured by the same interpreter with the same httpx2/pydantic.
2. Starts the loopback server (``bench/server.py``) in its own process.
3. Measures, each in fresh processes: ready-to-call, ready + first call, CPU per non-stream request,
   CPU per streamed chunk (2,000-chunk streams, both wires), 1,000 concurrent streams; then profiles
   our client's request and stream paths. Issue 18's sections follow (``scaling.py``): JSON per call,
   long histories, a 100-step tool loop, 1 MB payloads, stream memory and their profiles.
4. Prints the tables with ratios and the targets of issues 8 and 18, and writes
   ``bench/results/latest.json``, ``latest.md``, ``latest.png``, ``latest-scaling.png`` and
   ``profile-*.txt`` (``partial.*`` after ``--quick``, ``--skip``, ``--only``, ``--clients`` or other
   non-default settings, so a smoke run never replaces the last full record; ``--save NAME`` writes
   ``NAME.*`` instead, e.g. a baseline).

Options: ``--quick`` (fewer rounds, for a smoke run), ``--only``/``--skip`` (sections), ``--clients``,
``--save``, ``--baseline``. See bench/README.md for what is measured and the caveats.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = BENCH / ".venv-peers"
RESULTS = BENCH / "results"
PEER_REQUIREMENTS = [
    "openai",
    "openrouter",
    "litellm",
    "pydantic-ai-slim[openai]",
    "matplotlib",
    "uvloop",
    # The `batch` section's Ray rows (ours on Ray vs ray.data.llm's HTTP processor); skipped when missing.
    "ray[data]>=2.50",
    "aiohttp",
    # The `tracing` section's SDK mode (spans to an in-memory exporter, metrics to an in-memory reader).
    "opentelemetry-api",
    "opentelemetry-sdk",
]
SECTIONS = (
    "ready",
    "first_call",
    "request",
    "stream",
    "concurrent",
    "profile",
    # issue 18 (scaling.py)
    "json",
    "long_history",
    "tool_loop",
    "big_payload",
    "stream_memory",
    "scaling_profile",
    "batch",  # hook: lands with the batch issue
    "tracing",  # hook: lands with tracing
)
DEFAULT_BASELINE = RESULTS / "baseline-issue18.json"
# The clients whose numbers the targets use get `--rounds` repetitions; the heavier peers one each.
TARGET_CLIENTS = ("floor", "ours", "openai")
DEFAULT_CLIENTS = "floor,ours,ours_stdlib,openai,openrouter,pydantic_ai,litellm"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ======================================================================================================
# The peer venv
# ======================================================================================================
def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    cmd = [str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    return subprocess.run(cmd, capture_output=True, text=True)


def _pip_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = [
        ln for ln in (result.stderr + result.stdout).splitlines() if ln.strip() and "is ignored" not in ln
    ]
    return lines[-1].strip() if lines else f"pip exited {result.returncode}"


def ensure_venv(reinstall: bool) -> None:
    """Create the venv and install the peers once; a peer that fails to install is recorded, not fatal."""
    marker = VENV / "bench-install.json"
    # A changed pyproject.toml (new dependencies) reinstalls the project into the venv.
    pyproject = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()[:16]
    wanted = {"requirements": PEER_REQUIREMENTS, "project": str(REPO), "pyproject": pyproject}
    if venv_python().exists() and marker.exists() and not reinstall:
        try:
            if {k: v for k, v in json.loads(marker.read_text()).items() if k in wanted} == wanted:
                return
        except ValueError:
            pass
    started = time.perf_counter()
    if not venv_python().exists():
        log(f"creating {VENV.relative_to(REPO)} ...")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    log(
        "installing the peers (openai, openrouter, litellm, pydantic-ai-slim, matplotlib) and this project ..."
    )
    failures: dict[str, str] = {}
    project = _pip(["-e", f"{REPO}[fast]"])  # with orjson: `ours` runs the fast JSON path, `ours_stdlib` not
    if project.returncode != 0:
        raise SystemExit(f"cannot install chat-openrouter into the bench venv: {_pip_error(project)}")
    if _pip(PEER_REQUIREMENTS).returncode != 0:
        for requirement in PEER_REQUIREMENTS:  # one by one, to learn which one failed
            result = _pip([requirement])
            if result.returncode != 0:
                failures[requirement] = _pip_error(result)
                log(f"  could not install {requirement}: {failures[requirement]}")
    seconds = time.perf_counter() - started
    log(f"venv ready in {seconds:.0f} s")
    marker.write_text(
        json.dumps({**wanted, "install_seconds": round(seconds, 1), "failures": failures}, indent=2)
    )


def install_info() -> dict[str, Any]:
    try:
        return dict(json.loads((VENV / "bench-install.json").read_text()))
    except (OSError, ValueError):
        return {}


# ======================================================================================================
# Helpers
# ======================================================================================================
def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # An installed package ships .pyc files (pip compiles them); an editable checkout gets them when first
    # imported, unless this is set (it is on some CI images). Without .pyc our start-up would be timed
    # compiling source while the peers load bytecode. See also `compile_project`.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no download at import (see clients.py)
    env.pop("OPENROUTER_API_KEY", None)  # every client gets the bench key explicitly
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env.pop("CHAT_OPENROUTER_JSON", None)  # `ours` runs the default backend; `ours_stdlib` sets its own
    return env


def compile_project() -> None:
    """Write .pyc files for our (editable) sources, as ``pip install`` does for the peers' wheels."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "src")], capture_output=True, check=False
    )


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


class Server:
    """The loopback server in its own process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "server.py"), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise SystemExit(
                f"the bench server did not start: {line!r} {self.process.stderr.read() if self.process.stderr else ''}"
            )
        self.url = f"http://127.0.0.1:{int(line.split()[1])}/api/v1"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_worker(
    task: str, client: str, wire: str, url: str, *extra: str, timeout: float = 240
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(BENCH / "worker.py"),
        task,
        "--client",
        client,
        "--wire",
        wire,
        "--url",
        url,
        *extra,
    ]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=child_env())
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        errors = [ln for ln in result.stderr.strip().splitlines() if ln.strip()]
        return {"error": errors[-1][:200] if errors else f"exit code {result.returncode}"}
    return dict(json.loads(lines[-1]))


# ======================================================================================================
# Measurements
# ======================================================================================================
def measure_startup(snippets: dict[str, str], url: str, rounds: int) -> dict[str, Any]:
    """Wall time of ``python -c snippet`` in fresh processes, rounds interleaved across clients."""
    import clients

    code = {k: v.format(url=url, key=clients.API_KEY) for k, v in snippets.items()}
    samples: dict[str, list[float]] = {k: [] for k in code}
    errors: dict[str, str] = {}
    for k, source in code.items():  # one unmeasured run each: writes .pyc files, warms the page cache
        result = subprocess.run(
            [sys.executable, "-c", source], capture_output=True, text=True, env=child_env()
        )
        if result.returncode != 0:
            lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
            errors[k] = lines[-1][:200] if lines else f"exit code {result.returncode}"
    for _ in range(rounds):
        for k, source in code.items():
            if k in errors:
                continue
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", source], capture_output=True, env=child_env(), check=False)
            samples[k].append(time.perf_counter() - started)
    out: dict[str, Any] = {}
    for k in code:
        if k in errors:
            out[k] = {"error": errors[k]}
        else:
            out[k] = {"median_s": median(samples[k]), "min_s": min(samples[k]), "samples_s": samples[k]}
    return out


def combos(names: list[str], task: str) -> list[tuple[str, str]]:
    import clients

    pairs = []
    for name in names:
        spec = clients.SPECS[name]
        wires = spec.stream_wires if task == "stream" else spec.wires
        pairs += [(name, wire) for wire in spec.wires if wire in wires]
    return pairs


def measure_repeated(
    task: str, names: list[str], url: str, rounds: int, extra: list[str], key: str
) -> dict[str, Any]:
    """Median over rounds (target clients) of a per-process metric; rounds interleave the clients."""
    import clients

    samples: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, str] = {}
    pairs = combos(names, task)
    for round_index in range(rounds):
        for name, wire in pairs:
            label = f"{name}/{wire}"
            if label in errors or (
                round_index > 0 and name not in TARGET_CLIENTS and not name.startswith("ours")
            ):
                continue
            log(f"  {task:7} {label:22} round {round_index + 1}")
            result = run_worker(task, name, wire, url, *extra)
            if "error" in result:
                errors[label] = result["error"]
                continue
            samples.setdefault(label, []).append(result)
    out: dict[str, Any] = {}
    for name, wire in pairs:
        label = f"{name}/{wire}"
        if label in errors:
            out[label] = {"error": errors[label]}
        elif label in samples:
            runs = samples[label]
            out[label] = {key: median(r[key] for r in runs), "runs": runs}
    for name in names:  # wires a client cannot do, with the reason
        spec = clients.SPECS[name]
        for wire, why in spec.unsupported(task).items():
            out[f"{name}/{wire}"] = {"skipped": why}
    return out


def measure_concurrent(
    names: list[str], url: str, streams: int, chunks: int, interval_ms: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, wire in combos(names, "concurrent"):
        log(f"  concurrent {name}/{wire}: {streams} streams x {chunks} chunks, {interval_ms} ms apart")
        out[f"{name}/{wire}"] = run_worker(
            "concurrent",
            name,
            wire,
            url,
            "--streams",
            str(streams),
            "--chunks",
            str(chunks),
            "--interval-ms",
            str(interval_ms),
            timeout=300,
        )
    return out


def run_profiles(url: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for wire in ("chat", "responses"):
        log(f"  layers ours/{wire}")
        out[f"layers/{wire}"] = run_worker("layers", "ours", wire, url, "--n", "7", "--chunks", "2000")
    for wire in ("chat", "responses"):
        for what, reps in (("request", "300"), ("stream", "5")):
            log(f"  profile ours/{wire} {what}")
            result = run_worker("profile", "ours", wire, url, "--what", what, "--n", reps, "--top", "30")
            out[f"ours/{wire}/{what}"] = result
            if "error" not in result:
                (RESULTS / f"profile-{wire}-{what}.txt").write_text(
                    f"# cProfile of ours/{wire} {what} x{result['reps']} (sorted by tottime, then cumulative)\n\n"
                    + result["tottime"]
                    + "\n"
                    + result["cumulative"]
                )
    return out


def sections_to_skip(only: str, skip: str) -> set[str]:
    """The sections left out: everything not in ``--only`` (when given), plus ``--skip``."""

    def names(text: str) -> set[str]:
        chosen = {part.strip().replace("-", "_") for part in text.split(",") if part.strip()}
        unknown = chosen - set(SECTIONS)
        if unknown:
            raise SystemExit(f"unknown section(s) {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
        return chosen

    left_out = names(skip)
    if only:
        left_out |= set(SECTIONS) - names(only)
    return left_out


def run_scaling_sections(
    results: dict[str, Any], skip: set[str], names: list[str], url: str, quick: bool
) -> None:
    """Issue 18's sections (see scaling.py), each in fresh worker processes."""
    import scaling

    if "json" not in skip:
        log("JSON per call (chat_openrouter._json, stdlib vs orjson) ...")
        results["json"] = scaling.run_json(run_worker, url)
    if "long_history" not in skip:
        log("CPU per call with long histories ...")
        results["long_history"] = scaling.run_history(run_worker, url, names, quick)
    if "tool_loop" not in skip:
        log("tool loop: CPU per step ...")
        results["tool_loop"] = scaling.run_tool_loop(run_worker, url, names, quick)
    if "big_payload" not in skip:
        log("1 MB tool result and image ...")
        results["big_payload"] = scaling.run_payloads(run_worker, url, names, quick)
    if "stream_memory" not in skip:
        log("stream memory per chunk ...")
        results["stream_memory"] = scaling.run_memory(run_worker, url, names)
    if "scaling_profile" not in skip and "ours" in names:
        log("profiling our long-history, tool-loop and payload paths ...")
        results["scaling_profile"] = scaling.run_profiles(run_worker, url, RESULTS)
    for hook in scaling.HOOKS:
        if hook not in skip:
            results[hook] = scaling.run_hook(hook, run_worker, url, names, quick)


def load_baseline(path: str, saving_as: str) -> dict[str, Any] | None:
    """The saved run to compare with, unless this run is that baseline (or there is none)."""
    file = Path(path)
    if not path or not file.exists() or file.stem == saving_as:
        return None
    try:
        return dict(json.loads(file.read_text()))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read the baseline {file}: {exc}") from exc


def environment() -> dict[str, Any]:
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for dist in (
        "chat-openrouter",
        "openai",
        "openrouter",
        "litellm",
        "pydantic-ai-slim",
        "httpx2",
        "httpcore2",
        "httpx",
        "pydantic",
        "pydantic-core",
        "orjson",
        "uvloop",
        "matplotlib",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "versions": versions,
        "install": install_info(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


# ======================================================================================================
# Main
# ======================================================================================================
def main() -> None:
    parser = argparse.ArgumentParser(description="chat-openrouter benchmarks against the peers (issue 8)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller budgets (smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds for floor/ours/openai (default 3)")
    parser.add_argument(
        "--startup-rounds", type=int, default=None, help="fresh processes per client (default 7)"
    )
    parser.add_argument("--skip", default="", help=f"comma-separated sections to skip: {','.join(SECTIONS)}")
    parser.add_argument(
        "--only", default="", help="comma-separated sections to run, e.g. long-history,tool-loop (see --skip)"
    )
    parser.add_argument(
        "--save", default="", help="write bench/results/NAME.{md,json,png} (e.g. --save baseline-issue18)"
    )
    parser.add_argument(
        "--docs", action="store_true", help="copy this run's charts to docs/performance*.png (after a full run)"
    )
    parser.add_argument(
        "--baseline",
        default=str(DEFAULT_BASELINE),
        help="a saved run to compare ours with (default bench/results/baseline-issue18.json, if present)",
    )
    parser.add_argument(
        "--clients", default=DEFAULT_CLIENTS, help=f"comma-separated (default {DEFAULT_CLIENTS})"
    )
    parser.add_argument(
        "--streams", type=int, default=None, help="concurrent streams (1000; 300 with --quick)"
    )
    parser.add_argument("--reinstall", action="store_true", help="reinstall the peer venv")
    parser.add_argument("--no-venv", action="store_true", help="run in the current interpreter as is")
    args = parser.parse_args()

    if not args.no_venv and Path(sys.prefix).resolve() != VENV.resolve():
        ensure_venv(args.reinstall)
        os.execv(str(venv_python()), [str(venv_python()), str(Path(__file__).resolve()), *sys.argv[1:]])

    sys.path.insert(0, str(BENCH))
    import clients
    import report
    import scaling

    streams = args.streams or (300 if args.quick else 1000)
    rounds = args.rounds or (1 if args.quick else 3)
    startup_rounds = args.startup_rounds or (3 if args.quick else 7)
    skip = sections_to_skip(args.only, args.skip)
    names = [n.strip() for n in args.clients.split(",") if n.strip() in clients.SPECS]
    RESULTS.mkdir(exist_ok=True)
    full = not (args.quick or skip or args.rounds or args.startup_rounds or args.streams or args.only)
    full = full and args.clients == DEFAULT_CLIENTS
    started = time.perf_counter()
    results: dict[str, Any] = {
        "environment": environment(),
        "settings": {
            "rounds": rounds,
            "startup_rounds": startup_rounds,
            "clients": names,
            "streams": streams,
            "stream_chunks": 2000,
            "concurrent_chunks": 50,
            "concurrent_interval_ms": 200,
            "quick": args.quick,
        },
    }
    compile_project()
    server = Server()
    log(f"loopback server at {server.url}")
    try:
        if "ready" not in skip:
            log("ready-to-call (import + build, fresh process) ...")
            snippets = {k: v for k, v in clients.READY.items() if k.split("/")[0] in {*names, "python"}}
            results["ready"] = measure_startup(snippets, server.url, startup_rounds)
        if "first_call" not in skip:
            log("ready + first call (import + build + one request, fresh process) ...")
            snippets = {k: v for k, v in clients.FIRST_CALL.items() if k.split("/")[0] in names}
            results["first_call"] = measure_startup(snippets, server.url, max(3, startup_rounds - 2))
        budget = "2" if args.quick else "4"
        if "request" not in skip:
            log("CPU per non-stream request ...")
            # `ours_no_deadline` shows what the sync deadline watchdog costs (docs/performance.md), and
            # `ours_tracing_off` what the default tracing costs.
            results["request"] = measure_repeated(
                "request",
                names + (["ours_no_deadline", "ours_tracing_off"] if "ours" in names else []),
                server.url,
                rounds,
                ["--n", "300" if args.quick else "1000", "--warmup", "30", "--budget", budget],
                "cpu_per_request_us",
            )
        if "stream" not in skip:
            log("CPU per streamed chunk (2,000-chunk streams) ...")
            results["stream"] = measure_repeated(
                "stream",
                names + (["ours_tracing_off"] if "ours" in names else []),
                server.url,
                rounds,
                ["--n", "3" if args.quick else "10", "--warmup", "1", "--budget", budget, "--chunks", "2000"],
                "cpu_per_chunk_us",
            )
        if "concurrent" not in skip:
            log(f"{streams} concurrent streams ...")
            concurrent_clients = [n for n in names if n in TARGET_CLIENTS]
            results["concurrent"] = measure_concurrent(concurrent_clients, server.url, streams, 50, 200)
        if "profile" not in skip and "ours" in names:
            log("profiling our request and stream paths ...")
            results["profile"] = run_profiles(server.url)
        run_scaling_sections(results, skip, names, server.url, args.quick)
    finally:
        server.stop()
    results["elapsed_s"] = time.perf_counter() - started

    results["targets"] = report.targets(results)
    results["targets_issue18"] = scaling.targets(results)
    baseline = load_baseline(args.baseline, args.save)
    text = "\n".join([report.render(results), *scaling.render({**results, "baseline": baseline})])
    text += f"\n\nTotal bench time: {results['elapsed_s']:.0f} s."
    print(text)
    # A partial or quick run must not overwrite the record of the last full one.
    stem = args.save or ("latest" if full else "partial")
    results["saved_as"] = stem
    (RESULTS / f"{stem}.md").write_text(text + "\n")
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    charts: list[Path] = []
    try:
        report.chart(results, RESULTS / f"{stem}.png")
        charts.append(RESULTS / f"{stem}.png")
        charts += scaling.chart(results, RESULTS / f"{stem}-scaling.png")
        for path in charts:
            log(f"chart: {path.relative_to(REPO)}")
    except ImportError as exc:
        log(f"no chart (matplotlib missing: {exc})")
    if args.docs:
        # docs/performance.md shows these: performance.png, performance-scaling.png, performance-<curve>.png.
        # The first-round page (performance.png) only from a full run: a partial one would leave it half empty.
        for path in charts:
            if path.name == f"{stem}.png" and not full:
                continue
            target = REPO / "docs" / path.name.replace(stem, "performance", 1)
            target.write_bytes(path.read_bytes())
            log(f"copied to {target.relative_to(REPO)}")
    log(
        f"done in {results['elapsed_s']:.0f} s; raw numbers in {(RESULTS / f'{stem}.json').relative_to(REPO)}"
    )


if __name__ == "__main__":
    main()
