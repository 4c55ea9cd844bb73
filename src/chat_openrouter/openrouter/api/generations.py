"""Generation records (``GET /generation?id=``): what a call really cost, which provider served it.

::

    response = client.complete_sync(msgs)
    record = OpenRouterAPI(client).get_generation_sync(response.generation_id)   # waits through early 404s
    print(record.total_cost, record.provider_name, record.native_tokens_reasoning)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...core.usage import as_cost
from ...errors import NotFoundError
from ...wire.common.lenient import as_str, opt_bool, opt_float, opt_int
from ._calls import CallFlow, EndpointGroup, Get, Wait, unwrap_data

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["GENERATION_BACKOFF", "Generation", "GenerationsGroup"]

#: Waits between ``GET /generation`` attempts while it still answers 404 (the record is written a few
#: seconds after the call ends; reference §10.2). Bounded: ~15 s in all.
GENERATION_BACKOFF: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0, 3.0, 4.0)


@dataclass(frozen=True, slots=True)
class Generation:
    """OpenRouter's authoritative record of one generation (``GET /generation?id=``, spec example).

    ``total_cost`` is what you were charged (USD credits); ``upstream_inference_cost`` what the provider
    charged (BYOK). ``tokens_*`` use a normalised tokenizer, ``native_tokens_*`` the model's own (the ones
    billed). ``latency`` and ``generation_time`` are milliseconds. ``raw`` keeps every field verbatim.
    """

    id: str
    model: str | None = None
    provider_name: str | None = None
    # Exact Decimals like Usage.cost (core/usage.py): `record.total_cost == response.usage.cost`.
    total_cost: Decimal | None = None
    upstream_inference_cost: Decimal | None = None
    cache_discount: Decimal | None = None
    is_byok: bool | None = None
    tokens_prompt: int | None = None
    tokens_completion: int | None = None
    native_tokens_prompt: int | None = None
    native_tokens_completion: int | None = None
    native_tokens_reasoning: int | None = None
    native_tokens_cached: int | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    streamed: bool | None = None
    cancelled: bool | None = None
    latency: float | None = None
    generation_time: float | None = None
    created_at: str | None = None
    session_id: str | None = None
    router: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Generation:
        """Lenient: from the ``data`` object of ``GET /generation``; mistyped fields read as None."""
        return cls(
            id=str(data.get("id", "")),
            model=as_str(data.get("model")),
            provider_name=as_str(data.get("provider_name")),
            total_cost=as_cost(opt_float(data.get("total_cost"))),
            upstream_inference_cost=as_cost(opt_float(data.get("upstream_inference_cost"))),
            cache_discount=as_cost(opt_float(data.get("cache_discount"))),
            is_byok=opt_bool(data.get("is_byok")),
            tokens_prompt=opt_int(data.get("tokens_prompt")),
            tokens_completion=opt_int(data.get("tokens_completion")),
            native_tokens_prompt=opt_int(data.get("native_tokens_prompt")),
            native_tokens_completion=opt_int(data.get("native_tokens_completion")),
            native_tokens_reasoning=opt_int(data.get("native_tokens_reasoning")),
            native_tokens_cached=opt_int(data.get("native_tokens_cached")),
            finish_reason=as_str(data.get("finish_reason")),
            native_finish_reason=as_str(data.get("native_finish_reason")),
            streamed=opt_bool(data.get("streamed")),
            cancelled=opt_bool(data.get("cancelled")),
            latency=opt_float(data.get("latency")),
            generation_time=opt_float(data.get("generation_time")),
            created_at=as_str(data.get("created_at")),
            session_id=as_str(data.get("session_id")),
            router=as_str(data.get("router")),
            raw=data,
        )


class GenerationsGroup(EndpointGroup):
    """``GET /generation``: OpenRouter's authoritative record of one call."""

    _generation_backoff: tuple[float, ...]

    def _waits(self, wait: float) -> Iterator[float]:
        """The pauses between 404 retries, never exceeding ``wait`` seconds in total."""
        left = wait
        for delay in self._generation_backoff:
            if left <= 0:
                return
            step = min(delay, left)
            left -= step
            yield step

    def _get_generation(self, generation_id: str, wait: float) -> CallFlow[Generation]:
        params = {"id": generation_id}
        waits = self._waits(wait)
        while True:
            try:
                body = yield Get("generation", params)
                return Generation.from_json(unwrap_data(body, "GET /generation"))
            except NotFoundError:
                delay = next(waits, None)
                if delay is None:
                    raise
            yield Wait(delay)

    def get_generation_sync(self, generation_id: str, *, wait: float = 15.0) -> Generation:
        """The authoritative record of a generation (``GET /generation?id=``).

        OpenRouter answers 404 for a few seconds after a call completes, so a 404 is retried with a
        bounded backoff for up to ``wait`` seconds (``wait=0``: a single attempt); after that the
        :class:`~chat_openrouter.NotFoundError` is raised. Other errors follow the client's retry policy.
        """
        return self._calls.run_sync(self._get_generation(generation_id, wait))

    async def get_generation(self, generation_id: str, *, wait: float = 15.0) -> Generation:
        """Async twin of :meth:`get_generation_sync`."""
        return await self._calls.run(self._get_generation(generation_id, wait))
