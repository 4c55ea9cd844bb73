"""Deprecated: ``ResponsesBuilder`` and ``CompletionsBuilder``, now :class:`OpenRouterBuilder` on one wire.

They used to be builders of their own that ``OpenRouterBuilder`` copied its settings into. There is one
builder now; these names remain (exported from ``chat_openrouter``) as thin aliases that pin the wire and
type ``build()`` precisely. Constructing one warns once with a :class:`DeprecationWarning`::

    ResponsesBuilder()     ->  OpenRouterBuilder()                      # the Responses API is the default
    CompletionsBuilder()   ->  OpenRouterBuilder().with_completions()
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from .builder import OpenRouterBuilder, OpenRouterConfig

if TYPE_CHECKING:
    from ..wire.completions.client import CompletionsClient
    from ..wire.responses.client import ResponsesClient

__all__ = ["CompletionsBuilder", "ResponsesBuilder"]


def _deprecated(name: str, replacement: str) -> None:
    warnings.warn(
        f"{name} is deprecated and will be removed: use {replacement} (same methods, same client)",
        DeprecationWarning,
        stacklevel=3,
    )


class ResponsesBuilder(OpenRouterBuilder["ResponsesClient"]):
    """Deprecated alias of ``OpenRouterBuilder()`` whose ``build()`` always returns a ``ResponsesClient``."""

    def __init__(self, config: OpenRouterConfig | None = None) -> None:
        if config is None:  # a user's construction (every with_* passes the config on: no second warning)
            _deprecated("ResponsesBuilder", "OpenRouterBuilder()")
            config = OpenRouterConfig(wire="responses")
        super().__init__(config)

    def build(self) -> ResponsesClient:
        """The ``ResponsesClient`` (this alias pins the wire)."""
        from ..wire.responses.client import ResponsesClient

        return self._build(ResponsesClient)


class CompletionsBuilder(OpenRouterBuilder["CompletionsClient"]):
    """Deprecated alias of ``OpenRouterBuilder().with_completions()``; ``build()`` returns a ``CompletionsClient``."""

    def __init__(self, config: OpenRouterConfig | None = None) -> None:
        if config is None:
            _deprecated("CompletionsBuilder", "OpenRouterBuilder().with_completions()")
            config = OpenRouterConfig(wire="completions")
        super().__init__(config)

    def build(self) -> CompletionsClient:
        """The ``CompletionsClient`` (this alias pins the wire)."""
        from ..wire.completions.client import CompletionsClient

        return self._build(CompletionsClient)
