from __future__ import annotations

import pytest

from chat_openrouter import CompletionsClient, ConfigurationError, OpenRouterBuilder, ResponsesClient


def test_default_wire_is_responses_and_completions_is_opt_in() -> None:
    builder = OpenRouterBuilder().with_model("anthropic/claude-sonnet-4").with_api_key("sk-or-v1-secret")
    responses = builder.build()
    completions = builder.with_completions().build()
    assert type(responses) is ResponsesClient
    assert type(completions) is CompletionsClient
    assert responses.model == completions.model == "anthropic/claude-sonnet-4"


def test_builders_are_immutable() -> None:
    base = OpenRouterBuilder().with_api_key("sk-or-v1-secret")
    with_model = base.with_model("x/y")
    assert base.config.model is None and with_model.config.model == "x/y"
    assert base.wire == "responses" and base.with_completions().wire == "completions"


def test_missing_key_is_a_clear_error_at_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="OPENROUTER_API_KEY"):
        OpenRouterBuilder().with_model("x/y").build()


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-fromenv")
    client = OpenRouterBuilder().with_model("x/y").build()
    assert client.endpoint.api_key is not None and client.endpoint.api_key.get() == "sk-or-v1-fromenv"


def test_base_url_trailing_slash_tolerated() -> None:
    client = OpenRouterBuilder().with_api_key("k").with_base_url("http://127.0.0.1:9/api/v1/").build()
    assert client.base_url == "http://127.0.0.1:9/api/v1"
    assert OpenRouterBuilder().with_api_key("k").build().base_url == "https://openrouter.ai/api/v1"


def test_reasoning_effort_is_a_default_option_on_both_wires() -> None:
    builder = OpenRouterBuilder().with_api_key("k").with_reasoning_effort("high")
    for client in (builder.build(), builder.with_completions().build()):
        assert client.options.reasoning is not None and client.options.reasoning.effort == "high"


def test_no_key_in_reprs() -> None:
    builder = OpenRouterBuilder().with_api_key("sk-or-v1-topsecret").with_model("x/y")
    client = builder.with_capability_check().build()
    from chat_openrouter import OpenRouterAPI

    api = OpenRouterAPI(client)
    for obj in (builder, builder.config, client, client.endpoint, client.endpoint.api_key, api, client.request_check):
        assert "topsecret" not in repr(obj) and "topsecret" not in str(obj)


def test_a_built_client_is_never_changed_afterwards() -> None:
    # Everything a client uses is given to its constructor (immutable configuration): building the
    # OpenRouter API object, or a client with a capability check, attaches nothing to it.
    from chat_openrouter import OpenRouterAPI

    client = OpenRouterBuilder().with_api_key("k").with_capability_check().build()
    before = dict(vars(client))
    api = OpenRouterAPI(client)
    assert vars(client) == before
    assert api.endpoint is client.endpoint  # one connection pool, one key, one retry policy
    assert not hasattr(client, "list_models") and not hasattr(client, "openrouter")
