"""``chat-openrouter login`` as a real subprocess against the emulator on loopback: the test plays the browser
(follows the authorisation page's redirect to the command's callback); the key lands where ``keys set``
puts it and works."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2

from chat_openrouter.testing.emulator import EmulatorServer

from ._helpers import TIMEOUT, Live, assert_clean, cli, env

URL = re.compile(rb"  (http\S+/auth\?\S+)\n")


def _login(server: EmulatorServer, *extra: str) -> tuple[Live, str]:
    live = Live(["login", "--no-browser", "--base-url", server.base_url, *extra], env(), merge_stderr=True)
    live.wait_for(b"code_challenge_method=S256\n")  # the whole URL line has been printed
    match = URL.search(live.out)
    assert match is not None, bytes(live.out)
    return live, match.group(1).decode()


def test_login_gets_a_key_through_the_browser_and_stores_it(server: EmulatorServer, home: Path) -> None:
    live, url = _login(server)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    callback = urlsplit(query["callback_url"][0])
    assert (callback.hostname, callback.path) == ("localhost", "/callback")
    # The browser: the user approves, OpenRouter redirects to the command's loopback callback.
    page = httpx2.get(url, follow_redirects=True, timeout=TIMEOUT)
    assert page.status_code == 200 and "Logged in" in page.text
    assert live.proc.wait(timeout=TIMEOUT) == 0
    output = live.out.decode()
    assert "key saved to" in output
    assert_clean(output)
    key = json.loads((home / "keys.json").read_text())["openrouter"]
    assert key.startswith("sk-or-v1-") and key not in output  # never printed
    assert "keys.json" in cli("keys", "status").stdout  # the stored key is the one used
    probe = httpx2.get(f"{server.base_url}/key", headers={"Authorization": f"Bearer {key}"}, timeout=TIMEOUT)
    assert probe.status_code == 200


def test_only_the_callback_is_answered_and_a_missing_code_fails(server: EmulatorServer, home: Path) -> None:
    live, url = _login(server)
    callback = parse_qs(urlsplit(url).query)["callback_url"][0].replace("localhost", "127.0.0.1")
    other = callback.replace("/callback", "/favicon.ico")
    assert httpx2.get(other, timeout=TIMEOUT).status_code == 404
    assert httpx2.get(callback + "?error=access_denied", timeout=TIMEOUT).status_code == 400
    assert live.proc.wait(timeout=TIMEOUT) == 2
    assert "access_denied" in live.out.decode()
    assert not (home / "keys.json").exists()


def test_login_gives_up_after_its_timeout(server: EmulatorServer, home: Path) -> None:
    result = cli("login", "--no-browser", "--base-url", server.base_url, "--timeout", "0.2")
    assert result.returncode == 2 and "no login within 0.2 seconds" in result.stderr
    assert not (home / "keys.json").exists()
    assert cli("login", "--port", "70000").returncode == 2
