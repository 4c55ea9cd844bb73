"""Discovery, activity, generation content and feedback, key management, OAuth PKCE, presets and the generic
request: decoded from the spec's examples, requests valid against the spec, secrets never shown."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from _spec import assert_valid_request
from chat_openrouter import ConfigurationError, NotFoundError, PermissionDeniedError
from chat_openrouter.errors import DecodeError
from chat_openrouter.openrouter import OpenRouterAPI

from .._support import Recorder, Reply, builder
from ._examples import assert_valid_body, example_reply, sent_body

KEY = "sk-or-v1-test"


def _api(recorder: Recorder) -> OpenRouterAPI:
    return OpenRouterAPI(builder(recorder).build())


# -- discovery -------------------------------------------------------------------------------------------
ENDPOINT = {
    "name": "Anthropic | anthropic/claude-sonnet-4",
    "model_id": "anthropic/claude-sonnet-4",
    "model_name": "Claude Sonnet 4",
    "context_length": 200000,
    "pricing": {"prompt": "0.000003", "completion": "0.000015"},
    "provider_name": "Anthropic",
    "tag": "anthropic",
    "quantization": None,
    "max_completion_tokens": 64000,
    "max_prompt_tokens": None,
    "supported_parameters": ["tools", "reasoning", "max_tokens"],
    "status": 0,
    "uptime_last_30m": 99.9,
    "uptime_last_5m": 100,
    "uptime_last_1d": 99.5,
    "supports_implicit_caching": True,
    "latency_last_30m": {"p50": 0.8, "p75": 1.1, "p90": 1.6, "p99": 3.2},
    "throughput_last_30m": {"p50": 55, "p75": 48, "p90": 40, "p99": 20},
}


def test_model_endpoints_are_typed_per_provider() -> None:
    example = json.loads(example_reply("GET", "/models/{author}/{slug}/endpoints").body)
    example["data"]["endpoints"] = [ENDPOINT]
    recorder = Recorder([Reply.json(example)])
    found = _api(recorder).list_model_endpoints_sync("openai/gpt-4:nitro")
    assert recorder.seen[0].path == "/api/v1/models/openai/gpt-4/endpoints"  # the variant is not a model
    assert (found.id, found.architecture.instruct_type) == ("openai/gpt-4", "chatml")
    [endpoint] = found.endpoints
    assert endpoint.pricing.prompt == Decimal("0.000003")
    assert endpoint.latency_last_30m is not None and endpoint.latency_last_30m.p90 == 1.6
    assert endpoint.supports("tools") and not endpoint.supports("structured_outputs")
    assert endpoint.matches("anthropic") and endpoint.matches("Anthropic") and not endpoint.matches("openai")
    assert endpoint.serving and endpoint.uptime_last_5m == 100


def test_providers_count_zdr_user_models_and_one_model_decode_the_spec_examples() -> None:
    recorder = Recorder(
        [
            example_reply("GET", "/providers"),
            example_reply("GET", "/models/count"),
            example_reply("GET", "/endpoints/zdr"),
            example_reply("GET", "/models/user"),
            example_reply("GET", "/model/{author}/{slug}"),
        ]
    )
    api = _api(recorder)
    [provider] = api.list_providers_sync()
    assert (provider.slug, provider.name, provider.datacenters) == ("openai", "OpenAI", ("US", "IE"))
    assert api.count_models_sync(output_modalities="all") == 150
    assert recorder.seen[1].params == {"output_modalities": "all"}
    [zdr] = api.list_zdr_endpoints_sync()
    assert (zdr.provider_name, zdr.quantization, zdr.throughput_last_30m.p50) == ("OpenAI", "fp16", 45.2)  # type: ignore[union-attr]
    user_models = api.list_user_models_sync()
    assert user_models and all(m.id for m in user_models)
    assert recorder.seen[3].params == {"offset": "0", "limit": "1000"}
    model = api.fetch_model_sync("openai/gpt-4")
    assert model.id and recorder.seen[4].path == "/api/v1/model/openai/gpt-4"


def test_paged_lists_follow_total_count_and_stop() -> None:
    page = [{"id": f"a/m{i}"} for i in range(1000)]
    replies = [
        Reply.json({"data": page, "total_count": 1500}),
        Reply.json({"data": page[:500], "total_count": 1500}),
    ]
    recorder = Recorder(replies)
    assert len(_api(recorder).list_user_models_sync()) == 1500
    assert [s.params["offset"] for s in recorder.seen] == ["0", "1000"]


def test_bad_model_ids_fail_before_sending() -> None:
    for bad in ("gpt-4", "", "a/..", "/x"):
        with pytest.raises(ConfigurationError):
            _api(Recorder([])).list_model_endpoints_sync(bad)


# -- account, generations --------------------------------------------------------------------------------
def test_activity_content_and_feedback() -> None:
    recorder = Recorder(
        [
            example_reply("GET", "/activity"),
            example_reply("GET", "/generation/content"),
            example_reply("POST", "/generation/feedback"),
        ]
    )
    api = _api(recorder)
    [day] = api.get_activity_sync(date="2025-08-24")
    assert (day.date, day.model, day.requests, day.usage, day.reasoning_tokens) == (
        "2025-08-24",
        "openai/gpt-4.1",
        5,
        0.015,
        25,
    )
    assert recorder.seen[0].params == {"date": "2025-08-24"}
    content = api.get_generation_content_sync("gen-1")
    assert content.completion == "The meaning of life is a philosophical question..."
    assert content.input["messages"][0]["role"] == "user" and content.error is None
    assert recorder.seen[1].params == {"id": "gen-1"}
    assert api.send_generation_feedback_sync("gen-1", "incorrect_response", comment="wrong year") is True
    body = sent_body(recorder)
    assert_valid_request(body, "SubmitGenerationFeedbackRequest")
    assert body == {"generation_id": "gen-1", "category": "incorrect_response", "comment": "wrong year"}
    with pytest.raises(ConfigurationError, match="category"):
        api.send_generation_feedback_sync("gen-1", "rude")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="1000"):
        api.send_generation_feedback_sync("gen-1", "other", comment="x" * 1001)


# -- keys ------------------------------------------------------------------------------------------------
def test_key_management_round_trip_with_valid_requests() -> None:
    recorder = Recorder(
        [
            example_reply("POST", "/keys", status=201),
            example_reply("GET", "/keys"),
            Reply.json({"data": []}),
            example_reply("GET", "/keys/{hash}"),
            example_reply("PATCH", "/keys/{hash}"),
            example_reply("DELETE", "/keys/{hash}"),
        ]
    )
    api = _api(recorder)
    created = api.create_key_sync(
        "My New API Key", limit=50, limit_reset="monthly", include_byok_in_limit=True
    )
    assert created.info.limit == 50 and created.info.hash.startswith("f01d5260")
    assert created.key.get().startswith("sk-or-v1-d355")
    assert "sk-or-v1" not in repr(created) and "sk-or-v1" not in str(created)
    assert_valid_body(sent_body(recorder), "POST", "/keys")
    keys = api.list_keys_sync(include_disabled=True)
    assert [k.name for k in keys] == ["My Production Key"]
    assert recorder.seen[1].params == {"include_disabled": "true", "offset": "0"}
    assert recorder.seen[2].params["offset"] == "1"
    one = api.get_api_key_sync(created.info.hash)
    assert one.usage_monthly == 25.5
    updated = api.update_key_sync(created.info.hash, name="Updated API Key Name", limit=None, disabled=False)
    body = sent_body(recorder)
    assert_valid_body(body, "PATCH", "/keys/{hash}")
    assert body == {"name": "Updated API Key Name", "disabled": False, "limit": None}  # None lifts the limit
    assert updated.limit_reset == "daily"
    assert api.delete_key_sync(created.info.hash) is True
    assert recorder.seen[-1].method == "DELETE"
    with pytest.raises(ConfigurationError):
        api.update_key_sync("abc")
    with pytest.raises(ConfigurationError):
        api.create_key_sync("k", limit_reset="hourly")  # type: ignore[arg-type]


def test_non_management_keys_get_permission_denied() -> None:
    forbidden = Reply.json(
        {"error": {"code": 403, "message": "Only management keys can perform this operation"}}, status=403
    )
    with pytest.raises(PermissionDeniedError, match="management"):
        _api(Recorder([forbidden])).list_keys_sync()


# -- OAuth PKCE ------------------------------------------------------------------------------------------
def test_the_authorization_url_carries_an_s256_challenge_of_a_fresh_verifier() -> None:
    api = _api(Recorder([]))
    auth = api.authorization_url("http://localhost:3000/callback")
    parts = urlsplit(auth.url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "openrouter.ai", "/auth")
    query = parse_qs(parts.query)
    verifier = auth.code_verifier.get()
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    assert query == {
        "callback_url": ["http://localhost:3000/callback"],
        "code_challenge": [digest],
        "code_challenge_method": ["S256"],
    }
    assert verifier not in repr(auth)
    assert api.authorization_url("http://localhost:3000/callback").code_verifier.get() != verifier
    with pytest.raises(ConfigurationError):
        api.authorization_url("javascript:alert(1)")


def test_the_code_exchange_and_server_codes_send_valid_requests() -> None:
    recorder = Recorder([example_reply("POST", "/auth/keys"), example_reply("POST", "/auth/keys/code")])
    api = _api(recorder)
    auth = api.authorization_url("https://app.example/cb")
    user = api.exchange_code_sync("code-1", code_verifier=auth.code_verifier)
    assert user.key.get().startswith("sk-or-v1-0e6f") and user.user_id == "user_2yOPcMpKoQhcd4bVgSMlELRaIah"
    assert "sk-or" not in repr(user)
    body = sent_body(recorder)
    assert_valid_body(body, "POST", "/auth/keys")
    assert body == {
        "code": "code-1",
        "code_verifier": auth.code_verifier.get(),
        "code_challenge_method": "S256",
    }
    code = api.create_auth_code_sync("https://app.example/cb", code_challenge="c", limit=5, key_label="mine")
    assert (code.app_id, code.id) == (12345, "auth_code_xyz789")
    assert "auth_code" not in repr(code)
    assert_valid_body(sent_body(recorder), "POST", "/auth/keys/code")


# -- presets ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wire", "path", "schema"),
    [("responses", "responses", "ResponsesRequest"), ("completions", "chat/completions", "ChatRequest")],
)
def test_save_preset_sends_the_clients_request_to_the_presets_own_path(
    wire: str, path: str, schema: str
) -> None:
    recorder = Recorder([example_reply("POST", f"/presets/{{slug}}/{path}")])
    client = builder(recorder, wire=wire, model="openai/gpt-5.4").with_reasoning(effort="low").build()
    preset = OpenRouterAPI(client).save_preset_sync("@preset/my-preset", client, system="You are helpful.")
    assert recorder.seen[0].path == f"/api/v1/presets/my-preset/{path}"
    body = sent_body(recorder)
    assert_valid_request(body, schema)
    assert body["model"] == "openai/gpt-5.4" and body["reasoning"]["effort"] == "low"
    assert (preset.slug, preset.version, preset.system_prompt) == (
        "my-preset",
        1,
        "You are a helpful assistant.",
    )
    assert preset.config["model"] == "openai/gpt-5.4"


def test_presets_are_read_and_listed() -> None:
    recorder = Recorder([example_reply("GET", "/presets/{slug}"), example_reply("GET", "/presets")])
    api = _api(recorder)
    assert api.get_preset_sync("my-preset").config["model"] == "openai/gpt-4o"
    assert [p.slug for p in api.list_presets_sync()] == ["my-preset"]


# -- the generic request ---------------------------------------------------------------------------------
def test_the_generic_request_reaches_any_path_with_params_and_json() -> None:
    recorder = Recorder(route=lambda seen: Reply.json({"data": {"echo": seen.method}}))
    api = _api(recorder)
    assert api.request_sync("get", "guardrails", params={"offset": 0, "include": True, "skip": None}) == {
        "data": {"echo": "GET"}
    }
    assert (recorder.seen[0].path, recorder.seen[0].params) == (
        "/api/v1/guardrails",
        {"offset": "0", "include": "true"},
    )
    api.request_sync("PATCH", "/workspaces/ws 1/", json={"name": "x"})
    assert recorder.seen[1].path == "/api/v1/workspaces/ws 1" and recorder.seen[1].json == {"name": "x"}
    assert asyncio.run(api.request("DELETE", "guardrails/g1")) == {"data": {"echo": "DELETE"}}


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "keys?x=1",
        "keys#frag",
        "../secrets",
        "a/../b",
        "",
        "a\\b",
        "a\nb",
    ],
)
def test_the_generic_request_never_leaves_the_base_url(path: str) -> None:
    recorder = Recorder([])
    with pytest.raises(ConfigurationError):
        _api(recorder).request_sync("GET", path)
    assert recorder.seen == []


def test_the_generic_request_checks_methods_and_bodies_and_maps_errors() -> None:
    api = _api(Recorder([Reply.json({"error": {"code": 404, "message": "Not Found"}}, status=404)]))
    with pytest.raises(NotFoundError):
        api.request_sync("GET", "guardrails/nope")
    with pytest.raises(ConfigurationError, match="method"):
        api.request_sync("TRACE", "keys")
    with pytest.raises(ConfigurationError, match="body"):
        api.request_sync("GET", "keys", json={"a": 1})


def test_an_echoed_key_is_scrubbed_from_errors_of_every_group() -> None:
    secret = "sk-or-v1-0123456789abcdef0123456789abcdef"
    echo = Reply.json({"error": {"code": 400, "message": f"bad key {secret}"}}, status=400)
    api = OpenRouterAPI(builder(Recorder(route=lambda seen: echo)).with_api_key(secret).build())
    calls = [
        lambda: api.request_sync("GET", "guardrails"),
        lambda: api.embed_sync("x", model="m"),
        lambda: api.speech_sync("x", model="m"),
        lambda: api.list_keys_sync(),
    ]
    for call in calls:
        with pytest.raises(Exception) as raised:
            call()
        assert secret not in str(raised.value) and secret not in repr(raised.value)


def test_decode_errors_for_unwrapped_answers() -> None:
    with pytest.raises(DecodeError):
        _api(Recorder([Reply.json({"count": 3})])).count_models_sync()
    with pytest.raises(DecodeError):
        _api(Recorder([Reply.json({"data": [{"name": "no hash"}]})])).list_keys_sync()
