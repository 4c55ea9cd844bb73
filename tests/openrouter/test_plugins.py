"""Plugins and server tools compile to spec-valid JSON; citations read both wires' annotation shapes."""

from __future__ import annotations

import json

import pytest

from _spec import load_fixture, spec_errors
from chat_openrouter import ChatResponse, Content, TextPart
from chat_openrouter.core.parts import Role
from chat_openrouter.openrouter import (
    ContextCompressionPlugin,
    CustomPlugin,
    DatetimeTool,
    FileParserPlugin,
    ModerationPlugin,
    ResponseHealingPlugin,
    ServerTool,
    UrlCitation,
    UserLocation,
    WebFetch,
    WebPlugin,
    WebSearch,
    citations,
)


@pytest.mark.parametrize(
    ("plugin", "expected", "schema"),
    [
        (WebPlugin(), {"id": "web"}, "WebSearchPlugin"),
        (
            WebPlugin(
                engine="exa",
                max_results=3,
                search_prompt="Sources:",
                include_domains=["python.org"],
                user_location=UserLocation(country="US"),
                enabled=True,
            ),
            {
                "id": "web",
                "enabled": True,
                "engine": "exa",
                "max_results": 3,
                "search_prompt": "Sources:",
                "include_domains": ["python.org"],
                "user_location": {"type": "approximate", "country": "US"},
            },
            "WebSearchPlugin",
        ),
        (
            FileParserPlugin(pdf_engine="mistral-ocr"),
            {"id": "file-parser", "pdf": {"engine": "mistral-ocr"}},
            "FileParserPlugin",
        ),
        (FileParserPlugin(), {"id": "file-parser"}, "FileParserPlugin"),
        (ResponseHealingPlugin(), {"id": "response-healing"}, "ResponseHealingPlugin"),
        (
            ContextCompressionPlugin(engine="middle-out"),
            {"id": "context-compression", "engine": "middle-out"},
            "ContextCompressionPlugin",
        ),
        (
            ContextCompressionPlugin(enabled=False),
            {"id": "context-compression", "enabled": False},
            "ContextCompressionPlugin",
        ),
        (ModerationPlugin(), {"id": "moderation"}, "ModerationPlugin"),
        (CustomPlugin("web-fetch", {"max_uses": 2}), {"id": "web-fetch", "max_uses": 2}, "WebFetchPlugin"),
    ],
)
def test_plugins_compile_to_spec_valid_entries(
    plugin: object, expected: dict[str, object], schema: str
) -> None:
    assert plugin.to_json() == expected  # type: ignore[attr-defined]
    assert spec_errors(expected, schema) == []


def test_web_search_server_tool_is_plain_json() -> None:
    tool = WebSearch(max_uses=1, search_context_size="medium")
    # Byte-identical to what the real capture sent (fixture chat-nonstream-web-search-annotations).
    _, meta = load_fixture("chat-nonstream-web-search-annotations.json")
    assert tool == meta["request"]["body"]["tools"][0]
    assert isinstance(tool, dict)
    assert tool.type == "openrouter:web_search"
    assert json.loads(json.dumps(tool)) == {
        "type": "openrouter:web_search",
        "parameters": {"max_uses": 1, "search_context_size": "medium"},
    }
    assert spec_errors(dict(tool), "OpenRouterWebSearchServerTool") == []


def test_web_search_with_every_parameter_validates() -> None:
    tool = WebSearch(
        engine="exa",
        max_results=4,
        max_total_results=20,
        max_uses=2,
        max_characters=2000,
        search_context_size="high",
        mode="fast",
        allowed_domains=["docs.python.org"],
        user_location=UserLocation(city="Paris", country="FR", timezone="Europe/Paris"),
    )
    assert tool["parameters"]["allowed_domains"] == ["docs.python.org"]
    assert tool["parameters"]["user_location"] == {
        "type": "approximate",
        "city": "Paris",
        "country": "FR",
        "timezone": "Europe/Paris",
    }
    assert spec_errors(dict(tool), "OpenRouterWebSearchServerTool") == []
    assert WebSearch() == {"type": "openrouter:web_search"}


def test_web_search_domain_lists_are_exclusive() -> None:
    with pytest.raises(ValueError, match="not both"):
        WebSearch(allowed_domains=["a.com"], excluded_domains=["b.com"])


def test_other_server_tools() -> None:
    assert WebFetch(max_uses=3) == {"type": "openrouter:web_fetch", "parameters": {"max_uses": 3}}
    assert spec_errors(dict(WebFetch(max_uses=3, blocked_domains=["x.com"])), "WebFetchServerTool") == []
    assert DatetimeTool(timezone="UTC") == {"type": "openrouter:datetime", "parameters": {"timezone": "UTC"}}
    assert spec_errors(dict(DatetimeTool()), "DatetimeServerTool") == []
    # Anything else passes through as raw JSON.
    assert ServerTool("openrouter:advisor", {"model": "x/y"}) == {
        "type": "openrouter:advisor",
        "parameters": {"model": "x/y"},
    }


def _response_with(annotations: list[dict[str, object]]) -> ChatResponse:
    return ChatResponse(content=Content(Role.MODEL, [TextPart("answer", annotations=annotations)]))


def test_citations_from_the_chat_wire_shape() -> None:
    body, _ = load_fixture("chat-nonstream-web-search-annotations.json")
    annotations = json.loads(body)["choices"][0]["message"]["annotations"]
    found = citations(_response_with(annotations))
    assert len(found) == len(annotations) >= 2
    first = found[0]
    assert first.url == "https://github.com/pydantic/pydantic-ai"
    assert first.title == "AI Agent Framework, the Pydantic way"
    assert first.content is not None
    assert first.content.startswith("# pydantic/pydantic-ai")
    assert (first.start_index, first.end_index) == (0, 0)
    assert first.raw == annotations[0]


def test_citations_from_the_responses_wire_shape_and_non_url_annotations_are_skipped() -> None:
    annotations = [
        {
            "type": "url_citation",
            "url": "https://example.com/a",
            "title": "A",
            "start_index": 3,
            "end_index": 9,
        },
        {"type": "file", "file": {"hash": "abc", "name": "doc.pdf", "content": []}},
        {"type": "url_citation"},  # malformed: no url -> skipped, never a crash
    ]
    assert citations(annotations) == [
        UrlCitation(url="https://example.com/a", title="A", start_index=3, end_index=9)
    ]
    assert citations(_response_with([])) == []
