"""Who we talk to and what only OpenRouter offers, typed, on both wires.

::

    from chat_openrouter.openrouter import OpenRouterBuilder, OpenRouterAPI, ProviderPreferences, WebSearch

One room per concern: ``connection`` (base URL, key lookup, attribution headers), ``builder`` (the one
builder), ``routing`` and ``plugins`` (typed request fields), ``capability`` (the pre-flight check) and
``api/`` (OpenRouter's REST API: models, generations, key, credits -- one module per endpoint group).
Names load on first access (PEP 562), so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import (
        Credits,
        Generation,
        KeyInfo,
        ModelArchitecture,
        ModelInfo,
        ModelPricing,
        OpenRouterAPI,
        ReasoningSupport,
        TopProvider,
    )
    from .builder import OpenRouterBuilder
    from .capability import CapabilityCheck, ModelCapabilityError
    from .plugins import (
        ContextCompressionPlugin,
        CustomPlugin,
        DatetimeTool,
        FileParserPlugin,
        ModerationPlugin,
        Plugin,
        ResponseHealingPlugin,
        ServerTool,
        UrlCitation,
        UserLocation,
        WebFetch,
        WebPlugin,
        WebSearch,
        citations,
    )
    from .routing import (
        CacheControl,
        MaxPrice,
        OpenRouterOptions,
        Percentiles,
        ProviderPreferences,
        ProviderSort,
        request_options,
    )

_MODULES = {
    "api": (
        "Credits",
        "Generation",
        "KeyInfo",
        "ModelArchitecture",
        "ModelInfo",
        "ModelPricing",
        "OpenRouterAPI",
        "ReasoningSupport",
        "TopProvider",
    ),
    "builder": ("OpenRouterBuilder",),
    "capability": ("CapabilityCheck", "ModelCapabilityError"),
    "plugins": (
        "ContextCompressionPlugin",
        "CustomPlugin",
        "DatetimeTool",
        "FileParserPlugin",
        "ModerationPlugin",
        "Plugin",
        "ResponseHealingPlugin",
        "ServerTool",
        "UrlCitation",
        "UserLocation",
        "WebFetch",
        "WebPlugin",
        "WebSearch",
        "citations",
    ),
    "routing": (
        "CacheControl",
        "MaxPrice",
        "OpenRouterOptions",
        "Percentiles",
        "ProviderPreferences",
        "ProviderSort",
        "request_options",
    ),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chat_openrouter.openrouter' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CacheControl",
    "CapabilityCheck",
    "ContextCompressionPlugin",
    "Credits",
    "CustomPlugin",
    "DatetimeTool",
    "FileParserPlugin",
    "Generation",
    "KeyInfo",
    "MaxPrice",
    "ModelArchitecture",
    "ModelCapabilityError",
    "ModelInfo",
    "ModelPricing",
    "ModerationPlugin",
    "OpenRouterAPI",
    "OpenRouterBuilder",
    "OpenRouterOptions",
    "Percentiles",
    "Plugin",
    "ProviderPreferences",
    "ProviderSort",
    "ReasoningSupport",
    "ResponseHealingPlugin",
    "ServerTool",
    "TopProvider",
    "UrlCitation",
    "UserLocation",
    "WebFetch",
    "WebPlugin",
    "WebSearch",
    "citations",
    "request_options",
]
