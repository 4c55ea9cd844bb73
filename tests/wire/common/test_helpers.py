"""The readers and helpers both wire codecs share (``wire.common.lenient``, ``.encoding``, ``.decoding``)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from chat_openrouter.core.parts import FilePart
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.errors import DecodeError
from chat_openrouter.wire.common.decoding import (
    parse_payload,
    raw_arguments,
    require_object,
    tool_part,
    usage_from,
)
from chat_openrouter.wire.common.encoding import inline_base64, inline_filename, is_inline
from chat_openrouter.wire.common.lenient import (
    as_int,
    as_mapping,
    as_str,
    dicts,
    opt_bool,
    opt_float,
    opt_int,
    strings,
)

# -- lenient readers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), (3.0, 3), (3.5, 0), (True, 0), (False, 0), ("3", 0), (None, 0), ([3], 0)],
)
def test_as_int_reads_token_counts_and_never_a_bool(value: Any, expected: int) -> None:
    assert as_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(7, 7), (0, 0), (True, None), (7.0, None), ("7", None)])
def test_opt_int_takes_only_real_integers(value: Any, expected: int | None) -> None:
    assert opt_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(2, 2.0), (0.25, 0.25), (False, None), ("0.1", None)])
def test_opt_float_takes_numbers_but_not_bools(value: Any, expected: float | None) -> None:
    result = opt_float(value)
    assert result == expected
    assert result is None or type(result) is float


def test_the_other_readers_keep_their_type_or_fall_back() -> None:
    assert (as_str("x"), as_str(1)) == ("x", None)
    assert (opt_bool(True), opt_bool(1), opt_bool("true")) == (True, None, None)
    assert (as_mapping({"a": 1}), as_mapping([("a", 1)])) == ({"a": 1}, {})
    assert dicts([{"a": 1}, "x", None, {"b": 2}]) == [{"a": 1}, {"b": 2}]
    assert dicts({"a": 1}) == []
    assert strings(["text", 1, "image", None]) == ("text", "image")
    assert strings("text") == ()


# -- encoding helpers ------------------------------------------------------------------------------------


def test_inline_files_are_bytes_or_data_urls() -> None:
    data = base64.b64encode(b"abc").decode()
    assert is_inline(FilePart.from_bytes(b"abc", "application/pdf"))
    assert is_inline(FilePart.from_url(f"data:application/pdf;base64,{data}"))
    assert not is_inline(FilePart.from_url("https://example.com/a.pdf"))


def test_inline_base64_unwraps_only_base64_data() -> None:
    data = base64.b64encode(b"RIFF").decode()
    assert inline_base64(FilePart.from_bytes(b"RIFF", "audio/wav")) == data
    assert inline_base64(FilePart.from_url(f"data:audio/wav;base64,{data}")) == data
    assert inline_base64(FilePart.from_url("data:text/plain,hello")) is None  # percent-encoded, not base64
    assert inline_base64(FilePart.from_url("https://example.com/a.wav")) is None


def test_inline_filename_keeps_a_given_name_else_derives_one() -> None:
    assert inline_filename(FilePart.from_bytes(b"x", "application/pdf", filename="r.pdf")) == "r.pdf"
    assert inline_filename(FilePart.from_bytes(b"x", "application/pdf")) == "file.pdf"
    assert inline_filename(FilePart.from_bytes(b"x", "application/x-unknown-kind")) == "file"


# -- decoding helpers ------------------------------------------------------------------------------------


def test_require_object_quotes_what_it_got() -> None:
    assert require_object({"a": 1}, "must be an object") == {"a": 1}
    with pytest.raises(DecodeError, match="must be an object") as info:
        require_object(["not", "an", "object"], "must be an object")
    assert info.value.snippet == '["not", "an", "object"]'


def test_parse_payload_attaches_the_partial_only_on_failure() -> None:
    asked: list[int] = []

    def partial() -> ChatResponse:
        asked.append(1)
        return ChatResponse(id="gen-partial")

    assert parse_payload('{"a": 1}', what="a chunk", partial=partial) == {"a": 1}
    assert asked == []  # a good payload never builds a snapshot
    with pytest.raises(DecodeError, match="a chunk is not valid JSON") as info:
        parse_payload('{"a": ', what="a chunk", partial=partial)
    assert info.value.partial is not None
    assert info.value.partial.id == "gen-partial"
    assert info.value.snippet == '{"a": '


def test_raw_arguments_and_tool_part_read_every_shape_of_arguments() -> None:
    assert raw_arguments('{"a":1}') == '{"a":1}'
    assert raw_arguments({"a": "é"}) == '{"a": "é"}'
    assert (raw_arguments(None), raw_arguments(3)) == ("", "")
    empty = tool_part("call_1", "ping", "")
    assert (empty.arguments, empty.provider_data) == ({}, {})  # no arguments, not invalid JSON
    broken = tool_part("call_2", "ping", '{"a": ', provider_data={"item_id": "fc_2"})
    assert (broken.arguments, broken.provider_data) == (None, {"item_id": "fc_2"})


def test_usage_from_sums_a_missing_total_and_keeps_the_raw_object() -> None:
    raw = {"cost": 0.5, "is_byok": False, "cost_details": {"upstream_inference_cost": 0.4}}
    usage = usage_from(
        raw,
        input_tokens=10,
        output_tokens=5.0,
        input_details={"cached_tokens": 4, "cache_write_tokens": 2},
        output_details={"reasoning_tokens": 3},
    )
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (10, 5, 15)
    assert (usage.cached_tokens, usage.cache_write_tokens, usage.reasoning_tokens) == (4, 2, 3)
    assert (usage.cost, usage.is_byok, usage.cost_details) == (0.5, False, {"upstream_inference_cost": 0.4})
    assert usage.raw == raw
    assert usage.raw is not raw


def test_adopting_emitted_calls_updates_them_and_never_shares_one_part_twice() -> None:
    from chat_openrouter.wire.common.decoding import adopt_emitted_calls

    handed_out = tool_part("call_1", "f", "")
    parts: list[Any] = [tool_part("call_1", "f", '{"a":1}', provider_data={"item_id": "fc_1"}), tool_part("call_1", "f", "{}")]
    adopt_emitted_calls(parts, {"call_1": handed_out})
    assert parts[0] is handed_out
    assert (handed_out.raw_arguments, handed_out.arguments, handed_out.provider_data) == ('{"a":1}', {"a": 1}, {"item_id": "fc_1"})
    assert parts[1] is not handed_out and parts[1].raw_arguments == "{}"
