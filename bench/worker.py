"""One measurement in one fresh process; prints a single JSON object on its last stdout line.

    python bench/worker.py request    --client ours --wire chat --url http://127.0.0.1:PORT/api/v1
    python bench/worker.py stream     --client ours --wire responses --url ... --chunks 2000
    python bench/worker.py concurrent --client ours --wire chat --url ... --streams 1000 --chunks 50
    python bench/worker.py profile    --client ours --wire chat --url ... [--chunks 2000]
    python bench/worker.py history    --client openai --wire chat --url ... --sizes 10,100,1000,5000
    python bench/worker.py toolloop   --client ours --wire responses --url ... --steps 100 --n 3
    python bench/worker.py payload    --client ours --wire chat --url ... --kind tool-result|image
    python bench/worker.py memory     --client ours --wire chat --url ... --chunks 4000
    python bench/worker.py json       --client ours --wire chat --url ...   (no server traffic)
    python bench/worker.py scaling-profile --client ours --wire chat --url ... --what history|toolloop|...

CPU is ``time.process_time()`` (user + system time of this process, every thread), so the server's
work, which runs in another process, never counts. Wall time is reported for context only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import clients  # after the path tweak, so the worker runs from any directory


def _rss_mb() -> float:
    """Current resident set size, from /proc (falls back to the peak where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mb()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# -- CPU per non-stream request ---------------------------------------------------------------------------
def measure_requests(client: clients.Client, n: int, warmup: int, budget: float) -> dict[str, Any]:
    text = ""
    for _ in range(warmup):
        text = client.request()
    if not text:
        raise RuntimeError("the client returned an empty answer")
    gc.collect()
    done = 0
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while done < n:
        client.request()
        done += 1
        if done % 25 == 0 and time.perf_counter() - wall0 > budget:
            break
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "requests": done,
        "cpu_per_request_us": cpu / done * 1e6,
        "wall_per_request_us": wall / done * 1e6,
        # Kernel-side costs a Python profiler cannot see (thread wake-ups show up here).
        "system_cpu_per_request_us": (usage.ru_stime - usage0.ru_stime) / done * 1e6,
        "context_switches_per_request": (usage.ru_nvcsw - usage0.ru_nvcsw) / done,
    }


# -- CPU per streamed chunk ---------------------------------------------------------------------------------
def measure_stream(
    client: clients.Client, chunks: int, reps: int, warmup: int, budget: float, asynchronous: bool
) -> dict[str, Any]:
    if asynchronous:
        # One loop for every stream: clients bind their connection pools to the loop that opened them.
        return asyncio.run(_measure_astream(client, chunks, reps, warmup, budget))
    for _ in range(warmup):
        _check_count(client.stream(), chunks)
    gc.collect()
    done = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while done < reps:
        _check_count(client.stream(), chunks)
        done += 1
        if time.perf_counter() - wall0 > budget:
            break
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return _stream_result(done, chunks, cpu, wall, asynchronous=False)


async def _measure_astream(
    client: clients.Client, chunks: int, reps: int, warmup: int, budget: float
) -> dict[str, Any]:
    for _ in range(warmup):
        _check_count(await client.astream(), chunks)
    gc.collect()
    done = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while done < reps:
        _check_count(await client.astream(), chunks)
        done += 1
        if time.perf_counter() - wall0 > budget:
            break
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return _stream_result(done, chunks, cpu, wall, asynchronous=True)


def _stream_result(done: int, chunks: int, cpu: float, wall: float, *, asynchronous: bool) -> dict[str, Any]:
    return {
        "streams": done,
        "chunks": chunks,
        "async": asynchronous,
        "cpu_per_chunk_us": cpu / (done * chunks) * 1e6,
        "wall_per_chunk_us": wall / (done * chunks) * 1e6,
    }


def _check_count(seen: int, expected: int) -> None:
    # A client that dropped or merged deltas did less work than the others: refuse to time it.
    if seen != expected:
        raise RuntimeError(f"saw {seen} text deltas, the server sent {expected}")


# -- many concurrent streams ------------------------------------------------------------------------------
async def measure_concurrent(
    client: clients.Client, warm: clients.Client, streams: int, chunks: int, tick: float, ramp: float
) -> dict[str, Any]:
    lags: list[float] = []
    running = True

    async def ticker() -> None:
        # The event loop's responsiveness: how late a short sleep wakes up while the streams run.
        while running:
            start = time.perf_counter()
            await asyncio.sleep(tick)
            lags.append(time.perf_counter() - start - tick)

    async def one(delay: float) -> int:
        # Streams start spread over `ramp` seconds, as users arrive, rather than in one burst: the
        # measurement is about holding many streams open, not about a thundering herd of connects.
        await asyncio.sleep(delay)
        return await client.astream()

    # Warm up with one unpaced stream on a throwaway client (imports, code paths), then take the
    # baseline memory; the measured client opens its connections during the run, as a fresh app would.
    _check_count(await warm.astream(), chunks)
    await warm.aclose()
    gc.collect()
    rss_before = _rss_mb()
    ticking = asyncio.create_task(ticker())
    cpu0, wall0 = time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(one(i * ramp / streams) for i in range(streams)), return_exceptions=True)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    running = False
    await ticking
    completed = sum(1 for r in results if r == chunks)
    errors: dict[str, int] = {}
    for r in results:
        if isinstance(r, BaseException):
            key = f"{type(r).__name__}: {str(r)[:120]}"
            errors[key] = errors.get(key, 0) + 1
        elif r != chunks:
            errors[f"short stream ({r} deltas)"] = errors.get(f"short stream ({r} deltas)", 0) + 1
    await client.aclose()
    return {
        "streams": streams,
        "chunks": chunks,
        "ramp_s": ramp,
        "completed": completed,
        "errors": errors,
        "rss_before_mb": rss_before,
        "peak_rss_mb": _peak_rss_mb(),
        "lag_p50_ms": _percentile(lags, 50) * 1e3,
        "lag_p99_ms": _percentile(lags, 99) * 1e3,
        "lag_max_ms": max(lags, default=0.0) * 1e3,
        "ticks": len(lags),
        "wall_s": wall,
        "cpu_s": cpu,
    }


# -- where a chunk's CPU goes -----------------------------------------------------------------------------
def measure_layers(url: str, wire: str, chunks: int, reps: int) -> dict[str, Any]:
    """CPU per chunk of each layer of our stream path, added one at a time over the same raw stream.

    transport = httpx2 ``iter_bytes`` alone; + SSE = our ``SSEDecoder``; + codec = the wire's
    ``StreamState.handle`` (one ``json.loads`` and the event objects); full = ``client.stream_sync``.
    The floor's ``iter_lines`` + ``json.loads`` is measured alongside for comparison.
    """
    import httpx2

    from chat_openrouter.transport.sse import SSEDecoder

    if wire == "chat":
        from chat_openrouter.wire.completions.codec import CompletionsStreamState as State
    else:
        from chat_openrouter.wire.responses.codec import ResponsesStreamState as State  # type: ignore[assignment]

    endpoint = f"{url}/{'chat/completions' if wire == 'chat' else 'responses'}"
    message = {"role": "user", "content": clients.PROMPT}
    body = {"model": f"bench/n{chunks}", "stream": True}
    body.update({"messages": [message]} if wire == "chat" else {"input": [message]})
    content = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {clients.API_KEY}"}
    http = httpx2.Client(timeout=60)

    def transport() -> None:
        with http.stream("POST", endpoint, content=content, headers=headers) as response:
            for _ in response.iter_bytes():
                pass

    def sse() -> None:
        decoder = SSEDecoder()
        with http.stream("POST", endpoint, content=content, headers=headers) as response:
            for chunk in response.iter_bytes():
                decoder.feed(chunk)

    def codec() -> None:
        decoder, state = SSEDecoder(), State()
        with http.stream("POST", endpoint, content=content, headers=headers) as response:
            for chunk in response.iter_bytes():
                for event in decoder.feed(chunk):
                    if event.data and event.data != "[DONE]":
                        state.handle(event.data)
        state.finish()

    def lines() -> None:
        with http.stream("POST", endpoint, content=content, headers=headers) as response:
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    json.loads(line[6:])

    ours = clients.make("ours", url, wire, f"bench/n{chunks}")
    layers = {
        "transport": transport,
        "transport + SSE": sse,
        "transport + SSE + codec": codec,
        "ours, full stream_sync": ours.stream,
        "floor: iter_lines + json.loads": lines,
    }
    samples: dict[str, list[float]] = {name: [] for name in layers}
    for work in layers.values():
        work()  # warm-up
    for _ in range(reps):  # interleaved, so drift hits every layer alike
        for name, work in layers.items():
            cpu0 = time.process_time()
            work()
            samples[name].append((time.process_time() - cpu0) / chunks * 1e6)
    # The minimum, not the median: other work on the machine only ever adds time to a layer, and the
    # layers are compared with each other (subtracted), where one disturbed sample skews every row.
    return {name: min(values) for name, values in samples.items()}


# -- issue 18: long histories, tool loops, big payloads, stream memory, JSON ---------------------------------
def _cpu_per_call(call: Any, budget: float, least: int = 5, most: int = 200) -> dict[str, Any]:
    """Median CPU of one call over at least ``least`` calls, more while the wall budget lasts."""
    for _ in range(2):
        if not call():
            raise RuntimeError("the client returned an empty answer")
    gc.collect()
    samples: list[float] = []
    wall0 = time.perf_counter()
    while len(samples) < least or (len(samples) < most and time.perf_counter() - wall0 < budget):
        cpu0 = time.process_time()
        call()
        samples.append(time.process_time() - cpu0)
    ordered = sorted(samples)
    return {
        "cpu_per_call_us": ordered[len(ordered) // 2] * 1e6,
        "min_us": ordered[0] * 1e6,
        "calls": len(samples),
    }


def measure_history(name: str, url: str, wire: str, sizes: list[int], budget: float) -> dict[str, Any]:
    import workloads

    return {str(n): _cpu_per_call(workloads.history_call(name, url, wire, n), budget) for n in sizes}


def measure_payload(name: str, url: str, wire: str, kind: str, budget: float) -> dict[str, Any]:
    import workloads

    return _cpu_per_call(workloads.payload_call(name, url, wire, kind), budget)


def measure_tool_loop(name: str, url: str, wire: str, steps: int, loops: int) -> dict[str, Any]:
    """Per-step CPU of ``loops`` agent loops (after one unmeasured warm-up loop), step by step."""
    import workloads

    workloads.tool_loop(name, url, wire, min(steps, 10))  # warm-up: imports, code paths, connections
    runs = []
    for _ in range(loops):
        gc.collect()
        runs.append([seconds * 1e6 for seconds in workloads.tool_loop(name, url, wire, steps)])
    per_step = [sorted(column)[len(column) // 2] for column in zip(*runs, strict=True)]
    return {"steps": steps, "loops": loops, "per_step_us": per_step, "runs_us": runs}


def measure_memory(name: str, url: str, wire: str, chunks: int) -> dict[str, Any]:
    import workloads

    workloads.stream_memory(name, url, wire, 200)  # warm-up: first-use imports allocate too
    return workloads.stream_memory(name, url, wire, chunks)


def measure_json() -> dict[str, Any]:
    """Per-call CPU of ``chat_openrouter._json`` on both backends, and of raw orjson (the unchecked floor)."""
    import timeit

    import server
    import workloads

    from chat_openrouter import _json

    backends: dict[str, Any] = {"stdlib": _json.STDLIB}
    try:
        import orjson

        backends["orjson"] = _json.orjson_backend()
        backends["raw orjson (unchecked)"] = _json.Backend("raw", orjson.dumps, orjson.dumps, orjson.loads)  # type: ignore[arg-type]
    except ImportError:
        pass
    history = workloads.history_texts(5000)
    body = {
        "model": "openai/gpt-4o",
        "messages": [{"role": r, "content": t} for r, t in history],
        "temperature": 0.7,
    }
    body_bytes = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    chat_chunk = server.chat_stream(3)[3][6:-2]
    responses_delta = server.responses_stream(3)[5][6:-2]
    completed = server.responses_stream(3)[-2][6:-2]
    cases = {
        "loads: Completions text chunk": ("loads", chat_chunk.decode()),
        "loads: Responses text delta": ("loads", responses_delta.decode()),
        "loads: response.completed event": ("loads", completed.decode()),
        "loads: non-stream body (17 KB)": ("loads", server.chat_body()),
        "dumps: one-message request": (
            "dumps",
            {"model": "m", "messages": [{"role": "user", "content": clients.PROMPT}]},
        ),
        "dumps: 5,000-message request": ("dumps", body),
        "loads: 5,000-message request": ("loads", body_bytes),
    }
    out: dict[str, Any] = {
        "sizes": {
            k: len(v) if isinstance(v, (str, bytes)) else len(json.dumps(v)) for k, (_, v) in cases.items()
        }
    }
    for label, (what, value) in cases.items():
        row: dict[str, float] = {}
        for name, backend in backends.items():
            function = backend.loads if what == "loads" else backend.dumps
            timer = timeit.Timer(lambda f=function, v=value: f(v))
            number, _ = timer.autorange()  # enough calls for 0.2 s: far above the clock's resolution
            row[name] = min(timer.repeat(repeat=5, number=number)) / number * 1e6
        out[label] = row
    return out


# -- profile ----------------------------------------------------------------------------------------------
def profile(client: clients.Client, what: str, reps: int, top: int, timer: Any = None) -> dict[str, Any]:
    import cProfile
    import io
    import pstats

    work = client.request if what == "request" else client.stream
    for _ in range(3):
        work()
    # The default timer is wall time (waits for the server show as socket recv); `time.process_time`
    # counts this process's CPU only, what the scaling profiles are about.
    profiler = cProfile.Profile(timer) if timer is not None else cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        work()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    tottime = out.getvalue()
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top)
    return {"reps": reps, "tottime": tottime, "cumulative": out.getvalue()}


def profile_scaling(name: str, url: str, wire: str, what: str, reps: int, top: int) -> dict[str, Any]:
    """cProfile of one issue-18 workload: a 5,000-message call, a 50-step loop, a 1 MB payload."""
    import workloads

    work: Any
    if what == "history":
        work = workloads.history_call(name, url, wire, 5000)
    elif what == "toolloop":
        work = lambda: workloads.tool_loop(name, url, wire, 50)  # noqa: E731
    else:
        work = workloads.payload_call(name, url, wire, what)
    holder = clients.Client()
    holder.request = work  # type: ignore[method-assign]
    return profile(holder, "request", reps, top, timer=time.process_time)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "task",
        choices=[
            "request",
            "stream",
            "concurrent",
            "layers",
            "profile",
            "history",
            "toolloop",
            "payload",
            "memory",
            "json",
            "scaling-profile",
        ],
    )
    parser.add_argument("--client", required=True, choices=sorted(clients.FACTORIES))
    parser.add_argument("--wire", required=True, choices=["chat", "responses"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=500, help="requests (request) or streams (stream)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--budget", type=float, default=8.0, help="stop early after this many wall seconds")
    parser.add_argument(
        "--chunks", type=int, default=None, help="text deltas per stream (2000; 50 concurrent)"
    )
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--interval-ms", type=int, default=200, help="pause between a stream's events")
    parser.add_argument("--tick-ms", type=float, default=10.0)
    parser.add_argument("--ramp-ms", type=float, default=2000.0, help="spread the concurrent stream starts")
    parser.add_argument(
        "--what",
        default="stream",
        choices=["request", "stream", "history", "toolloop", "tool-result", "image"],
    )
    parser.add_argument("--sizes", default="10,100,1000,5000", help="history lengths (messages)")
    parser.add_argument("--steps", type=int, default=100, help="tool calls per agent loop")
    parser.add_argument("--kind", default="tool-result", choices=["tool-result", "image"])
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 8192:  # 1,000 sockets plus pipes; never lower a limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    if args.chunks is None:
        args.chunks = 50 if args.task == "concurrent" else 2000
    spec = clients.SPECS[args.client]
    if spec.json_backend:  # read by chat_openrouter._json when it loads, so before the client is made
        os.environ["CHAT_OPENROUTER_JSON"] = spec.json_backend
    if args.task == "history":
        sizes = [int(n) for n in args.sizes.split(",")]
        result = measure_history(args.client, args.url, args.wire, sizes, args.budget)
    elif args.task == "toolloop":
        result = measure_tool_loop(args.client, args.url, args.wire, args.steps, args.n)
    elif args.task == "payload":
        result = measure_payload(args.client, args.url, args.wire, args.kind, args.budget)
    elif args.task == "memory":
        result = measure_memory(args.client, args.url, args.wire, args.chunks)
    elif args.task == "json":
        result = measure_json()
    elif args.task == "scaling-profile":
        result = profile_scaling(args.client, args.url, args.wire, args.what, args.n, args.top)
    elif args.task == "request":
        client = clients.make(args.client, args.url, args.wire, "bench/n20")
        result = measure_requests(client, args.n, args.warmup, args.budget)
    elif args.task == "stream":
        client = clients.make(args.client, args.url, args.wire, f"bench/n{args.chunks}")
        result = measure_stream(
            client, args.chunks, args.n, args.warmup, args.budget, spec.asynchronous_streams
        )
    elif args.task == "concurrent":
        model = f"bench/n{args.chunks}-i{args.interval_ms}"
        client = clients.make(args.client, args.url, args.wire, model)
        warm = clients.make(args.client, args.url, args.wire, f"bench/n{args.chunks}")
        result = asyncio.run(
            measure_concurrent(
                client, warm, args.streams, args.chunks, args.tick_ms / 1000, args.ramp_ms / 1000
            )
        )
    elif args.task == "layers":
        result = measure_layers(args.url, args.wire, args.chunks, args.n)
    else:
        model = f"bench/n{args.chunks}" if args.what == "stream" else "bench/n20"
        client = clients.make(args.client, args.url, args.wire, model)
        result = profile(client, args.what, args.n, args.top)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
