"""Turn the raw results of ``bench/run.py`` into the table, the target verdicts and the chart.

Ratios are always *ours ÷ that client* on the same wire: below 1 means we use less.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import clients

WIRES = ("chat", "responses")
WIRE_TITLE = {"chat": "Chat Completions", "responses": "Responses"}


def _get(section: dict[str, Any] | None, key: str, metric: str) -> float | None:
    entry = (section or {}).get(key) or {}
    value = entry.get(metric)
    return float(value) if isinstance(value, (int, float)) else None


class Notes:
    """Collects the long reasons (errors, unsupported wires) as numbered footnotes under a table."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def __call__(self, section: dict[str, Any] | None, key: str) -> str:
        entry = (section or {}).get(key) or {}
        if "error" in entry:
            return self.add("failed", f"{key}: {entry['error']}")
        if "skipped" in entry:
            return self.add("n/a", f"{key}: {entry['skipped']}")
        return "not run"

    def add(self, word: str, text: str) -> str:
        if text not in self.items:
            self.items.append(text)
        return f"{word} [{self.items.index(text) + 1}]"

    def lines(self) -> list[str]:
        return ["", *(f"[{i}] {text}" for i, text in enumerate(self.items, 1))] if self.items else []


def _ratio(ours: float | None, other: float | None) -> str:
    if ours is None or other is None or other <= 0:
        return ""
    return f"{ours / other:.2f}x"


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


# ======================================================================================================
# Targets (issue 8)
# ======================================================================================================
def _check(
    name: str, ours: float | None, other: float | None, limit: float, unit: str = "x"
) -> dict[str, Any]:
    if ours is None or other is None or other <= 0:
        return {"target": name, "measured": None, "limit": limit, "unit": unit, "status": "not measured"}
    ratio = ours / other
    return {
        "target": name,
        "measured": round(ratio, 3),
        "limit": limit,
        "unit": unit,
        "status": "met" if ratio <= limit else "missed",
    }


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ready = results.get("ready")
    if ready:
        ours_values = [
            v for v in (_get(ready, "ours/chat", "median_s"), _get(ready, "ours/responses", "median_s")) if v
        ]
        ours = max(ours_values) if len(ours_values) == 2 else None
        out.append(
            _check(
                "ready-to-call <= 1.2x floor (import httpx2, pydantic)",
                ours,
                _get(ready, "floor", "median_s"),
                1.2,
            )
        )
        out.append(
            _check("ready-to-call <= 0.3x openai-python", ours, _get(ready, "openai", "median_s"), 0.3)
        )
    for section, metric, what in (
        ("request", "cpu_per_request_us", "CPU per non-stream request"),
        ("stream", "cpu_per_chunk_us", "CPU per streamed chunk"),
    ):
        data = results.get(section)
        if not data:
            continue
        for wire in WIRES:
            ours = _get(data, f"ours/{wire}", metric)
            out.append(
                _check(
                    f"{what} ({wire}) <= 0.5x openai-python", ours, _get(data, f"openai/{wire}", metric), 0.5
                )
            )
            out.append(
                _check(f"{what} ({wire}) <= 1.5x floor", ours, _get(data, f"floor/{wire}", metric), 1.5)
            )
    concurrent = results.get("concurrent")
    if concurrent:
        streams_wanted = results["settings"]["streams"]
        for wire in WIRES:
            for name, prefix in (("ours", ""),):
                entry = concurrent.get(f"{name}/{wire}")
                if entry is None:
                    continue
                completed = entry.get("completed")
                out.append(
                    {
                        "target": f"{prefix}{streams_wanted} concurrent streams ({wire}) all complete",
                        "measured": completed,
                        "limit": entry.get("streams", streams_wanted),
                        "status": "not measured"
                        if completed is None
                        else "met"
                        if completed == entry.get("streams")
                        else "missed",
                    }
                )
                openai = concurrent.get(f"openai/{wire}") or {}
                for metric, what in (("peak_rss_mb", "peak RSS"), ("lag_p99_ms", "p99 loop lag")):
                    check = _check(
                        f"{prefix}concurrent {what} ({wire}) <= openai-python",
                        _get(concurrent, f"{name}/{wire}", metric),
                        _get(concurrent, f"openai/{wire}", metric),
                        1.0,
                    )
                    if completed is not None and completed != entry.get("streams"):
                        check["status"] = "not comparable (streams failed)"
                    elif openai and openai.get("completed") != openai.get("streams"):
                        check["status"] = "not comparable (openai streams failed)"
                    out.append(check)
    return out


# ======================================================================================================
# Text
# ======================================================================================================
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    rule = "|" + "|".join(("-" * (w + 1) + ":") if i else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    body = [
        "| "
        + " | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        + " |"
        for r in rows
    ]
    return [line, rule, *body]


def _startup_rows(results: dict[str, Any], note: Notes) -> list[list[str]]:
    ready, first = results.get("ready") or {}, results.get("first_call") or {}
    ours_ready = max(
        (v for v in (_get(ready, "ours/chat", "median_s"), _get(ready, "ours/responses", "median_s")) if v),
        default=None,
    )
    ours_first = max(
        (v for v in (_get(first, "ours/chat", "median_s"), _get(first, "ours/responses", "median_s")) if v),
        default=None,
    )
    labels = {
        "python": "python -c pass (interpreter only)",
        "floor": "floor: import httpx2, pydantic",
        "ours/responses": "chat-openrouter (ours), Responses",
        "ours/chat": "chat-openrouter (ours), Completions",
    }
    rows = []
    for key in [
        "python",
        "floor",
        "ours/responses",
        "ours/chat",
        "openai",
        "openrouter",
        "pydantic_ai",
        "litellm",
    ]:
        if key not in ready and key not in first:
            continue
        label = labels.get(key) or clients.SPECS[key].label
        r, f = _get(ready, key, "median_s"), _get(first, key, "median_s")
        rows.append(
            [
                label,
                _fmt(r, 3) if r is not None else (note(ready, key) if key in ready else ""),
                "" if key.startswith("ours") or key == "python" else _ratio(ours_ready, r),
                _fmt(f, 3) if f is not None else (note(first, key) if key in first else ""),
                "" if key.startswith("ours") else _ratio(ours_first, f),
            ]
        )
    return rows


def _per_wire_rows(data: dict[str, Any], metric: str, note: Notes) -> list[list[str]]:
    rows = []
    for name, spec in clients.SPECS.items():
        if not any(k.startswith(name + "/") for k in data):
            continue
        row = [
            spec.label + (" (async)" if spec.asynchronous_streams and metric == "cpu_per_chunk_us" else "")
        ]
        for wire in WIRES:
            key = f"{name}/{wire}"
            value = _get(data, key, metric)
            row.append(_fmt(value) if value is not None else note(data, key) if key in data else "")
            row.append("" if name == "ours" else _ratio(_get(data, f"ours/{wire}", metric), value))
        rows.append(row)
    return rows


def _kernel_rows(data: dict[str, Any]) -> list[str]:
    """Kernel CPU and voluntary context switches per request: costs a Python profiler cannot see."""
    rows = []
    for name in ("floor", "ours", "ours_no_deadline", "openai"):
        cells = []
        for wire in WIRES:
            runs = (data.get(f"{name}/{wire}") or {}).get("runs") or []
            sys_us = sorted(r["system_cpu_per_request_us"] for r in runs if "system_cpu_per_request_us" in r)
            switches = sorted(
                r["context_switches_per_request"] for r in runs if "context_switches_per_request" in r
            )
            mid = len(sys_us) // 2
            cells.append(f"{sys_us[mid]:.0f} us, {switches[mid]:.1f}" if sys_us and switches else "")
        if any(cells):
            rows.append([clients.SPECS[name].label, *cells])
    if not rows:
        return []
    header = ["of which: kernel CPU, voluntary context switches", "Completions", "Responses"]
    return ["", *_table(header, rows)]


def render(results: dict[str, Any]) -> str:
    env, settings = results.get("environment", {}), results.get("settings", {})
    versions = ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items() if v)
    out = [
        f"# chat-openrouter benchmarks ({env.get('date', '')})",
        "",
        f"Python {env.get('python')} on {env.get('cpu')} ({env.get('cores')} cores); {versions}.",
        f"Medians; floor/ours/openai over {settings.get('rounds')} round(s), other peers 1 round. "
        "`ours / this` = our number divided by that row's (below 1: we use less).",
    ]
    failures = (env.get("install") or {}).get("failures")
    if failures:
        out.append("Peers that failed to install: " + "; ".join(f"{k}: {v}" for k, v in failures.items()))
    if results.get("ready") or results.get("first_call"):
        out += [
            "",
            f"## Ready-to-call: wall time of a fresh process (median of {settings.get('startup_rounds')})",
            "",
            "`ready` = import + build a client; `first call` = the same plus one non-stream request "
            "(a client that defers its imports pays them here). Ours ÷ this uses our slower wire.",
            "",
        ]
        note = Notes()
        out += _table(
            ["client", "ready (s)", "ours / this", "first call (s)", "ours / this"],
            _startup_rows(results, note),
        )
        out += note.lines()
    if results.get("request"):
        out += ["", "## Client CPU per non-stream request (us; process CPU time, sync API)", ""]
        note = Notes()
        out += _table(
            ["client", "Completions", "ours / this", "Responses", "ours / this"],
            _per_wire_rows(results["request"], "cpu_per_request_us", note),
        )
        out += note.lines()
        out += _kernel_rows(results["request"])
    if results.get("stream"):
        out += ["", "## Client CPU per streamed chunk (us; 2,000-chunk streams, sync API unless noted)", ""]
        note = Notes()
        out += _table(
            ["client", "Completions", "ours / this", "Responses", "ours / this"],
            _per_wire_rows(results["stream"], "cpu_per_chunk_us", note),
        )
        out += note.lines()
    if results.get("concurrent"):
        out += [
            "",
            f"## {settings.get('streams')} concurrent streams in one process (asyncio; "
            f"{settings.get('concurrent_chunks')} chunks each, {settings.get('concurrent_interval_ms')} ms "
            "apart, starts spread over 2 s)",
            "",
        ]
        rows = []
        note = Notes()
        for key, r in results["concurrent"].items():
            name, wire = key.split("/")
            label = f"{clients.SPECS[name].label}, {WIRE_TITLE[wire]}"
            if "error" in r:
                rows.append([label, note(results["concurrent"], key), "", "", "", "", ""])
                continue
            errors = "; ".join(f"{n} x {e}" for e, n in r["errors"].items())
            rows.append(
                [
                    label,
                    f"{r['completed']}/{r['streams']}"
                    + (" " + note.add("errors", f"{key}: {errors}") if errors else ""),
                    f"{r['peak_rss_mb']:.0f} (+{r['peak_rss_mb'] - r['rss_before_mb']:.0f})",
                    f"{r['lag_p50_ms']:.1f}",
                    f"{r['lag_p99_ms']:.1f}",
                    f"{r['wall_s']:.1f}",
                    f"{r['cpu_s']:.1f}",
                ]
            )
        out += _table(
            ["client", "completed", "peak RSS MB (+run)", "lag p50 ms", "lag p99 ms", "wall s", "CPU s"], rows
        )
        out += note.lines()
    if results.get("targets"):
        out += ["", "## Targets (issue 8)", ""]
        rows = []
        for t in results["targets"]:
            measured = t["measured"]
            shown = "" if measured is None else f"{measured:.2f}x" if t.get("unit") == "x" else str(measured)
            limit = f"{t['limit']}x" if t.get("unit") == "x" else str(t["limit"])
            rows.append(
                [t["target"], shown, limit, t["status"].upper() if t["status"] == "missed" else t["status"]]
            )
        out += _table(["target", "measured", "limit", "status"], rows)
    profiles = results.get("profile") or {}
    layers = {w: profiles.get(f"layers/{w}") or {} for w in WIRES}
    if any(layers.values()):
        out += [
            "",
            "## Where our streamed chunk's CPU goes (us per chunk, best of 7; each layer adds to the one above)",
            "",
        ]
        names = next(list(v) for v in layers.values() if v and "error" not in v)
        rows = []
        for name in names:
            row = [name]
            for wire in WIRES:
                value = layers[wire].get(name)
                row.append(
                    _fmt(value, 2) if isinstance(value, (int, float)) else layers[wire].get("error", "")[:60]
                )
            rows.append(row)
        out += _table(["layer", "Completions", "Responses"], rows)
    for key, p in profiles.items():
        if "error" in p and not key.startswith("layers/"):
            out += ["", f"Profile {key} failed: {p['error']}"]
    if profiles:
        out += ["", "Profiles of our paths: bench/results/profile-{chat,responses}-{request,stream}.txt"]
    return "\n".join(out)


# ======================================================================================================
# Chart
# ======================================================================================================
def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours_color, floor_color, peer_color = "#d9480f", "#868e96", "#4c6ef5"

    def color(key: str) -> str:
        return (
            ours_color
            if key.startswith("ours")
            else floor_color
            if key.startswith(("floor", "python"))
            else peer_color
        )

    def short(key: str) -> str:
        name, _, wire = key.partition("/")
        base = {
            "ours_no_deadline": "ours, total=None",
            "ours_tracing_off": "ours, tracing off",
            "ours_stdlib": "ours, stdlib JSON",
            "python": "python",
            "floor": "floor",
            "ours": "ours",
            "openai": "openai",
            "openrouter": "openrouter SDK",
            "pydantic_ai": "pydantic-ai",
            "litellm": "litellm",
        }[name]
        return f"{base} ({'Resp' if wire == 'responses' else 'Compl'})" if wire else base

    def bars(
        ax: Any,
        title: str,
        section: dict[str, Any] | None,
        metric: str,
        unit: str,
        log: bool,
        order: list[str],
    ) -> None:
        keys = [k for k in order if _get(section, k, metric) is not None]
        values = [_get(section, k, metric) or 0.0 for k in keys]
        if not keys:
            ax.text(
                0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes, color="#868e96"
            )
            ax.set_title(title, fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            return

        def label(k: str) -> str:
            entry = (section or {}).get(k) or {}
            done, total = entry.get("completed"), entry.get("streams")
            return short(k) + (f"\n(only {done}/{total} done)" if done is not None and done != total else "")

        ax.barh([label(k) for k in keys], values, color=[color(k) for k in keys])
        ax.invert_yaxis()
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
        if log and values:
            ax.set_xscale("log")
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:,.0f}" if v >= 100 else f" {v:.3g}", va="center", fontsize=7)
        ax.margins(x=0.25)

    startup_order = [
        "python",
        "floor",
        "ours/responses",
        "ours/chat",
        "openai",
        "openrouter",
        "pydantic_ai",
        "litellm",
    ]
    wire_order = [f"{n}/{w}" for n in clients.SPECS for w in WIRES]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    bars(
        axes[0][0],
        "Ready-to-call (import + build)",
        results.get("ready"),
        "median_s",
        "seconds, wall",
        False,
        startup_order,
    )
    bars(
        axes[0][1],
        "Ready + first request",
        results.get("first_call"),
        "median_s",
        "seconds, wall",
        False,
        [k for k in startup_order if k != "python"],
    )
    bars(
        axes[0][2],
        "Client CPU per non-stream request",
        results.get("request"),
        "cpu_per_request_us",
        "microseconds (log)",
        True,
        wire_order,
    )
    bars(
        axes[1][0],
        "Client CPU per streamed chunk",
        results.get("stream"),
        "cpu_per_chunk_us",
        "microseconds (log)",
        True,
        wire_order,
    )
    concurrent = results.get("concurrent")
    n_streams = f"{results.get('settings', {}).get('streams', 1000):,}"
    bars(
        axes[1][1],
        f"{n_streams} concurrent streams: peak RSS",
        concurrent,
        "peak_rss_mb",
        "MB",
        False,
        wire_order,
    )
    bars(
        axes[1][2],
        f"{n_streams} concurrent streams: p99 loop lag",
        concurrent,
        "lag_p99_ms",
        "milliseconds",
        False,
        wire_order,
    )
    env = results.get("environment", {})
    fig.suptitle(
        f"chat-openrouter vs peers: lower is better (Python {env.get('python')}, {env.get('cores')} cores, "
        f"{env.get('date', '')})",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
