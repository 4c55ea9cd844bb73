"""Issue 18's sections of ``bench/run.py``: JSON per call, long histories, a tool loop, 1 MB payloads,
stream memory, profiles of those paths, and the hooks for batch throughput and tracing overhead.

Each section runs its measurement in fresh worker processes (``worker.py``), one per client and wire,
and this module turns the results into tables, the issue-18 target verdicts, a chart per scaling curve
and, when a baseline run is given, the change against it. Clients: the raw floor, ours (with orjson
installed), ``ours_stdlib`` (``CHAT_OPENROUTER_JSON=stdlib``) and openai-python; the other peers have no
workload here.

Hooks: a later benchmark (batch throughput, tracing overhead) plugs in as a module in ``bench/`` named in
:data:`HOOKS` that defines ``SECTION = Section(...)``; until it exists, its section reports "pending".
"""

from __future__ import annotations

import importlib.util
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import clients

WIRES = ("chat", "responses")
WIRE_TITLE = {"chat": "Completions", "responses": "Responses"}
CLIENTS = ("floor", "ours", "ours_stdlib", "openai")
HISTORY_SIZES = (10, 100, 1000, 5000)
LOOP_STEPS = 100
LOOP_MARKS = (10, 50, 100)
MEMORY_CHUNKS = 4000
PAYLOADS = ("tool-result", "image")
PAYLOAD_TITLE = {"tool-result": "1 MB tool result", "image": "1 MB image"}
PROFILED = ("history", "toolloop", "tool-result", "image")

# A worker runner: (task, client, wire, *extra args, timeout=...) -> result dict (``run.run_worker``).
Runner = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """A benchmark section a later module adds (see :data:`HOOKS`): how to run it and show it."""

    name: str
    title: str
    run: Callable[[Runner, str, list[str], bool], dict[str, Any]]  # (runner, url, clients, quick)
    render: Callable[[dict[str, Any]], list[str]]  # markdown lines for its result


#: Sections that land with other issues: section name -> the module in bench/ that will define SECTION.
HOOKS = {"batch": "batch_bench", "tracing": "tracing_bench"}


def hooked_section(name: str) -> Section | None:
    """The hook module's ``SECTION``, or None while the module does not exist."""
    module_name = HOOKS[name]
    if importlib.util.find_spec(module_name) is None:
        return None
    module = importlib.import_module(module_name)
    section = getattr(module, "SECTION", None)
    if not isinstance(section, Section):
        raise SystemExit(f"bench/{module_name}.py must define SECTION = scaling.Section(...)")
    return section


def _log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def _pairs(names: list[str]) -> list[tuple[str, str]]:
    return [(name, wire) for name in CLIENTS if name in names for wire in WIRES]


# ======================================================================================================
# Running
# ======================================================================================================
def run_json(runner: Runner, url: str) -> dict[str, Any]:
    _log("  json (chat_openrouter._json, both backends)")
    return runner("json", "ours", "chat", url, timeout=600)


def run_history(runner: Runner, url: str, names: list[str], quick: bool) -> dict[str, Any]:
    sizes = ",".join(str(n) for n in HISTORY_SIZES)
    out: dict[str, Any] = {}
    for name, wire in _pairs(names):
        _log(f"  long history {name}/{wire}: {sizes} messages")
        out[f"{name}/{wire}"] = runner(
            "history", name, wire, url, "--sizes", sizes, "--budget", "0.5" if quick else "1.5", timeout=900
        )
    return out


def run_tool_loop(runner: Runner, url: str, names: list[str], quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, wire in _pairs(names):
        _log(f"  tool loop {name}/{wire}: {LOOP_STEPS} steps")
        out[f"{name}/{wire}"] = runner(
            "toolloop", name, wire, url, "--steps", str(LOOP_STEPS), "--n", "1" if quick else "3", timeout=900
        )
    return out


def run_payloads(runner: Runner, url: str, names: list[str], quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in PAYLOADS:
        for name, wire in _pairs(names):
            _log(f"  {PAYLOAD_TITLE[kind]} {name}/{wire}")
            out[f"{kind}/{name}/{wire}"] = runner(
                "payload", name, wire, url, "--kind", kind, "--budget", "0.5" if quick else "2", timeout=600
            )
    return out


def run_memory(runner: Runner, url: str, names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, wire in _pairs([n for n in names if n in ("floor", "ours")]):
        _log(f"  stream memory {name}/{wire}: {MEMORY_CHUNKS} chunks")
        out[f"{name}/{wire}"] = runner("memory", name, wire, url, "--chunks", str(MEMORY_CHUNKS), timeout=600)
    return out


def run_profiles(runner: Runner, url: str, results_dir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reps = {"history": "20", "toolloop": "3", "tool-result": "20", "image": "20"}
    for wire in WIRES:
        for what in PROFILED:
            _log(f"  profile ours/{wire} {what}")
            result = runner(
                "scaling-profile",
                "ours",
                wire,
                url,
                "--what",
                what,
                "--n",
                reps[what],
                "--top",
                "35",
                timeout=900,
            )
            out[f"{what}/{wire}"] = result
            if "error" not in result:
                (results_dir / f"profile-{wire}-{what}.txt").write_text(
                    f"# cProfile of ours/{wire} {what} x{result['reps']}, process CPU time "
                    "(sorted by tottime, then cumulative)\n\n"
                    + result["tottime"]
                    + "\n"
                    + result["cumulative"]
                )
    return out


def run_hook(name: str, runner: Runner, url: str, names: list[str], quick: bool) -> dict[str, Any]:
    section = hooked_section(name)
    if section is None:
        return {"pending": f"bench/{HOOKS[name]}.py is not there yet (it lands with its own issue)"}
    _log(f"  {section.title}")
    try:
        return {"section": section.name, "result": section.run(runner, url, names, quick)}
    except (Exception, SystemExit) as exc:  # one section failing must not lose the rest of the run
        _log(f"  {section.title}: FAILED ({exc})")
        return {"failed": f"{type(exc).__name__}: {exc}"}


# ======================================================================================================
# Summaries
# ======================================================================================================
def _number(entry: Any, *keys: str) -> float | None:
    for key in keys:
        if not isinstance(entry, dict):
            return None
        entry = entry.get(key)
    return float(entry) if isinstance(entry, (int, float)) else None


def history_cpu(results: dict[str, Any], key: str, size: int) -> float | None:
    return _number((results.get("long_history") or {}).get(key), str(size), "cpu_per_call_us")


def history_slope(results: dict[str, Any], key: str) -> float | None:
    """Client CPU per extra message (us), between the two longest histories."""
    low, high = HISTORY_SIZES[-2], HISTORY_SIZES[-1]
    a, b = history_cpu(results, key, low), history_cpu(results, key, high)
    return None if a is None or b is None else (b - a) / (high - low)


def loop_summary(entry: dict[str, Any] | None) -> dict[str, float] | None:
    """Per-step CPU at steps 10/50/100 (median of the 5 steps around each), the 50-step total, a fit."""
    per_step = (entry or {}).get("per_step_us")
    if not per_step or len(per_step) < LOOP_STEPS:
        return None

    def around(step: int) -> float:
        window = per_step[max(0, step - 3) : step + 2]  # steps step-2 .. step+2 (1-based)
        return statistics.median(window)

    steps = list(range(5, LOOP_STEPS + 1))
    values = [per_step[k - 1] for k in steps]
    slope, intercept = _fit(steps, values)
    summary = {f"step_{k}_us": around(k) for k in LOOP_MARKS}
    summary["total_50_ms"] = sum(per_step[:50]) / 1000
    summary["fit_us"] = intercept
    summary["fit_per_step_us"] = slope
    summary["flatness"] = summary["step_100_us"] / summary["step_10_us"]
    return summary


def _fit(xs: list[int], ys: list[float]) -> tuple[float, float]:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
    return slope, mean_y - slope * mean_x


def _check(name: str, value: float | None, limit: float, unit: str) -> dict[str, Any]:
    if value is None:
        return {"target": name, "measured": None, "limit": limit, "unit": unit, "status": "not measured"}
    return {
        "target": name,
        "measured": round(value, 3),
        "limit": limit,
        "unit": unit,
        "status": "met" if value <= limit else "missed",
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b <= 0 else a / b


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 18's targets, on both wires (ours = with orjson installed; ours_stdlib = without it)."""
    out: list[dict[str, Any]] = []
    stream = results.get("stream") or {}

    def chunk(key: str) -> float | None:
        return _number(stream.get(key), "cpu_per_chunk_us")

    for wire in WIRES:
        if stream:
            floor = chunk(f"floor/{wire}")
            out.append(
                _check(
                    f"per chunk ({wire}), fast extra <= 1.0x floor",
                    _ratio(chunk(f"ours/{wire}"), floor),
                    1.0,
                    "x",
                )
            )
            out.append(
                _check(
                    f"per chunk ({wire}), stdlib JSON <= 1.2x floor",
                    _ratio(chunk(f"ours_stdlib/{wire}"), floor),
                    1.2,
                    "x",
                )
            )
        if results.get("long_history"):
            ours = history_cpu(results, f"ours/{wire}", 5000)
            out.append(
                _check(
                    f"5,000 messages ({wire}), fast extra <= 5 ms",
                    None if ours is None else ours / 1000,
                    5.0,
                    "ms",
                )
            )
            openai = history_cpu(results, f"openai/{wire}", 5000)
            for name in ("ours", "ours_stdlib"):
                out.append(
                    _check(
                        f"5,000 messages ({wire}), {name} <= 0.05x openai-python",
                        _ratio(history_cpu(results, f"{name}/{wire}", 5000), openai),
                        0.05,
                        "x",
                    )
                )
        if results.get("tool_loop"):
            summary = loop_summary(results["tool_loop"].get(f"ours/{wire}"))
            out.append(
                _check(
                    f"tool loop ({wire}): CPU per step, step 100 / step 10 <= 1.2",
                    summary["flatness"] if summary else None,
                    1.2,
                    "x",
                )
            )
        payloads = results.get("big_payload") or {}
        for kind in PAYLOADS if payloads else ():
            out.append(
                _check(
                    f"{PAYLOAD_TITLE[kind]} ({wire}) <= 0.5x openai-python",
                    _ratio(
                        _number(payloads.get(f"{kind}/ours/{wire}"), "cpu_per_call_us"),
                        _number(payloads.get(f"{kind}/openai/{wire}"), "cpu_per_call_us"),
                    ),
                    0.5,
                    "x",
                )
            )
        memory = (results.get("stream_memory") or {}).get(f"ours/{wire}")
        if memory is not None:
            retained, text = _number(memory, "bytes_per_chunk"), _number(memory, "text_bytes_per_chunk")
            out.append(
                _check(f"stream memory ({wire}) <= 2x the text received", _ratio(retained, text), 2.0, "x")
            )
    return out


# ======================================================================================================
# Text
# ======================================================================================================
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    rule = "|" + "|".join(("-" * (w + 1) + ":") if i else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    body = [
        "| "
        + " | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        + " |"
        for r in rows
    ]
    return [line, rule, *body]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _label(name: str) -> str:
    return clients.SPECS[name].label


def _error(entry: Any) -> str:
    if isinstance(entry, dict) and "error" in entry:
        return "failed: " + str(entry["error"])[:70]
    return ""


def render(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    json_result = results.get("json")
    if json_result:
        out += ["", "## JSON per call (us): chat_openrouter._json, stdlib vs orjson (best of 5)", ""]
        if "error" in json_result:
            out.append(_error(json_result))
        else:
            names = ["stdlib", "orjson", "raw orjson (unchecked)"]
            rows = []
            for label, row in json_result.items():
                if label == "sizes":
                    continue
                rows.append(
                    [
                        label,
                        f"{json_result['sizes'][label]:,}",
                        *(_fmt(row.get(n), 2) for n in names),
                        _x(_ratio(row.get("orjson"), row.get("stdlib"))),
                    ]
                )
            out += _table(["case", "bytes", *names, "orjson / stdlib"], rows)
    history = results.get("long_history")
    if history:
        out += ["", "## Client CPU per call with a long history (us; one non-stream call, median)", ""]
        for wire in WIRES:
            rows = []
            for name in CLIENTS:
                key = f"{name}/{wire}"
                if key not in history:
                    continue
                if _error(history[key]):
                    rows.append([_label(name), _error(history[key]), *[""] * (len(HISTORY_SIZES) + 1)])
                    continue
                cells = [_fmt(history_cpu(results, key, n)) for n in HISTORY_SIZES]
                rows.append(
                    [
                        _label(name),
                        *cells,
                        _fmt(history_slope(results, key), 2),
                        ""
                        if name == "ours"
                        else _x(
                            _ratio(
                                history_cpu(results, f"ours/{wire}", 5000), history_cpu(results, key, 5000)
                            )
                        ),
                    ]
                )
            out += [f"{WIRE_TITLE[wire]}:", ""]
            out += _table(
                ["client", *(f"{n:,} msgs" for n in HISTORY_SIZES), "us / message", "ours / this at 5,000"],
                rows,
            )
            out.append("")
    loops = results.get("tool_loop")
    if loops:
        out += [
            "",
            f"## Tool loop: client CPU per step of a {LOOP_STEPS}-step agent loop (us; median of the steps around each mark)",
            "",
        ]
        rows = []
        for name in CLIENTS:
            for wire in WIRES:
                key = f"{name}/{wire}"
                if key not in loops:
                    continue
                summary = loop_summary(loops[key])
                label = f"{_label(name)}, {WIRE_TITLE[wire]}"
                if summary is None:
                    rows.append([label, _error(loops[key]) or "no data", "", "", "", "", "", ""])
                    continue
                ours = loop_summary(loops.get(f"ours/{wire}"))
                rows.append(
                    [
                        label,
                        *(_fmt(summary[f"step_{k}_us"], 0) for k in LOOP_MARKS),
                        _x(summary["flatness"]),
                        f"{summary['fit_us']:,.0f} + {summary['fit_per_step_us']:,.1f}*k",
                        _fmt(summary["total_50_ms"]),
                        ""
                        if name == "ours" or ours is None
                        else _x(ours["total_50_ms"] / summary["total_50_ms"]),
                    ]
                )
        out += _table(
            [
                "client",
                "step 10",
                "step 50",
                "step 100",
                "100 / 10",
                "fit (us, k = step)",
                "steps 1-50 (ms)",
                "ours / this",
            ],
            rows,
        )
        out += [
            "",
            "A fit's slope is the n^2 term: per-step CPU growing by that much each step (the whole conversation is",
            "encoded again every step). Flat per-step CPU (100 / 10 near 1.0x) means each step encodes only what is new.",
        ]
    payloads = results.get("big_payload")
    if payloads:
        out += ["", "## 1 MB payloads: client CPU per call (us; one non-stream call, median)", ""]
        rows = []
        for name in CLIENTS:
            row = [_label(name)]
            present = False
            for kind in PAYLOADS:
                for wire in WIRES:
                    entry = payloads.get(f"{kind}/{name}/{wire}")
                    present = present or entry is not None
                    value = _number(entry, "cpu_per_call_us")
                    row.append(_fmt(value) if value is not None else _error(entry))
                    ours = _number(payloads.get(f"{kind}/ours/{wire}"), "cpu_per_call_us")
                    row.append("" if name == "ours" else _x(_ratio(ours, value)))
            if present:
                rows.append(row)
        header = ["client"]
        for kind in PAYLOADS:
            for wire in WIRES:
                header += [f"{PAYLOAD_TITLE[kind]}, {WIRE_TITLE[wire]}", "ours / this"]
        out += _table(header, rows)
    memory = results.get("stream_memory")
    if memory:
        out += [
            "",
            f"## Stream memory: Python memory retained per text chunk while a {MEMORY_CHUNKS:,}-chunk stream is open (tracemalloc)",
            "",
        ]
        rows = []
        for key, entry in memory.items():
            name, wire = key.split("/")
            retained, text = _number(entry, "bytes_per_chunk"), _number(entry, "text_bytes_per_chunk")
            rows.append(
                [
                    f"{_label(name)}, {WIRE_TITLE[wire]}",
                    _fmt(retained) or _error(entry),
                    _fmt(text),
                    _x(_ratio(retained, text)),
                ]
            )
        out += _table(["client", "bytes retained / chunk", "text bytes / chunk", "retained / text"], rows)
    profiles = results.get("scaling_profile")
    if profiles:
        failed = [f"{k}: {_error(v)}" for k, v in profiles.items() if _error(v)]
        out += [
            "",
            "Profiles: bench/results/profile-{chat,responses}-{history,toolloop,tool-result,image}.txt",
        ]
        out += [f"Profile failed: {f}" for f in failed]
    for name in HOOKS:
        entry = results.get(name)
        if entry is None:
            continue
        if "pending" in entry:
            out += ["", f"## {name}: pending ({entry['pending']})"]
        elif "failed" in entry:
            out += ["", f"## {name}: FAILED ({entry['failed']})"]
        else:
            section = hooked_section(name)
            out += section.render(entry["result"]) if section else []
    checks = results.get("targets_issue18") or []
    if checks:
        out += ["", "## Targets (issue 18)", ""]
        rows = []
        for t in checks:
            unit = t.get("unit", "x")
            shown = "" if t["measured"] is None else f"{t['measured']:.2f}{unit if unit != 'x' else 'x'}"
            status = t["status"].upper() if t["status"] == "missed" else t["status"]
            rows.append([t["target"], shown, f"{t['limit']}{unit}", status])
        out += _table(["target", "measured", "limit", "status"], rows)
    baseline = results.get("baseline")
    if baseline:
        out += render_change(results, baseline)
    return out


def headline(results: dict[str, Any]) -> dict[str, float | None]:
    """The numbers later work is judged on (ours), for the comparison with a baseline run."""
    out: dict[str, float | None] = {}
    for wire in WIRES:
        title = WIRE_TITLE[wire]
        out[f"per streamed chunk, {title} (us)"] = _number(
            (results.get("stream") or {}).get(f"ours/{wire}"), "cpu_per_chunk_us"
        )
        out[f"per non-stream request, {title} (us)"] = _number(
            (results.get("request") or {}).get(f"ours/{wire}"), "cpu_per_request_us"
        )
        out[f"5,000-message call, {title} (us)"] = history_cpu(results, f"ours/{wire}", 5000)
        summary = loop_summary((results.get("tool_loop") or {}).get(f"ours/{wire}"))
        out[f"tool loop steps 1-50, {title} (ms)"] = summary["total_50_ms"] if summary else None
        out[f"tool loop step 100 / step 10, {title}"] = summary["flatness"] if summary else None
        for kind in PAYLOADS:
            out[f"{PAYLOAD_TITLE[kind]}, {title} (us)"] = _number(
                (results.get("big_payload") or {}).get(f"{kind}/ours/{wire}"), "cpu_per_call_us"
            )
        out[f"stream memory per chunk, {title} (bytes)"] = _number(
            (results.get("stream_memory") or {}).get(f"ours/{wire}"), "bytes_per_chunk"
        )
    return out


def render_change(results: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    before, now = headline(baseline), headline(results)
    rows = [
        [name, _fmt(before[name], 2), _fmt(now[name], 2), _x(_ratio(now[name], before[name]))]
        for name in now
        if now[name] is not None and before.get(name) is not None
    ]
    if not rows:
        return []
    date = baseline.get("environment", {}).get("date", "")
    return [
        "",
        f"## Ours against the baseline ({baseline.get('saved_as', 'baseline')}, {date}); compare ratios, not runs",
        "",
        *_table(["measure", "baseline", "this run", "this / baseline"], rows),
    ]


# ======================================================================================================
# Charts: one per scaling curve, and all four on one page
# ======================================================================================================
COLOURS = {"floor": "#868e96", "ours": "#d9480f", "ours_stdlib": "#f59f00", "openai": "#4c6ef5"}
STYLES = {"chat": "-", "responses": "--"}
#: The curves: file suffix -> (results key, drawing function name). docs/performance.md shows one each.
CURVES = {
    "history": "long_history",
    "toolloop": "tool_loop",
    "payloads": "big_payload",
    "memory": "stream_memory",
}


def _draw_history(ax: Any, results: dict[str, Any]) -> None:
    for key in results.get("long_history") or {}:
        name, wire = key.split("/")
        points = [(n, history_cpu(results, key, n)) for n in HISTORY_SIZES]
        points = [(n, v / 1000) for n, v in points if v is not None]
        if points:
            ax.plot(
                *zip(*points, strict=True),
                STYLES[wire],
                marker="o",
                color=COLOURS[name],
                label=f"{name} ({WIRE_TITLE[wire]})",
            )
    ax.set(
        xscale="log", yscale="log", xlabel="messages in the history", ylabel="client CPU per call (ms, log)"
    )
    ax.set_title("Long history: CPU per call", fontsize=10)
    ax.legend(fontsize=7)


def _draw_toolloop(ax: Any, results: dict[str, Any]) -> None:
    for key, entry in (results.get("tool_loop") or {}).items():
        name, wire = key.split("/")
        per_step = (entry or {}).get("per_step_us") or []
        if per_step:
            ax.plot(
                range(1, len(per_step) + 1),
                [v / 1000 for v in per_step],
                STYLES[wire],
                color=COLOURS[name],
                label=f"{name} ({WIRE_TITLE[wire]})",
                linewidth=1,
            )
    ax.set(xlabel="step of the agent loop", ylabel="client CPU of that step (ms, log)", yscale="log")
    ax.set_title(f"Tool loop: CPU per step ({LOOP_STEPS} steps, ~1 KB tool results)", fontsize=10)
    ax.legend(fontsize=7)


def _draw_payloads(ax: Any, results: dict[str, Any]) -> None:
    payloads = results.get("big_payload") or {}
    labels, values, bar_colours = [], [], []
    for kind in PAYLOADS:
        for wire in WIRES:
            for name in CLIENTS:
                value = _number(payloads.get(f"{kind}/{name}/{wire}"), "cpu_per_call_us")
                if value is not None:
                    labels.append(f"{kind}, {WIRE_TITLE[wire][:5]}: {name}")
                    values.append(value / 1000)
                    bar_colours.append(COLOURS[name])
    ax.barh(labels, values, color=bar_colours)
    ax.invert_yaxis()
    ax.tick_params(labelsize=7)
    ax.set_xlabel("client CPU per call (ms)")
    ax.set_title("1 MB tool result and image: CPU per call", fontsize=10)


def _draw_memory(ax: Any, results: dict[str, Any]) -> None:
    memory = results.get("stream_memory") or {}
    labels, retained, text = [], [], []
    for key, entry in memory.items():
        if _number(entry, "bytes_per_chunk") is not None:
            name, wire = key.split("/")
            labels.append(f"{name} ({WIRE_TITLE[wire]})")
            retained.append(_number(entry, "bytes_per_chunk") or 0.0)
            text.append(_number(entry, "text_bytes_per_chunk") or 0.0)
    ys = range(len(labels))
    ax.barh([y - 0.2 for y in ys], retained, height=0.4, color="#d9480f", label="retained per chunk")
    ax.barh([y + 0.2 for y in ys], text, height=0.4, color="#868e96", label="text per chunk")
    ax.set_yticks(list(ys), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("bytes per text chunk")
    ax.set_title(f"Stream memory ({MEMORY_CHUNKS:,}-chunk streams, tracemalloc)", fontsize=10)
    ax.legend(fontsize=7)


_DRAW = {"history": _draw_history, "toolloop": _draw_toolloop, "payloads": _draw_payloads, "memory": _draw_memory}


def chart(results: dict[str, Any], path: Path) -> list[Path]:
    """Draw every scaling curve measured: all on one page at ``path``, and each in its own
    ``<stem>-<curve>.png`` beside it (history, toolloop, payloads, memory). Returns the files written."""
    curves = [curve for curve, key in CURVES.items() if results.get(key)]
    if not curves:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    env = results.get("environment", {})
    title = f"chat-openrouter scaling (issue 18): lower is better (Python {env.get('python')}, {env.get('date', '')})"
    written: list[Path] = []
    fig, axes = plt.subplots(2, 2, figsize=(14, 9))
    for ax, curve in zip([a for row in axes for a in row], CURVES, strict=True):
        _DRAW[curve](ax, results)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    written.append(path)
    for curve in curves:
        fig, ax = plt.subplots(figsize=(8, 5))
        _DRAW[curve](ax, results)
        fig.tight_layout()
        one = path.with_name(f"{path.stem.removesuffix('-scaling')}-{curve}.png")
        fig.savefig(one, dpi=80)
        plt.close(fig)
        written.append(one)
    return written
