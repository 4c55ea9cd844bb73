"""``models``, ``emulator``, ``demo``, ``--help`` and the installed console script."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from chat_openrouter.cli import COMMANDS, build_parser

from ._helpers import TIMEOUT, Live, assert_clean, cli, env


def test_help_loads_neither_the_client_nor_the_database() -> None:
    # `--help` must stay instant: command modules import only the standard library at the top.
    code = (
        "import sys\n"
        "from chat_openrouter.cli import main\n"
        "for argv in (['--help'], ['chat', '--help'], ['logs', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('httpx2', 'pydantic', 'sqlite3'))\n"
        "print(heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, env=env(), check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "[]"
    assert "usage: chat-openrouter" in result.stdout


def test_every_command_module_registers_itself() -> None:
    parser = build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices  # type: ignore[union-attr]
    assert choices is not None
    assert list(choices) == list(COMMANDS)
    required = {"aliases": ["set", "a", "b"], "batch": ["rows.jsonl", "-o", "out.jsonl"]}
    for name in COMMANDS:
        assert callable(parser.parse_args([name, *required.get(name, [])]).run)


@pytest.mark.parametrize("command", ["demo", "emulator"])
def test_offline_is_not_an_option_of_commands_that_are_always_offline(command: str) -> None:
    result = cli(command, "--offline")
    assert result.returncode == 2
    assert "unrecognized arguments: --offline" in result.stderr


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


def test_models_search_and_json() -> None:
    found = cli("models", "--offline", "--search", "TOOLS")
    missing = cli("models", "--offline", "--search", "no-such-model")
    assert [line.split()[0] for line in found.stdout.splitlines()[1:]] == ["emulator/tools"]
    assert missing.returncode == 1
    assert "no model matches" in missing.stderr
    as_json = json.loads(cli("models", "--offline", "--search", "echo", "--json").stdout)
    assert [m["id"] for m in as_json] == ["emulator/echo"]
    assert as_json[0]["pricing"]["prompt"] == "0.0000001"


def test_emulator_command_serves_until_ctrl_c() -> None:
    child = Live(["emulator", "--port", "0"])
    try:
        child.wait_for(b"/api/v1")
        base_url = re.search(rb"listening on (\S+/api/v1)", bytes(child.out))
        assert base_url is not None
        with httpx2.Client(timeout=TIMEOUT) as client:
            models = client.get(base_url[1].decode() + "/models").json()["data"]
        code, _, stderr = child.interrupt()
    finally:
        child.kill()
    assert "emulator/echo" in [m["id"] for m in models]
    assert code == 130
    assert_clean(stderr)


def test_emulator_port_out_of_range_is_a_usage_error() -> None:
    result = cli("emulator", "--port", "70000")
    assert result.returncode == 2
    assert "between 0 and 65535" in result.stderr


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


def test_a_bare_command_shows_the_commands() -> None:
    result = cli()
    assert result.returncode == 2
    assert "demo" in result.stderr
    assert "usage: chat-openrouter" in result.stderr


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chat_openrouter", "chat", "--offline", "via -m"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "via -m\n"


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
        env=env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert re.fullmatch(r"chat-openrouter \d+\.\d+\.\d+\S*", version.stdout.strip())
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout == "from the script\n"


def test_a_closed_stdout_ends_quietly() -> None:
    # `chat-openrouter models | head -1`: the reader goes away; no traceback, no "Exception ignored".
    proc = subprocess.Popen(
        [sys.executable, "-m", "chat_openrouter", "models", "--offline"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )
    assert proc.stdout is not None
    proc.stdout.close()
    _, stderr = proc.communicate(timeout=TIMEOUT)
    assert_clean(stderr.decode())
