"""Model and provider discovery: catalogue filters and pages, per-model endpoints, providers, ZDR endpoints."""

from __future__ import annotations

import pytest

from chat_openrouter.testing.emulator import BUILTIN_MODELS, MEDIA_MODELS, Emulator

from ._emu import assert_answer_valid, raw_client

CHAT_IDS = [m.id for m in BUILTIN_MODELS]


def test_models_lists_the_text_models_with_a_total_and_no_next_page() -> None:
    with raw_client(Emulator(), key=None) as client:
        r = client.get("/models")
    assert_answer_valid("GET", "/models", r)
    body = r.json()
    assert [m["id"] for m in body["data"]] == CHAT_IDS
    assert body["total_count"] == len(CHAT_IDS)
    assert body["links"] == {"next": None}  # the shape of fixture models-list-truncated


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"output_modalities": "all"}, CHAT_IDS + [m.id for m in MEDIA_MODELS]),
        ({"output_modalities": "embeddings"}, ["emulator/embedding"]),
        ({"output_modalities": "image"}, ["emulator/image-output", "emulator/image-generation"]),
        (
            {"output_modalities": "all", "input_modalities": "audio"},
            ["emulator/audio-output", "emulator/transcription"],
        ),
        ({"supported_parameters": "tools,reasoning"}, ["emulator/reasoning"]),
        ({"q": "JSON"}, ["emulator/json"]),
        ({"model_authors": "openai"}, []),
        ({"context": "200000"}, []),
    ],
)
def test_models_filters(query: dict[str, str], expected: list[str]) -> None:
    with raw_client(Emulator()) as client:
        r = client.get("/models", params=query)
        count = client.get("/models/count", params=query)
    assert_answer_valid("GET", "/models", r)
    assert [m["id"] for m in r.json()["data"]] == expected
    assert count.json() == {"data": {"count": len(expected)}}


def test_models_pages_with_offset_and_limit() -> None:
    with raw_client(Emulator()) as client:
        first = client.get("/models", params={"limit": 4}).json()
        second = client.get("/models", params={"offset": 4, "limit": 4}).json()
        last = client.get("/models", params={"offset": 8, "limit": 4}).json()
        bad = [client.get("/models", params=p) for p in ({"limit": 0}, {"limit": 5000}, {"offset": "x"})]
    assert [m["id"] for m in first["data"] + second["data"] + last["data"]] == CHAT_IDS
    assert first["links"]["next"] == "/api/v1/models?offset=4&limit=4"
    assert last["links"]["next"] is None
    assert {first["total_count"], last["total_count"]} == {len(CHAT_IDS)}
    assert [r.status_code for r in bad] == [400, 400, 400]
    for r in bad:
        assert_answer_valid("GET", "/models", r)


def test_aliases_and_extra_models_are_in_the_catalogue() -> None:
    with raw_client(Emulator(aliases={"openai/gpt-4o": "emulator/tools"})) as client:
        listed = [m["id"] for m in client.get("/models").json()["data"]]
        model = client.get("/model/openai/gpt-4o").json()["data"]
    assert listed[-1] == "openai/gpt-4o"
    assert "tools" in model["supported_parameters"]


def test_user_models_need_a_key() -> None:
    emulator = Emulator()
    with raw_client(emulator, key=None) as anonymous, raw_client(emulator) as client:
        refused = anonymous.get("/models/user")
        r = client.get("/models/user")
    assert refused.status_code == 401
    assert_answer_valid("GET", "/models/user", refused)
    assert_answer_valid("GET", "/models/user", r)
    assert [m["id"] for m in r.json()["data"]] == CHAT_IDS


def test_one_model_and_its_endpoints() -> None:
    with raw_client(Emulator()) as client:
        model = client.get("/model/emulator/reasoning")
        variant = client.get("/model/emulator/reasoning:free")
        endpoints = client.get("/models/emulator/reasoning/endpoints")
        missing = client.get("/models/nobody/nothing/endpoints")
    assert_answer_valid("GET", "/model/{author}/{slug}", model)
    assert model.json()["data"]["reasoning"]["default_effort"] == "medium"
    assert variant.json()["data"]["id"] == "emulator/reasoning"
    assert_answer_valid("GET", "/models/{author}/{slug}/endpoints", endpoints)
    data = endpoints.json()["data"]
    [endpoint] = data["endpoints"]
    assert data["id"] == "emulator/reasoning"
    assert endpoint["provider_name"] == "Emulator"
    assert endpoint["pricing"]["prompt"] == "0.000003"
    assert endpoint["supported_parameters"] == sorted(BUILTIN_MODELS[3].supported_parameters)
    assert endpoint["uptime_last_30m"] == 100.0
    assert missing.status_code == 404
    assert_answer_valid("GET", "/models/{author}/{slug}/endpoints", missing)


def test_providers_and_zero_data_retention_endpoints() -> None:
    emulator = Emulator()
    with raw_client(emulator) as client:
        providers = client.get("/providers")
        zdr = client.get("/endpoints/zdr")
    assert_answer_valid("GET", "/providers", providers)
    assert providers.json()["data"][0]["slug"] == "emulator"
    assert_answer_valid("GET", "/endpoints/zdr", zdr)
    assert [e["model_id"] for e in zdr.json()["data"]] == [m.id for m in emulator.models]


def test_the_index_lists_every_route() -> None:
    with raw_client(Emulator()) as client:
        index = client.get("/").json()
    assert "POST /embeddings" in index["endpoints"]
    assert "GET /models/{author}/{slug}/endpoints" in index["endpoints"]
    assert len(index["endpoints"]) == 35
