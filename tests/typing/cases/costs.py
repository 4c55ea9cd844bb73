"""Costs are Decimals: exact sums, and a type checker says so."""

from decimal import Decimal
from typing import reveal_type

from chat_openrouter import ChatResponse, Usage

usage = Usage() + Usage()
reveal_type(usage.cost)  # R: decimal.Decimal | None
total: Decimal = sum((u.cost or Decimal(0) for u in [usage]), Decimal(0))
reveal_type(ChatResponse.from_json("{}").output)  # R: Any
reveal_type(ChatResponse.from_json("{}", output_type=int).output)  # R: int
