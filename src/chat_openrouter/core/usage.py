"""Token usage and cost, normalised across both wires.

Costs are :class:`~decimal.Decimal` s: OpenRouter sends decimal USD amounts (``"cost": 0.000197``), and
summing them as binary floats prints ``0.00019700000000000002``. A cost is taken from the wire's number by
its shortest repr (``Decimal(repr(0.000197)) == Decimal("0.000197")``), so a sum over a tool loop or a
batch is exact and prints as the digits OpenRouter sent. ``decimal`` is imported only once a cost exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["Usage", "as_cost"]


def as_cost(value: Any) -> Decimal | None:
    """``value`` (a ``Decimal``, a number, or a numeric string) as an exact ``Decimal`` cost.

    A float goes through its shortest repr, which is what the server wrote (JSON ``0.1`` -> ``Decimal("0.1")``,
    not the binary float's 55 digits). None, NaN and infinities are "unknown" (None): a cost that is
    not a finite number is no cost. Anything else -- a bool, a word -- is a ``TypeError``.
    """
    from decimal import Decimal, InvalidOperation

    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise TypeError(f"a cost must be a number, got {value!r}")
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            cost = Decimal(value.strip())
        except InvalidOperation:
            raise TypeError(f"a cost must be a number, got {value!r}") from None
        return cost if cost.is_finite() else None
    raise TypeError(f"a cost must be a number, got {type(value).__name__}")


def _add_opt(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _add_detail(a: Any, b: Any) -> Any:
    """Two ``cost_details`` numbers summed exactly; the result stays the JSON number type they came as."""
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    from decimal import Decimal

    total = Decimal(repr(a) if isinstance(a, float) else a) + Decimal(repr(b) if isinstance(b, float) else b)
    return float(total)  # the float nearest the exact sum: prints without noise (0.1 + 0.2 -> 0.3)


@dataclass(slots=True)
class Usage:
    """Tokens and cost of one model call (or, summed with ``+``, of a whole run).

    ``cost`` is what OpenRouter charged in USD credits, as an exact :class:`~decimal.Decimal` (None when
    the server did not say; 0 is a real zero, e.g. BYOK or a free model). A number given to the
    constructor is converted (``Usage(cost=0.25).cost == Decimal("0.25")``; assign :func:`as_cost` values); sums are exact and ``print`` shows the
    digits (``f"{cost:f}"`` avoids the exponent form ``2E-7`` of a tiny one). ``float(usage.cost)`` when
    a float is needed -- a JSON document, say. ``cost_details`` and ``raw`` are kept verbatim from the
    wire (``cost_details`` are summed exactly too). ``server_tool_use`` counts what OpenRouter's server
    tools did (``web_search_requests``, ``tool_calls_requested``, ``tool_calls_executed``, ... from
    ``usage.server_tool_use_details``).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    cost: Decimal | None = None
    is_byok: bool | None = None
    cost_details: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    server_tool_use: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cost is not None:
            self.cost = as_cost(self.cost)

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        details: dict[str, Any] = dict(self.cost_details)
        for key, value in other.cost_details.items():
            mine = details.get(key)
            if _is_number(value) and _is_number(mine):
                details[key] = _add_detail(mine, value)
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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
