"""Tool declarations as the model sees them (name, description, JSON schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ToolSpec"]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function tool the model may call.

    Wires encode it in their own shape (Chat: ``{type:"function", function:{...}}``, Responses: flat).
    ``extra`` is merged into the encoded tool (e.g. ``{"cache_control": {"type": "ephemeral"}}``).
    Server tools (``{"type": "openrouter:web_search"}``) are passed to ``tools=`` as plain dicts instead.
    """

    name: str
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


#: What ``tools=`` accepts: our declarations, or raw JSON tools (server tools) passed through verbatim.
ToolLike = ToolSpec | dict[str, Any]
