"""docs/cli.md cannot rot: its ``console runnable`` examples run here (offline, in order, in one home), and
every command and flag of the parser is documented there."""

from __future__ import annotations

import argparse
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from chat_openrouter.cli import build_parser

from ._helpers import TIMEOUT, env

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
BLOCK = re.compile(r"```console runnable\n(.*?)```", re.S)


def _examples() -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` of every runnable block, in document order."""
    examples: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(DOC.read_text()):
        for line in block.splitlines():
            if line.startswith("$ "):
                examples.append((line[2:], []))
            elif line.strip():
                assert examples, f"output before any command in docs/cli.md: {line!r}"
                examples[-1][1].append(line)
    return examples


def _workspace(folder: Path) -> dict[str, str]:
    """The files the examples mention, and a `chat-openrouter` on PATH that runs this interpreter."""
    (folder / "notes.md").write_text("# Notes\n\nThe meeting moved to Friday.\n")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n" + b"x" * 32)
    (folder / "trip.json").write_text(
        '{"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},'
        ' "required": ["city", "days"], "additionalProperties": false}'
    )
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    script = bin_dir / "chat-openrouter"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m chat_openrouter "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(sys.platform == "win32", reason="the examples are POSIX shell")
def test_runnable_examples_run_and_print_what_the_docs_show(tmp_path: Path) -> None:
    examples = _examples()
    assert len(examples) >= 30
    environment = _workspace(tmp_path)
    for command, expected in examples:
        assert "--offline" in command or not command.startswith("chat-openrouter chat"), command
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=tmp_path,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        shown = _flat(result.stdout + "\n" + result.stderr)
        assert result.returncode == 0, f"$ {command}\n{result.stderr}"
        for line in expected:
            for fragment in filter(None, (_flat(part) for part in line.split("…"))):
                assert fragment in shown, (
                    f"$ {command}\nexpected {fragment!r} in:\n{result.stdout}{result.stderr}"
                )


def _options(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((path, f"{path} {name}".strip()))
                found += _options(sub, f"{path} {name}".strip())
        elif action.option_strings and action.dest not in ("help", "version"):
            found.append((path, max(action.option_strings, key=len)))
    return found


def test_every_command_and_flag_is_documented() -> None:
    text = DOC.read_text()
    missing = [f"{where}: {name}" for where, name in _options(build_parser(), "") if name not in text]
    assert not missing, "document these in docs/cli.md: " + ", ".join(missing)


def test_every_request_option_is_documented() -> None:
    from chat_openrouter.cli._request import OPTIONS

    text = DOC.read_text()
    missing = [name for name in OPTIONS if f"`{name}`" not in text]
    assert not missing, "document these -o names in docs/cli.md: " + ", ".join(missing)
