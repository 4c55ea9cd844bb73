"""Embeddings, provider-neutral: the result, and the :class:`EmbeddingsProvider` a :class:`~.chat.Chat` can use.

A provider turns texts (or multimodal inputs made of parts) into vectors. OpenRouter's is
:class:`chat_openrouter.OpenRouterAPI` (``POST /embeddings``); a Chat given one with
``ChatBuilder().with_embeddings(api)`` answers ``chat.embed(...)`` -- the counterpart of the Rust crate's
``with_embeddings`` / ``embed``. The core defines the contract; it never imports who fulfils it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, overload, runtime_checkable

from ..errors import ConfigurationError
from .parts import FilePart, TextPart

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["EmbeddingInput", "EmbeddingUsage", "Embeddings", "EmbeddingsInput", "EmbeddingsProvider"]

#: One input: a text, or a multimodal input made of text and file (image, audio, video, PDF) parts.
EmbeddingInput = str | Sequence[TextPart | FilePart]
#: What ``embed`` takes: one input, or a sequence of them (one vector each, in order).
EmbeddingsInput = str | Sequence[EmbeddingInput]


@dataclass(frozen=True, slots=True)
class EmbeddingUsage:
    """Tokens read and what they cost (USD credits; None when the server did not say)."""

    prompt_tokens: int = 0
    total_tokens: int = 0
    cost: Decimal | None = None
    is_byok: bool | None = None

    def __add__(self, other: EmbeddingUsage) -> EmbeddingUsage:
        """The usage of two requests together (a large input is sent in several)."""
        cost = other.cost if self.cost is None else self.cost if other.cost is None else self.cost + other.cost
        byok = None if self.is_byok is None and other.is_byok is None else bool(self.is_byok or other.is_byok)
        return EmbeddingUsage(
            self.prompt_tokens + other.prompt_tokens, self.total_tokens + other.total_tokens, cost, byok
        )


@dataclass(frozen=True, slots=True)
class Embeddings(Sequence[list[float]]):
    """The vectors of an ``embed`` call, in the order of its inputs, with who made them and the cost.

    It is a sequence of vectors (``embeddings[0]``, ``len(embeddings)``, ``for v in embeddings``);
    :meth:`to_numpy` gives a 2-D array when NumPy is installed. ``generation_ids`` has one id per HTTP
    request made (a large input is split into several requests).
    """

    vectors: list[list[float]]
    model: str | None = None
    provider: str | None = None
    usage: EmbeddingUsage = field(default_factory=EmbeddingUsage)
    generation_ids: tuple[str, ...] = ()

    @property
    def dimensions(self) -> int:
        """The length of the vectors (0 when there are none)."""
        return len(self.vectors[0]) if self.vectors else 0

    def __len__(self) -> int:
        return len(self.vectors)

    @overload
    def __getitem__(self, index: int) -> list[float]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[list[float]]: ...
    def __getitem__(self, index: int | slice) -> list[float] | Sequence[list[float]]:
        return self.vectors[index]

    def __iter__(self) -> Iterator[list[float]]:
        return iter(self.vectors)

    def to_numpy(self, dtype: Any = "float32") -> Any:
        """The vectors as a ``(len, dimensions)`` ``numpy.ndarray``; NumPy is optional (used when installed,
        never required), so without it this raises :class:`~chat_openrouter.ConfigurationError`."""
        try:
            import numpy
        except ModuleNotFoundError:
            raise ConfigurationError("Embeddings.to_numpy() needs NumPy: pip install numpy") from None
        return numpy.asarray(self.vectors, dtype=dtype)

    def __repr__(self) -> str:  # never print thousands of floats into a log
        return (
            f"Embeddings({len(self.vectors)} vectors x {self.dimensions}, model={self.model!r}, "
            f"provider={self.provider!r}, usage={self.usage!r})"
        )


@runtime_checkable
class EmbeddingsProvider(Protocol):
    """Anything that embeds: sync and async twins returning :class:`Embeddings`.

    :class:`chat_openrouter.OpenRouterAPI` is one; so is any object with these two methods (a test fake,
    a local model).
    """

    async def embed(
        self, inputs: EmbeddingsInput, *, model: str | None = None, dimensions: int | None = None
    ) -> Embeddings: ...

    def embed_sync(
        self, inputs: EmbeddingsInput, *, model: str | None = None, dimensions: int | None = None
    ) -> Embeddings: ...
