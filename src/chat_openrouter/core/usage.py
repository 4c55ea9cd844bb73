"""Token usage and cost, normalised across both wires."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Usage"]


def _add_opt(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


@dataclass(slots=True)
class Usage:
    """Tokens and cost of one model call (or, summed with ``+``, of a whole run).

    ``cost`` is what OpenRouter charged in USD credits (None when the server did not say; 0 is a real
    zero, e.g. BYOK or a free model). ``cost_details`` and ``raw`` are kept verbatim from the wire.
    ``server_tool_use`` counts what OpenRouter's server tools did (``web_search_requests``,
    ``tool_calls_requested``, ``tool_calls_executed``, ... from ``usage.server_tool_use_details``).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    cost: float | None = None
    is_byok: bool | None = None
    cost_details: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    server_tool_use: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        details: dict[str, Any] = dict(self.cost_details)
        for key, value in other.cost_details.items():
            mine = details.get(key)
            if isinstance(value, (int, float)) and isinstance(mine, (int, float)):
                details[key] = mine + value
            elif mine is None:
                details[key] = value
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cost=_add_opt(self.cost, other.cost),
            is_byok=self.is_byok if other.is_byok is None else (other.is_byok or bool(self.is_byok)),
            cost_details=details,
            raw={},
            server_tool_use={
                key: self.server_tool_use.get(key, 0) + other.server_tool_use.get(key, 0)
                for key in {**self.server_tool_use, **other.server_tool_use}
            },
        )

    @property
    def is_empty(self) -> bool:
        """True when the server reported no usage at all (not even a zero cost)."""
        return not self.raw and self.total_tokens == 0 and self.cost is None
