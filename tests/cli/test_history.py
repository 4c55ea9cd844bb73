"""Every exchange is logged to SQLite; ``logs`` lists it; ``-c`` / ``--cid`` continue a conversation exactly."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from chat_openrouter import Messages, ReasoningPart
from chat_openrouter.testing.emulator import EmulatorServer

from ._helpers import KEY, assert_clean, cli, env, logged, online


def test_logs_path_is_under_the_configured_home(home: Path) -> None:
    result = cli("logs", "path")
    assert result.returncode == 0
    assert result.stdout == f"{home / 'logs.db'}\n"


def test_nothing_logged_yet() -> None:
    result = cli("logs")
    assert result.returncode == 0
    assert "nothing logged yet" in result.stderr
    assert logged() == []


def test_every_exchange_is_logged_with_model_tokens_and_cost(home: Path) -> None:
    assert cli("chat", "--offline", "first question").returncode == 0
    assert cli("chat", "--offline", "-m", "emulator/reasoning", "second question").returncode == 0
    entries = logged()
    assert [e["prompt"] for e in entries] == ["first question", "second question"]
    first, second = entries
    assert first["model"] == "emulator/echo"
    assert first["response"] == "first question"
    assert first["input_tokens"] > 0
    assert first["output_tokens"] > 0
    assert first["cost"] > 0
    assert first["generation_id"].startswith("gen-")
    assert first["status"] == "ok"
    assert second["reasoning"].startswith("The user wrote")
    assert first["conversation_id"] != second["conversation_id"]
    # The database holds prompts: readable by the user only.
    assert stat.S_IMODE((home / "logs.db").stat().st_mode) == 0o600

    table = cli("logs").stdout.splitlines()
    assert table[0].split() == ["ID", "WHEN", "CONVERSATION", "MODEL", "TOKENS", "COST", "PROMPT"]
    assert "emulator/echo" in table[1]
    assert table[1].endswith("first question")
    assert table[2].endswith("second question")
    assert len(cli("logs", "-n", "1").stdout.splitlines()) == 2
    assert cli("logs", "list", "-n", "1", "--json").stdout.count('"prompt"') == 1


def test_no_log_flag_and_environment_switch() -> None:
    assert cli("chat", "--offline", "--no-log", "secret one").returncode == 0
    quiet = env(CHAT_OPENROUTER_NO_LOG="1")
    assert cli("chat", "--offline", "secret two", environment=quiet).returncode == 0
    assert logged() == []
    assert cli("chat", "--offline", "kept").returncode == 0
    assert [e["prompt"] for e in logged()] == ["kept"]


def test_continue_sends_the_whole_conversation(server: EmulatorServer) -> None:
    assert online(server.base_url, "chat", "-m", "emulator/echo", "my name is Ada").returncode == 0
    result = online(server.base_url, "chat", "-c", "what is my name?")
    assert result.returncode == 0, result.stderr
    body = server.app.requests[-1].body
    assert body["model"] == "emulator/echo"  # the conversation's model, as -m was not given
    assert "my name is Ada" in json.dumps(body["input"])
    entries = logged()
    assert entries[0]["conversation_id"] == entries[1]["conversation_id"]


@pytest.mark.parametrize("wire", [[], ["--completions"]], ids=["responses", "completions"])
def test_continue_replays_reasoning_verbatim(server: EmulatorServer, wire: list[str]) -> None:
    # emulator/reasoning signs its reasoning (encrypted item / signed reasoning_details). Continuing the
    # conversation must send those opaque values back byte for byte: the saved form is lossless.
    first = online(server.base_url, "chat", *wire, "-m", "emulator/reasoning", "Why is the sky blue?")
    assert first.returncode == 0, first.stderr
    answer = server.app.requests[-1]
    assert answer.generation_id is not None
    second = online(server.base_url, "chat", *wire, "-c", "and at sunset?")
    assert second.returncode == 0, second.stderr
    sent = json.dumps(server.app.requests[-1].body)

    conversation_id = logged()[-1]["conversation_id"]
    stored = sqlite3.connect(Path(os.environ["CHAT_OPENROUTER_HOME"]) / "logs.db").execute(
        "SELECT messages FROM conversations WHERE id = ?", (conversation_id,)
    )
    messages = Messages.from_json(stored.fetchone()[0])
    assert len(messages) == 4  # question, answer, question, answer
    reasoning = [p for p in messages[1].parts if isinstance(p, ReasoningPart)]  # the first answer's
    assert reasoning
    opaque = [d.get("data") or d.get("signature") for r in reasoning for d in r.details]
    opaque = [value for value in opaque if value]
    assert opaque
    for value in opaque:
        assert json.dumps(value)[1:-1] in sent


def test_cid_continues_a_given_conversation_by_id_or_prefix(server: EmulatorServer) -> None:
    assert online(server.base_url, "chat", "-m", "emulator/echo", "conversation A").returncode == 0
    assert online(server.base_url, "chat", "-m", "emulator/echo", "conversation B").returncode == 0
    first_id = logged()[0]["conversation_id"]
    result = online(server.base_url, "chat", "--cid", first_id[:6], "more of A")
    assert result.returncode == 0, result.stderr
    sent = json.dumps(server.app.requests[-1].body["input"])
    assert "conversation A" in sent
    assert "conversation B" not in sent
    assert logged()[-1]["conversation_id"] == first_id


def test_continuing_with_nothing_logged_or_an_unknown_id_is_a_usage_error() -> None:
    nothing = cli("chat", "--offline", "-c", "hello")
    assert nothing.returncode == 2
    assert "nothing has been logged yet" in nothing.stderr
    assert cli("chat", "--offline", "hello").returncode == 0
    unknown = cli("chat", "--offline", "--cid", "zzz", "hello")
    assert unknown.returncode == 2
    assert "--cid zzz: no such conversation" in unknown.stderr
    both = cli("chat", "--offline", "-c", "--cid", "x", "hello")
    assert both.returncode == 2


def test_the_api_key_is_never_written_to_the_database(server: EmulatorServer, home: Path) -> None:
    for args in (["hello"], ["-c", "again"], ["--completions", "-c", "and again"]):
        result = online(server.base_url, "chat", "-m", "emulator/reasoning", *args)
        assert result.returncode == 0, result.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_an_unusable_database_never_loses_the_answer(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "logs.db").write_bytes(b"this is not a database" * 100)
    result = cli("chat", "--offline", "still answered")
    assert result.returncode == 0
    assert result.stdout == "still answered\n"
    assert "warning" in result.stderr
    assert "will not be logged" in result.stderr
    assert_clean(result.stderr)
    listing = cli("logs")
    assert listing.returncode == 2
    assert "logs.db" in listing.stderr


def test_a_database_from_a_newer_release_is_refused_not_misread(home: Path) -> None:
    assert cli("chat", "--offline", "hi").returncode == 0
    with sqlite3.connect(home / "logs.db") as db:
        db.execute("PRAGMA user_version = 99")
    result = cli("logs")
    assert result.returncode == 2
    assert "newer chat-openrouter" in result.stderr


def test_concurrent_commands_all_get_logged() -> None:
    # Several shells at once (or a script in a loop with `&`): SQLite's lock is waited for, nothing lost.
    import subprocess

    from ._helpers import COMMAND

    children = [
        subprocess.Popen(
            [*COMMAND, "chat", "--offline", f"parallel {n}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env(),
        )
        for n in range(4)
    ]
    for child in children:
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr
        assert b"warning" not in stderr
    assert sorted(e["prompt"] for e in logged()) == [f"parallel {n}" for n in range(4)]
