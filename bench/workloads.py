"""What each client does in the issue-18 scenarios: long histories, a tool loop, big payloads, stream memory.

Every workload is the user-level code an application writes with that client, built once outside the
timed part (a conversation an application already holds), so only what the client does per call is
timed:

* **floor**: plain dicts, ``json.dumps`` -> raw ``httpx2`` POST -> ``json.loads``, no abstraction;
* **ours** (and ``ours_stdlib``, the same with ``CHAT_OPENROUTER_JSON=stdlib``): ``Messages`` and parts,
  ``complete_sync``, the ``Chat`` engine for the tool loop;
* **openai**: openai-python as its documentation shows (``messages.append(completion.choices[0].message)``;
  ``input += response.output`` on the Responses API).

A tool result is a dict in every client: openai and the floor serialise it once, when the tool returns
(as their users do); ours keeps it in its ``ToolPart`` and encodes it per request (issue 18, item 2). A
file is bytes in ours (``FilePart.from_bytes``) and a ``data:`` URL built once for openai and the floor.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import clients
import server

LOOKUP_DESCRIPTION = "Look up a fact in the project's knowledge base."
LOOKUP_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"query": {"type": "string", "description": "What to look up."}},
    "required": ["query"],
}
ONE_MB = 1_000_000


# -- content --------------------------------------------------------------------------------------------
def history_texts(n: int) -> list[tuple[str, str]]:
    """``n`` turns alternating user (~80 characters) and assistant (~250), ending with the user.

    The words are cut from a recorded answer (``server._answer_text``), each turn from its own offset, so
    the turns are distinct strings of a chat's usual sizes (~165 characters on average).
    """
    text = server._answer_text()
    turns: list[tuple[str, str]] = []
    for i in range(n):
        role = "user" if (n - 1 - i) % 2 == 0 else "assistant"
        size = 80 if role == "user" else 250
        start = (i * 37) % max(1, len(text) - size)
        turns.append((role, text[start : start + size]))
    return turns


def lookup_result(step: int, query: str) -> dict[str, Any]:
    """What the agent's tool returns each step: a ~1 KB JSON object (a few records and a summary)."""
    text = server._answer_text()
    return {
        "query": query,
        "matches": [
            {
                "id": f"doc-{step}-{i}",
                "score": round(0.91 - i * 0.07, 2),
                "snippet": text[i * 90 : i * 90 + 150],
            }
            for i in range(5)
        ],
        "total": 5,
    }


def big_result() -> dict[str, Any]:
    """A ~1 MB tool result: rows of ids, names, numbers and text, as a database tool returns."""
    text = server._answer_text()
    rows: list[dict[str, Any]] = []
    size = 0
    i = 0
    while size < ONE_MB:
        row = {
            "id": i,
            "name": f"item-{i}",
            "score": round(i * 0.37 % 100, 3),
            "tags": ["a", "b"],
            "note": text[i % 400 : i % 400 + 60],
        }
        rows.append(row)
        size += len(json.dumps(row)) + 1
        i += 1
    return {"rows": rows, "count": len(rows)}


def image_bytes() -> bytes:
    """1 MB of incompressible bytes, like a PNG or JPEG (deterministic: the same image every run)."""
    return random.Random(18).randbytes(ONE_MB)


def data_url(data: bytes, mime_type: str = "image/png") -> str:
    import base64

    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


# -- one call: build the client's request once, return what sends it --------------------------------------
class Floor:
    """The raw floor for these scenarios: dicts, ``json.dumps``, ``httpx2``, ``json.loads``."""

    def __init__(self, url: str, wire: str, model: str) -> None:
        import httpx2

        self.wire = wire
        self.model = model
        self.url = f"{url}/{'chat/completions' if wire == 'chat' else 'responses'}"
        self.headers = {"Authorization": f"Bearer {clients.API_KEY}", "Content-Type": "application/json"}
        self.http = httpx2.Client(timeout=120)

    def post(self, items: list[Any], **extra: Any) -> dict[str, Any]:
        body = {"model": self.model, "messages" if self.wire == "chat" else "input": items, **extra}
        response = self.http.post(self.url, content=json.dumps(body).encode(), headers=self.headers)
        return dict(json.loads(response.content))

    def text(self, data: dict[str, Any]) -> str:
        if self.wire == "chat":
            return str(data["choices"][0]["message"]["content"])
        return str(data["output"][0]["content"][0]["text"])


# One client per worker, as an application keeps one: the first request pays one-time setup (ours creates
# its httpx2 client then, with an SSL context: ~45 ms), which the warm-up absorbs.
@cache
def _floor(url: str, wire: str, model: str) -> Floor:
    return Floor(url, wire, model)


@cache
def _ours_client(url: str, wire: str, model: str) -> Any:
    from chat_openrouter import OpenRouterBuilder

    builder = OpenRouterBuilder().with_api_key(clients.API_KEY).with_base_url(url).with_model(model)
    return (builder.with_completions() if wire == "chat" else builder).build()


@cache
def _openai_client(url: str) -> Any:
    import openai

    return openai.OpenAI(api_key=clients.API_KEY, base_url=url)


def _openai_call(client: Any, wire: str, model: str, items: list[Any]) -> Callable[[], str]:
    if wire == "chat":
        return lambda: (
            client.chat.completions.create(model=model, messages=items).choices[0].message.content or ""
        )
    return lambda: client.responses.create(model=model, input=items).output_text


def history_call(name: str, url: str, wire: str, n: int) -> Callable[[], str]:
    """One non-stream call with an ``n``-message history."""
    turns = history_texts(n)
    model = "bench/n20"
    if name.startswith("ours"):
        from chat_openrouter import messages

        conversation = messages.Messages()
        for role, text in turns:
            conversation.user(text) if role == "user" else conversation.model(text)
        client = _ours_client(url, wire, model)
        return lambda: client.complete_sync(conversation).text
    items = [{"role": role, "content": text} for role, text in turns]
    if name == "openai":
        return _openai_call(_openai_client(url), wire, model, items)
    floor = _floor(url, wire, model)
    return lambda: floor.text(floor.post(items))


def payload_call(name: str, url: str, wire: str, kind: str) -> Callable[[], str]:
    """One non-stream call carrying a 1 MB tool result (``kind="tool-result"``) or image (``"image"``)."""
    model = "bench/n20"
    call_id = "call_big_0001"
    arguments = json.dumps({"query": "all rows"})
    if name.startswith("ours"):
        from chat_openrouter import FilePart, ToolPart, ToolStatus, messages
        from chat_openrouter.core.messages import Content

        if kind == "tool-result":
            part = ToolPart(call_id, "lookup", arguments, status=ToolStatus.COMPLETED, result=big_result())
            conversation = messages.from_user(clients.PROMPT).push(Content.model(part))
        else:
            conversation = messages.from_user(clients.PROMPT, FilePart.from_bytes(image_bytes(), "image/png"))
        client = _ours_client(url, wire, model)
        return lambda: client.complete_sync(conversation).text
    items: list[Any] = [{"role": "user", "content": clients.PROMPT}]
    if kind == "tool-result":
        output = json.dumps(big_result())  # once, when the tool returned
        if wire == "chat":
            call = {"id": call_id, "type": "function", "function": {"name": "lookup", "arguments": arguments}}
            items += [
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call_id, "content": output},
            ]
        else:
            items += [
                {"type": "function_call", "call_id": call_id, "name": "lookup", "arguments": arguments},
                {"type": "function_call_output", "call_id": call_id, "output": output},
            ]
    else:
        url_of_image = data_url(image_bytes())  # once, when the file was attached
        if wire == "chat":
            image = {"type": "image_url", "image_url": {"url": url_of_image}}
            items[0]["content"] = [{"type": "text", "text": clients.PROMPT}, image]
        else:
            image = {"type": "input_image", "image_url": url_of_image, "detail": "auto"}
            items[0]["content"] = [{"type": "input_text", "text": clients.PROMPT}, image]
    if name == "openai":
        return _openai_call(_openai_client(url), wire, model, items)
    floor = _floor(url, wire, model)
    return lambda: floor.text(floor.post(items))


# -- the tool loop ---------------------------------------------------------------------------------------
def tool_loop(name: str, url: str, wire: str, steps: int) -> list[float]:
    """Run one agent loop of ``steps`` tool calls plus the final answer; CPU seconds of each step.

    A step is one model call and what the client does around it (for ours, the ``Chat`` engine: decode,
    run the tool, record its result, encode the next request). The server calls ``lookup`` until the
    request holds ``steps`` results (model ``bench/tools{steps}``).
    """
    model = f"bench/tools{steps}"
    if name.startswith("ours"):
        return _ours_tool_loop(url, wire, model, steps)
    if name == "openai":
        return _openai_tool_loop(url, wire, model)
    return _floor_tool_loop(url, wire, model)


def _ours_tool_loop(url: str, wire: str, model: str, steps: int) -> list[float]:
    from chat_openrouter import ChatBuilder, messages, tool

    stamps: list[float] = []

    @tool
    def lookup(query: str) -> dict[str, Any]:
        """Look up a fact in the project's knowledge base.

        Args:
            query: What to look up.
        """
        stamps.append(time.process_time())  # the engine is between two model calls
        return lookup_result(len(stamps), query)

    client = _ours_client(url, wire, model)
    client.complete_sync(messages.from_user(clients.PROMPT))  # warm (untimed): the connection is open
    chat = ChatBuilder().with_model(client).with_tools([lookup]).with_max_steps(steps + 1).build()
    start = time.process_time()
    response = chat.complete_sync(messages.from_user(clients.PROMPT))
    end = time.process_time()
    if len(stamps) != steps or not response.text:
        raise RuntimeError(f"the loop ran {len(stamps)} tools of {steps}")
    marks = [start, *stamps, end]
    return [b - a for a, b in itertools.pairwise(marks)]


def _openai_tool_loop(url: str, wire: str, model: str) -> list[float]:
    client = _openai_client(url)
    per_step: list[float] = []
    step = 0
    if wire == "chat":
        tools: Any = [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": LOOKUP_DESCRIPTION,
                    "parameters": LOOKUP_PARAMETERS,
                },
            }
        ]
        chat_messages: list[Any] = [{"role": "user", "content": clients.PROMPT}]
        client.chat.completions.create(model=model, messages=chat_messages)  # warm (untimed)
        while True:
            started = time.process_time()
            message = (
                client.chat.completions.create(model=model, messages=chat_messages, tools=tools)
                .choices[0]
                .message
            )
            if not message.tool_calls:
                per_step.append(time.process_time() - started)
                return per_step
            chat_messages.append(message)  # as the openai-python docs show
            for call in message.tool_calls:
                step += 1
                result = lookup_result(step, **json.loads(call.function.arguments))
                chat_messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
            per_step.append(time.process_time() - started)
    tools = [
        {
            "type": "function",
            "name": "lookup",
            "description": LOOKUP_DESCRIPTION,
            "parameters": LOOKUP_PARAMETERS,
        }
    ]
    items: list[Any] = [{"role": "user", "content": clients.PROMPT}]
    client.responses.create(model=model, input=items)  # warm (untimed)
    while True:
        started = time.process_time()
        response = client.responses.create(model=model, input=items, tools=tools)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            per_step.append(time.process_time() - started)
            return per_step
        items += response.output
        for call in calls:
            step += 1
            result = lookup_result(step, **json.loads(call.arguments))
            items.append(
                {"type": "function_call_output", "call_id": call.call_id, "output": json.dumps(result)}
            )
        per_step.append(time.process_time() - started)


def _floor_tool_loop(url: str, wire: str, model: str) -> list[float]:
    floor = _floor(url, wire, model)
    per_step: list[float] = []
    step = 0
    if wire == "chat":
        tools: Any = [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": LOOKUP_DESCRIPTION,
                    "parameters": LOOKUP_PARAMETERS,
                },
            }
        ]
    else:
        tools = [
            {
                "type": "function",
                "name": "lookup",
                "description": LOOKUP_DESCRIPTION,
                "parameters": LOOKUP_PARAMETERS,
            }
        ]
    items: list[Any] = [{"role": "user", "content": clients.PROMPT}]
    floor.post(items)  # warm (untimed)
    while True:
        started = time.process_time()
        data = floor.post(items, tools=tools)
        if wire == "chat":
            message = data["choices"][0]["message"]
            calls = [(c["id"], c["function"]["arguments"]) for c in message.get("tool_calls") or []]
            if calls:
                items.append(
                    {
                        "role": "assistant",
                        "content": message.get("content"),
                        "tool_calls": message["tool_calls"],
                    }
                )
        else:
            output = data["output"]
            calls = [(o["call_id"], o["arguments"]) for o in output if o.get("type") == "function_call"]
            items += output
        if not calls:
            per_step.append(time.process_time() - started)
            return per_step
        for call_id, arguments in calls:
            step += 1
            result = json.dumps(lookup_result(step, **json.loads(arguments)))
            if wire == "chat":
                items.append({"role": "tool", "tool_call_id": call_id, "content": result})
            else:
                items.append({"type": "function_call_output", "call_id": call_id, "output": result})
        per_step.append(time.process_time() - started)


# -- stream memory ---------------------------------------------------------------------------------------
def stream_memory(name: str, url: str, wire: str, chunks: int) -> dict[str, Any]:
    """Python memory a stream holds per text chunk, from tracemalloc, against the text it received.

    The traced size is read when a quarter of the chunks has arrived and again at the last one; the
    difference over the chunks in between is what each chunk leaves behind while the stream is open
    (transient buffers are there at both reads and cancel out). The text is counted in UTF-8 bytes.
    """
    import tracemalloc

    model = f"bench/n{chunks}"
    first = chunks // 4
    reads: dict[int, int] = {}
    text_bytes = 0
    seen = 0
    tracemalloc.start()
    try:
        if name.startswith("ours"):
            from chat_openrouter import TextChunk, messages

            client = _ours_client(url, wire, model)
            with client.stream_sync(messages.from_user(clients.PROMPT)) as stream:
                for event in stream:
                    if isinstance(event, TextChunk):
                        seen += 1
                        if seen > first:
                            text_bytes += len(event.text.encode())
                        if seen in (first, chunks):
                            reads[seen] = tracemalloc.get_traced_memory()[0]
                final = stream.final_response()
            assert final.text  # the stream's answer was assembled, as a user gets it
        else:
            floor = clients.Floor(url, wire, model)
            out: list[str] = []  # the floor keeps its fragments and joins them at the end
            body = json.dumps(floor.stream_body).encode()
            with floor.client.stream("POST", floor.url, content=body, headers=floor.headers) as response:
                for line in response.iter_lines():
                    before = len(out)
                    if not floor._delta(line, out):
                        break
                    if len(out) > before:
                        seen += 1
                        if seen > first:
                            text_bytes += len(out[-1].encode())
                        if seen in (first, chunks):
                            reads[seen] = tracemalloc.get_traced_memory()[0]
            assert "".join(out)
    finally:
        tracemalloc.stop()
    if seen != chunks or len(reads) != 2:
        raise RuntimeError(f"saw {seen} text chunks, the server sent {chunks}")
    span = chunks - first
    return {
        "chunks": chunks,
        "bytes_per_chunk": (reads[chunks] - reads[first]) / span,
        "text_bytes_per_chunk": text_bytes / span,
    }
