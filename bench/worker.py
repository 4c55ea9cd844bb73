"""One measurement in one fresh process; prints a single JSON object on its last stdout line.

    python bench/worker.py request    --client ours --wire chat --url http://127.0.0.1:PORT/api/v1
    python bench/worker.py stream     --client ours --wire responses --url ... --chunks 2000
    python bench/worker.py concurrent --client ours --wire chat --url ... --streams 1000 --chunks 50
    python bench/worker.py profile    --client ours --wire chat --url ... [--chunks 2000]

CPU is ``time.process_time()`` (user + system time of this process, every thread), so the server's
work, which runs in another process, never counts. Wall time is reported for context only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
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


# -- profile ----------------------------------------------------------------------------------------------
def profile(client: clients.Client, what: str, reps: int, top: int) -> dict[str, Any]:
    import cProfile
    import io
    import pstats

    work = client.request if what == "request" else client.stream
    for _ in range(3):
        work()
    profiler = cProfile.Profile()
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["request", "stream", "concurrent", "layers", "profile"])
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
    parser.add_argument("--what", default="stream", choices=["request", "stream"])
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 8192:  # 1,000 sockets plus pipes; never lower a limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    if args.chunks is None:
        args.chunks = 50 if args.task == "concurrent" else 2000
    spec = clients.SPECS[args.client]
    if args.task == "request":
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
