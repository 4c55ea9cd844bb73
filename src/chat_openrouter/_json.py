"""JSON for the hot paths: orjson when it is installed (``pip install "chat-openrouter[fast]"``), the
standard library otherwise, and the same results either way.

Use it through the module, so that orjson loads on first use rather than with ``import chat_openrouter``::

    from chat_openrouter import _json

    body = _json.dumps({"model": "openai/gpt-4o", "messages": [...]})  # compact UTF-8 bytes
    text = _json.dumps_text(result, default=fallback)                  # the same, as str
    value = _json.loads(payload)                                       # str, bytes or bytearray

**The stdlib defines the behaviour.** ``dumps(obj, default=d)`` is exactly
``json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=d).encode("utf-8")`` (``dumps_text``
without the ``.encode``), and ``loads`` is exactly ``json.loads``: the same values, the same ``default``
calls, the same exceptions (``TypeError``, ``ValueError``/``json.JSONDecodeError``, ``UnicodeError``,
``RecursionError``). orjson's answer is used only where it is provably the same; everywhere else the
stdlib runs. In detail:

* **Writing.** orjson's output is kept only for a tree of plain ``dict`` (str keys), ``list``, ``tuple``,
  ``str``, ``int``, ``bool``, ``None`` and ``float`` values that orjson spells like ``float.__repr__``
  (finite, and outside ``1e-10 <= |x| < 1e-4``, where orjson writes ``1e-7`` for the stdlib's ``1e-07``).
  Everything else goes to the stdlib: NaN and Infinity (the stdlib writes the non-standard ``NaN`` literal,
  orjson would write ``null``), subclasses of str/int/float/dict/list (enums with a str or int mixin,
  numpy scalars), plain ``Enum`` members and ``UUID`` (orjson would serialise them; the stdlib raises or
  calls ``default``), dataclasses, datetimes, pydantic models, non-str keys, ints beyond 64 bits, lone
  surrogates, circular references and nesting beyond orjson's 255 levels.
* **Reading.** orjson parses str, bytes and bytearray input, except text with a run of 19 or more digits
  (orjson turns integers beyond 64 bits into floats, the stdlib keeps them exact) and results nested
  deeper than 255 levels (the stdlib's limit is the interpreter's recursion limit). Whenever orjson refuses
  the input -- ``NaN``/``Infinity`` literals, ``1e400``, lone surrogates (escaped or UTF-8-encoded), a
  UTF-8 BOM, UTF-16/32 bytes, invalid UTF-8, invalid JSON -- the stdlib decides, so it returns what it
  always returned or raises its own exception.

``CHAT_OPENROUTER_JSON`` picks the backend when this module loads: ``auto`` (the default: orjson if it
is installed), ``stdlib`` (never orjson: lets a test suite run both paths), or ``orjson`` (fail loudly
at first use if it is missing, so a CI job meant to test orjson cannot silently test the stdlib twice).
Any other value raises ``ValueError`` on import.

**Hot paths that check what they use** may parse with ``loads_unchecked``: the active library's own
parser (orjson's ``loads``, or the stdlib's), without the checks above. Its result can differ from the
stdlib's only in integers of 19 or more digits (orjson returns a float) and in nesting deeper than 255
levels; a caller that reads only strings, ``None``, ``int``-typed values and the emptiness of containers
from a payload shorter than 510 bytes (which cannot nest that deep) gets exactly what ``loads`` would
give it, and must parse again with ``loads`` before reading anything else. The stream codecs do, for the
text deltas that make up nearly every event of an answer (~0.45 us saved per event).

**Request bodies** go out through :func:`dumps_body`, which is :func:`dumps` except that a top-level
:class:`EncodedArray` (the conversation a wire encoder took from its turn cache) is spliced in as the
bytes it already holds instead of being encoded again.
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

__all__ = [
    "ENV_VAR",
    "STDLIB",
    "UNCHECKED_SAFE_BYTES",
    "Backend",
    "EncodedArray",
    "active_backend",
    "dumps",
    "dumps_body",
    "dumps_text",
    "loads",
    "loads_unchecked",
    "orjson_backend",
]

ENV_VAR = "CHAT_OPENROUTER_JSON"
#: Payloads at most this long cannot nest deeper than orjson and the stdlib both accept alike (see
#: ``loads_unchecked`` above).
UNCHECKED_SAFE_BYTES = 510
_CHOICES = ("auto", "stdlib", "orjson")

Default = Callable[[Any], Any]


class _Dumps(Protocol):
    def __call__(self, obj: object, /, *, default: Default | None = None) -> bytes: ...


class _DumpsText(Protocol):
    def __call__(self, obj: object, /, *, default: Default | None = None) -> str: ...


class _Loads(Protocol):
    def __call__(self, data: str | bytes | bytearray, /) -> Any: ...


class Backend(NamedTuple):
    """One implementation of the functions, and its name (``"stdlib"`` or ``"orjson"``)."""

    name: str
    dumps: _Dumps
    dumps_text: _DumpsText
    loads: _Loads
    #: The library's own parser without the checks that make ``loads`` the stdlib's (see
    #: :func:`loads_unchecked`); the stdlib's ``json.loads`` for the stdlib backend.
    loads_unchecked: _Loads = json.loads


# -- the stdlib: the reference behaviour ------------------------------------------------------------------
# One encoder for the common call (no `default`): `json.dumps` with keyword arguments builds a new
# JSONEncoder per call; reusing one gives the same output (it holds no state between calls) for less.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _stdlib_dumps_text(obj: object, /, *, default: Default | None = None) -> str:
    if default is None:
        return _COMPACT.encode(obj)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=default)


def _stdlib_dumps(obj: object, /, *, default: Default | None = None) -> bytes:
    return _stdlib_dumps_text(obj, default=default).encode("utf-8")


def _stdlib_loads(data: str | bytes | bytearray, /) -> Any:
    return json.loads(data)


STDLIB = Backend("stdlib", _stdlib_dumps, _stdlib_dumps_text, _stdlib_loads)


# -- orjson, where it gives the same answer ---------------------------------------------------------------
_PLAIN_TYPES = frozenset({dict, list, tuple, str, int, bool, type(None), float})
_is_float = float.__instancecheck__


# float.__repr__ writes a float positionally for 1e-4 <= |x| < 1e16 and in scientific notation with a
# signed, two-digit-at-least exponent otherwise (1e-07, 1e+16). orjson prints the same shortest digits
# but its notation has changed across releases (3.13: 1e-7 and 0.00001 where repr writes 1e-07, 1e-05;
# 3.10: also 1e16 for 1e+16). So the installed orjson is probed once, in each of repr's notation
# regimes, and floats from a regime where it spells anything differently are left to the stdlib.
_FLOAT_REGIMES: tuple[tuple[float, float, tuple[float, ...]], ...] = (
    (0.0, 1e-10, (0.0, 5e-324, 2.2250738585072014e-308, 1e-300, 1.5e-20, 9.99e-11)),
    (1e-10, 1e-4, (1e-10, 3.3e-9, 1e-7, 1.5e-6, 1e-5, 9.99e-5)),
    (1e-4, 1e16, (1e-4, 0.001, 0.1, 0.3 + 0.6, 1.0, 2.5, 123456789.125, 1e15, 9999999999999998.0)),
    (1e16, math.inf, (1e16, 1.5e17, 1e20, 1e21, 1e22, 1.2345678901234568e23, 1e100, 1.7976931348623157e308)),
)


class _FloatRule(NamedTuple):
    """Which floats the installed orjson writes exactly as the stdlib does: one value, or a level's."""

    alike: Callable[[float], bool]
    all_alike: Callable[[list[float]], bool]


def _float_rule(encode: Callable[[Any], bytes]) -> _FloatRule:
    """Probe ``encode`` (orjson's dumps) in each regime; the regimes it spells differently are "bad"."""
    bad: list[tuple[float, float]] = []  # ranges of |x|, adjacent regimes merged
    for low, high, probes in _FLOAT_REGIMES:
        if not all(encode(x) == repr(x).encode() for probe in probes for x in (probe, -probe)):
            if bad and bad[-1][1] == low:
                bad[-1] = (bad[-1][0], high)
            else:
                bad.append((low, high))
    bad_ranges = tuple(bad)

    def alike(value: float) -> bool:
        # Non-finite floats never qualify: the stdlib writes NaN/Infinity, orjson null.
        size = abs(value)
        if size != size or size == math.inf:
            return False
        return not any(low <= size < high for low, high in bad_ranges)

    def all_alike(floats: list[float]) -> bool:
        # The same test for many floats (a level of a big tree) with C-speed loops: `map`, `filter` and
        # `min` over bound methods instead of a Python call per float.
        if not math.isfinite(sum(floats)):  # a NaN or an infinity (or finite values summing past 1e308)
            return False
        sizes = list(map(abs, floats))
        smallest, largest = min(sizes), max(sizes)
        return all(
            smallest >= high or largest < low or min(filter(low.__le__, sizes), default=math.inf) >= high
            for low, high in bad_ranges
        )

    return _FloatRule(alike, all_alike)


def _plain_values(values: Iterable[Any], float_alike: Callable[[float], bool]) -> bool:
    """The recursive form of :func:`_plain_tree`: faster for a small tree (a few dozen values)."""
    for value in values:
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            continue
        if kind is float:
            if not float_alike(value):
                return False
        elif kind is dict:
            if not _plain_values(value.values(), float_alike):
                return False
        elif kind is list or kind is tuple:
            if not _plain_values(value, float_alike):
                return False
        else:
            return False
    return True


def _plain_tree(obj: object, floats_alike: Callable[[list[float]], bool]) -> bool:
    """Whether orjson's output for ``obj`` (which it has just serialised) is the stdlib's, byte for byte.

    Called only after orjson succeeded, so ``obj`` is a finite tree at most 255 levels deep with str
    keys and 64-bit ints. Walks it one level at a time: ``gc.get_referents`` lists the items of every
    dict, list and tuple of a level in C (strs, ints and floats have none), and the level passes when
    the set of its types holds nothing but plain JSON types and its floats are spelled alike. Twice as
    fast as a recursive Python walk (tests/test_json.py checks the two agree on arbitrary trees).
    """
    level: list[Any] = [obj]
    while level:
        kinds = set(map(type, level))
        if not kinds <= _PLAIN_TYPES:
            return False
        if float in kinds and not floats_alike(list(filter(_is_float, level))):
            return False
        level = gc.get_referents(*level)
    return True


def _byte_classes() -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"0123456789":
        table[byte] = ord("0")
    table[ord(".")] = ord(".")
    return bytes(table)


# One C pass maps each byte of a small input to its class (digit, ".", other), so the check below is a
# C-speed search in the result rather than a regex or a Python loop over the input.
_BYTE_CLASSES = _byte_classes()
# An integer orjson would turn into a float has 19 or more digits (below -2**63, above 2**64 - 1): a run
# of 19 digits not preceded by "." (a fraction's digits are safe: orjson rounds them as the stdlib does).
_INT_RUN = b"0" * 19
_INT_RUN_INSIDE = b" " + _INT_RUN
# Floats orjson may have made from such an integer are at least this large.
_INT_AS_FLOAT = float(2**63)
# Nesting orjson may accept but the stdlib may not (its limit is the recursion limit) falls back.
_DEPTH_LIMIT = 255
# Below this size of orjson's output, a recursive walk of the value is faster than the level walk.
_SMALL_OUTPUT = 2048
# Above this size, checking the decoded value (one C call per nesting level) is cheaper than
# classifying every byte of the input.
_SMALL_INPUT = 4096


def _decoded_alike(value: object) -> bool:
    """Whether ``value``, which orjson just decoded, is what the stdlib decodes from the same text.

    orjson decodes valid JSON exactly as the stdlib does, except integers beyond 64 bits (it returns a
    float, at least 2**63 in size) and nesting the stdlib may refuse. Walks the value a level at a time
    (see :func:`_plain_tree`); a large float or a level past the limit sends the text to the stdlib.
    """
    level: list[Any] = [value]
    depth = 0
    while level:
        depth += 1
        if depth > _DEPTH_LIMIT + 1:
            return False
        floats = list(filter(_is_float, level))
        if floats and max(map(abs, floats)) >= _INT_AS_FLOAT:
            return False
        level = gc.get_referents(*level)
    return True


def _make_orjson_backend() -> Backend:
    import orjson

    encode = orjson.dumps
    decode = orjson.loads
    encode_error = orjson.JSONEncodeError
    decode_error = orjson.JSONDecodeError
    # Make orjson refuse (instead of serialising in its own way) what the stdlib treats differently:
    # dataclasses and datetimes (the stdlib raises or calls `default`) and subclasses of str/int/dict/
    # list (the stdlib serialises them through their own methods). It never gets `default`: anything
    # that would reach it is not a plain tree, so the stdlib runs and calls `default` itself.
    options = (
        orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
    )
    stdlib_dumps, stdlib_dumps_text, stdlib_loads = STDLIB.dumps, STDLIB.dumps_text, json.loads
    float_rule = _float_rule(encode)

    def plain(obj: object, size: int) -> bool:
        if size > _SMALL_OUTPUT:
            return _plain_tree(obj, float_rule.all_alike)
        try:
            return _plain_values((obj,), float_rule.alike)
        except RecursionError:  # the caller is deep in its own stack: let the stdlib decide
            return False

    def dumps(obj: object, /, *, default: Default | None = None) -> bytes:
        try:
            out = encode(obj, option=options)
        except encode_error:
            return stdlib_dumps(obj, default=default)
        return out if plain(obj, len(out)) else stdlib_dumps(obj, default=default)

    def dumps_text(obj: object, /, *, default: Default | None = None) -> str:
        try:
            out = encode(obj, option=options)
        except encode_error:
            return stdlib_dumps_text(obj, default=default)
        return out.decode("utf-8") if plain(obj, len(out)) else stdlib_dumps_text(obj, default=default)

    def loads(data: str | bytes | bytearray, /) -> Any:
        kind = type(data)
        if kind is str:
            try:
                raw: bytes | bytearray = data.encode("utf-8")  # type: ignore[union-attr]
            except UnicodeEncodeError:  # a lone surrogate: orjson refuses it, the stdlib may not
                return stdlib_loads(data)
        elif kind is bytes or kind is bytearray:
            raw = data  # type: ignore[assignment]
        else:  # str/bytes subclasses, memoryview, wrong types: whatever the stdlib does with them
            return stdlib_loads(data)
        if len(raw) > _SMALL_INPUT:
            try:
                value = decode(raw)
            except decode_error:
                return stdlib_loads(data)
            return value if _decoded_alike(value) else stdlib_loads(data)
        classes = raw.translate(_BYTE_CLASSES)
        if _INT_RUN in classes and (_INT_RUN_INSIDE in classes or classes.startswith(_INT_RUN)):
            return stdlib_loads(data)
        try:
            value = decode(raw)
        except decode_error:
            return stdlib_loads(data)
        if (
            len(raw) > 2 * _DEPTH_LIMIT
            and raw.count(b"[") + raw.count(b"{") > _DEPTH_LIMIT
            and not _decoded_alike(value)
        ):
            return stdlib_loads(data)
        return value

    return Backend("orjson", dumps, dumps_text, loads, decode)


_orjson: Backend | None = None


def orjson_backend() -> Backend:
    """The orjson-backed functions (``ImportError`` when orjson is not installed), whatever the setting."""
    global _orjson
    if _orjson is None:
        _orjson = _make_orjson_backend()
    return _orjson


def _read_choice() -> str:
    choice = os.environ.get(ENV_VAR, "").strip().lower() or "auto"
    if choice not in _CHOICES:
        raise ValueError(f"{ENV_VAR}={os.environ[ENV_VAR]!r}: expected one of {', '.join(_CHOICES)}")
    return choice


_CHOICE = _read_choice()


def active_backend() -> Backend:
    """The backend ``dumps``/``dumps_text``/``loads`` use, chosen by ``CHAT_OPENROUTER_JSON`` at import."""
    if _CHOICE == "stdlib":
        return STDLIB
    if _CHOICE == "orjson":
        try:
            return orjson_backend()
        except ImportError as exc:
            raise ImportError(
                f'{ENV_VAR}=orjson but orjson is not installed: pip install "chat-openrouter[fast]"'
            ) from exc
    try:
        return orjson_backend()
    except ImportError:
        return STDLIB


if TYPE_CHECKING:
    dumps: _Dumps
    dumps_text: _DumpsText
    loads: _Loads
    loads_unchecked: _Loads


def __getattr__(name: str) -> Any:
    # PEP 562: `dumps`, `dumps_text` and `loads` are bound on first access, so importing this module
    # does not import orjson, and later calls reach the chosen function with no indirection.
    if name in ("dumps", "dumps_text", "loads", "loads_unchecked"):
        chosen = active_backend()
        globals().update(
            dumps=chosen.dumps,
            dumps_text=chosen.dumps_text,
            loads=chosen.loads,
            loads_unchecked=chosen.loads_unchecked,
        )
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- request bodies with pre-encoded arrays ----------------------------------------------------------------
class EncodedArray(list[Any]):
    """A JSON array whose encoding is already known: the values (for whoever reads the body, e.g. a
    request check) and ``fragments``, their UTF-8 JSON in order.

    Each fragment holds one or more comma-separated values (the wire items of one conversation turn, as
    ``dumps(items)[1:-1]`` writes them); empty fragments (a turn with no items) are skipped. Whoever builds
    one guarantees that the fragments are the encoding of the values; :func:`dumps_body` trusts it.
    """

    __slots__ = ("_count", "fragments")

    def __init__(self, values: list[Any], fragments: list[bytes]) -> None:
        super().__init__(values)
        self.fragments = fragments
        self._count = len(values)

    def intact(self) -> bool:
        """False if the list was resized since it was built (its fragments no longer describe it)."""
        return len(self) == self._count


def dumps_body(body: Any) -> bytes:
    """A request body as compact UTF-8 JSON: exactly ``dumps(body)``, but a top-level
    :class:`EncodedArray` is written from its fragments (a 5,000-message conversation is one join of
    bytes, not 5,000 messages to encode again)."""
    encode: _Dumps = globals().get("dumps") or __getattr__("dumps")
    if type(body) is not dict:
        return encode(body)
    spliced = [key for key, value in body.items() if type(value) is EncodedArray and value.intact()]
    if len(spliced) != 1 or not all(type(key) is str for key in body):
        # Nothing to splice, or a case not worth a path of its own (keys the stdlib writes in its own way,
        # two arrays): the values are encoded.
        if spliced or any(type(value) is EncodedArray for value in body.values()):
            body = {k: list(v) if type(v) is EncodedArray else v for k, v in body.items()}
        return encode(body)
    # One join of the fragments, with the rest of the body glued to the first and last one: a big body is
    # copied once (each extra copy of a fresh megabyte costs page faults, ~0.5 ms).
    array_key = spliced[0]
    before: list[bytes] = []
    after: list[bytes] = []
    side = before
    for key, value in body.items():
        if key == array_key:
            side = after
            continue
        side.append(encode(key) + b":" + encode(value))
    head = b"{" + b"".join(piece + b"," for piece in before) + encode(array_key) + b":["
    tail = b"]" + b"".join(b"," + piece for piece in after) + b"}"
    fragments = [fragment for fragment in body[array_key].fragments if fragment]
    if not fragments:
        return head + tail
    if len(fragments[0]) > _GLUE_LIMIT or len(fragments[-1]) > _GLUE_LIMIT:
        # A big first or last turn (a 1 MB tool result) is not copied to glue a few bytes to it.
        pieces = [head, *itertools.chain.from_iterable(zip(fragments, itertools.repeat(b",")))]
        pieces[-1] = tail
        return b"".join(pieces)
    fragments[0] = head + fragments[0]
    fragments[-1] = fragments[-1] + tail
    return b",".join(fragments)


_GLUE_LIMIT = 64 * 1024
