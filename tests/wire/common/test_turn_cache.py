"""The turn cache (issue 18 item 2): a turn is encoded once, and a changed turn is never sent from the cache.

The property: for any conversation and any sequence of changes to it -- text reassigned, parts added,
replaced or removed, tool results and annotations mutated in place (down to ``1`` becoming ``True`` or
``1.0``, ``0.0`` becoming ``-0.0``, ``None`` becoming NaN), statuses changed, turns inserted before
others (Responses ids derive from positions) -- the body a client sends through its cache is, byte for
byte, the body of the same conversation encoded afresh. Then the unit tests: hits happen, entries die
with their turns, turns the cache cannot check are encoded every time.
"""

from __future__ import annotations

import copy
import gc
import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_openrouter import _json, messages
from chat_openrouter.core.messages import Content
from chat_openrouter.core.options import ChatOptions
from chat_openrouter.core.parts import (
    FilePart,
    Part,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
)
from chat_openrouter.wire.common.turns import TurnCache
from chat_openrouter.wire.completions import encode as completions
from chat_openrouter.wire.responses import encode as responses
from fuzz._budget import BUDGETS, fuzz_settings

Encoder = Callable[..., dict[str, Any]]
WIRES: dict[str, Encoder] = {"completions": completions.encode_request, "responses": responses.encode_request}


def body(encode: Encoder, conversation: messages.Messages, turns: TurnCache | None) -> dict[str, Any]:
    return encode(conversation, model="m", tools=None, options=ChatOptions(), output=None, stream=False, turns=turns)


def assert_sent_as_fresh(encode: Encoder, conversation: messages.Messages, turns: TurnCache) -> None:
    cached, fresh = body(encode, conversation, turns), body(encode, conversation, None)
    assert _json.dumps_body(cached) == _json.dumps(fresh)
    assert cached == fresh


# -- strategies --------------------------------------------------------------------------------------------
# Leaves that are equal to each other while they encode differently: the cache must tell them apart.
leaves = st.sampled_from([None, True, False, 0, 1, 1.0, 0.0, -0.0, 2, "1", "a", "", float("nan")]) | st.text(max_size=4)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c", "1"]), inner, max_size=3),
    max_leaves=8,
)
texts = st.text(max_size=6)


@st.composite
def text_parts(draw: st.DrawFn) -> TextPart:
    part = TextPart(draw(texts))
    if draw(st.booleans()):
        part.cache_control = {"type": "ephemeral"}
    return part


@st.composite
def model_parts(draw: st.DrawFn) -> Part:
    kind = draw(st.sampled_from(["text", "tool", "reasoning", "refusal", "structured"]))
    if kind == "text":
        part = TextPart(draw(texts))
        if draw(st.booleans()):
            part.annotations = [{"type": "url_citation", "url": "https://a.example", "start_index": draw(leaves)}]
        return part
    if kind == "tool":
        status = draw(st.sampled_from(list(ToolStatus)))
        result = draw(json_values)
        tool = ToolPart(draw(st.sampled_from(["c1", "c2"])), "f", '{"x":1}', status=status, result=result)
        if draw(st.booleans()):
            tool.provider_data = {"item_id": "fc_1"}
        if status in (ToolStatus.FAILED, ToolStatus.REJECTED):
            tool.error = draw(texts)
        return tool
    if kind == "reasoning":
        return ReasoningPart(draw(texts), details=[{"type": "reasoning.text", "text": draw(texts), "index": 0}])
    if kind == "refusal":
        return RefusalPart(draw(texts))
    return StructuredPart(draw(json_values))


@st.composite
def turns_(draw: st.DrawFn) -> Content:
    role = draw(st.sampled_from([Role.USER, Role.SYSTEM, Role.MODEL]))
    if role == Role.MODEL:
        return Content(role, draw(st.lists(model_parts(), min_size=1, max_size=3)))
    parts: list[Part] = draw(st.lists(text_parts(), min_size=1, max_size=2))
    if role == Role.USER and draw(st.booleans()):
        parts.append(FilePart.from_bytes(draw(st.binary(max_size=8)), "image/png"))
    return Content(role, parts)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON tree that holds a value (to mutate it in place)."""
    out = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*path, index))
    return out


def _set_in_place(tree: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        tree = tree[step]
    tree[path[-1]] = value


def mutate(data: st.DataObject, conversation: messages.Messages) -> None:
    """One change to the conversation, in place, of a kind a caller (or a tool, or a hook) might make."""
    turns = list(conversation)
    turn = data.draw(st.sampled_from(turns))
    part = data.draw(st.sampled_from(turn.parts)) if turn.parts else None
    action = data.draw(
        st.sampled_from(
            # In-place changes to nested data are the easiest to miss: drawn more often.
            ["text", "append", "replace", "remove", "copy", "status", "role", "insert", "file", "cache"]
            + ["tree"] * 5
        )
    )
    if action == "text" and isinstance(part, (TextPart, RefusalPart)):
        part.text = data.draw(texts)
    elif action == "append":
        turn.parts.append(data.draw(model_parts() if turn.role == Role.MODEL else text_parts()))
    elif action == "replace" and part is not None:
        turn.parts[turn.parts.index(part)] = data.draw(model_parts() if turn.role == Role.MODEL else text_parts())
    elif action == "remove" and len(turn.parts) > 1 and part is not None:
        turn.parts.remove(part)
    elif action == "copy" and part is not None:
        turn.parts[turn.parts.index(part)] = copy.deepcopy(part)  # an equal part: still encodes alike
    elif action == "tree" and part is not None:
        tree = {
            ToolPart: "result", StructuredPart: "value", ReasoningPart: "details", TextPart: "annotations"
        }.get(type(part))
        root = getattr(part, tree) if tree else None
        places = _paths(root)
        if tree in ("annotations", "details"):  # inside the entries: a list of objects stays one
            places = [place for place in places if len(place) > 1]
        if places:
            _set_in_place(root, data.draw(st.sampled_from(places)), data.draw(leaves))
        elif isinstance(root, list) and not root:
            root.append(data.draw(json_values) if tree == "result" else {"type": "x", "n": data.draw(leaves)})
        elif isinstance(root, dict) and not root:
            root["a"] = data.draw(leaves)
        elif tree in ("result", "value"):
            setattr(part, tree, data.draw(json_values))
    elif action == "status" and isinstance(part, ToolPart):
        part.status = data.draw(st.sampled_from(list(ToolStatus)))
        part.error = data.draw(st.none() | texts)
    elif action == "role":
        if turn.role != Role.MODEL:
            turn.role = Role.MODEL  # the same text parts, now said by the model
        elif all(type(p) is TextPart for p in turn.parts):
            turn.role = Role.USER
    elif action == "insert":
        conversation._items.insert(turns.index(turn), data.draw(turns_()))
    elif action == "file" and isinstance(part, FilePart):
        part.data = data.draw(st.binary(max_size=8))
    elif action == "cache" and isinstance(part, TextPart) and part.cache_control is not None:
        part.cache_control["ttl"] = data.draw(leaves)


@pytest.mark.parametrize("examples", BUDGETS)
@pytest.mark.parametrize("wire", list(WIRES))
def test_a_changed_turn_is_never_sent_from_the_cache(wire: str, examples: int) -> None:
    encode = WIRES[wire]

    @fuzz_settings(examples * 5)
    @given(st.lists(turns_(), min_size=1, max_size=5), st.data())
    def run(contents: list[Content], data: st.DataObject) -> None:
        conversation = messages.Messages(contents)
        cache = TurnCache()
        try:
            body(encode, conversation, None)
        except ValueError:  # a drawn conversation the wire cannot send (a file in a model turn...)
            return
        assert_sent_as_fresh(encode, conversation, cache)
        for _ in range(data.draw(st.integers(1, 6))):
            mutate(data, conversation)
            try:
                fresh = body(encode, conversation, None)
            except ValueError:
                return
            cached = body(encode, conversation, cache)
            assert _json.dumps_body(cached) == _json.dumps(fresh)

    run()


# -- what the cache keeps -----------------------------------------------------------------------------------
def tool_turn(result: Any, call_id: str = "call_1") -> Content:
    return Content.model(ToolPart(call_id, "lookup", '{"q":"x"}', status=ToolStatus.COMPLETED, result=result))


@pytest.mark.parametrize("wire", list(WIRES))
def test_unchanged_turns_are_taken_from_the_cache(wire: str) -> None:
    conversation = messages.from_user("Find it").push(tool_turn({"rows": [1, 2]}))
    cache = TurnCache()
    body(WIRES[wire], conversation, cache)
    taken = [cache.get(turn, 1 if wire == "responses" and turn.role == Role.MODEL else None) for turn in conversation]
    assert all(turn is not None for turn in taken) and len(cache) == 2
    again = body(WIRES[wire], conversation, cache)["messages" if wire == "completions" else "input"]
    assert isinstance(again, _json.EncodedArray)
    assert [turn.fragment for turn in taken if turn] == again.fragments


@pytest.mark.parametrize("wire", list(WIRES))
def test_a_result_mutated_in_place_is_encoded_again(wire: str) -> None:
    result = {"count": 1, "ratio": 0.0, "ok": None}
    conversation = messages.from_user("Count").push(tool_turn(result))
    cache = TurnCache()
    first = _json.dumps_body(body(WIRES[wire], conversation, cache))
    for key, value in (("count", True), ("count", 1.0), ("ratio", -0.0), ("ok", math.nan)):
        result[key] = value  # equal to what it replaces, yet it encodes differently
        sent = _json.dumps_body(body(WIRES[wire], conversation, cache))
        assert sent == _json.dumps(body(WIRES[wire], conversation, None)) and sent != first
        first = sent


@pytest.mark.parametrize("wire", list(WIRES))
def test_entries_die_with_their_turns(wire: str) -> None:
    cache = TurnCache()
    conversation = messages.from_user("a").model("b").user("c")
    body(WIRES[wire], conversation, cache)
    assert len(cache) == 3
    del conversation
    gc.collect()
    assert len(cache) == 0


class Unwritable:
    """A tool result marshal cannot fingerprint: the turn is encoded on every request."""

    def __init__(self) -> None:
        self.value = 1

    def __str__(self) -> str:
        return f"value {self.value}"


@pytest.mark.parametrize("wire", list(WIRES))
def test_a_turn_that_cannot_be_checked_is_encoded_every_time(wire: str) -> None:
    thing = Unwritable()
    conversation = messages.from_user("x").push(tool_turn({"thing": thing}))
    cache = TurnCache()
    body(WIRES[wire], conversation, cache)
    assert len(cache) == 1  # only the user turn
    thing.value = 2
    assert_sent_as_fresh(WIRES[wire], conversation, cache)
    assert "value 2" in json.loads(_json.dumps_body(body(WIRES[wire], conversation, cache)))[
        "messages" if wire == "completions" else "input"
    ][-1].get("content", "value 2")


def test_responses_model_turns_are_keyed_by_position() -> None:
    model_turn = Content.model("Hello", TextPart("again"))
    conversation = messages.from_user("Hi").push(model_turn)
    cache = TurnCache()
    before = body(responses.encode_request, conversation, cache)["input"][1]["id"]
    conversation._items.insert(0, Content.user("Earlier"))
    after = body(responses.encode_request, conversation, cache)["input"][2]["id"]
    assert (before, after) == ("msg_1", "msg_2")
    assert_sent_as_fresh(responses.encode_request, conversation, cache)


def _changes() -> list[tuple[str, Callable[[messages.Messages], None]]]:
    def part(conversation: messages.Messages, turn: int, index: int = 0) -> Any:
        return conversation[turn].parts[index]

    return [
        ("role of a one-part turn", lambda c: setattr(c[0], "role", Role.MODEL)),
        ("text reassigned", lambda c: setattr(part(c, 0), "text", "Find something else")),
        ("cache_control set", lambda c: setattr(part(c, 0), "cache_control", {"type": "ephemeral"})),
        ("annotation added in place", lambda c: part(c, 1).annotations.append({"type": "url_citation", "url": "u"})),
        ("file bytes replaced", lambda c: setattr(part(c, 0, 1), "data", b"\x89PNG other")),
        ("file detail set", lambda c: setattr(part(c, 0, 1), "detail", "high")),
        ("part appended", lambda c: c[1].parts.append(TextPart("more"))),
        ("part removed", lambda c: c[1].parts.pop()),
        ("parts reordered", lambda c: c[1].parts.reverse()),
        ("status changed", lambda c: setattr(part(c, 1, 1), "status", ToolStatus.FAILED)),
        ("error set", lambda c: (setattr(part(c, 1, 1), "result", None), setattr(part(c, 1, 1), "error", "boom"))),
        ("result replaced", lambda c: setattr(part(c, 1, 1), "result", {"rows": [1, 2, 3]})),
        ("result nested in place", lambda c: part(c, 1, 1).result["rows"].append(3)),
        ("result key renamed", lambda c: part(c, 1, 1).result.update(lines=part(c, 1, 1).result.pop("rows"))),
        ("item id changed", lambda c: part(c, 1, 1).provider_data.update(item_id="fc_2")),
        ("raw arguments changed", lambda c: setattr(part(c, 1, 1), "raw_arguments", '{"q":"y"}')),
        ("reasoning detail in place", lambda c: part(c, 2).details[0].update(signature="sig2")),
        ("structured value in place", lambda c: part(c, 3).value.update(n=True)),
    ]


@pytest.mark.parametrize("wire", list(WIRES))
@pytest.mark.parametrize(("change", "apply"), _changes(), ids=[name for name, _ in _changes()])
def test_every_kind_of_change_is_sent(wire: str, change: str, apply: Callable[[messages.Messages], None]) -> None:
    conversation = messages.Messages(
        [
            Content.user("Find it", FilePart.from_bytes(b"\x89PNG", "image/png")),
            Content.model(
                TextPart("Looking", annotations=[]),
                ToolPart("c1", "lookup", '{"q":"x"}', status=ToolStatus.COMPLETED, result={"rows": [1, 2]},
                         provider_data={"item_id": "fc_1"}),
            ),
            Content.model(ReasoningPart("hmm", details=[{"type": "reasoning.text", "text": "hmm", "index": 0}])),
            Content.model(StructuredPart({"n": 1})),
        ]
    )
    encode = WIRES[wire]
    cache = TurnCache()
    before = _json.dumps_body(body(encode, conversation, cache))
    apply(conversation)
    after = _json.dumps_body(body(encode, conversation, cache))
    assert after == _json.dumps(body(encode, conversation, None))
    if not (wire == "completions" and change == "item id changed"):  # a Responses-only field
        assert after != before, f"{change}: the change does not show in the body"
