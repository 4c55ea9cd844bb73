"""``keys`` stores the key user-only (the environment variable wins); ``aliases`` name models for ``-m``."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from chat_openrouter.testing.emulator import Emulator

from ._helpers import FOOTER, KEY, assert_clean, cli, env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def test_keys_set_from_stdin_stores_a_user_only_file(home: Path) -> None:
    result = cli("keys", "set", stdin=f"  {KEY}\n")
    assert result.returncode == 0, result.stderr
    path = home / "keys.json"
    assert cli("keys", "path").stdout == f"{path}\n"
    assert json.loads(path.read_text()) == {"openrouter": KEY}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert KEY not in result.stdout + result.stderr
    status = cli("keys")
    assert status.returncode == 0
    assert "key file" in status.stdout
    assert KEY not in status.stdout


def test_the_stored_key_is_used_and_the_environment_variable_wins() -> None:
    assert cli("keys", "set", stdin=KEY).returncode == 0
    with Emulator(api_keys=[KEY]).loopback() as server:
        stored = cli("chat", "--base-url", server.base_url, "-m", "emulator/echo", "with the stored key")
        assert stored.returncode == 0, stored.stderr
        overridden = cli(
            "chat",
            "--base-url",
            server.base_url,
            "-m",
            "emulator/echo",
            "hi",
            environment=env(OPENROUTER_API_KEY="sk-or-v1-another-key"),
        )
    assert overridden.returncode == 1
    assert "AuthenticationError 401" in overridden.stderr
    assert "the key came from the OPENROUTER_API_KEY environment variable" in overridden.stderr
    assert "sk-or-v1-another-key" not in overridden.stderr
    shadowed = cli("keys", "set", stdin=KEY, environment=env(OPENROUTER_API_KEY="x"))
    assert "is used instead of the stored key" in shadowed.stderr
    assert "environment variable" in cli("keys", environment=env(OPENROUTER_API_KEY="x")).stdout


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "no key given"), ("sk-or v1", "spaces, control or non-ASCII"), ("sk-\x1b[2J", "control")],
)
def test_keys_set_refuses_what_cannot_be_a_key_without_echoing_it(typed: str, message: str) -> None:
    result = cli("keys", "set", stdin=typed)
    assert result.returncode == 2
    assert message in result.stderr
    if typed:
        assert typed not in result.stderr


def test_keys_unset(home: Path) -> None:
    assert cli("keys", "set", stdin=KEY).returncode == 0
    assert "key removed" in cli("keys", "unset").stderr
    assert not (home / "keys.json").exists()
    assert "no key stored" in cli("keys", "unset").stderr
    missing = cli("keys")
    assert missing.returncode == 1
    assert "keys set" in missing.stderr


def test_a_key_file_readable_by_others_gets_a_warning(home: Path) -> None:
    assert cli("keys", "set", stdin=KEY).returncode == 0
    (home / "keys.json").chmod(0o644)
    result = cli("keys")
    assert "can be read by other users" in result.stderr
    assert "chmod 600" in result.stderr


def test_a_broken_key_file_is_a_clear_error(home: Path) -> None:
    home.mkdir()
    (home / "keys.json").write_text("{oops")
    result = cli("chat", "hello")
    assert result.returncode == 2
    assert "keys.json is not a JSON object: fix it or delete it" in result.stderr
    assert_clean(result.stderr)


def test_aliases_resolve_in_model(home: Path) -> None:
    assert cli("aliases", "set", "thinker", "emulator/reasoning").returncode == 0
    assert cli("aliases", "set", "fast", "emulator/echo").returncode == 0
    assert cli("aliases").stdout == "fast     emulator/echo\nthinker  emulator/reasoning\n"
    assert json.loads(cli("aliases", "list", "--json").stdout) == {
        "fast": "emulator/echo",
        "thinker": "emulator/reasoning",
    }
    result = cli("chat", "--offline", "-m", "thinker", "hi")
    assert result.returncode == 0, result.stderr
    footer = FOOTER.search(result.stderr)
    assert footer is not None
    assert footer["model"] == "emulator/reasoning"
    assert cli("aliases", "path").stdout == f"{home / 'aliases.json'}\n"


def test_aliases_remove_and_bad_names() -> None:
    assert cli("aliases", "set", "fast", "emulator/echo").returncode == 0
    assert cli("aliases", "remove", "fast").returncode == 0
    assert "no aliases yet" in cli("aliases").stderr
    missing = cli("aliases", "remove", "fast")
    assert missing.returncode == 2
    assert "no alias 'fast'" in missing.stderr
    assert cli("aliases", "set", "two words", "x/y").returncode == 2
    assert cli("aliases", "set", "ok", "").returncode == 2
