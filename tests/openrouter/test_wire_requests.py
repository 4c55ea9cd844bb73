"""Every OpenRouter option reaches the wire, on both wires, in a body that validates against the spec.

Requests are captured from the real client stack (codec → endpoint → httpx2.MockTransport).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from _spec import assert_valid_request
from chat_openrouter import ChatOptions, FilePart, Reasoning, TextPart, ToolSpec, messages
from chat_openrouter.openrouter import (
    CacheControl,
    ContextCompressionPlugin,
    FileParserPlugin,
    MaxPrice,
    OpenRouterAPI,
    Percentiles,
    ProviderPreferences,
    ProviderSort,
    ResponseHealingPlugin,
    ServerTool,
    WebPlugin,
    WebSearch,
    request_options,
)

from ._support import SCHEMA, WIRES, Recorder, Reply, builder

ANSWER = {
    "responses": "responses-nonstream-prompt-cache-write.json",
    "completions": "chat-nonstream-text-basic.json",
}
STREAM = {"responses": "responses-stream-text.sse", "completions": "chat-stream-text.sse"}
WEATHER = ToolSpec(
    "get_weather", "Weather for a city", {"type": "object", "properties": {"city": {"type": "string"}}}
)
ATTRIBUTION = ("http-referer", "x-openrouter-title", "x-openrouter-categories", "x-title")


def _recorder(wire: str) -> Recorder:
    def reply(seen: Any) -> Reply:
        if seen.method == "GET":
            return Reply.fixture("models-list-truncated.json")
        return Reply.fixture(STREAM[wire] if b'"stream":true' in seen.content else ANSWER[wire])

    return Recorder(route=reply)


def _send(wire: str, b: Any = None, **call: Any) -> dict[str, Any]:
    recorder = _recorder(wire)
    client = (b or builder(recorder, wire=wire)).with_transport(recorder.transport()).build()
    client.complete_sync(call.pop("msgs", messages.from_user("Hi")), **call)
    body: dict[str, Any] = recorder.posts[-1].json
    assert_valid_request(body, SCHEMA[wire])
    return body


# -- attribution -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
def test_no_attribution_headers_unless_asked(wire: str) -> None:
    recorder = _recorder(wire)
    client = builder(recorder, wire=wire).build()
    client.complete_sync(messages.from_user("Hi"))
    client.stream_sync(messages.from_user("Hi")).final_response()
    OpenRouterAPI(client).list_models_sync()
    assert len(recorder.seen) == 3
    for seen in recorder.seen:
        assert not [h for h in ATTRIBUTION if h in seen.headers], (seen.method, seen.path)


@pytest.mark.parametrize("wire", WIRES)
def test_attribution_headers_on_every_request(wire: str) -> None:
    recorder = _recorder(wire)
    client = (
        builder(recorder, wire=wire)
        .with_app(url="https://myapp.example", title="My App", categories=["cli-agent"])
        .build()
    )
    client.complete_sync(messages.from_user("Hi"))

    async def stream() -> None:
        async for _ in client.stream(messages.from_user("Hi")):
            pass

    asyncio.run(stream())
    OpenRouterAPI(client).get_model_sync("openai/gpt-4o")
    assert len(recorder.seen) == 3
    for seen in recorder.seen:
        assert seen.headers["http-referer"] == "https://myapp.example"
        assert seen.headers["x-openrouter-title"] == "My App"
        assert seen.headers["x-openrouter-categories"] == "cli-agent"


def test_title_only_and_url_only() -> None:
    recorder = _recorder("completions")
    builder(recorder, wire="completions").with_app(title="T").build().complete_sync(messages.from_user("Hi"))
    assert recorder.seen[-1].headers.get("x-openrouter-title") == "T"
    assert "http-referer" not in recorder.seen[-1].headers


# -- routing ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
def test_routing_fields_reach_the_wire(wire: str) -> None:
    recorder = _recorder(wire)
    b = (
        builder(recorder, wire=wire, model="anthropic/claude-sonnet-4")
        .with_provider(
            order=["anthropic", "amazon-bedrock"],
            only=["anthropic", "amazon-bedrock"],
            ignore=["azure"],
            allow_fallbacks=False,
            require_parameters=True,
            data_collection="deny",
            zdr=True,
            enforce_distillable_text=True,
            quantizations=["bf16"],
            sort=ProviderSort(by="price", partition="model"),
            max_price=MaxPrice(prompt="3", completion=15, request=0.01, image=0.1, audio=0.2),
            preferred_min_throughput=Percentiles(p50=50),
            preferred_max_latency=2.5,
        )
        .with_fallback_models(["openai/gpt-4o", "google/gemini-2.5-pro"])
        .with_session_id("conv-42")
        .with_user("end-user-1")
        .with_reasoning(effort="high", summary="auto")
    )
    body = _send(wire, b)
    assert body["model"] == "anthropic/claude-sonnet-4"
    assert body["models"] == ["openai/gpt-4o", "google/gemini-2.5-pro"]
    assert body["provider"]["order"] == ["anthropic", "amazon-bedrock"]
    assert body["provider"]["max_price"] == {
        "prompt": "3",
        "completion": "15",
        "request": "0.01",
        "image": "0.1",
        "audio": "0.2",
    }
    assert body["provider"]["sort"] == {"by": "price", "partition": "model"}
    user_field = "safety_identifier" if wire == "responses" else "user"  # each wire's end-user id (spec)
    assert (body["session_id"], body[user_field]) == ("conv-42", "end-user-1")
    assert body["reasoning"]["effort"] == "high"
    assert body["reasoning"]["summary"] == "auto"


@pytest.mark.parametrize("wire", WIRES)
def test_per_call_options_override_builder_defaults(wire: str) -> None:
    recorder = _recorder(wire)
    b = (
        builder(recorder, wire=wire)
        .with_provider(order=["openai"], data_collection="deny")
        .with_session_id("s-default")
    )
    body = _send(
        wire,
        b,
        options=request_options(
            provider=ProviderPreferences(sort="throughput"), session_id="s-call", models=["x-ai/grok-4"]
        ),
    )
    assert body["provider"] == {"sort": "throughput"}  # replaced as a whole: what you pass is what is sent
    assert body["session_id"] == "s-call"
    assert body["models"] == ["x-ai/grok-4"]
    # ... and the builder's defaults are intact for the next call
    assert _send(wire, b)["provider"] == {"order": ["openai"], "data_collection": "deny"}


@pytest.mark.parametrize("wire", WIRES)
def test_presets_by_field_and_by_model(wire: str) -> None:
    recorder = _recorder(wire)
    body = _send(
        wire, builder(recorder, wire=wire, model="google/gemini-2.5-flash-lite").with_preset("comedian")
    )
    assert (body["model"], body["preset"]) == ("google/gemini-2.5-flash-lite", "@preset/comedian")
    body = _send(wire, builder(recorder, wire=wire, model=None).with_preset("@preset/comedian"))
    assert "model" not in body
    assert body["preset"] == "@preset/comedian"
    body = _send(wire, builder(recorder, wire=wire, model="@preset/comedian"))
    assert body["model"] == "@preset/comedian"


# -- plugins and server tools ----------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
def test_plugins_reach_the_wire(wire: str) -> None:
    recorder = _recorder(wire)
    b = builder(recorder, wire=wire).with_plugins(
        WebPlugin(max_results=3, exclude_domains=["example.com"]),
        FileParserPlugin(pdf_engine="mistral-ocr"),
        ResponseHealingPlugin(),
        ContextCompressionPlugin(engine="middle-out"),
    )
    body = _send(wire, b)
    assert body["plugins"] == [
        {"id": "web", "max_results": 3, "exclude_domains": ["example.com"]},
        {"id": "file-parser", "pdf": {"engine": "mistral-ocr"}},
        {"id": "response-healing"},
        {"id": "context-compression", "engine": "middle-out"},
    ]


@pytest.mark.parametrize("wire", WIRES)
def test_server_tools_pass_through_next_to_function_tools(wire: str) -> None:
    recorder = _recorder(wire)
    b = builder(recorder, wire=wire).with_web_search(WebSearch(max_results=2, engine="exa"))
    advisor = ServerTool("openrouter:advisor", {"model": "anthropic/claude-opus-4"})
    body = _send(wire, b, tools=[advisor, {"type": "openrouter:datetime"}, WEATHER])
    tools = body["tools"]
    assert tools[0] == {"type": "openrouter:web_search", "parameters": {"max_results": 2, "engine": "exa"}}
    assert tools[1] == {"type": "openrouter:advisor", "parameters": {"model": "anthropic/claude-opus-4"}}
    assert tools[2] == {"type": "openrouter:datetime"}
    assert len(tools) == 4
    assert tools[3]["type"] == "function"


# -- prompt caching --------------------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
def test_prompt_cache_key_and_automatic_caching(wire: str) -> None:
    recorder = _recorder(wire)
    body = _send(
        wire, builder(recorder, wire=wire).with_prompt_cache_key("tenant-7").with_prompt_caching(ttl="5m")
    )
    assert body["prompt_cache_key"] == "tenant-7"
    assert body["cache_control"] == {"type": "ephemeral", "ttl": "5m"}


def test_cache_control_on_text_and_tools_completions_replays_the_recorded_request() -> None:
    # The recorded request of fixture chat-nonstream-prompt-cache-write, rebuilt with typed parts.
    from _spec import load_fixture

    _, meta = load_fixture("chat-nonstream-prompt-cache-write.json")
    recorded = meta["request"]["body"]
    long_text = recorded["messages"][1]["content"][0]["text"]
    msgs = messages.from_system("You are a helpful assistant.").user(
        TextPart(long_text, cache_control=CacheControl(ttl="5m").to_json())
    )
    recorder = Recorder([Reply.fixture("chat-nonstream-prompt-cache-write.json")])
    client = (
        builder(recorder, wire="completions", model=recorded["model"])
        .with_options(ChatOptions(max_tokens=100))
        .build()
    )
    response = client.complete_sync(msgs)
    body = recorder.posts[0].json
    assert body["messages"] == recorded["messages"]
    assert body["max_completion_tokens"] == recorded["max_completion_tokens"]
    assert_valid_request(body, "ChatRequest")
    assert (response.usage.cache_write_tokens, response.usage.cached_tokens) == (3211, 0)


def test_cache_control_on_a_tool_completions() -> None:
    tool = ToolSpec(
        "lookup",
        "Look up",
        {"type": "object", "properties": {}},
        extra={"cache_control": CacheControl().to_json()},
    )
    body = _send("completions", tools=[tool])
    assert body["tools"][0]["cache_control"] == {"type": "ephemeral"}


@pytest.mark.parametrize("wire", WIRES)
def test_cache_control_on_parts_is_encoded_validly(wire: str) -> None:
    msgs = messages.from_user(
        TextPart("a long, stable prefix " * 50, cache_control={"type": "ephemeral"}), "the question"
    )
    body = _send(wire, msgs=msgs)
    text = str(body)
    # Chat keeps Anthropic-style cache_control on the part; Responses marks a prompt-cache breakpoint
    # (spec InputText has prompt_cache_breakpoint, not cache_control).
    assert "cache_control" in text or "prompt_cache_breakpoint" in text


# -- reasoning knobs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    "reasoning",
    [
        Reasoning(effort="none"),
        Reasoning(effort="minimal"),
        Reasoning(effort="xhigh"),
        Reasoning(max_tokens=4000),
        Reasoning(exclude=True, enabled=True),
        Reasoning(summary="concise", effort="low"),
    ],
)
def test_reasoning_options_on_both_wires(wire: str, reasoning: Reasoning) -> None:
    recorder = _recorder(wire)
    b = builder(recorder, wire=wire).with_reasoning(reasoning)
    body = _send(wire, b)
    for key, value in reasoning.to_json().items():
        assert body["reasoning"][key] == value


@pytest.mark.parametrize("wire", WIRES)
def test_a_deliberate_unknown_reasoning_effort_passes_through(wire: str) -> None:
    recorder = _recorder(wire)
    builder(recorder, wire=wire).with_reasoning(effort="hyper", allow_unknown=True).build().complete_sync(
        messages.from_user("Hi")
    )
    # A typo is refused at construction; a value newer than the spec's enum goes through when asked for.
    assert recorder.posts[-1].json["reasoning"]["effort"] == "hyper"


# -- multimodal ------------------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.mark.parametrize("wire", WIRES)
def test_multimodal_parts_encode_validly(wire: str, tmp_path: Any) -> None:
    pdf_path = tmp_path / "report.pdf"
    pdf_path.write_bytes(PDF)
    parts = [
        "Describe these.",
        FilePart.from_bytes(PNG, "image/png"),
        FilePart.from_url("https://example.com/cat.jpg"),
        FilePart.from_path(pdf_path),
        FilePart.from_url("https://bitcoin.org/bitcoin.pdf"),
        FilePart.from_bytes(WAV, "audio/wav"),
    ]
    body = _send(wire, msgs=messages.from_user(*parts))
    text = str(body)
    assert FilePart.from_bytes(PNG, "image/png").data_url() in text
    assert "https://example.com/cat.jpg" in text
    assert "https://bitcoin.org/bitcoin.pdf" in text
    assert FilePart.from_bytes(PDF, "application/pdf").base64() in text
    assert "report.pdf" in text
    assert FilePart.from_bytes(WAV, "audio/wav").base64() in text
    assert "'wav'" in text


def test_multimodal_chat_shapes_match_recorded_requests() -> None:
    from _spec import load_fixture

    _, image_meta = load_fixture("chat-stream-image-input.sse")
    recorded_parts = image_meta["request"]["body"]["messages"][0]["content"]
    image_url = next(p for p in recorded_parts if p["type"] == "image_url")["image_url"]["url"]
    text = next(p for p in recorded_parts if p["type"] == "text")["text"]
    body = _send("completions", msgs=messages.from_user(text, FilePart.from_url(image_url)))
    sent = body["messages"][0]["content"]
    assert {"type": "image_url", "image_url": {"url": image_url}} in sent

    _, pdf_meta = load_fixture("chat-nonstream-file-pdf-url.json")
    recorded_file = next(
        p for p in pdf_meta["request"]["body"]["messages"][0]["content"] if p["type"] == "file"
    )
    pdf = FilePart.from_url(
        recorded_file["file"]["file_data"], filename=recorded_file["file"].get("filename")
    )
    body = _send("completions", msgs=messages.from_user("Summarise", pdf))
    assert recorded_file in body["messages"][0]["content"]


def test_video_by_url_on_both_wires() -> None:
    video = FilePart.from_url("https://example.com/clip.mp4")
    assert video.category == "video"
    for wire in WIRES:
        body = _send(wire, msgs=messages.from_user("What happens?", video))
        assert "https://example.com/clip.mp4" in str(body)
