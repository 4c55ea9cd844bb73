"""Tracing overhead (issue 17): client CPU per request with tracing off, with the API only, and with an SDK.

Run by hand from the repository root (needs ``pip install -e ".[test]"``: the SDK is a test dependency)::

    python bench/tracing_bench.py                 # every workload, both wires
    python bench/tracing_bench.py --quick         # fewer calls and rounds

Also a section of ``bench/run.py`` (the ``tracing`` hook; see bench/README.md), against its server.

Each measurement runs in a fresh process against ``bench/server.py`` (canned bodies, its own process, so
its CPU never counts): a warm-up, then ``time.process_time()`` over N calls of one workload. Modes:

* **off** -- ``with_tracing(False)`` on the builders: the seam's no-op observer;
* **api** -- the default with ``opentelemetry-api`` installed and no SDK configured (the API's no-op
  tracer and meter): what every user with the API installed pays;
* **sdk** -- the OpenTelemetry SDK set as the global provider, spans exported synchronously to an
  ``InMemorySpanExporter`` (``SimpleSpanProcessor``) and metrics aggregated for an ``InMemoryMetricReader``.

Workloads: ``complete`` (one non-stream call), ``stream`` (one 50-delta stream), ``agent`` (a Chat run
with one tool round trip: two model calls, one tool run -- four spans). Rounds interleave the modes; the median CPU
per request of each mode is compared with ``off``. Targets: api <= +2 %, sdk <= +15 %.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from scaling import Section  # noqa: E402

MODES = ("off", "api", "sdk")
WORKLOADS = ("complete", "stream", "agent")
WIRES = ("responses", "completions")
TARGETS = {"api": 2.0, "sdk": 15.0}
KEY = "sk-or-v1-bench"


# -- the child: one mode, one workload, one wire ---------------------------------------------------------------
def child(mode: str, workload: str, wire: str, url: str, calls: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    if mode == "sdk":
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))

    from chat_openrouter import ChatBuilder, OpenRouterBuilder, messages
    from chat_openrouter.core.tools import tool

    builder = OpenRouterBuilder().with_base_url(url).with_api_key(KEY)
    builder = builder.with_completions() if wire == "completions" else builder
    chat_builder = ChatBuilder()
    if mode == "off":
        builder = builder.with_tracing(False)
        chat_builder = chat_builder.with_tracing(False)

    @tool
    def lookup(query: str) -> dict[str, str]:  # bench/server.py's tool model calls lookup(query=...)
        """Look something up."""
        return {"query": query, "value": "v"}

    if workload == "complete":
        client = builder.with_model("bench/plain").build()
        prompt = messages.from_user("Summarise the plot of Hamlet in one sentence.")

        def one() -> None:
            client.complete_sync(prompt)
    elif workload == "stream":
        client = builder.with_model("bench/n50").build()
        prompt = messages.from_user("Count to fifty.")

        def one() -> None:
            client.stream_sync(prompt).final_response()
    else:
        client = builder.with_model("bench/tools1").build()
        chat = chat_builder.with_model(client).with_tools([lookup]).build()

        def one() -> None:
            chat.complete_sync("Look up the answer.")

    for _ in range(max(20, calls // 10)):
        one()
    if mode == "sdk":
        exporter.clear()
    started = time.process_time()
    for _ in range(calls):
        one()
    cpu = time.process_time() - started
    spans = len(exporter.get_finished_spans()) if mode == "sdk" else None
    return {"cpu_us": cpu / calls * 1e6, "spans": spans}


# -- the parent ----------------------------------------------------------------------------------------------
def start_server() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, str(BENCH / "server.py"), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise SystemExit(f"bench/server.py did not start: {line!r}")
    return server, f"http://127.0.0.1:{int(line.split()[1])}/api/v1"


def measure(mode: str, workload: str, wire: str, url: str, calls: int) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
    cmd = [sys.executable, __file__, "--child", mode, workload, wire, "--url", url, "--calls", str(calls)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def run_all(
    url: str, quick: bool, wires: tuple[str, ...] = WIRES, workloads: tuple[str, ...] = WORKLOADS
) -> dict[str, Any]:
    calls, rounds = (150, 3) if quick else (600, 5)
    results: dict[str, Any] = {"calls": calls, "rounds": rounds, "rows": []}
    for workload in workloads:
        for wire in wires:
            samples: dict[str, list[float]] = {mode: [] for mode in MODES}
            spans: int | None = None
            for _ in range(rounds):
                for mode in MODES:  # interleaved, so drift on a shared machine hits every mode alike
                    out = measure(mode, workload, wire, url, calls)
                    if "error" in out:
                        raise SystemExit(f"{mode} {workload} {wire}: {out['error']}")
                    samples[mode].append(out["cpu_us"])
                    spans = out["spans"] if out["spans"] is not None else spans
            medians = {mode: statistics.median(values) for mode, values in samples.items()}
            row = {
                "workload": workload,
                "wire": wire,
                "cpu_us": medians,
                "spans_per_call": (spans or 0) / calls,
            }
            row["overhead_pct"] = {m: (medians[m] / medians["off"] - 1) * 100 for m in ("api", "sdk")}
            results["rows"].append(row)
            print(
                f"{workload:8} {wire:11} off {medians['off']:7.1f} us  api {medians['api']:7.1f} us "
                f"({row['overhead_pct']['api']:+.1f}%)  sdk {medians['sdk']:7.1f} us ({row['overhead_pct']['sdk']:+.1f}%)",
                file=sys.stderr,
                flush=True,
            )
    return results


def render(results: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Tracing overhead (issue 17): client CPU per request",
        "",
        f"Median of {results['rounds']} interleaved rounds of {results['calls']} calls per process; "
        "targets: API only <= +2 %, SDK with in-memory exporter <= +15 %.",
        "",
        "| workload | wire | off (us) | API only (us) | API only | SDK (us) | SDK | spans/call |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["rows"]:
        cpu, pct = row["cpu_us"], row["overhead_pct"]
        verdict = {m: "ok" if pct[m] <= TARGETS[m] else "OVER" for m in TARGETS}
        lines.append(
            f"| {row['workload']} | {row['wire']} | {cpu['off']:.1f} | {cpu['api']:.1f} | "
            f"{pct['api']:+.1f} % {verdict['api']} | {cpu['sdk']:.1f} | {pct['sdk']:+.1f} % {verdict['sdk']} | "
            f"{row['spans_per_call']:.0f} |"
        )
    return lines


def _section_run(_runner: Any, url: str, _clients: list[str], quick: bool) -> dict[str, Any]:
    return run_all(url, quick)


SECTION = Section("tracing", "Tracing overhead (issue 17)", _section_run, render)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "WORKLOAD", "WIRE"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=600, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds")
    parser.add_argument("--wire", choices=WIRES, help="one wire only")
    parser.add_argument("--workload", choices=WORKLOADS, help="one workload only")
    parser.add_argument("--save", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    if args.child:
        mode, workload, wire = args.child
        print(json.dumps(child(mode, workload, wire, args.url, args.calls)))
        return
    server, url = start_server()
    try:
        wires = (args.wire,) if args.wire else WIRES
        results = run_all(url, args.quick, wires, (args.workload,) if args.workload else WORKLOADS)
    finally:
        server.terminate()
        server.wait()
    print("\n".join(render(results)))
    if args.save:
        args.save.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
