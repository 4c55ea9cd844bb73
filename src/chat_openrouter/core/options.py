"""Per-request options shared by both wires, and the structured-output request."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = ["ChatOptions", "OutputSchema", "Reasoning"]


@dataclass(frozen=True, slots=True)
class Reasoning:
    """OpenRouter's unified ``reasoning`` request object (valid on both wires).

    ``effort``: ``none``/``minimal``/``low``/``medium``/``high``/``xhigh``/``max`` -- unknown future values
    pass through unchanged. ``max_tokens``: a thinking budget (Anthropic/Gemini/Qwen style).
    ``exclude``: reason but do not return it. ``enabled``: turn reasoning on at the default effort.
    ``summary``: ``auto``/``concise``/``detailed`` (Responses-style summaries).
    """

    effort: str | None = None
    max_tokens: int | None = None
    exclude: bool | None = None
    enabled: bool | None = None
    summary: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True, slots=True)
class OutputSchema:
    """A JSON-schema structured-output request (``response_format`` / ``text.format``)."""

    name: str
    schema: dict[str, Any]
    strict: bool = True
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Sampling and request options. Every field left None is not sent (OpenRouter does not default them).

    ``max_tokens`` becomes ``max_completion_tokens`` on Chat Completions and ``max_output_tokens`` on the
    Responses API. ``extra_body`` is merged last into the request JSON: the escape hatch for anything
    not modelled here. ``extra_headers`` are added to this request only.
    """

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    user: str | None = None
    reasoning: Reasoning | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    extra_headers: dict[str, str] = field(default_factory=dict)

    def merged(self, override: ChatOptions | None) -> ChatOptions:
        """``self`` with every field ``override`` sets taking precedence (``extra_*`` dicts are merged)."""
        if override is None:
            return self
        changes: dict[str, Any] = {}
        for f in fields(override):
            value = getattr(override, f.name)
            if f.name in ("extra_body", "extra_headers"):
                if value:
                    changes[f.name] = {**getattr(self, f.name), **value}
            elif value is not None:
                changes[f.name] = value
        return replace(self, **changes) if changes else self
