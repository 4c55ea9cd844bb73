"""OAuth PKCE: authorize in the "browser", land on a CLI's loopback callback, exchange the code for a key."""

from __future__ import annotations

import base64
import hashlib
import http.server
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest

from chat_openrouter.testing.emulator import Emulator

from ._emu import assert_answer_valid, raw_client, strict_emulator, user


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


@contextmanager
def _callback_server() -> Iterator[tuple[str, dict[str, Any], threading.Event]]:
    """What a CLI's ``login`` runs: a loopback HTTP server waiting for ``/callback?code=...``."""
    received: dict[str, Any] = {}
    arrived = threading.Event()

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.update({k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()})
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(b"Logged in: you can close this tab.")
            arrived.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback", received, arrived
    finally:
        server.shutdown()
        server.server_close()


def test_the_pkce_flow_over_loopback_yields_a_working_key() -> None:
    emulator = strict_emulator()
    verifier, challenge = _pkce()
    with emulator.loopback() as site, _callback_server() as (callback, received, arrived):
        query = urlencode(
            {"callback_url": callback, "code_challenge": challenge, "code_challenge_method": "S256"}
        )
        # The "browser": the user approves, OpenRouter redirects to the CLI's callback.
        page = httpx2.get(f"{site.url}/auth?{query}", follow_redirects=True)
        assert page.text == "Logged in: you can close this tab."
        assert arrived.wait(10)
        code = received["code"]
        with httpx2.Client(base_url=site.base_url) as app:  # no key yet: that is what this is for
            exchanged = app.post(
                "/auth/keys", json={"code": code, "code_verifier": verifier, "code_challenge_method": "S256"}
            )
            again = app.post("/auth/keys", json={"code": code, "code_verifier": verifier})
        assert_answer_valid("POST", "/auth/keys", exchanged)
        key = exchanged.json()["key"]
        assert key.startswith("sk-or-v1-")
        assert exchanged.json()["user_id"] == "user_emulator"
        assert again.status_code == 403  # a code is single-use
        with httpx2.Client(base_url=site.base_url, headers={"Authorization": f"Bearer {key}"}) as user_client:
            answer = user_client.post(
                "/chat/completions", json={"model": "emulator/echo", "messages": user("hi")}
            )
            me = user_client.get("/key").json()["data"]
    assert answer.status_code == 200
    assert me["label"] == "OAuth app key"


@pytest.mark.parametrize(
    ("exchange", "status", "message"),
    [
        ({"code_verifier": "not-the-verifier"}, 403, "Invalid code_verifier"),
        ({}, 400, "code_verifier: required"),
        ({"code_verifier": "v", "code_challenge_method": "plain"}, 400, "used S256"),
        ({"code": "auth_code_made_up", "code_verifier": "v"}, 403, "Invalid or expired"),
    ],
    ids=["wrong-verifier", "missing-verifier", "other-method", "unknown-code"],
)
def test_a_failed_proof_is_refused(exchange: dict[str, Any], status: int, message: str) -> None:
    emulator = strict_emulator()
    verifier, challenge = _pkce()
    redirect = emulator.authorize(
        "https://openrouter.ai/auth?"
        + urlencode({"callback_url": "https://app.example/cb?state=1", "code_challenge": challenge})
    )
    assert redirect.startswith("https://app.example/cb?state=1&code=auth_code_")
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    with raw_client(emulator, key=None) as client:
        refused = client.post("/auth/keys", json={"code": code, **exchange})
        still_good = client.post("/auth/keys", json={"code": code, "code_verifier": verifier})
    assert refused.status_code == status
    assert message in refused.json()["error"]["message"]
    assert_answer_valid("POST", "/auth/keys", refused)
    assert still_good.status_code == 200  # a failed attempt does not burn the code


def test_codes_expire_after_ten_minutes() -> None:
    now = [1_767_225_600.0]
    emulator = Emulator(clock=lambda: now[0])
    code = parse_qs(urlsplit(emulator.authorize("https://x/auth?callback_url=http://localhost:9/cb")).query)[
        "code"
    ][0]
    now[0] += 601
    with raw_client(emulator, key=None) as client:
        r = client.post("/auth/keys", json={"code": code})
    assert r.status_code == 403


def test_plain_challenges_and_server_created_codes() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        created = client.post(
            "/auth/keys/code",
            json={
                "callback_url": "http://localhost:8765/callback",
                "code_challenge": "my-plain-verifier",
                "code_challenge_method": "plain",
                "key_label": "made by code",
                "limit": 3,
            },
        )
        assert_answer_valid("POST", "/auth/keys/code", created)
        code = created.json()["data"]["id"]
        exchanged = client.post("/auth/keys", json={"code": code, "code_verifier": "my-plain-verifier"})
    with raw_client(emulator, key=exchanged.json()["key"]) as user_client:
        me = user_client.get("/key").json()["data"]
    assert (me["label"], me["limit"]) == ("made by code", 3)
    with raw_client(emulator, key=None) as anonymous:
        assert (
            anonymous.post("/auth/keys/code", json={"callback_url": "https://a.example"}).status_code == 401
        )


@pytest.mark.parametrize(
    "callback",
    ["http://evil.example/cb", "ftp://localhost/cb", "not a url", ""],
    ids=["http-remote", "ftp", "junk", "none"],
)
def test_callback_urls_must_be_https_or_loopback(callback: str) -> None:
    emulator = Emulator()
    with raw_client(emulator) as client:
        page = client.get("/auth", params={"callback_url": callback, "code_challenge": "c"})
        created = client.post("/auth/keys/code", json={"callback_url": callback})
    assert page.status_code == created.status_code == 400
    with pytest.raises(ValueError, match="callback_url"):
        emulator.authorize("https://openrouter.ai/auth?" + urlencode({"callback_url": callback}))
