"""Every CLI test gets its own config/data folder (CHAT_OPENROUTER_HOME): nothing touches the real home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_openrouter.testing.emulator import Emulator, EmulatorServer


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("CHAT_OPENROUTER_HOME", str(folder))
    for name in ("OPENROUTER_API_KEY", "OPENROUTER_MODEL", "NO_COLOR", "CHAT_OPENROUTER_NO_LOG"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """The emulator on a loopback port: ``--base-url server.base_url``, then assert on ``server.app.requests``."""
    with Emulator().loopback() as running:
        yield running
