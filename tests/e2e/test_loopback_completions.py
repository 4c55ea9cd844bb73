"""End to end over real HTTP on loopback: the default httpx2 transport talking to a uvicorn server.

The server replays recorded OpenRouter bodies (a streamed one written event by event, as separate HTTP
chunks) so these tests exercise connection pooling, chunked transfer and SSE framing for real.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import httpx2
import pytest

from _spec import assert_valid_request, load_fixture
from chat_openrouter import messages
from chat_openrouter.core.events import Done, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from chat_openrouter.core.options import ChatOptions
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.tools import ToolSpec
from chat_openrouter.errors import RateLimitError, StreamError
from chat_openrouter.openrouter.builder import OpenRouterBuilder
from chat_openrouter.wire.completions.client import CompletionsClient

from ._calls import MODES, complete, loopback_client, sse_events, stream
from ._server import LoopbackServer, RecordedRequest, ScriptedApp, ScriptedResponse

LLM_VERSION = ToolSpec(
    "llm_version", "Return the installed version of llm", {"properties": {}, "type": "object"}
)


def client_for(server: LoopbackServer) -> CompletionsClient:
    client: CompletionsClient = loopback_client(OpenRouterBuilder().with_completions(), server, "openai/gpt-4.1-mini")
    return client


def check_request(request: RecordedRequest, *, stream: bool) -> dict[str, Any]:
    assert (request.method, request.path) == ("POST", "/api/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-or-test-key"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == ("text/event-stream" if stream else "application/json")
    body: dict[str, Any] = request.json()
    assert_valid_request(body, "ChatRequest")
    assert body.get("stream") is (True if stream else None)
    return body


def call_complete(client: CompletionsClient, mode: str) -> ChatResponse:
    msgs = messages.from_system("Be helpful.").user("Tell me about Venus")
    return complete(client, mode, msgs, options=ChatOptions(max_tokens=100))


def call_stream(client: CompletionsClient, mode: str, events: list[StreamEvent]) -> None:
    stream(client, mode, messages.from_user("What is the current llm version?"), events, tools=[LLM_VERSION])


@pytest.mark.parametrize("mode", MODES)
def test_non_stream_call_over_http(mode: str) -> None:
    body, _ = load_fixture("chat-nonstream-text-basic.json")
    app = ScriptedApp(
        ScriptedResponse.json(
            json.loads(body), headers={"x-generation-id": "gen-1762789695-8IngOktYUifJqeBs0mwc"}
        )
    )
    with LoopbackServer(app) as server:
        response = call_complete(client_for(server), mode)
    (request,) = app.requests
    sent = check_request(request, stream=False)
    assert sent["messages"] == [
        {"role": "system", "content": "Be helpful."},
        {"role": "user", "content": "Tell me about Venus"},
    ]
    assert sent["max_completion_tokens"] == 100
    assert response.text.startswith("Brief summary\n- Venus is the second planet")
    assert response.reasoning.startswith("**Exploring Venus**")
    assert (response.id, response.model, response.finish_reason) == (
        "gen-1762789695-8IngOktYUifJqeBs0mwc",
        "openai/gpt-5-mini",
        "stop",
    )
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.reasoning_tokens) == (
        17,
        1515,
        704,
    )


@pytest.mark.parametrize("mode", MODES)
def test_stream_call_over_http(mode: str) -> None:
    chunks = sse_events("chat-stream-tool-call.sse")
    assert len(chunks) == 6  # one comment, four chunks, [DONE]: written separately
    app = ScriptedApp(ScriptedResponse.sse(chunks))
    events: list[StreamEvent] = []
    with LoopbackServer(app) as server:
        call_stream(client_for(server), mode, events)
    sent = check_request(app.requests[0], stream=True)
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "llm_version",
                "description": "Return the installed version of llm",
                "parameters": {"properties": {}, "type": "object"},
            },
        }
    ]
    assert [type(e) for e in events] == [ToolCallChunk, ToolCallChunk, ToolCall, Done]
    done = events[-1]
    assert isinstance(done, Done)
    (call,) = done.response.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_o4OCgtJrNoZTmoCRvmlfoHfj", "llm_version", {})
    assert done.response.finish_reason == "tool_calls"
    assert done.response.usage.cost == Decimal("0.0000368")


@pytest.mark.parametrize("mode", MODES)
def test_http_error_and_mid_stream_error_over_http(mode: str) -> None:
    error_body, _ = load_fixture("doc-error-429-capacity-exhausted.json")
    text_chunks = sse_events("chat-stream-text.sse")[:4]  # comment, role chunk, "Peb", "bles"
    error_chunk, _ = load_fixture("doc-chat-midstream-error-typed.sse")
    app = ScriptedApp(
        ScriptedResponse(429, (("content-type", "application/json"), ("retry-after", "3")), error_body),
        ScriptedResponse.sse([*text_chunks, error_chunk]),
    )
    events: list[StreamEvent] = []
    with LoopbackServer(app) as server:
        with pytest.raises(RateLimitError) as rate_limited:
            call_complete(client_for(server), mode)
        with pytest.raises(StreamError) as mid_stream:
            call_stream(client_for(server), mode, events)
    assert rate_limited.value.retry_after == 3.0  # the header wins over availability.retry_after
    assert [e.text for e in events if isinstance(e, TextChunk)] == ["Peb", "bles"]
    assert not any(isinstance(e, Done) for e in events)
    assert mid_stream.value.code == 429
    assert mid_stream.value.partial is not None
    assert mid_stream.value.partial.text == "Pebbles"
    assert len(app.requests) == 2


def test_server_stops_cleanly_and_reports_extra_requests() -> None:
    app = ScriptedApp(handler=lambda request: ScriptedResponse.json({"echo": request.json()}))
    before = {t.ident for t in threading.enumerate()}
    with LoopbackServer(app) as server:
        thread = server.thread
        assert thread is not None
        assert thread.is_alive()
        with httpx2.Client() as http:
            echoed = http.post(server.url + "/x?y=1", json={"a": 1})
            assert echoed.json() == {"echo": {"a": 1}}
    assert not thread.is_alive()
    assert {t.ident for t in threading.enumerate()} <= before
    (request,) = app.requests
    assert (request.path, request.query) == ("/x", "y=1")

    empty = ScriptedApp()
    with LoopbackServer(empty) as server, httpx2.Client() as http:
        missing = http.get(server.url + "/nothing-queued")
    assert missing.status_code == 500
    assert "no scripted response left" in missing.json()["error"]["message"]
