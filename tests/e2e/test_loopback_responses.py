"""End to end over real HTTP on loopback: the ``ResponsesClient`` on its default httpx2 transport.

A uvicorn server (``_server.LoopbackServer``) replays recorded OpenRouter Responses bodies -- streams
written event by event as separate HTTP chunks -- so these tests exercise connection pooling, chunked
transfer and SSE framing for real, sync and async, including a multi-turn tool loop whose second request
must replay the first turn statelessly.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from _spec import assert_valid_request, load_fixture
from chat_openrouter import messages
from chat_openrouter.core.events import Done, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from chat_openrouter.core.options import ChatOptions, Reasoning
from chat_openrouter.core.parts import ReasoningPart, ToolStatus
from chat_openrouter.core.tools import ToolSpec
from chat_openrouter.errors import AuthenticationError, StreamError
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.responses.client import ResponsesClient

from ._calls import MODES, complete, loopback_client, sse_events, stream
from ._server import LoopbackServer, RecordedRequest, ScriptedApp, ScriptedResponse

LLM_VERSION = ToolSpec(
    "llm_version", "Return the installed version of llm", {"properties": {}, "type": "object"}
)


def client_for(server: LoopbackServer, model: str = "openai/gpt-4.1-mini") -> ResponsesClient:
    client: ResponsesClient = loopback_client(OpenRouterBuilder(), server, model)
    return client


def check_request(request: RecordedRequest, *, stream: bool) -> dict[str, Any]:
    assert (request.method, request.path) == ("POST", "/api/v1/responses")
    assert request.headers["authorization"] == "Bearer sk-or-test-key"
    assert request.headers["accept"] == ("text/event-stream" if stream else "application/json")
    body: dict[str, Any] = request.json()
    assert_valid_request(body, "ResponsesRequest")
    assert body["store"] is False and "previous_response_id" not in body
    assert body.get("stream") is (True if stream else None)
    return body


@pytest.mark.parametrize("mode", MODES)
def test_non_stream_call_over_http(mode: str) -> None:
    body, _ = load_fixture("responses-nonstream-prompt-cache-write.json")
    app = ScriptedApp(
        ScriptedResponse.json(
            json.loads(body), headers={"x-generation-id": "gen-1784286312-3R0SU4Mb8ucOpEJ79d2o"}
        )
    )
    msgs = messages.from_system("Be brief.").user("Reply with exactly: OK")
    with LoopbackServer(app) as server:
        response = complete(
            client_for(server, "openai/gpt-5.6-sol"), mode, msgs, options=ChatOptions(max_tokens=50)
        )
    sent = check_request(app.requests[0], stream=False)
    assert sent["input"] == [
        {"type": "message", "role": "system", "content": "Be brief."},
        {"type": "message", "role": "user", "content": "Reply with exactly: OK"},
    ]
    assert sent["max_output_tokens"] == 50
    assert (response.text, response.finish_reason, response.model) == ("OK", "stop", "openai/gpt-5.6-sol")
    assert (response.usage.cache_write_tokens, response.usage.cost) == (4012, Decimal("0.025265"))


@pytest.mark.parametrize("mode", MODES)
def test_stream_call_over_http(mode: str) -> None:
    chunks = sse_events("responses-stream-tool-call.sse")
    assert len(chunks) == 9  # a ": " comment, seven events, [DONE]: written separately
    app = ScriptedApp(ScriptedResponse.sse(chunks))
    events: list[StreamEvent] = []
    with LoopbackServer(app) as server:
        stream(
            client_for(server),
            mode,
            messages.from_user("What is the current llm version?"),
            events,
            tools=[LLM_VERSION],
        )
    sent = check_request(app.requests[0], stream=True)
    assert sent["tools"] == [
        {
            "type": "function",
            "name": "llm_version",
            "description": "Return the installed version of llm",
            "parameters": {"properties": {}, "type": "object"},
        }
    ]
    assert [type(e) for e in events] == [ToolCallChunk, ToolCallChunk, ToolCall, Done]
    done = events[-1]
    assert isinstance(done, Done)
    (call,) = done.response.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_faKQ4JI18zZQE2oynAbvwip4", "llm_version", {})
    assert (done.response.finish_reason, done.response.usage.cost) == ("tool_calls", Decimal("0.000036"))


@pytest.mark.parametrize("mode", MODES)
def test_tool_loop_with_reasoning_is_replayed_statelessly(mode: str) -> None:
    """Turn 1 streams encrypted reasoning and a call; turn 2 must carry both back, plus the result."""
    # The real reasoning events of fixture responses-stream-reasoning-encrypted, then a function call in
    # place of its message (no real capture has both; reference §12).
    recorded = [
        json.loads(c[6:])
        for c in sse_events("responses-stream-reasoning-encrypted.sse")
        if c.startswith(b"data: {")
    ]
    reasoning_events = [e for e in recorded if e.get("item", {}).get("type") == "reasoning"]
    call_item = {
        "id": "fc_tmp_1",
        "type": "function_call",
        "status": "completed",
        "call_id": "call_1",
        "name": "llm_version",
        "arguments": "{}",
    }
    terminal = recorded[-1]
    terminal["response"]["output"] = [reasoning_events[-1]["item"], call_item]
    turn1_events = [
        *recorded[:2],  # response.created, response.in_progress
        *reasoning_events,  # output_item.added / .done with the encrypted content
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {**call_item, "status": "in_progress", "arguments": ""},
        },
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 1,
            "item_id": "fc_tmp_1",
            "delta": "{}",
        },
        {"type": "response.output_item.done", "output_index": 1, "item": call_item},
        terminal,
    ]
    turn1 = [
        b": OPENROUTER PROCESSING\n\n",
        *(b"data: " + json.dumps(e).encode() + b"\n\n" for e in turn1_events),
        b"data: [DONE]\n\n",
    ]
    answer, _ = load_fixture("responses-nonstream-prompt-cache-write.json")
    app = ScriptedApp(ScriptedResponse.sse(turn1), ScriptedResponse.json(json.loads(answer)))
    msgs = messages.from_user("What is the current llm version?")
    options = ChatOptions(reasoning=Reasoning(effort="minimal", summary="auto"))
    events: list[StreamEvent] = []
    with LoopbackServer(app) as server:
        stream(
            client_for(server, "openai/gpt-5-nano"), mode, msgs, events, tools=[LLM_VERSION], options=options
        )
        first = events[-1]
        assert isinstance(first, Done)
        (call,) = first.response.tool_calls
        call.result, call.status = "0.27", ToolStatus.COMPLETED
        msgs.push(first.response.content)
        second = complete(
            client_for(server, "openai/gpt-5-nano"), mode, msgs, tools=[LLM_VERSION], options=options
        )
    assert second.text == "OK"
    (reasoning,) = [p for p in first.response.content.parts if isinstance(p, ReasoningPart)]
    sent = check_request(app.requests[1], stream=False)
    assert sent["include"] == ["reasoning.encrypted_content"]
    assert [i.get("type") for i in sent["input"]] == [
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
    ]
    assert (
        sent["input"][1] == reasoning.item
    )  # verbatim: id, summary, encrypted blob with OpenRouter's suffix
    assert sent["input"][2] == {
        "type": "function_call",
        "id": "fc_tmp_1",
        "call_id": "call_1",
        "name": "llm_version",
        "arguments": "{}",
    }
    assert sent["input"][3] == {"type": "function_call_output", "call_id": "call_1", "output": "0.27"}


@pytest.mark.parametrize("mode", MODES)
def test_http_error_and_mid_stream_failure_over_http(mode: str) -> None:
    error_body, _ = load_fixture("error-401-no-auth-credentials.json")
    text_chunks = sse_events("responses-stream-text.sse")[
        :6
    ]  # created, in_progress, added, part, "Sk", "ipper"
    failed = {
        "type": "response.failed",
        "response": {
            "id": "gen-1785882264-Dc8eXAHSnjmKOswYtXdR",
            "status": "failed",
            "error": {"code": "server_error", "message": "Provider disconnected"},
            "error_type": "provider_unavailable",
            "output": [],
        },
    }
    app = ScriptedApp(
        ScriptedResponse(401, (("content-type", "application/json"),), error_body),
        ScriptedResponse.sse([*text_chunks, b"data: " + json.dumps(failed).encode() + b"\n\n"]),
    )
    events: list[StreamEvent] = []
    with LoopbackServer(app) as server:
        with pytest.raises(AuthenticationError):
            complete(client_for(server), mode, messages.from_user("Hi"))
        with pytest.raises(StreamError) as mid_stream:
            stream(client_for(server), mode, messages.from_user("Hi"), events)
    assert [e.text for e in events if isinstance(e, TextChunk)] == ["Sk", "ipper"]
    assert not any(isinstance(e, Done) for e in events)
    error = mid_stream.value
    assert (error.code, error.error_type, error.generation_id) == (
        "server_error",
        "provider_unavailable",
        "gen-1785882264-Dc8eXAHSnjmKOswYtXdR",
    )
    assert error.partial is not None and error.partial.text == "Skipper"
    assert len(app.requests) == 2
