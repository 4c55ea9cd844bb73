"""Typed routing options compile to the exact JSON the spec describes (ProviderPreferences & co)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from _spec import spec_errors
from chat_openrouter import ChatOptions, ConfigurationError, Reasoning
from chat_openrouter.openrouter import (
    CacheControl,
    MaxPrice,
    OpenRouterOptions,
    Percentiles,
    ProviderPreferences,
    ProviderSort,
    ResponseHealingPlugin,
    request_options,
)


def test_every_provider_field_compiles_and_validates_against_the_spec() -> None:
    prefs = ProviderPreferences(
        order=["anthropic", "amazon-bedrock"],
        only=["anthropic", "amazon-bedrock", "google-vertex"],
        ignore=["deepinfra"],
        allow_fallbacks=False,
        require_parameters=True,
        data_collection="deny",
        zdr=True,
        enforce_distillable_text=False,
        quantizations=["fp8", "bf16"],
        sort=ProviderSort(by="throughput", partition="none"),
        max_price=MaxPrice(prompt=1, completion=Decimal("2.5"), request="0.01", image=0.002, audio=0),
        preferred_min_throughput=Percentiles(p50=100, p90=50),
        preferred_max_latency=3.5,
    )
    assert prefs.to_json() == {
        "order": ["anthropic", "amazon-bedrock"],
        "only": ["anthropic", "amazon-bedrock", "google-vertex"],
        "ignore": ["deepinfra"],
        "allow_fallbacks": False,
        "require_parameters": True,
        "data_collection": "deny",
        "zdr": True,
        "enforce_distillable_text": False,
        "quantizations": ["fp8", "bf16"],
        "sort": {"by": "throughput", "partition": "none"},
        # The spec types max_price entries as decimal strings (USD per million tokens / per unit).
        "max_price": {"prompt": "1", "completion": "2.5", "request": "0.01", "image": "0.002", "audio": "0"},
        "preferred_min_throughput": {"p50": 100, "p90": 50},
        "preferred_max_latency": 3.5,
    }
    assert spec_errors(prefs.to_json(), "ProviderPreferences") == []


def test_unset_fields_are_not_sent_and_sort_may_be_a_plain_string() -> None:
    assert ProviderPreferences().to_json() == {}
    prefs = ProviderPreferences(sort="price", preferred_max_latency=Percentiles(p99=10))
    assert prefs.to_json() == {"sort": "price", "preferred_max_latency": {"p99": 10}}
    assert spec_errors(prefs.to_json(), "ProviderPreferences") == []


def test_future_fields_pass_through_extra() -> None:
    prefs = ProviderPreferences(order=["openai"], extra={"experimental_new_knob": {"a": 1}})
    assert prefs.to_json() == {"order": ["openai"], "experimental_new_knob": {"a": 1}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, "0.1"),
        (Decimal("1E-7"), "0.0000001"),
        (3, "3"),
        ("0.50", "0.5"),
        (Decimal("10"), "10"),
        (1e-06, "0.000001"),
    ],
)
def test_prices_are_plain_decimal_strings(value: float | Decimal | str, expected: str) -> None:
    assert MaxPrice(prompt=value).to_json() == {"prompt": expected}


@pytest.mark.parametrize("bad", [-1, "abc", float("inf"), True])
def test_bad_prices_are_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError):
        MaxPrice(prompt=bad).to_json()  # type: ignore[arg-type]


def test_max_price_as_a_mapping_is_checked() -> None:
    assert ProviderPreferences(max_price={"prompt": 1}).to_json() == {"max_price": {"prompt": "1"}}
    with pytest.raises(ConfigurationError, match="promt"):
        ProviderPreferences(max_price={"promt": 1})


def test_a_bare_string_where_a_list_is_expected_is_refused() -> None:
    # "anthropic" would otherwise become ["a","n","t",...] -- a silent routing disaster.
    with pytest.raises(ConfigurationError, match="order"):
        ProviderPreferences(order="anthropic")
    with pytest.raises(ConfigurationError, match="models"):
        OpenRouterOptions(models="openai/gpt-4o")


def test_data_collection_is_validated() -> None:
    with pytest.raises(ConfigurationError):
        ProviderPreferences(data_collection="maybe")  # type: ignore[arg-type]


def test_preferences_are_frozen_and_copy_their_lists() -> None:
    order = ["a", "b"]
    prefs = ProviderPreferences(order=order)
    order.append("c")
    assert prefs.to_json()["order"] == ["a", "b"]
    with pytest.raises(AttributeError):
        prefs.zdr = True  # type: ignore[misc]


def test_openrouter_options_compile_every_top_level_field() -> None:
    options = OpenRouterOptions(
        provider=ProviderPreferences(only=["openai"]),
        models=["openai/gpt-4o", "anthropic/claude-sonnet-4"],
        preset="comedian",
        session_id="conv-42",
        plugins=[ResponseHealingPlugin()],
        prompt_cache_key="tenant-7",
        cache_control=CacheControl(ttl="1h"),
    )
    assert options.to_body() == {
        "provider": {"only": ["openai"]},
        "models": ["openai/gpt-4o", "anthropic/claude-sonnet-4"],
        "preset": "@preset/comedian",
        "session_id": "conv-42",
        "plugins": [{"id": "response-healing"}],
        "prompt_cache_key": "tenant-7",
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
    }
    assert OpenRouterOptions().to_body() == {}


def test_session_id_is_limited_to_256_characters() -> None:
    assert OpenRouterOptions(session_id="s" * 256).to_body() == {"session_id": "s" * 256}
    with pytest.raises(ConfigurationError, match="256"):
        OpenRouterOptions(session_id="s" * 257)


def test_presets_are_normalised() -> None:
    assert OpenRouterOptions(preset="@preset/comedian").preset == "@preset/comedian"
    with pytest.raises(ConfigurationError):
        OpenRouterOptions(preset="  ")


def test_request_options_builds_chat_options() -> None:
    options = request_options(
        provider=ProviderPreferences(sort="price"),
        models=["x/y"],
        user="end-user-9",
        reasoning=Reasoning(effort="low"),
        base=ChatOptions(temperature=0.2),
    )
    assert options.temperature == 0.2
    assert options.user == "end-user-9"
    assert options.reasoning == Reasoning(effort="low")
    assert options.extra_body == {"provider": {"sort": "price"}, "models": ["x/y"]}


def test_per_call_fields_replace_builder_fields_top_level_only() -> None:
    defaults = request_options(
        provider=ProviderPreferences(order=["anthropic"]), session_id="s1", models=["a/b"]
    )
    per_call = request_options(provider=ProviderPreferences(sort="price"))
    merged = defaults.merged(per_call)
    # `provider` is replaced as a whole; untouched fields keep the builder's value.
    assert merged.extra_body == {"provider": {"sort": "price"}, "session_id": "s1", "models": ["a/b"]}
