"""Who we talk to and what only OpenRouter offers, typed, on both wires.

::

    from chat_openrouter.openrouter import OpenRouterBuilder, OpenRouterAPI, ProviderPreferences, WebSearch

One room per concern: ``connection`` (base URL, key lookup, attribution headers), ``builder`` (the one
builder), ``routing`` and ``plugins`` (typed request fields), ``capability`` (the pre-flight check) and
``api/`` (OpenRouter's REST API: models and discovery, generations, account and keys, embeddings, rerank,
images, audio, videos, app auth, presets, and any other path -- one module per endpoint group).
Names load on first access (PEP 562), so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import (
        Activity,
        ApiKey,
        AuthCode,
        Authorization,
        CreatedKey,
        Credits,
        Generation,
        GenerationContent,
        ImageEndpoint,
        ImageGeneration,
        ImageModel,
        ImageUsage,
        KeyInfo,
        ModelArchitecture,
        ModelEndpoint,
        ModelEndpoints,
        ModelInfo,
        ModelPricing,
        OpenRouterAPI,
        Preset,
        Provider,
        ReasoningSupport,
        Reranking,
        RerankResult,
        RerankUsage,
        Speech,
        TopProvider,
        Transcription,
        TranscriptionSegment,
        TranscriptionUsage,
        TranscriptionWord,
        UserKey,
        VideoJob,
        VideoModel,
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
        Trace,
        request_options,
    )

_MODULES = {
    "api": (
        "Activity",
        "ApiKey",
        "AuthCode",
        "Authorization",
        "CreatedKey",
        "Credits",
        "Generation",
        "GenerationContent",
        "ImageEndpoint",
        "ImageGeneration",
        "ImageModel",
        "ImageUsage",
        "KeyInfo",
        "ModelArchitecture",
        "ModelEndpoint",
        "ModelEndpoints",
        "ModelInfo",
        "ModelPricing",
        "OpenRouterAPI",
        "Preset",
        "Provider",
        "ReasoningSupport",
        "RerankResult",
        "RerankUsage",
        "Reranking",
        "Speech",
        "TopProvider",
        "Transcription",
        "TranscriptionSegment",
        "TranscriptionUsage",
        "TranscriptionWord",
        "UserKey",
        "VideoJob",
        "VideoModel",
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
        "Trace",
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
    "Activity",
    "ApiKey",
    "AuthCode",
    "Authorization",
    "CacheControl",
    "CapabilityCheck",
    "ContextCompressionPlugin",
    "CreatedKey",
    "Credits",
    "CustomPlugin",
    "DatetimeTool",
    "FileParserPlugin",
    "Generation",
    "GenerationContent",
    "ImageEndpoint",
    "ImageGeneration",
    "ImageModel",
    "ImageUsage",
    "KeyInfo",
    "MaxPrice",
    "ModelArchitecture",
    "ModelCapabilityError",
    "ModelEndpoint",
    "ModelEndpoints",
    "ModelInfo",
    "ModelPricing",
    "ModerationPlugin",
    "OpenRouterAPI",
    "OpenRouterBuilder",
    "OpenRouterOptions",
    "Percentiles",
    "Plugin",
    "Preset",
    "Provider",
    "ProviderPreferences",
    "ProviderSort",
    "ReasoningSupport",
    "RerankResult",
    "RerankUsage",
    "Reranking",
    "ResponseHealingPlugin",
    "ServerTool",
    "Speech",
    "TopProvider",
    "Trace",
    "Transcription",
    "TranscriptionSegment",
    "TranscriptionUsage",
    "TranscriptionWord",
    "UrlCitation",
    "UserKey",
    "UserLocation",
    "VideoJob",
    "VideoModel",
    "WebFetch",
    "WebPlugin",
    "WebSearch",
    "citations",
    "request_options",
]
