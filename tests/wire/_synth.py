"""Hypothesis strategies that build a final response and the SSE stream OpenRouter would send for it.

Each strategy draws a *case*: the non-streamed body (what ``stream: false`` returns) and the byte-exact
SSE body a streaming request gets for the same answer, synthesised the way the real captures show it
(tests/fixtures/openrouter ``responses-stream-*`` and ``chat-stream-*``): event order, ``output_index`` /
``item_id`` / ``content_index`` keys, ``: OPENROUTER PROCESSING`` keep-alive comments anywhere, temporary
item ids that change between the stream and the terminal copy, arguments that stream in pieces, all at
once or only in the terminal copy, ``output_item.done`` present or missing, text deltas that fall short of
their ``.done``, the usage chunk in both its 2025 and 2026 layouts, metadata only on the last chunks.

The test (test_stream_equivalence.py) asserts that streaming the SSE body and decoding the JSON body give
equal responses.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

KEEPALIVES = (b": OPENROUTER PROCESSING\n\n", b": \n\n")
WORDS = st.sampled_from(["Hello", " world", ",", " the", " answer", " is", " 42", ".", "\n", " é", " 😀", ""])
texts = st.lists(WORDS, min_size=0, max_size=6).map("".join)
nonempty_texts = st.lists(WORDS.filter(bool), min_size=1, max_size=6).map("".join)
TOOL_NAMES = st.sampled_from(["get_weather", "lookup", "llm_version"])


@dataclass
class Case:
    """One drawn answer: the non-streamed body, the SSE body, and what the stream is known to carry."""

    body: dict[str, Any]
    sse: bytes
    logprobs_streamed: bool = False  # each text delta carried its tokens' log probabilities
    notes: list[str] = field(default_factory=list)


def pieces(draw: st.DrawFn, text: str) -> list[str]:
    """``text`` split at random points (an empty text streams as no pieces)."""
    if not text:
        return []
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=min(4, len(text) - 1))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if text[a:b]]


def arguments() -> st.SearchStrategy[str]:
    values = st.one_of(st.integers(-5, 5), st.sampled_from(["Paris", "Lyon", "a \"quote\"", "ü"]), st.booleans())
    return st.one_of(
        st.just("{}"),
        st.dictionaries(st.sampled_from(["city", "n", "flag"]), values, max_size=3).map(
            lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=False)
        ),
    )


def logprob_entries(tokens: list[str]) -> list[dict[str, Any]]:
    """One log-probability entry per token (spec ChatTokenLogprob / OpenResponsesLogProbs shapes)."""
    return [
        {
            "token": token,
            "logprob": -(len(token) + 1) / 8,
            "bytes": list(token.encode()),
            "top_logprobs": [
                {"token": token, "logprob": -(len(token) + 1) / 8, "bytes": list(token.encode())},
                {"token": "?", "logprob": -9.5, "bytes": [63]},
            ],
        }
        for token in tokens
    ]


def sse(events: list[bytes], draw: st.DrawFn, *, done: bool = True) -> bytes:
    """``data:`` events with keep-alive comments drawn in anywhere, then ``[DONE]``."""
    out: list[bytes] = []
    for event in events:
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(KEEPALIVES)))
        out.append(event)
    if done:
        out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def data(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


def usage_object(draw: st.DrawFn, *, responses: bool) -> dict[str, Any]:
    inputs, outputs = draw(st.integers(1, 5000)), draw(st.integers(0, 900))
    reasoning, cached = draw(st.integers(0, outputs)), draw(st.integers(0, inputs))
    cost = draw(st.sampled_from([0, 0.000036, 0.0133176, 1.5e-07]))
    usage: dict[str, Any] = (
        {
            "input_tokens": inputs,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": outputs,
            "output_tokens_details": {"reasoning_tokens": reasoning},
        }
        if responses
        else {
            "prompt_tokens": inputs,
            "completion_tokens": outputs,
            "prompt_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        }
    )
    usage["total_tokens"] = inputs + outputs
    usage["cost"] = cost
    usage["is_byok"] = draw(st.booleans())
    usage["cost_details"] = {"upstream_inference_cost": cost}
    if draw(st.booleans()):
        usage["server_tool_use_details"] = {"web_search_requests": draw(st.integers(0, 3))}
    return usage


# -- Responses API ----------------------------------------------------------------------------------------


def _response_object(draw: st.DrawFn, status: str, output: list[Any], usage: Any) -> dict[str, Any]:
    return {
        "id": "gen-1785882271-2B3yJ6vpOkI3nf9dZb6k",
        "object": "response",
        "created_at": 1785882271,
        "model": "openai/gpt-5-mini",
        "status": status,
        "output": output,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "service_tier": "default" if status != "in_progress" else "auto",
        "store": False,
        "usage": usage,
    }


def _final_item(draw: st.DrawFn, n: int, logprobs: bool) -> dict[str, Any]:
    kind = draw(st.sampled_from(["message", "reasoning", "function_call"]))
    if kind == "message":
        content: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(0, 2))):
            text = draw(nonempty_texts)
            content.append({"type": "output_text", "text": text, "annotations": [], "logprobs": []})
        if not content or draw(st.integers(0, 3)) == 0:
            # A refusal is output_text's sibling (spec OpenAIResponsesRefusalContent).
            content.append({"type": "refusal", "refusal": draw(nonempty_texts)})
        return {"id": f"msg_{n}", "type": "message", "status": "completed", "role": "assistant", "content": content}
    if kind == "reasoning":
        item: dict[str, Any] = {"id": f"rs_final_{n}", "type": "reasoning", "status": "completed"}
        if draw(st.booleans()):
            item["summary"] = [{"type": "summary_text", "text": draw(nonempty_texts)} for _ in range(draw(st.integers(0, 2)))]
        else:
            item["summary"] = []
            item["content"] = [{"type": "reasoning_text", "text": draw(nonempty_texts)}]
        if draw(st.booleans()):
            item["encrypted_content"] = "gAAAAB" + draw(st.sampled_from(["x1", "y2.eyJlbmRwb2ludF9zbHVnIjoieCJ9"]))
        if draw(st.booleans()):
            item["signature"] = "EtYBCkgIChACGAIqQ" + str(n)
        if draw(st.booleans()):
            item["format"] = draw(st.sampled_from(["anthropic-claude-v1", "openai-responses-v1"]))
        return item
    call: dict[str, Any] = {"type": "function_call", "status": "completed"}
    if draw(st.booleans()):
        call["id"] = f"fc_{n}"
    call.update(call_id=f"call_{n}abc", name=draw(TOOL_NAMES), arguments=draw(arguments()))
    return call


def _item_events(
    draw: st.DrawFn, n: int, final: dict[str, Any], logprobs: bool, *, last: bool
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The events streaming ``final`` (at output index ``n``) and its ``output_item.done`` (or None).

    Text may come only whole (no deltas, no ``.done``: the terminal copy alone has it) for the last entry
    of the last item only: were earlier text to appear after later text streamed, no sequence of chunks
    could spell the final text in order."""
    kind = final["type"]
    id_mode = draw(st.sampled_from(["same", "changed", "changed"]))
    prefix = {"message": "msg", "reasoning": "rs", "function_call": "fc"}[kind]
    stream_id = final.get("id") if id_mode == "same" and final.get("id") else f"{prefix}_tmp_{n}x"
    where = {"output_index": n, "item_id": stream_id}
    events: list[dict[str, Any]] = []
    added: dict[str, Any] = {"id": stream_id, "type": kind, "status": "in_progress"}
    done_item: dict[str, Any] = {**final, "id": stream_id, "status": "completed"}
    if kind == "message":
        added.update(role="assistant", content=[])
        events.append({"type": "response.output_item.added", "output_index": n, "item": added})
        for c, entry in enumerate(final["content"]):
            refusal = entry["type"] == "refusal"
            text = entry["refusal" if refusal else "text"]
            part = {"type": "refusal", "refusal": ""} if refusal else {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            events.append({"type": "response.content_part.added", **where, "content_index": c, "part": part})
            whole_only_allowed = last and c == len(final["content"]) - 1
            mode = draw(st.sampled_from(["pieces", "pieces", "short", "none"] if whole_only_allowed else ["pieces", "short"]))
            chunks = pieces(draw, text)
            if mode == "short":
                chunks = chunks[:-1]  # the deltas fall short of the .done text
            elif mode == "none":
                chunks = []
            for piece in chunks:
                delta: dict[str, Any] = {"type": "response.refusal.delta" if refusal else "response.output_text.delta", **where, "content_index": c, "delta": piece}
                if not refusal:
                    delta["logprobs"] = logprob_entries([piece]) if logprobs else []
                events.append(delta)
            if draw(st.booleans()) or mode != "none":
                key = "refusal" if refusal else "text"
                events.append({"type": f"response.{'refusal' if refusal else 'output_text'}.done", **where, "content_index": c, key: text})
                events.append({"type": "response.content_part.done", **where, "content_index": c, "part": entry})
    elif kind == "reasoning":
        added["summary"] = []
        events.append({"type": "response.output_item.added", "output_index": n, "item": added})
        for s, entry in enumerate(final.get("summary", [])):
            events.append({"type": "response.reasoning_summary_part.added", **where, "summary_index": s, "part": {"type": "summary_text", "text": ""}})
            for piece in pieces(draw, entry["text"]):
                events.append({"type": "response.reasoning_summary_text.delta", **where, "summary_index": s, "delta": piece})
            if draw(st.booleans()):
                events.append({"type": "response.reasoning_summary_text.done", **where, "summary_index": s, "text": entry["text"]})
        for c, entry in enumerate(final.get("content", [])):
            events.append({"type": "response.content_part.added", **where, "content_index": c, "part": {"type": "reasoning_text", "text": ""}})
            for piece in pieces(draw, entry["text"]):
                events.append({"type": "response.reasoning_text.delta", **where, "content_index": c, "delta": piece})
            if draw(st.booleans()):
                events.append({"type": "response.reasoning_text.done", **where, "content_index": c, "text": entry["text"]})
        if draw(st.booleans()):
            # Only the terminal copy is signed (issue 11: the rs_tmp_ item streamed unsigned).
            for key in ("signature", "format", "encrypted_content"):
                done_item.pop(key, None)
    else:
        added.update(call_id=final["call_id"], name=final["name"], arguments="")
        events.append({"type": "response.output_item.added", "output_index": n, "item": added})
        mode = draw(st.sampled_from(["pieces", "whole", "final_only"]))
        if mode == "final_only":
            # Real traffic (issue 11): `arguments: ""`, no deltas, the arguments only in response.completed.
            done_item["arguments"] = ""
        else:
            for piece in pieces(draw, final["arguments"]) if mode == "pieces" else [final["arguments"]]:
                events.append({"type": "response.function_call_arguments.delta", **where, "delta": piece})
            if draw(st.booleans()):
                events.append({"type": "response.function_call_arguments.done", **where, "name": final["name"], "arguments": final["arguments"]})
    return events, done_item if draw(st.integers(0, 3)) else None


@st.composite
def responses_case(draw: st.DrawFn) -> Case:
    """A Responses API answer: any mix of message / reasoning / function_call items (§8)."""
    logprobs = draw(st.booleans())
    finals = [_final_item(draw, n, logprobs) for n in range(draw(st.integers(0, 4)))]
    streamed: list[list[dict[str, Any]]] = []
    deferred: list[dict[str, Any]] = []
    for n, final in enumerate(finals):
        events, done = _item_events(draw, n, final, logprobs, last=n == len(finals) - 1)
        if logprobs and final["type"] == "message":
            # The terminal copy lists the tokens the deltas carried (one per piece), like OpenAI does.
            for c, entry in enumerate(final["content"]):
                if entry["type"] == "output_text":
                    tokens = [e["delta"] for e in events if e["type"] == "response.output_text.delta" and e["content_index"] == c]
                    entry["logprobs"] = logprob_entries(tokens)
                    for e in events:
                        if e["type"] == "response.content_part.done" and e["content_index"] == c:
                            e["part"] = entry
        if done is not None:
            if final["type"] == "message":
                done = {**done, "content": final["content"]}
            # Items may close out of order (reference §8.1): some output_item.done come last.
            (deferred if draw(st.integers(0, 4)) == 0 else events).append(
                {"type": "response.output_item.done", "output_index": n, "item": done}
            )
        streamed.append(events)
    status = draw(st.sampled_from(["completed", "completed", "incomplete"]))
    usage = usage_object(draw, responses=True)
    body = _response_object(draw, status, finals, usage)
    start = _response_object(draw, "in_progress", [], None)
    payloads = [{"type": "response.created", "response": start}, {"type": "response.in_progress", "response": start}]
    for events in streamed:
        payloads.extend(events)
    payloads.extend(deferred)
    if draw(st.integers(0, 5)) == 0:
        payloads.insert(draw(st.integers(2, len(payloads))), {"type": "response.keep_alive"})
    terminal = "response.completed" if status == "completed" else "response.incomplete"
    payloads.append({"type": terminal, "response": body})
    for seq, payload in enumerate(payloads):
        payload["sequence_number"] = seq
    return Case(body=body, sse=sse([data(p) for p in payloads], draw), logprobs_streamed=logprobs)


# -- Chat Completions -------------------------------------------------------------------------------------


def _reasoning(draw: st.DrawFn) -> tuple[str | None, list[dict[str, Any]]]:
    """``message.reasoning`` and ``reasoning_details`` in one of the shapes real providers send (§4.1)."""
    shape = draw(st.sampled_from(["none", "string", "anthropic", "openai", "details-only"]))
    if shape == "none":
        return None, []
    text = draw(nonempty_texts)
    if shape == "string":
        return text, []
    if shape == "anthropic":
        detail = {"type": "reasoning.text", "text": text, "signature": "Et0BCkgIChAC" + text[:2], "format": "anthropic-claude-v1", "index": 0}
        return text, [detail]
    if shape == "openai":
        return text, [
            {"type": "reasoning.summary", "summary": text, "format": "openai-responses-v1", "index": 0},
            {"type": "reasoning.encrypted", "data": "gAAAAB" + text[:1], "id": "rs_0a1", "format": "openai-responses-v1", "index": 0},
        ]
    second = draw(nonempty_texts)
    return None, [
        {"type": "reasoning.text", "text": text, "format": "unknown", "index": 0},
        {"type": "reasoning.text", "text": second, "format": "unknown", "index": 1},
    ]


def _detail_fragments(draw: st.DrawFn, detail: dict[str, Any]) -> list[dict[str, Any]]:
    """One reasoning detail as OpenRouter streams it: text in pieces, the signature in its own fragment
    with empty text (fixture chat-stream-reasoning-anthropic-signature), encrypted data whole."""
    base = {k: v for k, v in detail.items() if k not in ("text", "summary", "signature", "data")}
    if detail["type"] == "reasoning.encrypted":
        return [detail]
    key = "text" if detail["type"] == "reasoning.text" else "summary"
    out = [{**base, key: piece} for piece in pieces(draw, detail[key])]
    if "signature" in detail:
        out.append({**base, key: "", "signature": detail["signature"]})
    return out


@st.composite
def chat_case(draw: st.DrawFn) -> Case:
    """A Chat Completions answer and its chunks (§5): text, refusal, reasoning + reasoning_details in
    parallel, tool calls by ``index``, annotations, logprobs, then the finish and usage chunks."""
    reasoning, details = _reasoning(draw)
    calls = [
        {"index": i, "id": f"call_{i}x", "type": "function", "function": {"name": draw(TOOL_NAMES), "arguments": draw(arguments())}}
        for i in range(draw(st.integers(0, 3)))
    ]
    refusal = draw(nonempty_texts) if not calls and draw(st.integers(0, 3)) == 0 else None
    text = draw(texts)
    logprobs = bool(text) and draw(st.booleans())
    text_pieces = pieces(draw, text)
    annotations = (
        [{"type": "url_citation", "url_citation": {"url": "https://a.example", "title": "A", "start_index": 0, "end_index": 1}}]
        if text and draw(st.integers(0, 3)) == 0
        else []
    )
    message: dict[str, Any] = {"role": "assistant", "content": text or (None if calls or refusal else ""), "refusal": refusal}
    if reasoning is not None:
        message["reasoning"] = reasoning
    if details:
        message["reasoning_details"] = details
    if calls:
        message["tool_calls"] = calls
    if annotations:
        message["annotations"] = annotations
    finish = "tool_calls" if calls else draw(st.sampled_from(["stop", "stop", "length", "content_filter"]))
    native = draw(st.sampled_from([finish, "completed", "end_turn", "STOP"]))
    usage = usage_object(draw, responses=False)
    fingerprint = draw(st.sampled_from([None, "fp_2f406b9113"]))
    tier = draw(st.sampled_from([None, "default"]))
    head = {"id": "gen-1765226419-AGrwjunAftQIAgweibL8", "provider": "OpenAI", "model": "openai/gpt-4.1-mini", "object": "chat.completion.chunk", "created": 1765226419}
    choice_logprobs = {"content": logprob_entries(text_pieces), "refusal": None} if logprobs else None
    body = {**head, "object": "chat.completion", "system_fingerprint": fingerprint, "service_tier": tier}
    body["choices"] = [{"index": 0, "message": message, "finish_reason": finish, "native_finish_reason": native, "logprobs": choice_logprobs}]
    body["usage"] = usage

    metadata_on_every_chunk = draw(st.booleans())

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, logprob_tokens: list[Any] | None = None, **extra: Any) -> bytes:
        meta = {"system_fingerprint": fingerprint, "service_tier": tier} if metadata_on_every_chunk else {}
        choice: dict[str, Any] = {"index": 0, "delta": {"role": "assistant", **delta}, "finish_reason": finish_reason, "native_finish_reason": native if finish_reason else None}
        choice["logprobs"] = {"content": logprob_tokens, "refusal": None} if logprob_tokens else None
        return data({**head, **meta, "choices": [choice], **extra})

    events = [chunk({"content": ""})]
    reasoning_pieces = pieces(draw, reasoning or "")
    fragments = [f for detail in details for f in _detail_fragments(draw, detail)]
    # delta.reasoning and delta.reasoning_details stream in parallel, in the same chunks (§5.3).
    for n in range(max(len(reasoning_pieces), len(fragments))):
        delta: dict[str, Any] = {"content": ""}
        if n < len(reasoning_pieces):
            delta["reasoning"] = reasoning_pieces[n]
        if n < len(fragments):
            delta["reasoning_details"] = [fragments[n]]
        events.append(chunk(delta))
    for piece in text_pieces:
        events.append(chunk({"content": piece}, logprob_tokens=logprob_entries([piece]) if logprobs else None))
    for piece in pieces(draw, refusal or ""):
        events.append(chunk({"content": None, "refusal": piece}))
    if annotations:
        events.append(chunk({"content": "", "annotations": annotations}))
    for call in calls:
        whole = draw(st.booleans())
        first = {"index": call["index"], "id": call["id"], "type": "function", "function": {"name": call["function"]["name"], "arguments": call["function"]["arguments"] if whole else ""}}
        events.append(chunk({"content": None, "tool_calls": [first]}))
        if not whole:
            for piece in pieces(draw, call["function"]["arguments"]):
                events.append(chunk({"content": None, "tool_calls": [{"index": call["index"], "function": {"arguments": piece}}]}))
    final_meta = {"system_fingerprint": fingerprint, "service_tier": tier}
    layout = draw(st.sampled_from(["2025", "2026-empty", "2026-repeat"]))
    events.append(chunk({"content": ""}, finish))
    if layout == "2025":  # the usage chunk has one choice with an empty delta and finish_reason null
        events.append(chunk({"content": ""}, None, usage=usage, **final_meta))
    elif layout == "2026-empty":  # choices: [] (fixture chat-stream-server-tool-usage)
        events.append(data({**head, **final_meta, "choices": [], "usage": usage}))
    else:  # the finish repeated with the usage
        events.append(chunk({"content": ""}, finish, usage=usage, **final_meta))
    return Case(body=body, sse=sse(events, draw), logprobs_streamed=logprobs)
