"""``wire.common.reasoning``: Responses reasoning items <-> Chat ``reasoning_details``, losslessly (reference §4.1, §6.1)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from _spec import load_fixture
from chat_openrouter.core.parts import ReasoningPart
from chat_openrouter.wire.common.reasoning import (
    details_from_item,
    is_replayable,
    items_from_details,
    part_from_item,
    reasoning_text,
    replay_items,
)


def fixture_reasoning_item() -> dict[str, Any]:
    """The real encrypted reasoning item of fixture responses-stream-reasoning-encrypted."""
    body, _ = load_fixture("responses-stream-reasoning-encrypted.sse")
    for line in body.decode().splitlines():
        if line.startswith("data: {") and '"response.output_item.done"' in line:
            item: dict[str, Any] = json.loads(line[6:])["item"]
            return item
    raise AssertionError("fixture has no output_item.done")


def chat_fixture_details(name: str) -> list[dict[str, Any]]:
    body, _ = load_fixture(name)
    details: list[dict[str, Any]] = json.loads(body)["choices"][0]["message"]["reasoning_details"]
    return details


SUMMARY_ITEM = {
    "id": "rs_abc",
    "type": "reasoning",
    "status": "completed",
    "summary": [{"type": "summary_text", "text": "First."}, {"type": "summary_text", "text": "Second."}],
    "encrypted_content": "gAAAA.blob",
    "format": "openai-responses-v1",
}
ANTHROPIC_ITEM = {
    "id": "rs_tmp_1",
    "type": "reasoning",
    "summary": [],
    "content": [{"type": "reasoning_text", "text": "Let me think."}],
    "signature": "EugCsig==",
    "format": "anthropic-claude-v1",
}


# -- item -> details ---------------------------------------------------------------------------------------


def test_summary_and_encrypted_item_maps_to_summary_then_encrypted_details() -> None:
    assert details_from_item(SUMMARY_ITEM) == [
        {
            "type": "reasoning.summary",
            "summary": "First.",
            "id": "rs_abc",
            "format": "openai-responses-v1",
            "index": 0,
        },
        {
            "type": "reasoning.summary",
            "summary": "Second.",
            "id": "rs_abc",
            "format": "openai-responses-v1",
            "index": 0,
        },
        {
            "type": "reasoning.encrypted",
            "data": "gAAAA.blob",
            "id": "rs_abc",
            "format": "openai-responses-v1",
            "index": 0,
        },
    ]


def test_raw_text_item_carries_its_signature_on_the_text_detail() -> None:
    assert details_from_item(ANTHROPIC_ITEM, index=2) == [
        {
            "type": "reasoning.text",
            "text": "Let me think.",
            "signature": "EugCsig==",
            "id": "rs_tmp_1",
            "format": "anthropic-claude-v1",
            "index": 2,
        }
    ]


def test_format_is_copied_never_guessed() -> None:
    item = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "x"}]}
    (detail,) = details_from_item(item)
    assert "format" not in detail
    assert items_from_details([detail]) == [item]


def test_real_encrypted_item_keeps_the_blob_and_openrouters_suffix_byte_for_byte() -> None:
    item = fixture_reasoning_item()
    assert (
        item["encrypted_content"].rsplit(".", 1)[1].startswith("eyJlbmRwb2ludF9zbHVn")
    )  # OpenRouter's suffix
    (detail,) = details_from_item(item)
    assert detail == {
        "type": "reasoning.encrypted",
        "data": item["encrypted_content"],
        "id": item["id"],
        "format": "openai-responses-v1",
        "index": 0,
    }


def test_details_have_the_shape_openrouter_itself_produces_on_the_chat_wire() -> None:
    # The Chat wire's rendering of an OpenAI reasoning item: summary + encrypted, same index, rs_ id.
    real = chat_fixture_details("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json")
    summary, encrypted = real
    item = {
        "id": encrypted["id"],
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": summary["summary"]}],
        "encrypted_content": encrypted["data"],
        "format": encrypted["format"],
    }
    ours = details_from_item(item)
    assert [d["type"] for d in ours] == [d["type"] for d in real]
    assert [(d.get("summary"), d.get("data"), d["format"], d["index"]) for d in ours] == [
        (d.get("summary"), d.get("data"), d["format"], d["index"]) for d in real
    ]


# -- details -> items ------------------------------------------------------------------------------------------


def test_openrouter_chat_details_become_one_item_with_the_encrypted_entrys_id() -> None:
    details = chat_fixture_details("chat-nonstream-tool-call-reasoning-roundtrip-turn1.json")
    (item,) = items_from_details(details)
    assert item == {
        "type": "reasoning",
        "id": details[1]["id"],
        "summary": [{"type": "summary_text", "text": details[0]["summary"]}],
        "encrypted_content": details[1]["data"],
        "format": "openai-responses-v1",
    }


def test_details_with_different_indexes_but_one_id_still_make_one_item() -> None:
    # fixture chat-nonstream-reasoning-summary-encrypted numbers the two entries 0 and 1.
    details = chat_fixture_details("chat-nonstream-reasoning-summary-encrypted.json")
    assert [d["index"] for d in details] == [0, 1]
    (item,) = items_from_details(details)
    assert item["id"] == details[1]["id"]
    assert item["encrypted_content"] == details[1]["data"]


def test_anthropic_text_and_signature_become_reasoning_text_content_with_a_generated_id() -> None:
    details = chat_fixture_details("chat-nonstream-reasoning-effort-high.json")
    (item,) = items_from_details(details, id_prefix="rs_7")
    assert item["id"] == "rs_7_0"  # the spec requires an id; Anthropic entries have none
    assert item["content"] == [{"type": "reasoning_text", "text": details[0]["text"]}]
    assert item["signature"] == details[0]["signature"]
    assert item["format"] == "anthropic-claude-v1"
    assert item["summary"] == []


def test_two_items_worth_of_details_split_where_one_item_cannot_hold_them() -> None:
    details = [
        {"type": "reasoning.summary", "summary": "A", "format": "openai-responses-v1", "index": 0},
        {
            "type": "reasoning.encrypted",
            "data": "blobA",
            "id": "rs_a",
            "format": "openai-responses-v1",
            "index": 0,
        },
        {"type": "reasoning.summary", "summary": "B", "format": "openai-responses-v1", "index": 1},
        {
            "type": "reasoning.encrypted",
            "data": "blobB",
            "id": "rs_b",
            "format": "openai-responses-v1",
            "index": 1,
        },
    ]
    items = items_from_details(details)
    assert [(i["id"], i["summary"][0]["text"], i["encrypted_content"]) for i in items] == [
        ("rs_a", "A", "blobA"),
        ("rs_b", "B", "blobB"),
    ]


def test_a_second_signature_or_a_different_id_starts_a_new_item() -> None:
    details = [
        {"type": "reasoning.text", "text": "one", "signature": "s1"},
        {"type": "reasoning.text", "text": "two", "signature": "s2"},
        {"type": "reasoning.summary", "summary": "three", "id": "rs_x"},
        {"type": "reasoning.summary", "summary": "four", "id": "rs_y"},
    ]
    items = items_from_details(details)
    # "three" joins the id-less item before it (OpenRouter puts ids on some entries only) and names it.
    assert [i["id"] for i in items] == ["rs_0", "rs_x", "rs_y"]
    assert [i.get("signature") for i in items] == ["s1", "s2", None]
    assert [[s["text"] for s in i["summary"]] for i in items] == [[], ["three"], ["four"]]


def test_unreplayable_and_unknown_details_are_left_out() -> None:
    details: list[dict[str, Any]] = [
        {"type": "reasoning.server_tool_call", "tool_name": "web", "arguments": "{}", "result": "r"},
        {"type": "reasoning.summary", "summary": ""},
        {"type": "something.new", "x": 1},
    ]
    assert items_from_details(details) == []


# -- round trip ---------------------------------------------------------------------------------------------

texts = st.text(min_size=1, max_size=20)


@st.composite
def reasoning_items(draw: st.DrawFn) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "reasoning",
        "id": "rs_" + draw(st.text("abc123", min_size=1, max_size=8)),
        "summary": [{"type": "summary_text", "text": t} for t in draw(st.lists(texts, max_size=3))],
    }
    content = draw(st.lists(texts, max_size=2))
    if content:
        item["content"] = [{"type": "reasoning_text", "text": t} for t in content]
    if draw(st.booleans()):
        item["encrypted_content"] = draw(texts)
    signed: bool = draw(st.booleans())
    if content and signed:
        item["signature"] = draw(texts)
    fmt = draw(st.sampled_from([None, "openai-responses-v1", "anthropic-claude-v1", "unknown"]))
    if fmt is not None:
        item["format"] = fmt
    return item


@given(st.lists(reasoning_items(), min_size=1, max_size=3, unique_by=lambda i: i["id"]))
def test_items_survive_a_trip_through_the_chat_form(items: list[dict[str, Any]]) -> None:
    details = [d for n, item in enumerate(items) for d in details_from_item(item, index=n)]
    assert items_from_details(details) == [i for i in items if is_replayable(i)]


# -- readable text, parts, replay ------------------------------------------------------------------------------


def test_reasoning_text_prefers_raw_text_and_separates_entries() -> None:
    assert reasoning_text(SUMMARY_ITEM) == "First.\n\nSecond."
    both = {**ANTHROPIC_ITEM, "summary": [{"type": "summary_text", "text": "short"}]}
    assert reasoning_text(both) == "Let me think."
    assert reasoning_text(fixture_reasoning_item()) == ""


def test_part_from_item_keeps_the_item_verbatim_and_derives_the_rest() -> None:
    part = part_from_item(ANTHROPIC_ITEM, index=1)
    assert part.item == ANTHROPIC_ITEM and part.item is not ANTHROPIC_ITEM
    assert part.details == details_from_item(ANTHROPIC_ITEM, index=1)
    assert (part.text, part.signature) == ("Let me think.", "EugCsig==")
    assert part_from_item(fixture_reasoning_item()).encrypted


def test_replay_uses_the_item_then_the_details_then_the_text() -> None:
    assert replay_items(part_from_item(SUMMARY_ITEM)) == [SUMMARY_ITEM]
    from_details = ReasoningPart(details=details_from_item(SUMMARY_ITEM))
    assert replay_items(from_details) == [{k: v for k, v in SUMMARY_ITEM.items() if k != "status"}]
    plain = replay_items(ReasoningPart(text="hmm", signature="sig"), id_prefix="rs_3")
    assert plain == [
        {
            "type": "reasoning",
            "id": "rs_3_0",
            "summary": [],
            "content": [{"type": "reasoning_text", "text": "hmm"}],
            "signature": "sig",
        }
    ]


def test_an_id_only_item_is_never_replayed() -> None:
    # Without include=["reasoning.encrypted_content"] OpenAI returns an item that is only an id: a stateless
    # server cannot resolve it (reference §6), so it must not be sent back.
    bare = {"id": "rs_067d", "type": "reasoning", "status": "completed", "summary": []}
    assert not is_replayable(bare)
    assert replay_items(part_from_item(bare)) == []
    assert replay_items(ReasoningPart()) == []
