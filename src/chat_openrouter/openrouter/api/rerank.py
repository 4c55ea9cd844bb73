"""Rerank (``POST /rerank``): order documents by relevance to a query, with scores and cost.

::

    ranked = api.rerank_sync("capital of France", ["Berlin is in Germany", "Paris is the capital of France"],
                             model="cohere/rerank-v3.5", top_n=1)
    best = ranked[0]
    print(best.index, best.relevance_score, best.text, ranked.usage.cost)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from ...core.usage import as_cost
from ...errors import ConfigurationError, DecodeError
from ...transport.base import header
from ...wire.common.lenient import as_mapping, as_str, opt_float, opt_int
from ..routing import ProviderPreferences
from ._calls import CallFlow, EndpointGroup, Post

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["RerankGroup", "RerankResult", "RerankUsage", "Reranking", "decode_rerank", "rerank_request"]

#: A document: plain text, or ``{"text": ..., "image": <URL or data URI>}`` for multimodal rerankers.
RerankDocument = str | Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RerankResult:
    """One document's place: its ``index`` in the documents you sent and its ``relevance_score``."""

    index: int
    relevance_score: float
    text: str | None = None
    image: str | None = None


@dataclass(frozen=True, slots=True)
class RerankUsage:
    """What the rerank cost: tokens, Cohere's ``search_units``, and USD credits (None when not said)."""

    total_tokens: int | None = None
    search_units: int | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Reranking(Sequence[RerankResult]):
    """The results, most relevant first (a sequence of :class:`RerankResult`), and who served them."""

    results: tuple[RerankResult, ...]
    model: str | None = None
    provider: str | None = None
    id: str | None = None
    usage: RerankUsage = field(default_factory=RerankUsage)

    def __len__(self) -> int:
        return len(self.results)

    @overload
    def __getitem__(self, index: int) -> RerankResult: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[RerankResult]: ...
    def __getitem__(self, index: int | slice) -> RerankResult | Sequence[RerankResult]:
        return self.results[index]

    def __iter__(self) -> Iterator[RerankResult]:
        return iter(self.results)

    @property
    def indices(self) -> list[int]:
        """The documents' indices, most relevant first."""
        return [r.index for r in self.results]


def rerank_request(
    query: str,
    documents: Sequence[RerankDocument],
    *,
    model: str,
    top_n: int | None = None,
    provider: ProviderPreferences | None = None,
) -> dict[str, Any]:
    """The ``POST /rerank`` body, checked (spec: a query, at least one document, ``top_n`` >= 1)."""
    if not isinstance(model, str) or not model:
        raise ConfigurationError("rerank needs a model, e.g. model='cohere/rerank-v3.5'")
    if not isinstance(query, str) or not query:
        raise ConfigurationError("rerank needs a non-empty query string")
    if isinstance(documents, str) or not isinstance(documents, Sequence) or not documents:
        raise ConfigurationError("rerank needs a non-empty sequence of documents (strings or {text, image})")
    docs: list[str | dict[str, str]] = []
    for index, doc in enumerate(documents):
        if isinstance(doc, str):
            docs.append(doc)
        elif isinstance(doc, Mapping) and set(doc) <= {"text", "image"} and doc:
            docs.append({k: str(v) for k, v in doc.items()})
        else:
            raise ConfigurationError(
                f"documents[{index}]: a string or a {{'text', 'image'}} mapping, got {doc!r}"
            )
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise ConfigurationError(f"top_n must be a positive integer, got {top_n!r}")
    body: dict[str, Any] = {"model": model, "query": query, "documents": docs}
    if top_n is not None:
        body["top_n"] = top_n
    if provider is not None:
        body["provider"] = provider.to_json()
    return body


def decode_rerank(body: Any, headers: Mapping[str, str], documents: int) -> Reranking:
    """A ``POST /rerank`` answer; results are ordered by score (ties: input order) whatever the server sent."""
    entries = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(entries, list):
        raise DecodeError("POST /rerank: expected an object with a 'results' list", snippet=str(body)[:120])
    results = []
    for entry in entries:
        entry = as_mapping(entry)
        index, score = opt_int(entry.get("index")), opt_float(entry.get("relevance_score"))
        if index is None or score is None or not 0 <= index < documents:
            raise DecodeError(
                "POST /rerank: a result without a valid index and score", snippet=str(entry)[:120]
            )
        document = as_mapping(entry.get("document"))
        results.append(
            RerankResult(index, score, as_str(document.get("text")), as_str(document.get("image")))
        )
    results.sort(key=lambda r: (-r.relevance_score, r.index))
    usage = as_mapping(body.get("usage"))
    return Reranking(
        results=tuple(results),
        model=as_str(body.get("model")),
        provider=as_str(body.get("provider")) or header(headers, "x-provider-name"),
        id=as_str(body.get("id")) or header(headers, "x-generation-id"),
        usage=RerankUsage(
            total_tokens=opt_int(usage.get("total_tokens")),
            search_units=opt_int(usage.get("search_units")),
            cost=as_cost(opt_float(usage.get("cost"))),
        ),
    )


class RerankGroup(EndpointGroup):
    """``POST /rerank``."""

    def _rerank(self, body: dict[str, Any]) -> CallFlow[Reranking]:
        answer, headers = yield Post("rerank", body, with_headers=True)
        return decode_rerank(answer, headers, len(body["documents"]))

    def rerank_sync(
        self,
        query: str,
        documents: Sequence[RerankDocument],
        *,
        model: str,
        top_n: int | None = None,
        provider: ProviderPreferences | None = None,
    ) -> Reranking:
        """Order ``documents`` by relevance to ``query`` (the ``top_n`` best, or all), scores and cost included.

        A document is a string, or ``{"text": ..., "image": ...}`` for multimodal rerankers; results name
        each document by its ``index`` in ``documents``.
        """
        body = rerank_request(query, documents, model=model, top_n=top_n, provider=provider)
        return self._calls.run_sync(self._rerank(body))

    async def rerank(
        self,
        query: str,
        documents: Sequence[RerankDocument],
        *,
        model: str,
        top_n: int | None = None,
        provider: ProviderPreferences | None = None,
    ) -> Reranking:
        """Async twin of :meth:`rerank_sync`."""
        body = rerank_request(query, documents, model=model, top_n=top_n, provider=provider)
        return await self._calls.run(self._rerank(body))
