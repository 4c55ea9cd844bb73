"""The deprecated ``ResponsesBuilder`` / ``CompletionsBuilder``: thin aliases of ``OpenRouterBuilder`` that
still work -- same settings, same client -- warn once, and pin their wire."""

from __future__ import annotations

import warnings

import pytest

from chat_openrouter import (
    CompletionsBuilder,
    CompletionsClient,
    OpenRouterBuilder,
    ResponsesBuilder,
    ResponsesClient,
)


def test_constructing_an_alias_warns_once_and_naming_the_replacement() -> None:
    with pytest.warns(DeprecationWarning, match=r"OpenRouterBuilder\(\)") as caught:
        builder = ResponsesBuilder().with_api_key("k").with_model("x/y").with_timeouts(first_byte=3)
    assert len(caught) == 1  # with_* calls pass the config on: no warning per call
    with pytest.warns(DeprecationWarning, match=r"with_completions\(\)"):
        CompletionsBuilder()
    assert isinstance(builder, OpenRouterBuilder)


def test_aliases_build_the_same_client_as_the_builder_and_pin_their_wire() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        responses = ResponsesBuilder().with_api_key("k").with_model("x/y").build()
        completions = CompletionsBuilder().with_api_key("k").with_model("x/y").build()
        pinned = ResponsesBuilder().with_api_key("k").with_completions().build()
    assert type(responses) is ResponsesClient and type(completions) is CompletionsClient
    assert type(pinned) is ResponsesClient
    direct = OpenRouterBuilder().with_api_key("k").with_model("x/y").build()
    assert (responses.model, responses.base_url, responses.options) == (direct.model, direct.base_url, direct.options)


def test_the_old_tools_module_path_still_imports_with_a_warning() -> None:
    import importlib
    import sys

    sys.modules.pop("chat_openrouter.core.tool", None)
    with pytest.warns(DeprecationWarning, match="chat_openrouter.core.tools"):
        old = importlib.import_module("chat_openrouter.core.tool")
    from chat_openrouter.core import tools

    assert old.tool is tools.tool and old.Tool is tools.Tool
