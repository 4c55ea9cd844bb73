"""Per-request options shared by both wires, and the structured-output request."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = ["ChatOptions", "OutputSchema", "Reasoning", "Timeouts"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Timeouts sized for LLMs, in seconds (None = no limit for that phase).

    * ``connect``: TCP + TLS connect (and waiting for a pooled connection). 10 s: a healthy edge answers
      in well under a second; longer means a network problem worth retrying.
    * ``first_byte``: from sending the request until the response headers. 600 s: a *non-streaming* call
      gets its headers only once the whole answer is generated, and slow reasoning models take minutes.
      (Streams get their headers at once: OpenRouter answers 200 and then sends keep-alive comments.)
    * ``idle``: the longest silence between two body reads. 300 s: OpenRouter's ``: OPENROUTER
      PROCESSING`` comments count as activity (they are bytes on the socket), so a reasoning model that
      thinks for minutes before its first token never trips it; a stream silent for 5 minutes is dead.
    * ``total``: a deadline for the whole call -- every attempt, the waits between retries and, for a
      stream, everything until its last event. 3600 s: longer than any real generation, yet a stream of
      endless keep-alives (a stuck upstream) cannot hang a program forever.
    * ``write``: sending one chunk of the request body (large images and PDFs on a slow uplink).

    Set them on the builder (``with_timeouts(first_byte=30)``) or per call
    (``ChatOptions(timeout=20)`` for the overall deadline, ``ChatOptions(timeouts=Timeouts(...))`` for all).
    """

    connect: float | None = 10.0
    first_byte: float | None = 600.0
    idle: float | None = 300.0
    total: float | None = 3600.0
    write: float | None = 60.0


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

    Per-call reliability settings (never sent to the model; left None they fall back to the builder's):
    ``retries`` replaces the retry count, ``timeout`` the overall deadline in seconds, and ``timeouts``
    every phase's timeout (``timeout``, when also given, still wins for the overall deadline).
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
    retries: int | None = None
    timeout: float | None = None
    timeouts: Timeouts | None = None

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
