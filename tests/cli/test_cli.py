"""The ``chat-openrouter`` command, driven as users run it: a real subprocess, bounded by timeouts.

Readiness is observed on the child's stdout (never slept for) before a signal is sent.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx2
import jsonschema
import pytest

from chat_openrouter.testing.emulator import Emulator

TIMEOUT = 60
FOOTER = re.compile(r"\[(?P<model>\S+) · (?P<input>\d+) in / (?P<output>\d+) out tokens")


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENROUTER_API_KEY", "OPENROUTER_MODEL", "NO_COLOR")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chat_openrouter", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env or _env(),
        check=False,
    )


def assert_clean(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr


class Live:
    """A running child whose stdout is collected by a thread, so a test can wait for a readiness marker."""

    def __init__(self, args: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chat_openrouter", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env or _env(),
        )
        self._out = bytearray()
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while chunk := os.read(fd, 4096):
            with self._changed:
                self._out += chunk
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, marker: bytes) -> None:
        with self._changed:
            found = self._changed.wait_for(
                lambda: marker in self._out or self.proc.poll() is not None, timeout=TIMEOUT
            )
        assert found, f"timed out waiting for {marker!r}"
        assert marker in self._out, f"never saw {marker!r}; got {bytes(self._out)!r}"

    def interrupt(self) -> tuple[int, str, str]:
        self.proc.send_signal(signal.SIGINT)
        _, stderr = self.proc.communicate(timeout=TIMEOUT)
        self._reader.join(TIMEOUT)
        return self.proc.returncode, self._out.decode(), stderr.decode()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=TIMEOUT)


@pytest.fixture
def live() -> Iterator[list[Live]]:
    started: list[Live] = []
    yield started
    for child in started:
        child.kill()


# -- chat -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wire", [[], ["--completions"]], ids=["responses", "completions"])
def test_one_shot_offline_streams_the_answer_to_stdout(wire: list[str]) -> None:
    result = cli("chat", "--offline", *wire, "Hello", "there!")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello there!\n"
    footer = FOOTER.search(result.stderr)
    assert footer is not None
    assert footer["model"] == "emulator/echo"
    assert "$0.0000" in result.stderr
    assert "gen-" in result.stderr
    assert_clean(result.stderr)


def test_offline_before_the_command_works_too() -> None:
    result = cli("--offline", "chat", "--completions", "first")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "first\n"


def test_piped_stdin_is_the_prompt() -> None:
    result = cli("chat", "--offline", stdin="piped prompt\nwith two lines\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "piped prompt\nwith two lines\n"


def test_reasoning_goes_to_stderr_and_the_answer_to_stdout() -> None:
    result = cli("chat", "--offline", "-m", "emulator/reasoning", "--reasoning-effort", "high", "think")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "think\n"
    assert "thinking: The user wrote “think”." in result.stderr
    assert "\x1b[" not in result.stderr  # no ANSI when stderr is not a terminal


def test_json_schema_file(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "maximum": 5}},
        "required": ["city", "days"],
        "additionalProperties": False,
    }
    path = tmp_path / "trip.json"
    path.write_text(json.dumps(schema))
    result = cli(
        "chat", "--offline", "--completions", "-m", "emulator/json", "--json-schema", str(path), "plan a trip"
    )
    assert result.returncode == 0, result.stderr
    value = json.loads(result.stdout)
    jsonschema.validate(value, schema)


def test_bad_json_schema_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    result = cli("chat", "--offline", "--json-schema", str(path), "x")
    assert result.returncode == 2
    assert "--json-schema" in result.stderr
    assert_clean(result.stderr)


def test_interactive_repl_keeps_the_conversation() -> None:
    result = cli("chat", "--offline", "-i", "--completions", stdin="first question\nsecond question\n/exit\n")
    assert result.returncode == 0, result.stderr
    assert "first question\n" in result.stdout
    assert "second question\n" in result.stdout
    footers = [(int(m["input"]), int(m["output"])) for m in FOOTER.finditer(result.stderr)]
    assert len(footers) == 2
    # The second request carries the first exchange too: more input tokens than the first turn + its answer.
    assert footers[1][0] > footers[0][0] + footers[0][1]


def test_bad_model_is_one_line_and_nonzero() -> None:
    result = cli("chat", "--offline", "--completions", "-m", "acme/nope", "hi")
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr.strip()
        == "chat-openrouter: error: BadRequestError 400: acme/nope is not a valid model ID"
    )


def test_error_after_partial_output_keeps_the_partial_answer() -> None:
    result = cli("chat", "--offline", "--completions", "-m", "emulator/midstream-error", "one two three four")
    assert result.returncode == 1
    assert result.stdout.startswith("one two")
    assert "StreamError" in result.stderr
    assert "Provider disconnected mid-stream" in result.stderr
    assert_clean(result.stderr)


def test_missing_key_is_a_one_line_hint_with_exit_2() -> None:
    result = cli("chat", "hello")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "OPENROUTER_API_KEY" in lines[0]
    assert "--offline" in lines[0]


def test_empty_stdin_without_prompt_is_a_usage_error() -> None:
    result = cli("chat", "--offline", stdin="")
    assert result.returncode == 2
    assert "no prompt" in result.stderr


def test_base_url_points_the_real_client_at_any_server() -> None:
    with Emulator().loopback() as server:
        result = cli(
            "chat",
            "--base-url",
            server.base_url,
            "-m",
            "emulator/echo",
            "over loopback",
            env=_env(OPENROUTER_API_KEY="sk-or-v1-anything"),
        )
        recorded = server.app.requests
    assert result.returncode == 0, result.stderr
    assert result.stdout == "over loopback\n"
    assert [r.path for r in recorded] == ["/responses"]


# -- Ctrl-C ----------------------------------------------------------------------------------------------
def test_sigint_during_a_slow_stream_exits_130_without_traceback(live: list[Live]) -> None:
    words = " ".join(f"w{i}" for i in range(200))
    child = Live(["chat", "--offline", "-m", "emulator/slow", words])
    live.append(child)
    child.wait_for(b"w0")  # the answer has started streaming
    code, stdout, stderr = child.interrupt()
    assert code == 130
    assert "w199" not in stdout  # stopped mid-answer
    assert_clean(stderr)


def test_sigint_at_the_repl_prompt_exits_130(live: list[Live]) -> None:
    child = Live(["chat", "--offline", "-i"])
    live.append(child)
    child.wait_for(b"you> ")
    code, _, stderr = child.interrupt()
    assert code == 130
    assert_clean(stderr)


# -- models, emulator, demo -----------------------------------------------------------------------------
def test_models_table_offline() -> None:
    result = cli("models", "--offline")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "MODEL",
        "CONTEXT",
        "$/M",
        "IN",
        "$/M",
        "OUT",
        "TOOLS",
        "REASONING",
        "STRUCTURED",
    ]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["emulator/reasoning"] == ["131,072", "3.00", "15.00", "yes", "yes", "yes"]
    assert rows["emulator/echo"] == ["131,072", "0.10", "0.20", "-", "-", "-"]


def test_models_search() -> None:
    found = cli("models", "--offline", "--search", "TOOLS")
    missing = cli("models", "--offline", "--search", "no-such-model")
    assert [line.split()[0] for line in found.stdout.splitlines()[1:]] == ["emulator/tools"]
    assert missing.returncode == 1
    assert "no model matches" in missing.stderr


def test_emulator_command_serves_until_ctrl_c(live: list[Live]) -> None:
    child = Live(["emulator", "--port", "0"])
    live.append(child)
    child.wait_for(b"/api/v1")
    base_url = re.search(rb"listening on (\S+/api/v1)", bytes(child._out))
    assert base_url is not None
    with httpx2.Client(timeout=TIMEOUT) as client:
        models = client.get(base_url[1].decode() + "/models").json()["data"]
    code, _, stderr = child.interrupt()
    assert "emulator/echo" in [m["id"] for m in models]
    assert code == 130
    assert_clean(stderr)


def test_demo_runs_both_wires_and_exits_0() -> None:
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for header in (
        "1. Streaming text",
        "2. Tool loop",
        "3. Structured output",
        "4. Reasoning",
        "5. A 429, recovered",
        "6. Usage and cost",
        "Demo finished",
    ):
        assert header in out
    assert out.count("  responses  ") >= 5
    assert out.count("  completions  ") >= 5
    assert out.count("429 → 200") == 2
    assert out.count("CityGuide(city='Lisbon'") == 2
    assert "the emulator's ledger agrees" in out
    assert "\x1b[" not in out
    assert_clean(result.stderr)


def test_installed_console_script() -> None:
    script = Path(sys.executable).with_name("chat-openrouter")
    if not script.exists():
        pytest.skip("the chat-openrouter script is not installed next to this interpreter")
    version = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    answer = subprocess.run(
        [str(script), "chat", "--offline", "from the script"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_env(),
        check=False,
    )
    assert version.stdout.strip() == "chat-openrouter 0.1.0"
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout == "from the script\n"


# -- a real terminal -------------------------------------------------------------------------------------
def _controlling_terminal() -> None:
    # A new session whose controlling terminal is the pty (already on fd 0): a typed Ctrl-C then
    # reaches the child as SIGINT, exactly as in a real terminal.
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """The command on a pseudo-terminal: stdin and stdout are TTYs, so the REPL and styling switch on."""

    def __init__(self, args: Sequence[str]) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chat_openrouter", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=_env(TERM="xterm"),
            close_fds=True,
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self.seen = b""
        self.cursor = 0  # output before this offset was matched by an earlier wait_for

    def wait_for(self, marker: bytes) -> bytes:
        """Wait until ``marker`` appears after the previous match; return the output up to its end."""
        import select

        start = self.cursor
        while marker not in self.seen[start:]:
            ready, _, _ = select.select([self.master], [], [], TIMEOUT)
            assert ready, f"timed out waiting for {marker!r}; got {self.seen[start:]!r}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the child exited and closed the terminal
                chunk = b""
            assert chunk, f"terminal closed before {marker!r}; got {self.seen[start:]!r}"
            self.seen += chunk
        self.cursor = self.seen.index(marker, start) + len(marker)
        return self.seen[start : self.cursor]

    def type(self, text: bytes) -> None:
        os.write(self.master, text)

    def close(self) -> int:
        try:
            return self.proc.wait(TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.master)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_repl_in_a_terminal_stops_an_answer_on_ctrl_c_and_quits_on_ctrl_d() -> None:
    terminal = Terminal(["chat", "--offline", "-m", "emulator/slow"])
    try:
        terminal.wait_for(b"you> ")
        terminal.type(b"first answer\n")
        shown = terminal.wait_for(b"you> ")
        assert b"first answer" in shown
        assert b"\x1b[2m[emulator/slow" in shown  # the footer is dimmed on a terminal
        terminal.type(" ".join(f"w{i}" for i in range(200)).encode() + b"\n")
        terminal.wait_for(b"w199\r\n")  # the terminal echoed the typed line: input() has returned
        terminal.wait_for(b"w0")  # ...and the answer has started streaming
        terminal.type(b"\x03")  # Ctrl-C: the terminal sends SIGINT to the child
        terminal.wait_for(b"[answer stopped]")
        terminal.wait_for(b"you> ")
        terminal.type(b"\x04")  # Ctrl-D at the prompt: leave
        assert terminal.close() == 0
    finally:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
    assert b"Traceback" not in terminal.seen
