"""OpenRouter-only features, typed, on both wires: the builder, routing, plugins, catalogue and account.

::

    from chat_openrouter.openrouter import OpenRouterBuilder, ProviderPreferences, WebSearch, citations

Names load on first access (PEP 562), so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .account import Credits, Generation, KeyInfo, OpenRouterAPI
    from .builder import OpenRouterBuilder
    from .catalog import (
        CapabilityCheck,
        ModelArchitecture,
        ModelCapabilityError,
        ModelInfo,
        ModelPricing,
        ReasoningSupport,
        TopProvider,
    )
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
    "account": ("Credits", "Generation", "KeyInfo", "OpenRouterAPI"),
    "builder": ("OpenRouterBuilder",),
    "catalog": (
        "CapabilityCheck",
        "ModelArchitecture",
        "ModelCapabilityError",
        "ModelInfo",
        "ModelPricing",
        "ReasoningSupport",
        "TopProvider",
    ),
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
