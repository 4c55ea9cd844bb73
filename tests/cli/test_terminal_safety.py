"""Nothing that came from a server reaches the terminal as a control sequence (issue 13 item 10).

A property test pins down the one escaping function; end-to-end tests check that every path printing
server text (answer, reasoning, model names, errors, the logs listing, --json) goes through it.
"""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter.cli._output import json_text, safe
from chat_openrouter.testing.emulator import EmulatorServer

from ._helpers import assert_clean, cli, online

HOSTILE = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b[31mred\x9b31m\x90dcs\x9c\r\x08\x00\x7f"


def _dangerous(char: str) -> bool:
    code = ord(char)
    return (code < 0x20 and char not in "\n\t") or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF


# Any code point, with controls and lone surrogates drawn often (a uniform draw would rarely hit them).
ANY_CHARACTER = (
    st.characters(exclude_categories=())
    | st.characters(max_codepoint=0x9F)
    | st.characters(categories=["Cs"])
)


@settings(max_examples=400)
@given(st.text(alphabet=ANY_CHARACTER))
def test_no_control_character_survives(text: str) -> None:
    escaped = safe(text)
    assert not any(_dangerous(c) for c in escaped)
    escaped.encode("utf-8")  # lone surrogates became escapes too


@settings(max_examples=400)
@given(st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"]) | st.sampled_from("\n\t")))
def test_printable_text_passes_unchanged(text: str) -> None:
    # Letters of every script, emoji, combining marks, CJK, newlines and tabs: not one character changes.
    assert safe(text) == text


@given(st.lists(st.text(alphabet=ANY_CHARACTER), max_size=5))
def test_escaping_chunk_by_chunk_equals_escaping_the_whole(chunks: list[str]) -> None:
    assert "".join(safe(c) for c in chunks) == safe("".join(chunks))


@given(
    st.recursive(st.none() | st.text() | st.integers(), lambda v: st.lists(v) | st.dictionaries(st.text(), v))
)
def test_json_output_is_valid_equal_json_without_raw_controls(value: object) -> None:
    text = json_text(value)
    assert json.loads(text) == value
    assert not any(_dangerous(c) and c != "\n" for c in text)


def test_the_escapes_are_visible() -> None:
    assert safe("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert safe("\x9b") == "\\x9b"
    assert safe("\ud83d") == "\\ud83d"
    assert safe("naïve 日本 🙂 e\u0301\n\t") == "naïve 日本 🙂 e\u0301\n\t"
    assert unicodedata.category("\x9b") == "Cc"


def test_an_answer_with_escape_sequences_is_printed_inert() -> None:
    # emulator/echo repeats the prompt (piped: argv cannot hold NUL): a stand-in for a model (or a proxy) that sends escape sequences.
    for extra in ([], ["--no-stream"], ["--completions"]):
        result = cli("chat", "--offline", *extra, stdin=HOSTILE)
        assert result.returncode == 0, result.stderr
        assert not any(_dangerous(c) for c in result.stdout)
        assert "\\x1b]52;c;" in result.stdout
        assert "red" in result.stdout


def test_reasoning_model_names_and_errors_are_printed_inert(server: EmulatorServer) -> None:
    reasoning = cli("chat", "--offline", "-m", "emulator/reasoning", stdin=HOSTILE)
    assert not any(_dangerous(c) for c in reasoning.stderr + reasoning.stdout)
    assert "thinking:" in reasoning.stderr

    bad_model = online(server.base_url, "chat", "-m", "acme/\x1b[2Jnope\x07", "hi")
    assert bad_model.returncode == 1
    assert "acme/\\x1b[2Jnope\\x07 is not a valid model ID" in bad_model.stderr
    assert not any(_dangerous(c) for c in bad_model.stderr)
    assert_clean(bad_model.stderr)


def test_the_logs_listing_and_json_are_inert() -> None:
    assert cli("chat", "--offline", stdin=HOSTILE).returncode == 0
    listing = cli("logs")
    assert listing.returncode == 0
    assert not any(_dangerous(c) for c in listing.stdout)
    as_json = cli("logs", "--json")
    assert not any(_dangerous(c) and c != "\n" for c in as_json.stdout)
    assert json.loads(as_json.stdout)[0]["response"] == HOSTILE  # the log itself keeps the text exact
    response = cli("chat", "--offline", "--json", stdin=HOSTILE)
    assert json.loads(response.stdout)["text"] == HOSTILE
    assert not any(_dangerous(c) and c != "\n" for c in response.stdout)


def test_a_refusal_goes_to_stderr_marked_never_into_the_answer_on_stdout() -> None:
    # A script reading stdout must not take a refusal for the answer; the person at the terminal still sees
    # it (escaped like everything else from the server).
    import io

    from chat_openrouter import ChatResponse, Content, RefusalPart, Role
    from chat_openrouter.cli._session import Printer

    out, err = io.StringIO(), io.StringIO()
    response = ChatResponse(content=Content(Role.MODEL, [RefusalPart("No.\x1b]0;pwned\x07")]))
    printer = Printer(out, err)
    printer.refusal(response.refusal or "")
    printer.end(response)
    assert out.getvalue() == ""
    assert "refused: No." in err.getvalue()
    assert "\x1b]" not in err.getvalue() and "\x07" not in err.getvalue()
