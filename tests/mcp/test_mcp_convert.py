"""MCP listings and results as our tools and results: the pure functions of ``core.mcp._convert``."""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("mcp.server.mcpserver")

from mcp.types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
    Tool,
    ToolAnnotations,
)

from chat_openrouter.core.mcp import MCPToolError, MCPToolInfo
from chat_openrouter.core.mcp._convert import (
    block_text,
    exposed_names,
    parameters_schema,
    result_value,
    scrub,
    select,
    strategy,
    tool_info,
)

VALID_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# -- names ------------------------------------------------------------------------------------------------------
def test_names_keep_valid_names_and_add_the_prefix() -> None:
    assert exposed_names(["add", "get-weather"], None) == ["add", "get-weather"]
    assert exposed_names(["add"], "calc") == ["calc_add"]


def test_names_replace_characters_the_wires_refuse_and_resolve_the_clashes_that_creates() -> None:
    assert exposed_names(["files/read.text", "files_read_text", "files.read/text"], None) == [
        "files_read_text",
        "files_read_text_2",
        "files_read_text_3",
    ]
    assert exposed_names([""], None) == ["tool"]


def test_long_names_are_cut_with_a_digest_so_they_stay_distinct_and_stable() -> None:
    long = "x" * 100
    first = exposed_names([long + "_one", long + "_two"], "p")
    assert all(len(name) == 64 for name in first)
    assert first[0] != first[1]
    assert exposed_names([long + "_one", long + "_two"], "p") == first  # same listing, same names


@given(st.lists(st.text(max_size=150), max_size=12), st.sampled_from([None, "p", "server_1"]))
def test_exposed_names_are_always_valid_unique_and_one_per_tool(names: list[str], prefix: str | None) -> None:
    exposed = exposed_names(names, prefix)
    assert len(exposed) == len(names)
    assert len(set(exposed)) == len(exposed)
    assert all(VALID_NAME.match(name) for name in exposed)


# -- schemas ----------------------------------------------------------------------------------------------------
def test_object_schemas_pass_through_and_a_missing_type_or_properties_is_completed() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert parameters_schema(schema) == schema
    assert parameters_schema({"properties": {"a": {}}}) == {"type": "object", "properties": {"a": {}}}
    assert parameters_schema({}) == {"type": "object", "properties": {}}


@pytest.mark.parametrize(
    "schema", [{"type": "string"}, {"type": ["object", "null"]}, [], None, {"properties": []}]
)
def test_schemas_that_cannot_describe_an_object_are_refused(schema: object) -> None:
    assert parameters_schema(schema) is None


# -- tool info, allow, approval ---------------------------------------------------------------------------------
def _info(name: str, **hints: bool) -> MCPToolInfo:
    return tool_info(
        Tool(name=name, input_schema={"type": "object"}, annotations=ToolAnnotations(**hints)), "srv"
    )


def test_tool_info_carries_the_annotations_as_hints() -> None:
    listed = Tool(
        name="rm",
        title="Remove",
        description="Remove a file.",
        input_schema={"type": "object"},
        annotations=ToolAnnotations(destructive_hint=True, read_only_hint=False),
    )
    info = tool_info(listed, "command 'fs'")
    assert info == MCPToolInfo(
        name="rm",
        description="Remove a file.",
        title="Remove",
        input_schema={"type": "object"},
        read_only_hint=False,
        destructive_hint=True,
        server="command 'fs'",
    )
    bare = tool_info(Tool(name="x", input_schema={"type": "object"}), "s")
    assert bare.read_only_hint is None and bare.title is None


def test_allow_by_names_keeps_those_and_warns_about_names_the_server_lacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    infos = [_info("read"), _info("write"), _info("delete")]
    with caplog.at_level(logging.WARNING, logger="chat_openrouter"):
        kept = select(infos, frozenset({"read", "raed"}))
    assert [i.name for i in kept] == ["read"]
    assert "raed" in caplog.text
    assert select(infos, None) == infos
    assert [i.name for i in select(infos, lambda i: i.name != "delete")] == ["read", "write"]


def test_approval_is_the_tools_own_strategy() -> None:
    info = _info("rm", destructive_hint=True)
    assert strategy(info, None) == "execute"
    assert strategy(info, "require") == "require"
    assert strategy(info, lambda t: "require" if t.destructive_hint else None) == "require"
    assert strategy(_info("ls"), lambda t: "require" if t.destructive_hint else None) == "execute"
    with pytest.raises(ValueError, match="'maybe'"):
        strategy(info, lambda t: "maybe")  # type: ignore[arg-type,return-value]


# -- results ----------------------------------------------------------------------------------------------------
def test_a_single_text_block_is_the_result() -> None:
    assert (
        result_value(CallToolResult(content=[TextContent(text="42")], structured_content={"result": 42}))
        == "42"
    )


def test_several_blocks_are_joined_and_non_text_is_described_not_dropped_silently() -> None:
    png = "iVBORw0KGgo="  # 8 bytes
    result = CallToolResult(
        content=[
            TextContent(text="Here."),
            ImageContent(data=png, mime_type="image/png"),
            AudioContent(data="AAAA", mime_type="audio/wav"),
            EmbeddedResource(resource=TextResourceContents(uri="file:///a.txt", text="notes")),
            EmbeddedResource(resource=BlobResourceContents(uri="file:///b.bin", blob="AAAA")),
            ResourceLink(name="report", uri="file:///r.pdf", mime_type="application/pdf"),
        ]
    )
    assert result_value(result).split("\n\n") == [
        "Here.",
        "[image image/png, 8 bytes: not forwarded to the model]",
        "[audio audio/wav, 3 bytes: not forwarded to the model]",
        "[resource <file:///a.txt>]\nnotes",
        "[resource <file:///b.bin>, binary, 3 bytes: not forwarded to the model]",
        "[resource report <file:///r.pdf> (application/pdf)]",
    ]


def test_structured_content_is_the_result_when_there_is_no_content() -> None:
    assert result_value(CallToolResult(content=[], structured_content={"answer": 42})) == {"answer": 42}
    assert result_value(CallToolResult(content=[])) == ""


def test_an_is_error_result_raises_with_the_servers_text() -> None:
    with pytest.raises(MCPToolError, match=r"^no such city$"):
        result_value(CallToolResult(content=[TextContent(text="no such city")], is_error=True))
    with pytest.raises(MCPToolError, match="without a message"):
        result_value(CallToolResult(content=[], is_error=True))


def test_unknown_blocks_become_a_note() -> None:
    class Future:
        type = "hologram"

    assert block_text(Future()) == "[hologram content: not forwarded to the model]"
    assert block_text(object()) == "[unknown content: not forwarded to the model]"


# -- foreign messages -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "Client error '401 Unauthorized' for url 'https://user:pw@mcp.example.com/mcp?api_key=abc#x'",
            "Client error '401 Unauthorized' for url 'https://mcp.example.com/mcp'",
        ),
        ("see HTTP://Host:8080/a/b?token=t and http://x.y/z", "see HTTP://Host:8080/a/b and http://x.y/z"),
        ("Bearer sk-or-v1-" + "a" * 40 + " was refused", "Bearer [redacted] was refused"),
    ],
)
def test_foreign_messages_lose_url_credentials_queries_and_keys(message: str, shown: str) -> None:
    assert scrub(message) == shown


def test_foreign_messages_are_cut() -> None:
    assert len(scrub("x" * 10_000)) == 500
