"""The REPL, in a pseudo-terminal as a person uses it: slash commands stay local, Ctrl-C keeps the partial
answer in the history, Ctrl-D leaves. The server is the loopback emulator, so each request can be read."""

from __future__ import annotations

import json
import sys

import pytest

from chat_openrouter.testing.emulator import EmulatorServer

from ._helpers import KEY, Live, Terminal, assert_clean, cli, env, logged

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
PROMPT = b"you> "
WORDS = " ".join(f"w{i}" for i in range(200))


def _terminal(server: EmulatorServer, *args: str) -> Terminal:
    return Terminal(["chat", "--base-url", server.base_url, *args], environment=env(OPENROUTER_API_KEY=KEY))


def _sent(server: EmulatorServer) -> str:
    return json.dumps(server.app.requests[-1].body)


def test_slash_commands_are_never_sent_to_the_model(server: EmulatorServer) -> None:
    with _terminal(server, "-m", "emulator/echo") as terminal:
        terminal.wait_for(PROMPT)
        terminal.type(b"/help\n")
        shown = terminal.wait_for(PROMPT)
        for command in (b"/clear", b"/model", b"/system", b"/exit"):
            assert command in shown
        terminal.type(b"/bogus\n")
        assert b"unknown command /bogus" in terminal.wait_for(PROMPT)
        assert server.app.requests == []

        terminal.type(b"/system Answer in French.\n")
        terminal.wait_for(PROMPT)
        terminal.type(b"first\n")
        terminal.wait_for(PROMPT)
        assert "Answer in French." in _sent(server)

        terminal.type(b"/model emulator/reasoning\n")
        terminal.wait_for(PROMPT)
        terminal.type(b"second\n")
        terminal.wait_for(PROMPT)
        body = server.app.requests[-1].body
        assert body["model"] == "emulator/reasoning"
        assert "first" in json.dumps(body["input"])  # same conversation

        terminal.type(b"/clear\n")
        terminal.wait_for(PROMPT)
        terminal.type(b"//slash is text\n")
        assert b"/slash is text" in terminal.wait_for(PROMPT)
        cleared = _sent(server)
        assert "first" not in cleared
        assert "/slash is text" in cleared
        assert "Answer in French." in cleared  # /clear keeps the system prompt
        assert len(server.app.requests) == 3

        terminal.type(b"/exit\n")
        assert terminal.close() == 0
    assert b"Traceback" not in terminal.seen
    conversations = {e["conversation_id"] for e in logged()}
    assert len(conversations) == 2  # /clear started a new one


def test_ctrl_c_keeps_the_partial_answer_marked_interrupted(server: EmulatorServer) -> None:
    with _terminal(server, "-m", "emulator/slow") as terminal:
        terminal.wait_for(PROMPT)
        terminal.type(b"first answer\n")
        shown = terminal.wait_for(PROMPT)
        assert b"first answer" in shown
        assert b"\x1b[2m[emulator/slow" in shown  # the footer is dimmed on a terminal
        terminal.type(WORDS.encode() + b"\n")
        terminal.wait_for(b"w199\r\n")  # the terminal echoed the typed line: input() has returned
        terminal.wait_for(b"w1 ")  # ...and the answer has started streaming
        terminal.type(b"\x03")  # Ctrl-C: the terminal sends SIGINT to the child
        terminal.wait_for(b"[answer stopped]")
        terminal.wait_for(PROMPT)
        terminal.type(b"go on\n")
        terminal.wait_for(PROMPT)
        history = server.app.requests[-1].body["input"]
        interrupted = json.dumps(history[-2])
        assert "w0 w1" in interrupted
        assert "[answer interrupted by the user]" in interrupted
        assert "w199" not in interrupted
        terminal.type(b"\x04")  # Ctrl-D at the prompt: leave
        assert terminal.close() == 0
    assert b"Traceback" not in terminal.seen
    statuses = [e["status"] for e in logged()]
    assert statuses == ["ok", "interrupted", "ok"]


def test_an_error_in_the_repl_is_one_line_and_the_repl_goes_on(server: EmulatorServer) -> None:
    with _terminal(server, "-m", "acme/nope") as terminal:
        terminal.wait_for(PROMPT)
        terminal.type(b"hello\n")
        assert b"BadRequestError 400" in terminal.wait_for(PROMPT)
        terminal.type(b"/model emulator/echo\n")
        terminal.wait_for(PROMPT)
        terminal.type(b"hello again\n")
        terminal.wait_for(PROMPT)
        # The failed turn was taken back: the conversation does not hold "hello" twice in a row.
        assert [m["content"] for m in server.app.requests[-1].body["input"]] == ["hello again"]
        terminal.type(b"/quit\n")
        assert terminal.close() == 0
    assert b"Traceback" not in terminal.seen


def test_continue_opens_the_repl_on_the_last_conversation(server: EmulatorServer) -> None:
    first = cli(
        "chat",
        "--base-url",
        server.base_url,
        "-m",
        "emulator/echo",
        "remember me",
        environment=env(OPENROUTER_API_KEY=KEY),
    )
    assert first.returncode == 0, first.stderr
    with _terminal(server, "-c") as terminal:
        assert b"continuing" in terminal.wait_for(PROMPT)
        terminal.type(b"who?\n")
        terminal.wait_for(PROMPT)
        assert "remember me" in _sent(server)
        terminal.type(b"\x04")
        assert terminal.close() == 0


def test_interactive_repl_reads_lines_from_a_pipe() -> None:
    result = cli(
        "chat", "--offline", "-i", "--completions", stdin="first question\n/help\nsecond question\n/exit\n"
    )
    assert result.returncode == 0, result.stderr
    assert "first question\n" in result.stdout
    assert "second question\n" in result.stdout
    assert "/clear" in result.stderr  # the help went to stderr, not to the model
    assert result.stdout == "first question\nsecond question\n"  # answers only: prompts went to stderr
    assert len(logged()) == 2


def test_sigint_at_the_repl_prompt_exits_130() -> None:
    child = Live(["chat", "--offline", "-i"], keep_stdin_open=True, merge_stderr=True)
    try:
        child.wait_for(PROMPT)  # on stderr: stdout is not a terminal, and it is for answers only
        code, output, _ = child.interrupt()
    finally:
        child.kill()
    assert code == 130
    assert_clean(output)


def test_sigint_during_a_one_shot_answer_exits_130_and_logs_the_partial_answer() -> None:
    child = Live(["chat", "--offline", "-m", "emulator/slow", WORDS])
    try:
        child.wait_for(b"w1 ")  # the answer has started streaming
        code, stdout, stderr = child.interrupt()
    finally:
        child.kill()
    assert code == 130
    assert "w199" not in stdout  # stopped mid-answer
    assert_clean(stderr)
    [entry] = logged()
    assert entry["status"] == "interrupted"
    assert entry["response"].startswith("w0 w1")


def test_json_without_a_prompt_in_a_terminal_is_a_usage_error_not_a_silent_repl() -> None:
    with Terminal(["chat", "--offline", "--json"]) as terminal:
        terminal.wait_for(b"--json prints one response")
        assert terminal.close() == 2


def test_offline_repl_answers_under_real_model_ids_before_and_after_a_model_switch() -> None:
    result = cli(
        "chat", "--offline", "-i", "-m", "openai/gpt-4o",
        stdin="first question\n/model anthropic/claude-sonnet-4\nsecond question\n/exit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "not a valid model" not in result.stderr
    assert result.stdout == "first question\nsecond question\n"
