"""MCP tools in the engine, driven by a scripted model in all four shells: routing, prefix/allow/approval,
every kind of failure going back to the model as an error result, and what stops a run from starting."""

from __future__ import annotations

import sys
from typing import Any

import pytest

pytest.importorskip("mcp.server.mcpserver")

from _mcp_servers import STDIO_SERVER, Counts, counting_server, odd_server, weather_server

from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.parts import ToolPart, ToolStatus
from chat_openrouter.core.tools import tool
from chat_openrouter.errors import ConfigurationError, ToolsetError
from chat_openrouter.testing import ScriptedProvider, call, reply
from engine._harness import MODES, Outcome, drive

RAW_SERVER = STDIO_SERVER.replace("stdio_server.py", "raw_stdio_server.py")


def model(*calls: Any) -> ScriptedProvider:
    """A model that makes ``calls`` (one turn each when given as lists), then answers "done"."""
    turns = [reply(tool_calls=c if isinstance(c, list) else [c]) for c in calls]
    return ScriptedProvider([*turns, reply("done")])


def answered(outcome: Outcome) -> list[ToolPart]:
    """Every tool call of the run, with its result or error, in order."""
    assert outcome.error is None, outcome.error
    assert outcome.response is not None
    return [p for step in outcome.response.steps for p in step.content.tool_calls]


@pytest.mark.parametrize("mode", MODES)
def test_calls_are_routed_to_the_server_by_their_prefixed_names(mode: str) -> None:
    provider = model(call("w_add", {"a": 2, "b": 40}), call("w_get_weather", {"city": "Oslo"}))
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_mcp(weather_server(), prefix="w", allow=["add", "get_weather"])
        .build()
    )
    with chat:
        outcome = drive(chat, mode, "hello")
    add, weather = answered(outcome)
    assert (add.status, add.result) == (ToolStatus.COMPLETED, "42")
    assert weather.result == '{\n  "city": "Oslo",\n  "temp_c": 21\n}'
    assert provider.requests[0].tool_names == ["w_add", "w_get_weather"]
    assert outcome.response is not None and outcome.response.text == "done"


def test_mcp_tools_come_after_local_tools_and_keep_the_servers_schema_and_description() -> None:
    @tool
    def local(x: int) -> int:
        """A local tool."""
        return x

    provider = model()
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_tools([local])
        .with_mcp(weather_server(), allow=["add"])
        .build()
    )
    with chat:
        chat.complete_sync("hi")
    local_spec, add_spec = provider.requests[0].tools
    assert (local_spec.name, add_spec.name) == ("local", "add")  # type: ignore[union-attr]
    assert add_spec.description == "Add two integers."  # type: ignore[union-attr]
    assert add_spec.parameters["required"] == ["a", "b"]  # type: ignore[union-attr]
    assert chat.tools == (local,)  # MCP tools are known per run, not at build time


def test_allow_as_a_predicate_sees_the_tool_info() -> None:
    provider = model()
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_mcp(weather_server(), allow=lambda t: bool(t.read_only_hint))
        .build()
    )
    with chat:
        chat.complete_sync("hi")
    assert provider.requests[0].tool_names == ["get_weather"]


@pytest.mark.parametrize("mode", MODES)
def test_approval_pauses_like_a_local_tool_and_resumes_on_the_same_server(mode: str) -> None:
    provider = model(
        [call("add", {"a": 2, "b": 40}, id="c1"), call("get_weather", {"city": "Rome"}, id="c2")]
    )
    # Require approval for whatever the server does not declare read-only.
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_mcp(
            weather_server(),
            allow=["add", "get_weather"],
            approval=lambda t: None if t.read_only_hint else "require",
        )
        .build()
    )
    with chat:
        paused = drive(chat, mode, "hello")
        assert paused.response is not None and paused.response.pause is not None
        assert [p.name for p in paused.response.pause.pending] == ["add"]
        weather = paused.response.steps[0].content.tool_calls[1]
        assert weather.status is ToolStatus.COMPLETED  # the read-only tool ran without asking
        resumed = drive(chat, mode, paused.response.pause.approve("c1"))
    assert resumed.response is not None and resumed.response.text == "done"
    add = resumed.response.steps[0].content.tool_calls[0]
    assert (add.status, add.result) == (ToolStatus.COMPLETED, "42")


def test_rejected_and_chat_level_policies_apply_to_mcp_tools() -> None:
    provider = model(call("add", {"a": 1, "b": 1}, id="c1"))
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_mcp(weather_server(), allow=["add"], approval="require")
        .build()
    )
    with chat:
        paused = chat.complete_sync("hi")
        assert paused.pause is not None
        rejected = chat.resume_sync(paused.pause.reject("c1", "not now"))
    (add,) = [p for s in rejected.steps for p in s.content.tool_calls]
    assert (add.status, add.error) == (ToolStatus.REJECTED, "rejected by user: not now")

    # with_approval on the chat overrides the tools' own strategies, MCP tools included.
    provider = model(call("add", {"a": 1, "b": 1}))
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_mcp(weather_server(), allow=["add"], approval="require")
        .with_approval("reject")
        .build()
    )
    with chat:
        (add,) = answered(drive(chat, "complete_sync", "hi"))
    assert add.status is ToolStatus.REJECTED


@pytest.mark.parametrize("mode", MODES)
def test_every_kind_of_tool_failure_goes_back_to_the_model(mode: str) -> None:
    provider = model(
        [
            call("fail", {"reason": "no such city"}),  # the tool reports isError
            call("add", {"a": "two", "b": 40}),  # the server rejects the arguments (isError too)
            call("odd_rpc_error"),  # a JSON-RPC error instead of a result
            call("odd_media"),  # fine: non-text content is described
            call("nope"),  # not a tool at all
        ]
    )
    chat = (
        ChatBuilder()
        .with_model(provider)
        .with_mcp(weather_server(), allow=["fail", "add"])
        .with_mcp(odd_server(), prefix="odd")
        .build()
    )
    with chat:
        outcome = drive(chat, mode, "hello")
    fail, add, rpc, media, nope = answered(outcome)
    assert fail.status is ToolStatus.FAILED and "cannot do it: no such city" in (fail.error or "")
    assert add.status is ToolStatus.FAILED and "validation error" in (add.error or "")
    assert rpc.status is ToolStatus.FAILED
    assert (
        rpc.error
        == "MCPToolError: MCP server in-process Server 'odd' answered error -32602: invalid params: nothing is ever right"
    )
    assert (
        media.status is ToolStatus.COMPLETED and "[image image/png, 100 bytes: not forwarded" in media.result
    )
    assert nope.status is ToolStatus.FAILED and "unknown tool 'nope'" in (nope.error or "")
    # The model saw every error and the run finished normally.
    assert outcome.response is not None and outcome.response.text == "done"
    sent_back = provider.requests[1].messages[-1].tool_calls
    assert '"error"' in sent_back[0].output_text() and "no such city" in sent_back[0].output_text()


def test_a_slow_tool_times_out_into_an_error_result() -> None:
    provider = model(call("wait", {"seconds": 30}))
    chat = ChatBuilder().with_model(provider).with_mcp(weather_server(), allow=["wait"], timeout=0.2).build()
    with chat:
        (wait,) = answered(drive(chat, "complete_async", "hi"))
    assert wait.status is ToolStatus.FAILED
    assert (
        wait.error
        == "MCPToolError: MCP tool 'wait' on in-process MCPServer 'weather' did not answer within 0.2 s"
    )


@pytest.mark.parametrize("mode", ["complete_sync", "stream_async"])
def test_a_server_dying_mid_run_fails_its_calls_and_the_next_run_reconnects(mode: str) -> None:
    provider = ScriptedProvider(
        [
            reply(tool_calls=[call("pid")]),
            reply(tool_calls=[call("die")]),
            reply(tool_calls=[call("add", {"a": 1, "b": 2})]),  # the server is gone
            reply("first run done"),
            reply(tool_calls=[call("pid"), call("add", {"a": 1, "b": 2})]),
            reply("second run done"),
        ]
    )
    chat = ChatBuilder().with_model(provider).with_mcp([sys.executable, STDIO_SERVER]).build()
    with chat:
        pid, die, add = answered(drive(chat, mode, "one"))
        assert die.status is ToolStatus.FAILED and "closed the connection during the call" in (
            die.error or ""
        )
        assert add.status is ToolStatus.FAILED and "is not connected" in (add.error or "")
        new_pid, new_add = answered(drive(chat, mode, "two"))
    assert (new_add.status, new_add.result) == (ToolStatus.COMPLETED, "3")
    assert new_pid.result != pid.result  # a new process, with its tools listed again


def test_the_tool_list_is_fetched_once_per_connection() -> None:
    counts = Counts()
    provider = ScriptedProvider(
        lambda request: (
            reply(tool_calls=[call("add", {"a": 1, "b": 2})]) if request.index % 2 == 0 else reply("ok")
        )
    )
    chat = ChatBuilder().with_model(provider).with_mcp(counting_server(counts)).build()
    with chat:
        for mode in MODES:
            answered(drive(chat, mode, "hi"))
    assert (counts.lists, counts.calls) == (1, 4)
    answered(drive(chat, "complete_sync", "again"))  # closed by the with block: reconnects
    chat.close()
    assert counts.lists == 2


def test_a_name_offered_twice_fails_the_run_and_a_prefix_fixes_it() -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Local add."""
        return a + b

    chat = ChatBuilder().with_model(model()).with_tools([add]).with_mcp(counting_server(Counts())).build()
    with chat, pytest.raises(ConfigurationError, match=r"two tools are named 'add'.*prefix="):
        chat.complete_sync("hi")
    two_servers = (
        ChatBuilder()
        .with_model(model())
        .with_mcp(counting_server(Counts()))
        .with_mcp(counting_server(Counts()))
    )
    with two_servers.build() as chat, pytest.raises(ConfigurationError, match="'add'"):
        chat.complete_sync("hi")
    # A third server with a prefix does not help the two without one.
    third = two_servers.with_mcp(counting_server(Counts()), prefix="third").build()
    with third, pytest.raises(ConfigurationError, match="'add'"):
        third.complete_sync("hi")
    fixed = (
        ChatBuilder()
        .with_model(model())
        .with_tools([add])
        .with_mcp(counting_server(Counts()), prefix="mcp")
        .build()
    )
    with fixed:
        assert fixed.complete_sync("hi").text == "done"


# -- a run that cannot start ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_a_server_that_cannot_start_is_a_toolset_error_before_any_model_call(mode: str) -> None:
    provider = model()
    chat = ChatBuilder().with_model(provider).with_mcp(["/nonexistent/mcp-server", "--flag"]).build()
    with chat:
        outcome = drive(chat, mode, "hi")
    assert isinstance(outcome.error, ToolsetError)
    assert "command 'mcp-server'" in str(outcome.error)
    assert provider.requests == []


def test_an_unreachable_url_is_a_toolset_error_without_the_urls_secrets() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on: bound, never accepting
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        chat = (
            ChatBuilder()
            .with_model(model())
            .with_mcp(
                f"http://user:pw-secret@127.0.0.1:{port}/mcp?key=q-secret",
                headers={"Authorization": "Bearer h-secret"},
            )
            .build()
        )
        with chat, pytest.raises(ToolsetError) as caught:
            chat.complete_sync("hi")
    text = (
        str(caught.value) + repr(caught.value) + repr(caught.value.__cause__) + repr(caught.value.__context__)
    )
    assert f"http://127.0.0.1:{port}/mcp" in text
    for secret in ("pw-secret", "q-secret", "h-secret"):
        assert secret not in text


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("garbage-listing", "ValidationError"),
        ("scalar-schema", "ValidationError"),  # the SDK validates the whole listing: one bad tool fails it
        ("silent", "did not answer within connect_timeout=1.0 s"),
    ],
)
def test_a_hostile_server_is_a_toolset_error_never_a_hang(mode: str, message: str) -> None:
    chat = (
        ChatBuilder()
        .with_model(model())
        .with_mcp([sys.executable, RAW_SERVER, mode], connect_timeout=1.0)
        .build()
    )
    with chat, pytest.raises(ToolsetError, match=message):
        chat.complete_sync("hi")


def test_a_malformed_call_result_is_an_error_result() -> None:
    chat = (
        ChatBuilder()
        .with_model(model(call("echo")))
        .with_mcp([sys.executable, RAW_SERVER, "bad-result"])
        .build()
    )
    with chat:
        (echo,) = answered(drive(chat, "complete_sync", "hi"))
    assert echo.status is ToolStatus.FAILED
    assert "calling MCP tool 'echo'" in (echo.error or "") and "ValidationError" in (echo.error or "")


def test_odd_names_are_cleaned_and_still_reach_the_right_tool() -> None:
    provider = model(
        [call("files_read_text", {"path": "/a"}), call("files_read_text_2"), call("structured_only")]
    )
    chat = ChatBuilder().with_model(provider).with_mcp(odd_server()).build()
    with chat:
        first, second, structured = answered(drive(chat, "complete_sync", "hi"))
    assert first.result == "called files/read.text with {'path': '/a'}"
    assert second.result == "called files_read_text with {}"
    assert structured.result == {"answer": 42}
    names = provider.requests[0].tool_names
    assert len(names) == 7 and all(len(n) <= 64 for n in names)  # both pages of the listing


@pytest.mark.parametrize("as_parameters", [False, True])
def test_a_stdio_server_gets_env_but_not_our_environment(
    monkeypatch: pytest.MonkeyPatch, as_parameters: bool
) -> None:
    from mcp import StdioServerParameters

    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-parent-secret")
    server: Any = [sys.executable, STDIO_SERVER]
    if as_parameters:
        server = StdioServerParameters(command=sys.executable, args=[STDIO_SERVER], env={"OTHER": "kept"})
    names = ["GREETING", "OPENROUTER_API_KEY", "OTHER"]
    provider = model([call("getenv", {"name": name}) for name in names])
    chat = ChatBuilder().with_model(provider).with_mcp(server, env={"GREETING": "hello"}).build()
    with chat:
        values = [part.result for part in answered(drive(chat, "complete_sync", "hi"))]
    assert values == ["hello", "<unset>", "kept" if as_parameters else "<unset>"]
