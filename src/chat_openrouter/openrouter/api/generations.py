"""Generation records (``GET /generation?id=``): what a call really cost, which provider served it;
what was asked and answered (``GET /generation/content``), and your feedback on it
(``POST /generation/feedback``).

::

    response = client.complete_sync(msgs)
    api = OpenRouterAPI(client)
    record = api.get_generation_sync(response.generation_id)   # waits through early 404s
    print(record.total_cost, record.provider_name, record.native_tokens_reasoning)
    content = api.get_generation_content_sync(response.generation_id)
    api.send_generation_feedback_sync(response.generation_id, "incorrect_response", comment="wrong year")
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ...core.usage import as_cost
from ...errors import ConfigurationError, NotFoundError
from ...wire.common.lenient import as_mapping, as_str, opt_bool, opt_float, opt_int
from ._calls import CallFlow, EndpointGroup, Get, Post, Wait, segment, unwrap_data

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["GENERATION_BACKOFF", "FeedbackCategory", "Generation", "GenerationContent", "GenerationsGroup"]

#: What went wrong with a generation (spec ``SubmitGenerationFeedbackRequest.category``).
FeedbackCategory = Literal[
    "latency", "incoherence", "incorrect_response", "formatting", "billing", "api_error", "other"
]
_CATEGORIES = ("latency", "incoherence", "incorrect_response", "formatting", "billing", "api_error", "other")
_MAX_COMMENT = 1000  # spec: comment maxLength

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


@dataclass(frozen=True, slots=True)
class GenerationContent:
    """What a generation was asked (``input``, e.g. its ``messages``) and answered (``output``:
    ``completion``, ``reasoning``), verbatim, with its ``error`` if it failed (``GET /generation/content``)."""

    input: Mapping[str, Any] = field(default_factory=dict)
    output: Mapping[str, Any] = field(default_factory=dict)
    error: Any = None

    @property
    def completion(self) -> str | None:
        """The answer's text, when the output has one."""
        return as_str(self.output.get("completion"))

    @property
    def reasoning(self) -> str | None:
        """The answer's reasoning text, when the output has one."""
        return as_str(self.output.get("reasoning"))


class GenerationsGroup(EndpointGroup):
    """``GET /generation``, ``GET /generation/content`` and ``POST /generation/feedback``."""

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

    def _content(self, generation_id: str) -> CallFlow[GenerationContent]:
        body = yield Get("generation/content", {"id": generation_id})
        data = unwrap_data(body, "GET /generation/content")
        return GenerationContent(
            input=dict(as_mapping(data.get("input"))),
            output=dict(as_mapping(data.get("output"))),
            error=data.get("error"),
        )

    def get_generation_content_sync(self, generation_id: str) -> GenerationContent:
        """What a generation was asked and answered, as OpenRouter stored it (``GET /generation/content``).

        Only for generations whose content OpenRouter keeps (your logging settings); else 404.
        """
        segment(generation_id, "generation id")
        return self._calls.run_sync(self._content(generation_id))

    async def get_generation_content(self, generation_id: str) -> GenerationContent:
        """Async twin of :meth:`get_generation_content_sync`."""
        segment(generation_id, "generation id")
        return await self._calls.run(self._content(generation_id))

    @staticmethod
    def _feedback_body(generation_id: str, category: FeedbackCategory, comment: str | None) -> dict[str, Any]:
        segment(generation_id, "generation id")
        if category not in _CATEGORIES:
            raise ConfigurationError(f"category must be one of {', '.join(_CATEGORIES)}; got {category!r}")
        body: dict[str, Any] = {"generation_id": generation_id, "category": category}
        if comment is not None:
            if len(comment) > _MAX_COMMENT:
                raise ConfigurationError(f"a feedback comment is at most {_MAX_COMMENT} characters")
            body["comment"] = comment
        return body

    def _feedback(self, body: dict[str, Any]) -> CallFlow[bool]:
        answer = yield Post("generation/feedback", body)
        return as_mapping(as_mapping(answer).get("data")).get("success") is not False

    def send_generation_feedback_sync(
        self, generation_id: str, category: FeedbackCategory, *, comment: str | None = None
    ) -> bool:
        """Report a problem with a generation to OpenRouter (``POST /generation/feedback``); True on success.

        ``category``: ``latency``, ``incoherence``, ``incorrect_response``, ``formatting``, ``billing``,
        ``api_error`` or ``other``; ``comment``: up to 1,000 characters.
        """
        return self._calls.run_sync(self._feedback(self._feedback_body(generation_id, category, comment)))

    async def send_generation_feedback(
        self, generation_id: str, category: FeedbackCategory, *, comment: str | None = None
    ) -> bool:
        """Async twin of :meth:`send_generation_feedback_sync`."""
        return await self._calls.run(self._feedback(self._feedback_body(generation_id, category, comment)))
