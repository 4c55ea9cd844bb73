"""Running the ``chat-openrouter`` command as users do: a real subprocess (or a pseudo-terminal), bounded by
timeouts. Readiness is observed on the child's output, never slept for."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TIMEOUT = 60
_SCRIPT = Path(sys.executable).with_name("chat-openrouter")
#: The installed console script when there is one (what users run), else ``python -m chat_openrouter``.
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "chat_openrouter"]
FOOTER = re.compile(r"\[(?P<model>\S+) · (?P<input>\d+) in / (?P<output>\d+) out tokens")
KEY = "sk-or-v1-cli-test-0123456789abcdef"


def env(**extra: str) -> dict[str, str]:
    """The test's environment (CHAT_OPENROUTER_HOME set by the autouse fixture) plus ``extra``."""
    values = dict(os.environ)
    values["PYTHONUNBUFFERED"] = "1"
    values.update(extra)
    return values


def cli(
    *args: str, stdin: str | bytes = "", environment: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``chat-openrouter ARGS`` with ``stdin`` piped in (an empty, closed pipe by default)."""
    result = subprocess.run(
        [*COMMAND, *args],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        timeout=TIMEOUT,
        env=environment or env(),
        cwd=cwd,
        check=False,
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )


def online(base_url: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``chat ... --base-url base_url`` with an API key in the environment."""
    return cli(*args, "--base-url", base_url, environment=env(OPENROUTER_API_KEY=KEY), **kwargs)


def assert_clean(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr


def logged(*args: str) -> list[dict[str, Any]]:
    """``chat-openrouter logs --json -n 0 ARGS``, parsed."""
    result = cli("logs", "--json", "-n", "0", *args)
    assert result.returncode == 0, result.stderr
    entries: list[dict[str, Any]] = json.loads(result.stdout)
    return entries


class Live:
    """A running child whose stdout is collected by a thread, so a test can wait for a readiness marker."""

    def __init__(
        self,
        args: Sequence[str],
        environment: dict[str, str] | None = None,
        *,
        keep_stdin_open: bool = False,
        merge_stderr: bool = False,
    ) -> None:
        # A closed stdin by default: `chat PROMPT` reads piped stdin to its end before asking.
        self.proc = subprocess.Popen(
            [*COMMAND, *args],
            stdin=subprocess.PIPE if keep_stdin_open else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            env=environment or env(),
        )
        self.out = bytearray()
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while chunk := os.read(fd, 4096):
            with self._changed:
                self.out += chunk
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, marker: bytes) -> None:
        with self._changed:
            found = self._changed.wait_for(
                lambda: marker in self.out or self.proc.poll() is not None, timeout=TIMEOUT
            )
        assert found, f"timed out waiting for {marker!r}"
        assert marker in self.out, f"never saw {marker!r}; got {bytes(self.out)!r}"

    def interrupt(self) -> tuple[int, str, str]:
        self.proc.send_signal(signal.SIGINT)
        _, stderr = self.proc.communicate(timeout=TIMEOUT)
        self._reader.join(TIMEOUT)
        return self.proc.returncode, self.out.decode(), (stderr or b"").decode()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=TIMEOUT)


def _controlling_terminal() -> None:
    # A new session whose controlling terminal is the pty (already on fd 0): a typed Ctrl-C then
    # reaches the child as SIGINT, exactly as in a real terminal.
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """The command on a pseudo-terminal: stdin and stdout are TTYs, so the REPL and styling switch on."""

    def __init__(self, args: Sequence[str], environment: dict[str, str] | None = None) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [*COMMAND, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**(environment or env()), "TERM": "xterm"},
            close_fds=True,
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self._open = True
        self.seen = b""
        self.cursor = 0  # output before this offset was matched by an earlier wait_for

    def wait_for(self, marker: bytes) -> bytes:
        """Wait until ``marker`` appears after the previous match; return the output up to its end."""
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
        """Wait for the child to exit; its exit status."""
        try:
            return self.proc.wait(TIMEOUT)
        finally:
            self.__exit__()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
        if self._open:
            self._open = False
            os.close(self.master)
