"""A loopback OpenRouter stand-in for the benchmarks: raw asyncio HTTP/1.1, canned bodies, keep-alive.

Why not uvicorn or the project's emulator? The server runs in its own process, so its CPU never counts
against a client, but on a 2-core machine every server cycle still competes with the client for the
second core. A raw asyncio server that writes pre-encoded bytes keeps that noise minimal and identical
for every client.

What it serves (any path prefix; only the last segment matters):

* ``POST .../chat/completions`` and ``POST .../responses``;
* ``"stream": false`` -> a canned JSON body shaped like the recorded fixtures
  ``chat-nonstream-usage-include-deprecated.json`` / ``responses-nonstream-prompt-cache-write.json``;
* ``"stream": true``  -> an SSE stream shaped like ``chat-stream-server-tool-usage.sse`` (two
  ``: OPENROUTER PROCESSING`` comments, content chunks with ``provider`` and ``native_finish_reason``,
  a finish chunk, a final usage chunk with ``cost``, ``[DONE]``) or ``responses-stream-text.sse``
  (created / in_progress / output_item.added / content_part.added / N x output_text.delta / *.done /
  response.completed with usage and cost / ``[DONE]``).

The stream's shape is chosen by the request's ``model`` so that every client can ask for it without
custom headers: ``bench/n2000`` streams 2,000 text deltas; ``bench/n50-i100`` streams 50 deltas 100 ms
apart. ``bench/tools50`` is an agent's model (non-stream): it calls the tool ``lookup`` until the request
carries 50 tool results, then answers with text; the tool-call bodies follow the recorded
``chat-nonstream-tool-call-single.json`` and the ``function_call`` item of ``responses-stream-tool-call.sse``. Each SSE event travels in its own HTTP chunk (``Transfer-Encoding: chunked``), as from the real
service, so a client does its per-read work once per event however the kernel batches the bytes.

Run: ``python bench/server.py [--port 0]``; it prints ``PORT <n>`` on stdout once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
from functools import cache
from pathlib import Path
from typing import Any

# The recorded fixtures live in the repository (tests/fixtures/openrouter); never outside it.
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "openrouter"
GEN_ID = "gen-1786465029-CAkqUciXgQW34RmFaTck"
CREATED = 1786465029
_MODEL_SHAPE = re.compile(r"n(\d+)(?:-i(\d+))?")


def _fixture_json(name: str) -> dict[str, Any]:
    """A recorded body; a missing or unreadable fixture is a loud error, never a made-up substitute."""
    path = FIXTURES / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        raise SystemExit(f"bench/server.py: cannot read the recorded fixture {path}: {exc}") from exc


@cache
def _answer_text() -> str:
    # Words cut from a real answer, cycled as stream deltas.
    body = _fixture_json("chat-nonstream-usage-include-deprecated.json")
    return str(body["choices"][0]["message"]["content"])


@cache
def _tokens() -> tuple[str, ...]:
    # Split into word-with-leading-space pieces, like a tokenizer's output.
    words = re.findall(r"\s*\S+", _answer_text()[:1500])
    return tuple(words) or ("Hello",)


def _usage_chat() -> dict[str, object]:
    return {
        "prompt_tokens": 8174,
        "completion_tokens": 30,
        "total_tokens": 8204,
        "cost": 0.0133176,
        "is_byok": False,
        "prompt_tokens_details": {
            "cached_tokens": 0,
            "cache_write_tokens": 0,
            "audio_tokens": 0,
            "video_tokens": 0,
        },
        "cost_details": {
            "upstream_inference_cost": 0.0133176,
            "upstream_inference_prompt_cost": 0.0032696,
            "upstream_inference_completions_cost": 0.000048,
        },
        "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0, "audio_tokens": 0},
    }


def _usage_responses() -> dict[str, object]:
    return {
        "input_tokens": 17,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 4,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 21,
        "cost": 0.0000825,
        "is_byok": False,
        "cost_details": {
            "upstream_inference_cost": 0.0000825,
            "upstream_inference_input_cost": 0.0000425,
            "upstream_inference_output_cost": 0.00004,
        },
    }


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- non-stream bodies ----------------------------------------------------------------------------------
@cache
def chat_body() -> bytes:
    body = _fixture_json("chat-nonstream-usage-include-deprecated.json")
    # Newer captures carry `system_fingerprint: null` (chat-nonstream-server-tool-usage.json), and the
    # official OpenRouter SDK refuses a body without it.
    body.setdefault("system_fingerprint", None)
    return _dumps(body)


@cache
def responses_body() -> bytes:
    body = _fixture_json("responses-nonstream-prompt-cache-write.json")
    # Same answer text as the Chat Completions body, so both wires decode the same amount of text.
    body["output"] = [
        {
            "id": "msg_tmp_ym1zsqcli1m",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "phase": "final_answer",
            "content": [{"type": "output_text", "text": _answer_text(), "annotations": [], "logprobs": []}],
        }
    ]
    return _dumps(body)


# -- streams --------------------------------------------------------------------------------------------
def _sse(obj: object) -> bytes:
    return b"data: " + _dumps(obj) + b"\n\n"


def _http_chunk(payload: bytes) -> bytes:
    return f"{len(payload):x}\r\n".encode("ascii") + payload + b"\r\n"


_KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
_DONE = b"data: [DONE]\n\n"


@cache
def chat_stream(n: int) -> tuple[bytes, ...]:
    """The SSE events of a Chat Completions stream with ``n`` content deltas (one bytes per event)."""
    tokens = _tokens()
    head = {
        "id": GEN_ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "openai/gpt-4.1-mini",
        "provider": "OpenAI",
    }
    events = [_KEEPALIVE, _KEEPALIVE]
    for i in range(n):
        events.append(
            _sse(
                {
                    **head,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"content": tokens[i % len(tokens)], "role": "assistant"},
                            "finish_reason": None,
                            "native_finish_reason": None,
                        }
                    ],
                }
            )
        )
    events.append(
        _sse(
            {
                **head,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": "", "role": "assistant"},
                        "finish_reason": "stop",
                        "native_finish_reason": "completed",
                    }
                ],
            }
        )
    )
    events.append(_sse({**head, "choices": [], "usage": _usage_chat()}))
    events.append(_DONE)
    return tuple(events)


def _response_object(status: str, output: list[object], usage: object) -> dict[str, object]:
    return {
        "id": GEN_ID,
        "object": "response",
        "created_at": CREATED,
        "model": "openai/gpt-4o",
        "status": status,
        "completed_at": CREATED if status == "completed" else None,
        "output": output,
        "error": None,
        "incomplete_details": None,
        "tools": [],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "max_output_tokens": None,
        "temperature": 1,
        "top_p": 1,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "top_logprobs": 0,
        "max_tool_calls": None,
        "metadata": {},
        "background": False,
        "previous_response_id": None,
        "service_tier": "auto",
        "truncation": "disabled",
        "store": False,
        "instructions": None,
        "text": {"format": {"type": "text"}},
        "reasoning": None,
        "safety_identifier": None,
        "prompt_cache_key": None,
        "usage": usage,
    }


@cache
def responses_stream(n: int) -> tuple[bytes, ...]:
    """The SSE events of a Responses API stream with ``n`` ``output_text.delta`` events."""
    tokens = _tokens()
    item_id = "msg_tmp_f05ijtys49w"
    seq = iter(range(1_000_000))
    events = [_KEEPALIVE]
    events.append(
        _sse(
            {
                "type": "response.created",
                "response": _response_object("in_progress", [], None),
                "sequence_number": next(seq),
            }
        )
    )
    events.append(
        _sse(
            {
                "type": "response.in_progress",
                "response": _response_object("in_progress", [], None),
                "sequence_number": next(seq),
            }
        )
    )
    events.append(
        _sse(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {
                    "id": item_id,
                    "type": "message",
                    "status": "in_progress",
                    "role": "assistant",
                    "content": [],
                },
                "sequence_number": next(seq),
            }
        )
    )
    events.append(
        _sse(
            {
                "type": "response.content_part.added",
                "output_index": 0,
                "item_id": item_id,
                "content_index": 0,
                "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []},
                "sequence_number": next(seq),
            }
        )
    )
    pieces = []
    for i in range(n):
        piece = tokens[i % len(tokens)]
        pieces.append(piece)
        events.append(
            _sse(
                {
                    "type": "response.output_text.delta",
                    "output_index": 0,
                    "item_id": item_id,
                    "content_index": 0,
                    "delta": piece,
                    "logprobs": [],
                    "sequence_number": next(seq),
                }
            )
        )
    text = "".join(pieces)
    part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    item = {"id": item_id, "type": "message", "status": "completed", "role": "assistant", "content": [part]}
    events.append(
        _sse(
            {
                "type": "response.output_text.done",
                "output_index": 0,
                "item_id": item_id,
                "content_index": 0,
                "text": text,
                "logprobs": [],
                "sequence_number": next(seq),
            }
        )
    )
    events.append(
        _sse(
            {
                "type": "response.content_part.done",
                "output_index": 0,
                "item_id": item_id,
                "content_index": 0,
                "part": part,
                "sequence_number": next(seq),
            }
        )
    )
    events.append(
        _sse(
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": item,
                "sequence_number": next(seq),
            }
        )
    )
    events.append(
        _sse(
            {
                "type": "response.completed",
                "response": _response_object("completed", [item], _usage_responses()),
                "sequence_number": next(seq),
            }
        )
    )
    events.append(_DONE)
    return tuple(events)


@cache
def framed(wire: str, n: int) -> tuple[bytes, ...]:
    events = chat_stream(n) if wire == "chat" else responses_stream(n)
    return tuple(_http_chunk(e) for e in events)


def stream_shape(model: object) -> tuple[int, float]:
    """(number of deltas, seconds between events) from a model name like ``bench/n50-i100``."""
    match = _MODEL_SHAPE.search(model if isinstance(model, str) else "")
    if match is None:
        return 20, 0.0
    return int(match.group(1)), int(match.group(2) or 0) / 1000.0


# -- an agent's model: tool calls, then an answer ---------------------------------------------------------
_TOOLS_MODEL = re.compile(r"tools(\d+)")
# A tool result in a request body, however the client spaces its JSON.
_TOOL_RESULT = {
    "chat": re.compile(rb'"role"\s*:\s*"tool"'),
    "responses": re.compile(rb'"type"\s*:\s*"function_call_output"'),
}


def tool_steps(model: object) -> int | None:
    """How many tool calls ``bench/tools50`` asks for (None for any other model)."""
    match = _TOOLS_MODEL.search(model if isinstance(model, str) else "")
    return int(match.group(1)) if match else None


@cache
def _chat_tool_call_template() -> dict[str, Any]:
    return _fixture_json("chat-nonstream-tool-call-single.json")


def chat_tool_call_body(step: int) -> bytes:
    """The ``step``-th tool call (a fresh call id each step, as a real model sends)."""
    body = json.loads(json.dumps(_chat_tool_call_template()))
    call = body["choices"][0]["message"]["tool_calls"][0]
    call["id"] = f"call_{step:04d}"
    call["function"] = {"name": "lookup", "arguments": json.dumps({"query": f"step {step}"})}
    return _dumps(body)


def responses_tool_call_body(step: int) -> bytes:
    body = json.loads(responses_body())
    body["output"] = [
        {
            "id": f"fc_tmp_{step:04d}",
            "type": "function_call",
            "status": "completed",
            "call_id": f"call_{step:04d}",
            "name": "lookup",
            "arguments": json.dumps({"query": f"step {step}"}),
        }
    ]
    return _dumps(body)


_SNIFF_LIMIT = 65536
_STREAM_TRUE = re.compile(rb'"stream"\s*:\s*true')
_MODEL = re.compile(rb'"model"\s*:\s*"([^"]*)"')


def read_request(body: bytes) -> dict[str, Any]:
    """The request fields the server acts on (``model``, ``stream``).

    A body of a 5,000-message history or a 1 MB payload is not parsed: ``json.loads`` would cost the
    server milliseconds of the CPU it shares with the client. The two fields are found with a regex
    instead (the bench's message contents never contain them).
    """
    if len(body) <= _SNIFF_LIMIT:
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            return {}
        return request if isinstance(request, dict) else {}
    model = _MODEL.search(body)
    return {
        "model": model.group(1).decode("utf-8", "replace") if model else None,
        "stream": _STREAM_TRUE.search(body) is not None,
    }


# -- HTTP/1.1 -------------------------------------------------------------------------------------------
def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


_COMMON = [("x-generation-id", GEN_ID), ("access-control-expose-headers", "X-Generation-Id,X-Provider-Name")]


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    return b""


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                raw_head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            request_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await _read_body(reader, headers)
            keep_alive = headers.get("connection", "").lower() != "close"
            path = target.split("?", 1)[0].rstrip("/")
            wire = (
                "chat"
                if path.endswith("/chat/completions")
                else "responses"
                if path.endswith("/responses")
                else ""
            )
            if method != "POST" or not wire:
                payload = b'{"error":{"code":404,"message":"Not Found"}}'
                writer.write(
                    _head(
                        "404 Not Found",
                        [("content-type", "application/json"), ("content-length", str(len(payload)))],
                    )
                    + payload
                )
                await writer.drain()
                continue
            request = read_request(body)
            if not request.get("stream"):
                steps = tool_steps(request.get("model"))
                done = len(_TOOL_RESULT[wire].findall(body)) if steps is not None else 0
                if steps is not None and done < steps:
                    payload = chat_tool_call_body(done) if wire == "chat" else responses_tool_call_body(done)
                else:
                    payload = chat_body() if wire == "chat" else responses_body()
                writer.write(
                    _head(
                        "200 OK",
                        [
                            ("content-type", "application/json"),
                            ("content-length", str(len(payload))),
                            *_COMMON,
                        ],
                    )
                    + payload
                )
                await writer.drain()
            else:
                n, interval = stream_shape(request.get("model"))
                frames = framed(wire, n)
                writer.write(
                    _head(
                        "200 OK",
                        [
                            ("content-type", "text/event-stream"),
                            ("cache-control", "no-cache"),
                            ("transfer-encoding", "chunked"),
                            *_COMMON,
                        ],
                    )
                )
                if interval <= 0:
                    writer.writelines(frames)
                    writer.write(b"0\r\n\r\n")
                    await writer.drain()
                else:
                    for frame in frames:
                        writer.write(frame)
                        await writer.drain()
                        await asyncio.sleep(interval)
                    writer.write(b"0\r\n\r\n")
                    await writer.drain()
            if not keep_alive:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def serve(host: str, port: int) -> None:
    # Warm the caches so the first measured request pays no encoding cost (and a missing fixture stops
    # the server before it prints its port).
    chat_body(), responses_body(), _chat_tool_call_template()
    server = await asyncio.start_server(handle, host, port, backlog=4096, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--no-uvloop", action="store_true", help="use the stdlib event loop even if uvloop is installed"
    )
    args = parser.parse_args()
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    except (ImportError, ValueError, OSError):
        pass
    if not args.no_uvloop:
        try:
            import uvloop  # optional: a faster server loop leaves more of the shared CPU to the client

            uvloop.install()
        except ImportError:
            pass
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
