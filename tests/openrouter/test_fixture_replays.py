"""Recorded OpenRouter exchanges, rebuilt with the typed API: the request we send matches what the real
client sent, and the recorded answer decodes into the typed result (model/provider used, citations, ...)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from _spec import assert_valid_request, load_fixture
from chat_openrouter import FilePart, messages
from chat_openrouter.openrouter import ServerTool, WebSearch, citations

from ._support import Recorder, Reply, builder


def _recorded(name: str) -> dict[str, Any]:
    _, meta = load_fixture(name)
    body: dict[str, Any] = meta["request"]["body"]
    return body


def test_preset_request_and_answer() -> None:
    recorded = _recorded("chat-nonstream-preset.json")
    recorder = Recorder([Reply.fixture("chat-nonstream-preset.json")])
    client = builder(recorder, wire="completions", model=recorded["model"]).with_preset("comedian").build()
    response = client.complete_sync(messages.from_user("Trains"))
    sent = recorder.posts[0].json
    assert {k: sent[k] for k in ("model", "preset", "messages")} == {
        k: recorded[k] for k in ("model", "preset", "messages")
    }
    assert_valid_request(sent, "ChatRequest")
    assert response.text.startswith("Why did the train break up with the track?")
    assert (response.model, response.provider) == ("google/gemini-2.5-flash-lite", "Google")


def test_fallback_models_and_provider_only_report_the_model_actually_used() -> None:
    recorded = _recorded("chat-nonstream-fallback-models-provider-only.json")
    recorder = Recorder([Reply.fixture("chat-nonstream-fallback-models-provider-only.json")])
    client = (
        builder(recorder, wire="completions", model=recorded["model"])
        .with_fallback_models(["x-ai/grok-4"])
        .with_provider(only=["xai"])
        .build()
    )
    response = client.complete_sync(messages.from_user("Who are you"))
    sent = recorder.posts[0].json
    assert (sent["model"], sent["models"], sent["provider"]) == (
        recorded["model"],
        recorded["models"],
        recorded["provider"],
    )
    assert sent["messages"] == recorded["messages"]
    assert_valid_request(sent, "ChatRequest")
    # The primary (gemini ... :free) was not used: the fallback answered, through xAI.
    assert (response.model, response.provider) == ("x-ai/grok-4", "xAI")
    assert response.text.startswith("I'm Grok")


def test_web_search_server_tool_with_url_citations() -> None:
    recorded = _recorded("chat-nonstream-web-search-annotations.json")
    recorder = Recorder([Reply.fixture("chat-nonstream-web-search-annotations.json")])
    client = builder(recorder, wire="completions", model=recorded["model"]).build()
    response = client.complete_sync(
        messages.from_user(recorded["messages"][0]["content"]),
        tools=[WebSearch(max_uses=1, search_context_size="medium")],
    )
    sent = recorder.posts[0].json
    assert (sent["tools"], sent["messages"]) == (recorded["tools"], recorded["messages"])
    assert_valid_request(sent, "ChatRequest")
    found = citations(response)
    body, _ = load_fixture("chat-nonstream-web-search-annotations.json")
    raw = json.loads(body)["choices"][0]["message"]["annotations"]
    assert [c.url for c in found] == [a["url_citation"]["url"] for a in raw]
    assert found[0].url == "https://github.com/pydantic/pydantic-ai"
    assert "github.com/pydantic/pydantic-ai" in response.text


def test_web_search_server_tool_usage_streamed_and_not() -> None:
    for name in ("chat-nonstream-server-tool-usage.json", "chat-stream-server-tool-usage.sse"):
        recorded = _recorded(name)
        recorder = Recorder([Reply.fixture(name)])
        client = (
            builder(recorder, wire="completions", model=recorded["model"])
            .with_web_search(WebSearch(max_uses=1, search_context_size="medium"))
            .build()
        )
        msgs = messages.from_user(recorded["messages"][0]["content"])
        response = (
            client.stream_sync(msgs).final_response() if name.endswith(".sse") else client.complete_sync(msgs)
        )
        assert recorder.posts[0].json["tools"] == recorded["tools"]
        # The search is billed inside usage.cost; its count is kept verbatim in usage.raw.
        assert response.usage.cost == Decimal("0.0133176")
        assert response.usage.raw["server_tool_use_details"] == {"web_search_requests": 1}


def test_other_server_tools_pass_through_verbatim() -> None:
    recorded = _recorded("chat-nonstream-advisor-server-tool.json")
    recorder = Recorder([Reply.fixture("chat-nonstream-advisor-server-tool.json")])
    client = builder(recorder, wire="completions", model=recorded["model"]).build()
    advisor = ServerTool("openrouter:advisor", recorded["tools"][0]["parameters"])
    response = client.complete_sync(messages.from_user(recorded["messages"][0]["content"]), tools=[advisor])
    assert recorder.posts[0].json["tools"] == recorded["tools"]
    assert response.usage.cost == Decimal("0.0160614")  # includes the advisor's spend
    assert response.usage.is_byok is None  # absent in this capture: unknown, not False


def test_pdf_file_annotations_are_sent_back_to_skip_reparsing() -> None:
    recorded = _recorded("chat-nonstream-file-annotations.json")
    question, file_part = recorded["messages"][0]["content"]
    data_url = file_part["file"]["file_data"]
    pdf = FilePart.from_bytes(
        base64.b64decode(data_url.split(",", 1)[1]), "application/pdf", filename=file_part["file"]["filename"]
    )
    recorder = Recorder(
        [
            Reply.fixture("chat-nonstream-file-annotations.json"),
            Reply.fixture("chat-nonstream-text-basic.json"),
        ]
    )
    client = builder(recorder, wire="completions", model=recorded["model"]).build()
    msgs = messages.from_user(question["text"], pdf)
    first = client.complete_sync(msgs)
    assert recorder.posts[0].json["messages"] == recorded["messages"]  # byte-identical PDF part
    (annotation,) = first.annotations
    assert annotation["type"] == "file"
    assert annotation["file"]["name"] == "filename.pdf"
    assert citations(first) == []  # not a URL citation

    msgs.push(first.content).user("Thanks. Anything else in it?")
    client.complete_sync(msgs)
    assistant = next(m for m in recorder.posts[1].json["messages"] if m["role"] == "assistant")
    assert assistant["annotations"] == [annotation]
    assert_valid_request(recorder.posts[1].json, "ChatRequest")


def test_web_search_citations_on_the_responses_wire() -> None:
    # No Responses web-search capture exists; the shape is the spec's URLCitation on an output_text part.
    body = {
        "id": "gen-1",
        "object": "response",
        "model": "openai/gpt-4.1-mini",
        "status": "completed",
        "output": [
            {
                "id": "msg_tmp_1",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {
                        "type": "output_text",
                        "text": "See pydantic-ai on GitHub.",
                        "logprobs": [],
                        "annotations": [
                            {
                                "type": "url_citation",
                                "url": "https://github.com/pydantic/pydantic-ai",
                                "title": "pydantic-ai",
                                "start_index": 4,
                                "end_index": 15,
                            }
                        ],
                    }
                ],
            }
        ],
        "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15, "cost": 0.02, "is_byok": False},
    }
    recorder = Recorder([Reply.json(body)])
    client = builder(recorder, model="openai/gpt-4.1-mini").with_web_search(WebSearch(max_results=2)).build()
    response = client.complete_sync(messages.from_user("Where is pydantic-ai?"))
    assert recorder.posts[0].json["tools"] == [
        {"type": "openrouter:web_search", "parameters": {"max_results": 2}}
    ]
    assert_valid_request(recorder.posts[0].json, "ResponsesRequest")
    (citation,) = citations(response)
    assert (citation.url, citation.title, citation.start_index, citation.end_index) == (
        "https://github.com/pydantic/pydantic-ai",
        "pydantic-ai",
        4,
        15,
    )
    assert response.text[citation.start_index : citation.end_index] == "pydantic-ai"
