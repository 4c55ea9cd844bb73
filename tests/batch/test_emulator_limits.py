"""The emulator's account limits: OpenRouter's 429 and 402 shapes, the window, latency, the counters."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest

from _spec import load_fixture
from chat_openrouter import InsufficientCreditsError, OpenRouterBuilder, RateLimitError, messages
from chat_openrouter.testing.emulator import Emulator, TrafficLimits


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _post(emulator: Emulator, text: str) -> httpx2.Response:
    with httpx2.Client(transport=emulator.transport(), base_url="http://emulator.test/api/v1") as client:
        return client.post("/chat/completions", headers={"Authorization": "Bearer k"},
                           json={"model": "emulator/echo", "messages": [{"role": "user", "content": text}]})


def test_the_rate_limit_answers_openrouters_429_until_the_window_closes() -> None:
    clock = Clock()
    limits = TrafficLimits(requests_per_minute=2, clock=clock, wall_clock=lambda: 1_700_000_000.0)
    emulator = Emulator(traffic=limits)
    assert _post(emulator, "a").status_code == 200
    clock.now += 10
    assert _post(emulator, "b").status_code == 200
    refused = _post(emulator, "c")
    assert refused.status_code == 429
    assert float(refused.headers["retry-after"]) == pytest.approx(50.0)
    assert refused.headers["x-ratelimit-reset"] == str(1_700_000_050_000)
    assert refused.headers["x-ratelimit-remaining"] == "0" and refused.headers["x-ratelimit-limit"] == "2"
    body = refused.json()
    assert set(body) == {"error", "user_id"}
    assert body["error"]["code"] == 429 and body["error"]["message"].startswith("Rate limit exceeded")
    assert body["error"]["metadata"]["headers"]["X-RateLimit-Reset"] == str(1_700_000_050_000)
    clock.now += 50  # the window closes: a fresh one opens
    assert _post(emulator, "c").status_code == 200
    assert (limits.admitted, limits.rate_limited) == (3, 1)
    assert limits.successes_for("a") == limits.successes_for("c") == 1


def test_spent_credits_answer_the_real_402_shape_and_the_client_maps_it() -> None:
    limits = TrafficLimits(credits=0.0)
    emulator = Emulator(traffic=limits)
    refused = _post(emulator, "hello")
    assert refused.status_code == 402
    real: dict[str, Any] = json.loads(load_fixture("error-402-credits-max-tokens.json")[0])
    assert set(refused.json()) == set(real)
    assert set(refused.json()["error"]) == set(real["error"]) and refused.json()["error"]["code"] == 402
    client = OpenRouterBuilder().with_api_key("k").with_model("emulator/echo").with_transport(emulator.transport()).build()
    with pytest.raises(InsufficientCreditsError):
        client.complete_sync(messages.from_user("x"))
    assert limits.payment_required == 2 and not limits.successes


def test_the_client_reads_the_429_as_a_rate_limit_with_retry_after() -> None:
    limits = TrafficLimits(requests_per_minute=1, window=30)
    emulator = Emulator(traffic=limits)
    client = (OpenRouterBuilder().with_api_key("k").with_model("emulator/echo").with_retries(0)
              .with_transport(emulator.transport()).build())
    client.complete_sync(messages.from_user("first"))
    with pytest.raises(RateLimitError) as caught:
        client.complete_sync(messages.from_user("second"))
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 30
    assert "X-RateLimit-Reset" in caught.value.metadata["headers"]


def test_charges_follow_the_generations_cost() -> None:
    limits = TrafficLimits()
    emulator = Emulator(traffic=limits)
    for text in ("one", "two two"):
        assert _post(emulator, text).status_code == 200
    assert limits.charged == pytest.approx(emulator.total_cost)
    limits.reset_counters()
    assert limits.charged == 0 and not limits.successes


def test_importing_the_batch_package_costs_nothing_heavy() -> None:
    code = ("import sys, chat_openrouter.batch, chat_openrouter.cli.batch; "
            "print(sorted(m for m in ('asyncio', 'ray', 'tqdm', 'httpx2', 'pydantic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_docs_emulator_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "batch.md").read_text()
    snippet = re.findall(r"```python\n(.*?)```", text, flags=re.S)[-1]
    assert "TrafficLimits" in snippet
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "docs/batch.md", "exec"), {"__name__": "docs_example"})
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 50
    json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
