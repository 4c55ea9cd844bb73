"""OpenRouter-specific pieces: the builder that picks a wire, routing, attribution, catalog and account."""

from .builder import OpenRouterBuilder

__all__ = ["OpenRouterBuilder"]
