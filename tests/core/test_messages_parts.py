from __future__ import annotations

import json

import pytest

from chat_openrouter import (
    Content,
    FilePart,
    Messages,
    ReasoningPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
    messages,
)
from chat_openrouter.core.parts import parse_arguments


def test_from_user_builds_one_user_turn() -> None:
    msgs = messages.from_user("Hello!")
    assert len(msgs) == 1
    assert msgs[0].role is Role.USER
    assert msgs[0].parts == [TextPart("Hello!")]


def test_chaining_push_extend_and_slicing() -> None:
    msgs = messages.from_system("Be brief.").user("hi")
    msgs.push(Content.model("hello")).extend([Content.user("again")])
    assert [c.role for c in msgs] == [Role.SYSTEM, Role.USER, Role.MODEL, Role.USER]
    assert isinstance(msgs[1:], Messages)
    assert msgs[1:][0].text == "hi"
    assert msgs.copy() == msgs and msgs.copy() is not msgs


def test_push_rejects_non_content() -> None:
    with pytest.raises(TypeError):
        Messages().push("hello")  # type: ignore[arg-type]


def test_content_views() -> None:
    tool = ToolPart(id="c1", name="f", raw_arguments='{"a": 1}')
    content = Content.model(
        ReasoningPart(text="think"), "an", TextPart("swer"), tool, StructuredPart({"x": 1})
    )
    assert content.text == "answer"
    assert content.reasoning == "think"
    assert content.tool_calls == [tool]
    assert content.structured == StructuredPart({"x": 1})


def test_tool_part_parses_and_serialises_arguments() -> None:
    assert ToolPart(id="1", name="f", raw_arguments='{"city":"Paris"}').arguments == {"city": "Paris"}
    assert ToolPart(id="1", name="f", arguments={"a": 1}).raw_arguments == '{"a":1}'
    assert ToolPart(id="1", name="f", raw_arguments="{not json").arguments is None
    assert parse_arguments("") == {}
    assert parse_arguments("[1]") is None


def test_tool_part_output_text_for_each_outcome() -> None:
    done = ToolPart(id="1", name="f", status=ToolStatus.COMPLETED, result={"t": 21})
    assert json.loads(done.output_text()) == {"t": 21}
    text = ToolPart(id="1", name="f", status=ToolStatus.COMPLETED, result="plain")
    assert text.output_text() == "plain"
    failed = ToolPart(id="1", name="f", status=ToolStatus.FAILED, error="boom")
    assert json.loads(failed.output_text()) == {"error": "boom"}
    assert failed.has_result and not ToolPart(id="1", name="f").has_result


def test_file_part_constructors(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "doc.pdf"  # type: ignore[operator]
    path.write_bytes(b"%PDF-1.4")
    pdf = FilePart.from_path(path)
    assert (pdf.mime_type, pdf.filename, pdf.category) == ("application/pdf", "doc.pdf", "pdf")
    assert pdf.data_url() == "data:application/pdf;base64,JVBERi0xLjQ="
    img = FilePart.from_url("https://example.com/cat.png?x=1")
    assert (img.mime_type, img.category, img.data_url()) == (
        "image/png",
        "image",
        "https://example.com/cat.png?x=1",
    )
    assert FilePart.from_url("data:audio/wav;base64,AAAA").mime_type == "audio/wav"
    with pytest.raises(ValueError, match="exactly one"):
        FilePart(mime_type="image/png")


def test_file_part_repr_does_not_dump_bytes() -> None:
    part = FilePart.from_bytes(b"x" * 100_000, "image/png")
    assert len(repr(part)) < 120 and "100000 bytes" in repr(part)


def test_reasoning_part_encrypted_flag() -> None:
    assert ReasoningPart(details=[{"type": "reasoning.encrypted", "data": "x"}]).encrypted
    assert ReasoningPart(item={"type": "reasoning", "encrypted_content": "x"}).encrypted
    assert not ReasoningPart(text="plain").encrypted
