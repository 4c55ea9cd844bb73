"""OpenRouterBuilder: typed OpenRouter options land in the built client's defaults; builders are immutable."""

from __future__ import annotations

import pytest

from chat_openrouter import ConfigurationError, Reasoning
from chat_openrouter.openrouter import (
    ContextCompressionPlugin,
    FileParserPlugin,
    MaxPrice,
    OpenRouterBuilder,
    OpenRouterOptions,
    ProviderPreferences,
    WebPlugin,
    WebSearch,
)

BASE = OpenRouterBuilder().with_api_key("sk-or-v1-test").with_model("anthropic/claude-sonnet-4")


def test_with_reasoning_keywords() -> None:
    client = BASE.with_reasoning(effort="high", exclude=True, summary="detailed").build()
    assert client.options.reasoning == Reasoning(effort="high", exclude=True, summary="detailed")
    assert BASE.with_reasoning(max_tokens=2048).build().options.reasoning == Reasoning(max_tokens=2048)


def test_with_reasoning_without_arguments_turns_it_on_and_deliberate_unknown_efforts_pass_through() -> None:
    assert BASE.with_reasoning().build().options.reasoning == Reasoning(enabled=True)
    assert BASE.with_reasoning(effort="ultra-2027", allow_unknown=True).build().options.reasoning == Reasoning(
        effort="ultra-2027", allow_unknown=True
    )


def test_with_reasoning_object_and_keyword_overrides_and_last_call_wins() -> None:
    builder = BASE.with_reasoning(Reasoning(effort="low", summary="auto"), effort="xhigh")
    assert builder.build().options.reasoning == Reasoning(effort="xhigh", summary="auto")
    assert builder.with_reasoning(enabled=False).build().options.reasoning == Reasoning(enabled=False)
    # the shared-builder spelling still works and merges the effort into what is there
    assert BASE.with_reasoning(max_tokens=100).with_reasoning_effort(
        "low"
    ).build().options.reasoning == Reasoning(effort="low", max_tokens=100)


@pytest.mark.parametrize("completions", [False, True])
def test_routing_fields_compile_into_default_extra_body(completions: bool) -> None:
    builder = (
        BASE.with_provider(
            order=["anthropic", "amazon-bedrock"],
            allow_fallbacks=False,
            max_price=MaxPrice(prompt=3, completion=15),
        )
        .with_fallback_models(["openai/gpt-4o"])
        .with_preset("comedian")
        .with_session_id("conv-1")
        .with_user("user-9")
        .with_prompt_cache_key("tenant-7")
        .with_prompt_caching(ttl="1h")
        .with_plugins(FileParserPlugin(pdf_engine="cloudflare-ai"))
    )
    client = (builder.with_completions() if completions else builder).build()
    assert client.options.user == "user-9"
    assert client.options.extra_body == {
        "provider": {
            "order": ["anthropic", "amazon-bedrock"],
            "allow_fallbacks": False,
            "max_price": {"prompt": "3", "completion": "15"},
        },
        "models": ["openai/gpt-4o"],
        "preset": "@preset/comedian",
        "session_id": "conv-1",
        "prompt_cache_key": "tenant-7",
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
        "plugins": [{"id": "file-parser", "pdf": {"engine": "cloudflare-ai"}}],
    }


def test_with_provider_keywords_override_the_object_and_a_second_call_replaces() -> None:
    prefs = ProviderPreferences(order=["a"], zdr=True)
    builder = BASE.with_provider(prefs, order=["b"], sort="latency")
    assert builder.build().options.extra_body["provider"] == {"order": ["b"], "zdr": True, "sort": "latency"}
    assert builder.with_provider(only=["c"]).build().options.extra_body["provider"] == {"only": ["c"]}


def test_with_plugins_adds_and_replaces_by_id() -> None:
    builder = BASE.with_plugins(WebPlugin(max_results=2), ContextCompressionPlugin())
    builder = builder.with_plugins(WebPlugin(max_results=5))
    assert builder.build().options.extra_body["plugins"] == [
        {"id": "context-compression"},
        {"id": "web", "max_results": 5},
    ]


def test_server_tools_on_the_builder() -> None:
    client = (
        BASE.with_web_search(WebSearch(max_results=2))
        .with_server_tools([{"type": "openrouter:datetime"}])
        .build()
    )
    assert client.server_tools == (
        {"type": "openrouter:web_search", "parameters": {"max_results": 2}},
        {"type": "openrouter:datetime"},
    )
    assert BASE.with_web_search().build().server_tools == ({"type": "openrouter:web_search"},)


def test_with_openrouter_options_sets_several_fields() -> None:
    client = BASE.with_openrouter_options(OpenRouterOptions(models=["x/y"], session_id="s")).build()
    assert client.options.extra_body == {"models": ["x/y"], "session_id": "s"}


def test_builder_methods_never_mutate_the_receiver() -> None:
    before = BASE.config
    BASE.with_provider(order=["x"]).with_preset("p").with_reasoning(
        effort="low"
    ).with_capability_check().with_catalog(ttl=5)
    assert BASE.config == before
    assert BASE.build().options.extra_body == {}
    assert BASE.build().request_check is None


def test_bad_values_fail_at_configuration_time() -> None:
    with pytest.raises(ConfigurationError, match="256"):
        BASE.with_session_id("x" * 300)
    with pytest.raises(ConfigurationError):
        BASE.with_preset("")
    with pytest.raises(ConfigurationError):
        BASE.with_catalog(ttl=-1)


def test_with_app_validates_categories() -> None:
    headers = BASE.with_app(
        url="https://example.app", title="Example", categories=["cli-agent", "cloud-agent"]
    ).config.headers
    assert headers == {
        "HTTP-Referer": "https://example.app",
        "X-OpenRouter-Title": "Example",
        "X-OpenRouter-Categories": "cli-agent,cloud-agent",
    }
    with pytest.raises(ConfigurationError, match="at most 2"):
        BASE.with_app(categories=["a", "b", "c"])
    with pytest.raises(ConfigurationError, match="lowercase"):
        BASE.with_app(categories=["CLI Agent"])
    with pytest.raises(ConfigurationError, match="lowercase"):
        BASE.with_app(categories=["x" * 31])


def test_build_returns_the_wire_client_itself_and_the_api_object_shares_its_endpoint() -> None:
    from chat_openrouter import CompletionsClient, OpenRouterAPI, ResponsesClient
    from chat_openrouter.openrouter import CapabilityCheck

    assert type(BASE.build()) is ResponsesClient
    assert type(BASE.with_completions().build()) is CompletionsClient
    client = BASE.with_capability_check().build()
    # The pre-flight check is handed to the constructor; nothing is attached to a built client.
    assert isinstance(client.request_check, CapabilityCheck)
    assert BASE.build().request_check is None
    assert OpenRouterAPI(client).catalog_ttl == 3600.0
    assert OpenRouterAPI(client).endpoint is client.endpoint
    assert OpenRouterAPI(BASE.with_catalog(ttl=30).build()).catalog_ttl == 30
    assert BASE.with_catalog(ttl=30).build_api().catalog_ttl == 30
