"""``chat_openrouter._json``: orjson and the stdlib give the same results (values, bytes, exceptions).

The stdlib path *is* ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` / ``json.loads``; the
orjson path must be indistinguishable from it. Property tests compare the two on arbitrary values (with
the types that make them differ: NaN, enums, subclasses, UUIDs, big ints, surrogates, deep nesting) and
on arbitrary bytes and text for ``loads``; the examples pin each documented difference one by one.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import math
import os
import subprocess
import sys
import uuid
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chat_openrouter import _json

orjson = pytest.importorskip("orjson", reason="the fast path needs orjson (pip install -e '.[fast]')")

STD = _json.STDLIB
FAST = _json.orjson_backend()
FLOAT_RULE = _json._float_rule(orjson.dumps)
FLOAT_ALIKE = FLOAT_RULE.alike

QUICK = 300
LONG = int(os.environ.get("CHAT_OPENROUTER_FUZZ_EXAMPLES", "2000"))
BUDGETS = [pytest.param(QUICK, id="quick"), pytest.param(LONG, id="long", marks=pytest.mark.slow)]


def budget(examples: int) -> settings:
    # Derandomized quick runs keep the default suite reproducible; the long (slow-marked) run explores.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=examples < LONG,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- values that make the two libraries differ ------------------------------------------------------------
class Colour(enum.Enum):
    RED = 1
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1


class Mode(str, enum.Enum):
    FAST = "fast"


class Text(str):
    pass


class Count(int):
    pass


class Ratio(float):
    pass


class Table(dict):  # type: ignore[type-arg]
    pass


class Items(list):  # type: ignore[type-arg]
    pass


@dataclasses.dataclass
class Point:
    x: int


class Model:
    """Stands in for a pydantic model: ``model_dump`` is what a ``default`` hook would call."""

    def model_dump(self) -> dict[str, Any]:
        return {"kind": "model"}


def hook(value: Any) -> Any:
    # The same shape as core.parts' tool-result hook: model_dump when there is one, else str().
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else str(value)


surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
texts = st.text(st.characters(codec=None) | surrogates, max_size=12) | st.text(max_size=40)
floats = st.floats() | st.sampled_from([1e-5, 1e-7, 9.99e-10, 1e-10, 1e-4, 1e16, 1e22, -0.0, 5e-324])
ints = st.integers(-(2**63) - 2, 2**64 + 2) | st.integers() | st.sampled_from([2**64 - 1, -(2**63), 2**200])
exotic = st.sampled_from(
    [
        Colour.RED,
        Colour.BLUE,
        Level.LOW,
        Mode.FAST,
        Text("t"),
        Count(7),
        Ratio(0.5),
        Ratio(float("nan")),
        uuid.UUID(int=42),
        Point(1),
        datetime.date(2024, 1, 2),
        datetime.datetime(2024, 1, 2, 3, 4, 5),
        decimal.Decimal("1.5"),
        Model(),
        b"bytes",
        {1, 2},
    ]
)
scalars = st.none() | st.booleans() | ints | floats | texts
keys = texts | st.integers(-5, 5) | st.floats(allow_nan=True) | st.booleans() | st.none() | st.just(Text("k"))


def containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=6), inner, max_size=5)
        | st.dictionaries(keys, inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3).map(Table)
        | st.lists(inner, max_size=3).map(Items)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3).map(OrderedDict)
    )


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=30,
)
any_values = st.recursive(scalars | exotic, containers, max_leaves=25)


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """What a call did, comparably: its result (repr: NaN, -0.0, 1 vs 1.0 and key order all count) or
    its exception's type and message."""
    try:
        return ("ok", repr(call()))
    except (ValueError, TypeError, RecursionError) as exc:
        return ("raised", type(exc), str(exc))


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


# -- dumps ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("examples", BUDGETS)
def test_dumps_is_the_stdlib_on_arbitrary_values(examples: int) -> None:
    @budget(examples)
    @given(any_values, st.booleans())
    def check(value: Any, with_hook: bool) -> None:
        default = hook if with_hook else None
        assert outcome(lambda: FAST.dumps(value, default=default)) == outcome(
            lambda: STD.dumps(value, default=default)
        )
        assert outcome(lambda: FAST.dumps_text(value, default=default)) == outcome(
            lambda: STD.dumps_text(value, default=default)
        )

    check()


@pytest.mark.parametrize("examples", BUDGETS)
def test_dumps_of_plain_json_is_the_stdlib_byte_for_byte(examples: int) -> None:
    @budget(examples)
    @given(plain_values)
    def check(value: Any) -> None:
        assert FAST.dumps(value) == STD.dumps(value)
        assert FAST.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

    check()


@given(st.floats())
@settings(max_examples=3000, deadline=None, database=None, derandomize=True)
@example(1e-5)
@example(-1.5e-9)
@example(9.999999999999999e-05)
@example(1e-10)
@example(1e16)
@example(float("inf"))
@example(float("nan"))
def test_every_float_is_spelled_as_float_repr(value: float) -> None:
    # The fast path keeps orjson's spelling only where it equals repr's: this pins that rule to the
    # installed orjson (a release that changes its float format fails here, not in a user's request).
    assert FAST.dumps([value]) == STD.dumps([value])
    if FLOAT_ALIKE(value):
        assert orjson.dumps(value) == repr(value).encode()
    assert FLOAT_RULE.all_alike([1.0, value, -2.5]) == FLOAT_ALIKE(value)


def test_non_finite_floats_go_out_as_the_stdlib_writes_them() -> None:
    # The stdlib writes NaN/Infinity (not JSON: the server answers 400); orjson would send null instead.
    body = {"temperature": float("nan"), "top_p": float("inf"), "x": -float("inf")}
    assert FAST.dumps(body) == STD.dumps(body) == b'{"temperature":NaN,"top_p":Infinity,"x":-Infinity}'


@pytest.mark.parametrize(
    "value",
    [
        Colour.RED,
        uuid.UUID(int=1),
        Point(1),
        datetime.datetime(2024, 1, 1),
        decimal.Decimal(1),
        Model(),
        {1, 2},
        b"x",
        {(1, 2): "tuple key"},
    ],
    ids=["enum", "uuid", "dataclass", "datetime", "decimal", "model", "set", "bytes", "tuple-key"],
)
def test_what_the_stdlib_refuses_is_refused_with_the_same_error(value: Any) -> None:
    with pytest.raises(TypeError) as fast:
        FAST.dumps({"a": [value]})
    with pytest.raises(TypeError) as std:
        STD.dumps({"a": [value]})
    assert str(fast.value) == str(std.value)


def test_default_hook_sees_what_the_stdlib_hands_it() -> None:
    seen: list[Any] = []

    def spy(value: Any) -> Any:
        seen.append(value)
        return hook(value)

    value = {"model": Model(), "id": uuid.UUID(int=3), "colour": Colour.BLUE, "n": 1}
    assert FAST.dumps_text(value, default=spy) == STD.dumps_text(value, default=hook)
    assert seen == [value["model"], value["id"], value["colour"]]


def test_subclasses_non_str_keys_and_big_ints_match() -> None:
    value = {
        "mode": Mode.FAST,
        "level": Level.LOW,
        "text": Text("t"),
        "count": Count(3),
        "ratio": Ratio(0.25),
        "table": Table(a=1),
        "items": Items([1]),
        "tuple": (1, 2),
        "big": 2**64,
        "small": -(2**63) - 1,
        3: "int key",
        2.5: "float key",
        True: "bool key",
        None: "null key",
    }
    assert FAST.dumps(value) == STD.dumps(value)
    assert STD.dumps(value).startswith(b'{"mode":"fast","level":1,"text":"t","count":3,"ratio":0.25')


def test_key_order_separators_and_non_ascii() -> None:
    value = {"z": 1, "a": {"é": "日本", "\u2028": "\x00\x1f\x7f"}, "m": [True, False, None]}
    assert FAST.dumps(value) == STD.dumps(value)
    assert (
        FAST.dumps(value).decode()
        == '{"z":1,"a":{"é":"日本","\u2028":"\\u0000\\u001f\x7f"},"m":[true,false,null]}'
    )


def test_a_lone_surrogate_behaves_as_in_the_stdlib() -> None:
    # Bytes: the stdlib's .encode("utf-8") refuses it. Text: the stdlib returns it unchanged.
    with pytest.raises(UnicodeEncodeError):
        FAST.dumps({"a": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        STD.dumps({"a": "\ud800"})
    assert FAST.dumps_text({"a": "\ud800"}) == STD.dumps_text({"a": "\ud800"}) == '{"a":"\ud800"}'


@pytest.mark.parametrize("depth", [10, 254, 255, 256, 300, 600])
def test_deep_nesting_matches(depth: int) -> None:
    value = nested(depth)
    assert outcome(lambda: FAST.dumps(value)) == outcome(lambda: STD.dumps(value))


def test_nesting_beyond_the_recursion_limit_raises_recursion_error_on_both() -> None:
    value = nested(sys.getrecursionlimit() + 50)
    with pytest.raises(RecursionError):
        STD.dumps(value)
    with pytest.raises(RecursionError):
        FAST.dumps(value)


def test_a_large_tree_takes_the_level_walk_and_matches() -> None:
    rows = [
        {"id": i, "name": f"row {i}", "score": i / 7, "tags": ("a", "b"), "ok": i % 2 == 0}
        for i in range(500)
    ]
    assert FAST.dumps({"rows": rows}) == STD.dumps({"rows": rows})
    rows[400]["score"] = float("nan")
    assert FAST.dumps({"rows": rows}) == STD.dumps({"rows": rows})
    rows[400]["score"] = 1.5
    rows[300]["tags"] = (Mode.FAST, "b")
    assert FAST.dumps({"rows": rows}) == STD.dumps({"rows": rows})


def test_circular_reference_raises_the_stdlib_value_error() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        FAST.dumps(loop)


# -- the fast path's own walk ------------------------------------------------------------------------------
def reference_plain(value: Any) -> bool:
    """A plain recursive walk with the same rule as ``_json._plain_tree``."""
    kind = type(value)
    if kind is float:
        return FLOAT_ALIKE(value)
    if kind in (str, int, bool, type(None)):
        return True
    if kind is dict:
        return all(reference_plain(v) for v in value.values())
    if kind in (list, tuple):
        return all(reference_plain(v) for v in value)
    return False


@given(any_values)
@settings(max_examples=500, deadline=None, database=None, derandomize=True)
def test_the_level_walk_agrees_with_a_recursive_walk(value: Any) -> None:
    try:
        orjson.dumps(value, option=orjson.OPT_PASSTHROUGH_SUBCLASS)  # the walk runs only after success
    except TypeError:
        return
    assert _json._plain_tree(value, FLOAT_RULE.all_alike) == reference_plain(value)
    assert _json._plain_values((value,), FLOAT_ALIKE) == reference_plain(value)


# -- loads ------------------------------------------------------------------------------------------------
def json_texts() -> st.SearchStrategy[str]:
    """Valid and nearly-valid JSON: stdlib output of arbitrary values, spaced, cut or with a byte changed."""

    def render(value: Any, indent: int | None) -> str:
        try:
            return json.dumps(value, ensure_ascii=False, indent=indent, default=str)
        except (ValueError, TypeError, RecursionError):
            return "null"

    base = st.builds(render, any_values, st.sampled_from([None, 0, 2]))
    cut = st.tuples(base, st.integers(0, 60)).map(lambda t: t[0][: max(0, len(t[0]) - t[1])])
    changed = st.tuples(base, st.integers(0, 200), st.characters(codec=None) | surrogates).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )
    numbers = st.from_regex(r"\A-?[0-9]{1,40}(\.[0-9]{1,40})?([eE][+-]?[0-9]{1,4})?\Z")
    literals = st.sampled_from(
        ["NaN", "Infinity", "-Infinity", "[NaN]", '{"a":Infinity}', "\ufeff{}", "1e400"]
    )
    in_arrays = st.lists(numbers, min_size=1, max_size=3).map(lambda items: "[" + ",".join(items) + "]")
    return base | cut | changed | numbers | in_arrays | literals


@pytest.mark.parametrize("examples", BUDGETS)
def test_loads_is_the_stdlib_on_json_like_text(examples: int) -> None:
    @budget(examples)
    @given(json_texts(), st.sampled_from(["str", "bytes", "bytearray"]))
    def check(text: str, form: str) -> None:
        try:
            data: Any = text.encode("utf-8") if form != "str" else text
        except UnicodeEncodeError:
            data = text
        if form == "bytearray" and isinstance(data, bytes):
            data = bytearray(data)
        assert outcome(lambda: FAST.loads(data)) == outcome(lambda: STD.loads(data))

    check()


@pytest.mark.parametrize("examples", BUDGETS)
def test_loads_is_the_stdlib_on_arbitrary_bytes(examples: int) -> None:
    @budget(examples)
    @given(
        st.binary(max_size=64)
        | st.builds(lambda t, b: t.encode("utf-8", "surrogatepass") + b, json_texts(), st.binary(max_size=3))
    )
    def check(data: bytes) -> None:
        assert outcome(lambda: FAST.loads(data)) == outcome(lambda: STD.loads(data))

    check()


@pytest.mark.parametrize(
    "text",
    [
        b"NaN",
        b'{"cost": NaN, "x": [Infinity, -Infinity]}',
        b"1e400",
        b"[-1e400]",
        b"18446744073709551615",  # 2**64 - 1: orjson keeps it an int
        b"18446744073709551616",  # 2**64: orjson would return a float
        b"-9223372036854775809",  # -2**63 - 1: the same
        b"[18446744073709551616]",
        b'{"a":[1,-9223372036854775809]}',
        b'{"seed": 123456789012345678901234567890}',
        b'{"id": "12345678901234567890123"}',  # a long digit run inside a string
        b"0.00210605335111069270001",  # a long fraction: safe for orjson
        b'"\\ud800"',
        b'"\xed\xa0\x80"',  # a UTF-8-encoded surrogate: the stdlib's surrogatepass accepts it
        b"\xef\xbb\xbf{}",
        '{"a": 1}'.encode("utf-16"),
        b"\xff",
        b"1\x00",
        b'{"a":1,"a":2}',
        b"",
        b" ",
    ],
)
def test_loads_examples(text: bytes) -> None:
    for data in (text, bytearray(text)):
        assert outcome(partial(FAST.loads, data)) == outcome(partial(STD.loads, data))
    try:
        as_text = text.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert outcome(lambda: FAST.loads(as_text)) == outcome(lambda: STD.loads(as_text))


def test_big_integers_stay_exact() -> None:
    assert FAST.loads(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert FAST.loads(b"[-9223372036854775809]") == [-9223372036854775809]
    big = json.dumps({"pad": "x" * 5000, "n": 2**70 + 1}).encode()  # the large-input path
    assert FAST.loads(big)["n"] == 2**70 + 1


# orjson decodes up to 1,024 levels; the stdlib raises RecursionError near the recursion limit (1,000 by
# default, less the caller's own frames): the depths around both limits must behave as the stdlib does.
@pytest.mark.parametrize("depth", [100, 255, 256, 257, 400, 900, 960, 990, 1000, 1010, 1024, 1025, 3000])
@pytest.mark.parametrize("padding", [0, 5000], ids=["small", "large"])
def test_deep_documents_decode_as_in_the_stdlib(depth: int, padding: int) -> None:
    text = "[" * depth + '"' + "x" * padding + '"' + "]" * depth
    assert outcome(lambda: FAST.loads(text)) == outcome(lambda: STD.loads(text))


@pytest.mark.parametrize(
    "data", [memoryview(b"{}"), 12, None, Text('"x"')], ids=["memoryview", "int", "none", "str-subclass"]
)
def test_other_input_types_get_the_stdlib_answer(data: Any) -> None:
    assert outcome(lambda: FAST.loads(data)) == outcome(lambda: STD.loads(data))


def test_results_are_plain_python_objects() -> None:
    value = FAST.loads('{"a": [1, 2.5, "x", true, null, {"b": -0.0}]}')
    assert value == {"a": [1, 2.5, "x", True, None, {"b": -0.0}]}
    assert math.copysign(1.0, value["a"][5]["b"]) == -1.0


# -- choosing the backend ----------------------------------------------------------------------------------
def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != _json.ENV_VAR}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=60
    )


def test_the_module_binds_the_active_backend_on_first_use() -> None:
    chosen = _json.active_backend()
    assert _json.dumps is chosen.dumps
    assert _json.loads is chosen.loads
    assert _json.dumps_text is chosen.dumps_text
    with pytest.raises(AttributeError):
        _json.nothing_here  # noqa: B018


@pytest.mark.parametrize(
    ("setting", "expected"), [("", "orjson"), ("auto", "orjson"), ("stdlib", "stdlib"), ("ORJSON", "orjson")]
)
def test_the_environment_variable_picks_the_backend(setting: str, expected: str) -> None:
    code = (
        "import sys; from chat_openrouter import _json\n"
        "assert 'orjson' not in sys.modules, 'imported on import'\n"
        "_json.loads('1')\n"
        "print(_json.active_backend().name, 'orjson' in sys.modules)"
    )
    result = run_python(code, **{_json.ENV_VAR: setting})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected, str(expected == "orjson")]


def test_an_unknown_setting_fails_on_import() -> None:
    result = run_python("import chat_openrouter._json", **{_json.ENV_VAR: "simdjson"})
    assert result.returncode != 0
    assert "CHAT_OPENROUTER_JSON='simdjson': expected one of auto, stdlib, orjson" in result.stderr


def test_without_orjson_auto_is_the_stdlib_and_orjson_is_a_loud_error() -> None:
    hide = "import sys; sys.modules['orjson'] = None\nfrom chat_openrouter import _json\n"
    auto = run_python(hide + "print(_json.active_backend().name, _json.dumps({'a': 1}))")
    assert auto.returncode == 0, auto.stderr
    assert auto.stdout.strip() == "stdlib b'{\"a\":1}'"
    forced = run_python(hide + "_json.dumps({})", **{_json.ENV_VAR: "orjson"})
    assert forced.returncode != 0
    assert "CHAT_OPENROUTER_JSON=orjson but orjson is not installed" in forced.stderr
