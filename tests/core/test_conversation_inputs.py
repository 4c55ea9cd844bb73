"""Issue 14, "Why" 1-2: a conversation is a str, a Messages or OpenAI-style dicts -- on both clients and on
Chat -- and tools= takes what ChatBuilder.with_tools takes. Wrong types fail at once, naming what is
accepted. (Before: `'str' object has no attribute 'role'`, `'Tool' object is not iterable`, and
`messages.from_user({...})` failing later with `'dict' object has no attribute 'kind'`.)"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_openrouter import (
    ChatBuilder,
    Content,
    FilePart,
    Messages,
    OpenRouterBuilder,
    ReasoningPart,
    RefusalPart,
    Role,
    TextPart,
    ToolPart,
    ToolSpec,
    ToolStatus,
    messages,
    tool,
)
from chat_openrouter.core.messages import as_messages
from chat_openrouter.testing import ScriptedProvider, reply
from chat_openrouter.testing.emulator import Emulator

WIRES = ["responses", "completions"]


@tool
def get_weather(city: str) -> dict[str, object]:
    """Current weather for a city."""
    return {"city": city, "celsius": 14}


def plain_function(city: str) -> str:
    """Local time in a city."""
    return "noon"


def _client(emulator: Emulator, wire: str, model: str = "emulator/echo") -> Any:
    builder = OpenRouterBuilder().with_model(model).with_api_key("test").with_transport(emulator.transport())
    return (builder.with_completions() if wire == "completions" else builder).build()


# -- clients --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
def test_clients_take_a_string_a_messages_or_openai_dicts_in_all_four_methods(wire: str) -> None:
    client = _client(Emulator(), wire)
    dicts = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}]
    for conversation in ("hello", messages.from_user("hello"), dicts):
        assert client.complete_sync(conversation).text == "hello"
        assert asyncio.run(client.complete(conversation)).text == "hello"
        assert client.stream_sync(conversation).final_response().text == "hello"

        async def streamed(conversation: Any = conversation) -> str:
            return (await client.stream(conversation).final_response()).text

        assert asyncio.run(streamed()) == "hello"


@pytest.mark.parametrize("wire", WIRES)
def test_a_clients_response_messages_is_the_conversation_after_the_call(wire: str) -> None:
    client = _client(Emulator(), wire)
    mine = messages.from_user("hello")
    for response in (client.complete_sync(mine), client.stream_sync(mine).final_response()):
        assert isinstance(response.messages, Messages)
        assert [c.role for c in response.messages] == [Role.USER, Role.MODEL]
        assert response.messages[-1] is response.content
    assert len(mine) == 1  # the caller's conversation is never modified
    follow_up = client.complete_sync(response.messages.user("again"))
    assert follow_up.text == "again" and len(follow_up.messages) == 4


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    "tools",
    [
        [get_weather],  # an @tool
        [plain_function],  # a plain function
        [get_weather.spec],  # a ToolSpec
        "raw",  # a raw JSON tool, in the wire's own shape (passed through verbatim)
        get_weather,  # a single tool needs no list
    ],
    ids=["tool", "function", "spec", "dict", "single"],
)
def test_clients_tools_take_what_with_tools_takes(wire: str, tools: Any) -> None:
    emulator = Emulator()
    client = _client(emulator, wire, "emulator/tools")
    if tools == "raw":
        function = {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}
        tools = [{"type": "function", "function": function} if wire == "completions" else {"type": "function", **function}]
    response = client.complete_sync("Weather?", tools=tools)
    assert response.tool_calls and response.tool_calls[0].status is ToolStatus.PENDING  # clients run no tools
    sent = emulator.requests[-1].body["tools"][0]
    assert (sent.get("name") or sent["function"]["name"]) in ("get_weather", "plain_function")


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("method", ["complete_sync", "stream_sync", "stream"])
@pytest.mark.parametrize("bad", [{"role": "user", "content": "Hi"}, 42, None, b"Hi", Content.user("Hi")])
def test_a_wrong_conversation_type_is_a_typeerror_at_the_call_naming_what_is_accepted(
    wire: str, method: str, bad: object
) -> None:
    emulator = Emulator()
    client = _client(emulator, wire)
    with pytest.raises(TypeError, match=r"str, a Messages, or a list of OpenAI-style message dicts"):
        getattr(client, method)(bad)  # streams too: before anything is iterated
    assert emulator.requests == []


@pytest.mark.parametrize("bad", [[42], ["get_weather"], "get_weather", 3, [object()], [ToolSpec]])
def test_a_wrong_tool_is_a_typeerror_naming_what_is_accepted(bad: object) -> None:
    client = _client(Emulator(), "responses")
    with pytest.raises(TypeError, match=r"tools= .*@tool functions \(Tool\), plain functions, ToolSpec"):
        client.complete_sync("Hi", tools=bad)  # type: ignore[arg-type]


def test_the_async_complete_raises_the_typeerror_before_any_request() -> None:
    emulator = Emulator()
    client = _client(emulator, "completions")
    with pytest.raises(TypeError, match=r"CompletionsClient\.complete\(\)"):
        asyncio.run(client.complete({"role": "user", "content": "Hi"}))  # type: ignore[arg-type]
    assert emulator.requests == []


def test_options_of_the_wrong_type_are_a_typeerror() -> None:
    with pytest.raises(TypeError, match="options= expects a ChatOptions"):
        _client(Emulator(), "responses").complete_sync("Hi", options={"temperature": 0})  # type: ignore[arg-type]


# -- Chat -----------------------------------------------------------------------------------------------------
def test_chat_takes_openai_dicts_and_refuses_a_dict() -> None:
    model = ScriptedProvider([reply("hi there")])
    chat = ChatBuilder().with_model(model).build()
    response = chat.complete_sync([{"role": "user", "content": "hello"}])
    assert response.text == "hi there"
    assert model.requests[0].messages == messages.from_user("hello")
    with pytest.raises(TypeError, match=r"Chat.stream_sync\(\) expects the conversation as a str"):
        chat.stream_sync({"role": "user", "content": "hello"})  # type: ignore[arg-type]


def test_a_chat_builder_given_a_model_name_says_how_to_build_a_client() -> None:
    from chat_openrouter import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"OpenRouterBuilder\(\).with_model\('openai/gpt-4o'\).build\(\)"):
        ChatBuilder().with_model("openai/gpt-4o")  # type: ignore[arg-type]


# -- parts ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [{"role": "user", "content": "Hi"}, 42, None, ["Hi"]])
def test_a_part_that_is_not_one_fails_where_it_is_given(bad: object) -> None:
    with pytest.raises(TypeError, match=r"a message part must be a str \(text\) or a part"):
        messages.from_user(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a message part"):
        Messages().model("ok", bad)  # type: ignore[arg-type]


def test_messages_holds_only_turns() -> None:
    with pytest.raises(TypeError, match=r"messages\.from_openai"):
        Messages([{"role": "user", "content": "Hi"}])  # type: ignore[list-item]


# -- from_openai / to_openai ----------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + bytes(8)
OPENAI = [
    {"role": "system", "content": "Be brief."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this?", "cache_control": {"type": "ephemeral"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
            {"type": "input_audio", "input_audio": {"data": base64.b64encode(b"RIFF").decode(), "format": "wav"}},
            {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERg=="}},
            {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "reasoning": "Need the weather.",
        "reasoning_details": [
            {"type": "reasoning.text", "text": "Need the weather.", "signature": "sig", "format": "anthropic-claude-v1"}
        ],
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
            {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": '{"celsius": 14}'},
    {"role": "tool", "tool_call_id": "call_2", "content": '{"celsius": 3}'},
    {"role": "assistant", "content": "Paris is warmer.", "annotations": [{"type": "url_citation", "url": "u"}]},
    {"role": "assistant", "content": None, "refusal": "I can't help with that."},
    {"role": "user", "content": "Thanks"},
]


def test_from_openai_reads_every_shape_into_parts() -> None:
    msgs = messages.from_openai(OPENAI)
    assert [c.role for c in msgs] == [Role.SYSTEM, Role.USER, Role.MODEL, Role.MODEL, Role.MODEL, Role.USER]
    user = msgs[1]
    assert isinstance(user.parts[0], TextPart) and user.parts[0].cache_control == {"type": "ephemeral"}
    image, audio, pdf, video = user.files
    assert (image.url, image.detail, audio.data, audio.mime_type) == ("https://example.com/cat.png", "low", b"RIFF", "audio/wav")
    assert (pdf.filename, pdf.category, video.category) == ("a.pdf", "pdf", "video")
    model = msgs[2]
    reasoning = model.parts[0]
    assert isinstance(reasoning, ReasoningPart) and reasoning.signature == "sig"
    assert reasoning.details == OPENAI[2]["reasoning_details"]  # verbatim: replayed as received
    calls = model.tool_calls
    assert [(c.id, c.arguments, c.result, c.status) for c in calls] == [
        ("call_1", {"city": "Paris"}, '{"celsius": 14}', ToolStatus.COMPLETED),
        ("call_2", {"city": "Oslo"}, '{"celsius": 3}', ToolStatus.COMPLETED),
    ]
    assert msgs[3].text == "Paris is warmer." and msgs[3].parts[0].annotations == [{"type": "url_citation", "url": "u"}]  # type: ignore[union-attr]
    assert msgs[4].parts == [RefusalPart("I can't help with that.")]


def test_openai_dicts_round_trip_through_our_turns() -> None:
    assert messages.from_openai(OPENAI).to_openai() == OPENAI
    assert Messages.from_openai(OPENAI) == messages.from_openai(OPENAI)


def test_to_openai_sends_a_turn_the_way_the_chat_wire_does() -> None:
    turn = Content.model(ToolPart("c1", "add", '{"a":1}', status=ToolStatus.COMPLETED, result={"sum": 1}), "Done.")
    assert Messages([turn]).to_openai() == [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a":1}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"sum": 1}'},
        {"role": "assistant", "content": "Done."},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ([{"role": "bot", "content": "Hi"}], r"messages\[0\]\.role: expected 'system', 'developer', 'user'"),
        ([{"role": "tool", "tool_call_id": "x", "content": "1"}], r"messages\[0\]: no assistant tool call with id 'x'"),
        ([{"role": "user", "content": [{"type": "audio_url"}]}], r"messages\[0\]\.content\[0\]: unsupported content part"),
        ([{"role": "system", "content": [{"type": "image_url", "image_url": "https://x"}]}], "system message holds text"),
        ([{"role": "assistant", "tool_calls": [{"id": "1"}]}], r"tool_calls\[0\]: expected"),
        ([{"role": "user", "content": 42}], r"content: expected a string or a list"),
    ],
)
def test_malformed_openai_messages_are_a_valueerror_naming_the_place(bad: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        messages.from_openai(bad)


@pytest.mark.parametrize("bad", ["Hi", {"role": "user"}, 3, [["role", "user"]]])
def test_from_openai_wants_a_list_of_dicts(bad: Any) -> None:
    with pytest.raises(TypeError):
        messages.from_openai(bad)


def test_as_messages_keeps_a_messages_and_wraps_a_string() -> None:
    mine = messages.from_user("Hi")
    assert as_messages(mine) is mine
    assert as_messages("Hi") == mine
    assert as_messages([*mine]) == mine  # a plain list of turns


# Property: a conversation of what the OpenAI form can hold survives turns -> dicts -> turns unchanged.
texts = st.text(max_size=20)
user_parts = st.lists(
    st.one_of(
        st.builds(TextPart, texts),
        st.builds(lambda u: FilePart.from_url(f"https://example.com/{u}.png"), st.text("abc", min_size=1, max_size=5)),
        st.builds(lambda d: FilePart.from_bytes(d, "audio/wav"), st.binary(min_size=1, max_size=8)),
    ),
    min_size=1,
    max_size=3,
)
model_turns = st.builds(
    lambda text, results: Content.model(
        TextPart(text),
        *[ToolPart(f"call_{n}", "tool", "{}", status=ToolStatus.COMPLETED, result=r) for n, r in enumerate(results)],
    ),
    st.text(min_size=1, max_size=20),
    st.lists(st.text(max_size=10), max_size=2),
)
conversations = st.lists(
    st.one_of(
        st.builds(lambda p: Content(Role.USER, p), user_parts),
        st.builds(lambda t: Content.system(t), texts),
        model_turns,
    ),
    max_size=5,
)


@given(conversations)
def test_any_conversation_the_openai_form_can_hold_round_trips(turns: list[Content]) -> None:
    original = Messages(turns)
    dicts = original.to_openai()
    assert messages.from_openai(dicts) == original
    assert messages.from_openai(dicts).to_openai() == dicts


def test_a_mock_transport_sees_the_dicts_given_to_a_client() -> None:
    seen: list[Any] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        import json

        seen.append(json.loads(request.content)["messages"])
        return httpx2.Response(200, json={"id": "gen-1", "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": "ok"}}]})  # fmt: skip

    client = (OpenRouterBuilder().with_completions().with_model("m").with_api_key("k")
              .with_transport(httpx2.MockTransport(answer)).build())  # fmt: skip
    client.complete_sync(OPENAI[:2])
    assert seen[0][0] == {"role": "system", "content": "Be brief."}
    assert seen[0][1]["content"][1] == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}, }
