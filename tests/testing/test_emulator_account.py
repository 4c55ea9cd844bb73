"""Account endpoints: the calling key, credits, generations, activity, feedback, and key management."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx2
import pytest

from _spec import declared_statuses
from chat_openrouter.testing.emulator import Emulator

from ._emu import KEY, assert_answer_valid, raw_client, strict_emulator, user

MANAGER = "sk-or-v1-management-0000000000000000"


def _managed_emulator() -> Emulator:
    return strict_emulator(api_keys={KEY}, management_keys={MANAGER})


def _spend(client: httpx2.Client, text: str = "hello there") -> str:
    r = client.post("/chat/completions", json={"model": "emulator/echo", "messages": user(text)})
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/keys", None),
        ("POST", "/keys", {"name": "ci"}),
        ("GET", "/keys/{hash}", None),
        ("PATCH", "/keys/{hash}", {"disabled": True}),
        ("DELETE", "/keys/{hash}", None),
        ("GET", "/credits", None),
        ("GET", "/activity", None),
        ("POST", "/generation/feedback", {"generation_id": "gen-1", "category": "other"}),
    ],
)
def test_management_endpoints_refuse_ordinary_keys_with_403_and_anonymous_calls_with_401(
    method: str, path: str, body: dict[str, Any] | None
) -> None:
    emulator = _managed_emulator()
    url = path.replace("{hash}", "0" * 64)
    with raw_client(emulator) as ordinary, raw_client(emulator, key=None) as anonymous:
        forbidden = ordinary.request(method, url, json=body)
        unauthenticated = anonymous.request(method, url, json=body)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["message"] == "Only management keys can perform this operation"
    assert unauthenticated.status_code == 401
    for answer in (forbidden, unauthenticated):
        if answer.status_code in declared_statuses(method, path):  # the spec omits some 401s/403s
            assert_answer_valid(method, path, answer)


def test_key_management_round_trip_and_created_keys_are_real_keys() -> None:
    emulator = _managed_emulator()
    with raw_client(emulator, key=MANAGER) as manager:
        created = manager.post("/keys", json={"name": "ci runner", "limit": 1.5, "limit_reset": "monthly"})
        assert created.status_code == 201
        assert_answer_valid("POST", "/keys", created)
        secret, info = created.json()["key"], created.json()["data"]
        assert secret.startswith("sk-or-v1-")
        assert info["hash"] == hashlib.sha256(secret.encode()).hexdigest()
        assert (info["name"], info["label"], info["limit"], info["usage"]) == (
            "ci runner",
            "ci runner",
            1.5,
            0.0,
        )
        assert secret not in str(manager.get("/keys").json())  # the key itself is shown once, at creation

        with raw_client(emulator, key=secret) as user_client:
            _spend(user_client)
            own = user_client.get("/key")
        assert_answer_valid("GET", "/key", own)
        spent = emulator.total_cost
        assert own.json()["data"]["usage"] == spent > 0
        assert own.json()["data"]["limit_remaining"] == pytest.approx(1.5 - spent)
        assert own.json()["data"]["is_management_key"] is False

        fetched = manager.get(f"/keys/{info['hash']}")
        assert_answer_valid("GET", "/keys/{hash}", fetched)
        assert fetched.json()["data"]["usage"] == spent

        updated = manager.patch(f"/keys/{info['hash']}", json={"name": "renamed", "disabled": True})
        assert_answer_valid("PATCH", "/keys/{hash}", updated)
        assert (updated.json()["data"]["name"], updated.json()["data"]["disabled"]) == ("renamed", True)
        assert manager.get("/keys").json()["data"] == []
        assert [
            k["name"] for k in manager.get("/keys", params={"include_disabled": "true"}).json()["data"]
        ] == ["renamed"]
        with raw_client(emulator, key=secret) as user_client:
            assert user_client.get("/key").status_code == 401  # a disabled key is refused

        deleted = manager.delete(f"/keys/{info['hash']}")
        assert_answer_valid("DELETE", "/keys/{hash}", deleted)
        assert deleted.json() == {"deleted": True}
        gone = manager.get(f"/keys/{info['hash']}")
        assert gone.status_code == 404
        assert_answer_valid("GET", "/keys/{hash}", gone)
    with raw_client(Emulator(), key=secret) as anyone:  # a fresh emulator accepts any key ...
        assert anyone.get("/key").status_code == 200
    with raw_client(emulator, key=secret) as user_client:  # ... but this one remembers the deletion
        assert user_client.get("/key").status_code == 401


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x", "limit_reset": "hourly"}, {"name": "x", "limit": "ten"}]
)
def test_invalid_key_bodies_are_400s(body: dict[str, Any]) -> None:
    with raw_client(Emulator()) as client:  # by default every key may manage
        r = client.post("/keys", json=body)
    assert r.status_code == 400
    assert_answer_valid("POST", "/keys", r)


def test_credits_and_the_management_keys_own_view() -> None:
    emulator = _managed_emulator()
    with raw_client(emulator) as client:
        _spend(client)
    with raw_client(emulator, key=MANAGER) as manager:
        credits = manager.get("/credits")
        key = manager.get("/key")
    assert_answer_valid("GET", "/credits", credits)
    assert credits.json()["data"] == {"total_credits": 10.0, "total_usage": emulator.total_cost}
    assert key.json()["data"]["is_management_key"] is True


def test_generation_content_holds_what_was_asked_and_answered() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        chat_id = _spend(client, "what was said")
        responses_id = client.post(
            "/responses", json={"model": "emulator/reasoning", "input": "think"}
        ).json()["id"]
        chat = client.get("/generation/content", params={"id": chat_id})
        responses = client.get("/generation/content", params={"id": responses_id})
        missing = client.get("/generation/content", params={"id": "gen-0-none"})
    assert_answer_valid("GET", "/generation/content", chat)
    assert chat.json()["data"] == {
        "input": {"messages": user("what was said")},
        "output": {"completion": "what was said", "reasoning": None},
        "error": None,
    }
    data = responses.json()["data"]
    assert data["input"] == {"prompt": "think"}
    assert data["output"]["reasoning"].startswith("The user wrote")
    assert missing.status_code == 404
    assert_answer_valid("GET", "/generation/content", missing)


def test_feedback_on_a_generation() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        gen_id = _spend(client)
        ok = client.post(
            "/generation/feedback", json={"generation_id": gen_id, "category": "latency", "comment": "slow"}
        )
        unknown = client.post(
            "/generation/feedback", json={"generation_id": "gen-0-none", "category": "other"}
        )
        invalid = client.post("/generation/feedback", json={"generation_id": gen_id, "category": "vibes"})
    assert_answer_valid("POST", "/generation/feedback", ok)
    assert ok.json() == {"data": {"success": True}}
    assert unknown.status_code == 404
    assert invalid.status_code == 400
    for r in (unknown, invalid):
        assert_answer_valid("POST", "/generation/feedback", r)


def test_activity_sums_spend_per_day_and_model() -> None:
    emulator = strict_emulator()  # the clock is fixed at 2026-01-01
    with raw_client(emulator) as client:
        _spend(client, "one")
        _spend(client, "two words")
        client.post("/embeddings", json={"model": "emulator/embedding", "input": "x"})
        activity = client.get("/activity")
        other_day = client.get("/activity", params={"date": "2025-12-31"})
    assert_answer_valid("GET", "/activity", activity)
    rows = {row["model"]: row for row in activity.json()["data"]}
    assert set(rows) == {"emulator/echo", "emulator/embedding"}
    echo = rows["emulator/echo"]
    assert (echo["date"], echo["requests"], echo["provider_name"]) == ("2026-01-01", 2, "Emulator")
    records = [g for g in emulator.generations.values() if g["model"] == "emulator/echo"]
    assert echo["usage"] == pytest.approx(sum(g["total_cost"] for g in records))
    assert echo["completion_tokens"] == sum(g["tokens_completion"] for g in records)
    assert other_day.json() == {"data": []}


def test_generation_records_validate_for_every_kind_of_request() -> None:
    emulator = strict_emulator()
    with raw_client(emulator) as client:
        _spend(client)
        client.post("/embeddings", json={"model": "emulator/embedding", "input": "x"})
        client.post("/rerank", json={"model": "emulator/rerank", "query": "q", "documents": ["d"]})
        client.post("/images", json={"model": "emulator/image-generation", "prompt": "p"})
        client.post("/audio/speech", json={"model": "emulator/speech", "input": "hi"})
        client.post("/videos", json={"model": "emulator/video"})
        answers = [client.get("/generation", params={"id": gen_id}) for gen_id in emulator.generations]
    for answer in answers:
        assert_answer_valid("GET", "/generation", answer)
    assert [a.json()["data"]["api_type"] for a in answers] == [
        "completions",
        "embeddings",
        "rerank",
        "image",
        "tts",
        "video",
    ]
    assert {a.json()["data"]["provider_name"] for a in answers} == {"Emulator"}
    assert KEY not in str([r.headers for r in emulator.requests])
