"""Embeddings (``POST /embeddings``) and the embedding models (``GET /embeddings/models``).

::

    api = OpenRouterAPI(client, embedding_model="openai/text-embedding-3-small")
    result = api.embed_sync(["How do I reset my router?", "Resetting your router"])
    query, doc = result                        # one vector per input, in order
    print(result.usage.cost, result.provider, result.to_numpy().shape)   # NumPy only if installed

A large input is split into requests of ``embedding_batch_size`` inputs (2,048: the most OpenAI's embedding
endpoints -- which OpenRouter passes through -- take in one request) and reassembled in order; the async
``embed`` sends up to ``embedding_concurrency`` of them at once. A multimodal input is a sequence of
parts (``[TextPart("a cat"), FilePart.from_path("cat.png")]``), sent as the spec's ``{content: [...]}``.
"""

from __future__ import annotations

import base64
import binascii
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ...core.embeddings import EmbeddingInput, Embeddings, EmbeddingsInput, EmbeddingUsage
from ...core.media import audio_format
from ...core.parts import FilePart, TextPart
from ...core.usage import as_cost
from ...errors import ConfigurationError, DecodeError
from ...transport.base import header
from ...wire.common.encoding import inline_base64
from ...wire.common.lenient import as_mapping, as_str, opt_bool, opt_float, opt_int
from ..routing import ProviderPreferences
from ._calls import CallFlow, EndpointGroup, Post, paged
from .models import ModelInfo, parse_models

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_EMBEDDING_BATCH",
    "DEFAULT_EMBEDDING_CONCURRENCY",
    "EmbeddingsGroup",
    "decode_embeddings",
    "encode_embedding_input",
]

#: Inputs per ``POST /embeddings`` request: OpenAI's limit (2,048 inputs), which OpenRouter passes
#: through; the spec sets none. ``OpenRouterAPI(embedding_batch_size=...)`` changes it.
DEFAULT_EMBEDDING_BATCH = 2048
#: Requests the async ``embed`` keeps in flight when an input is split.
DEFAULT_EMBEDDING_CONCURRENCY = 4

EncodingFormat = Literal["float", "base64"]


# -- the codec (pure) ----------------------------------------------------------------------------------------
def _file_content(part: FilePart) -> dict[str, Any]:
    """A file part as one of the spec's embedding content parts (image, audio, video, file)."""
    category = part.category
    if category == "image":
        return {"type": "image_url", "image_url": {"url": part.data_url()}}
    if category == "audio":
        data, fmt = inline_base64(part), audio_format(part.mime_type)
        if data is None or fmt is None:
            raise ConfigurationError(
                f"an audio input to embed needs inline bytes of a known format, got {part!r}"
            )
        return {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}
    if category == "video":
        return {"type": "video_url", "video_url": {"url": part.data_url()}}
    file: dict[str, Any] = {"file_data": part.data_url()}
    if part.filename:
        file["filename"] = part.filename
    return {"type": "file", "file": file}


def encode_embedding_input(item: EmbeddingInput) -> str | dict[str, Any]:
    """One input as the request sends it: a text as it is, parts as ``{"content": [...]}`` (spec)."""
    if isinstance(item, str):
        if not item:
            raise ConfigurationError("an input to embed must not be empty (spec: minLength 1)")
        return item
    if isinstance(item, (TextPart, FilePart)) or not isinstance(item, Sequence) or not item:
        raise ConfigurationError(
            "each input to embed is a non-empty string or a non-empty sequence of TextPart/FilePart, "
            f"got {type(item).__name__}"
        )
    content: list[dict[str, Any]] = []
    for part in item:
        if isinstance(part, TextPart):
            if not part.text:
                raise ConfigurationError("a TextPart to embed must not be empty (spec: minLength 1)")
            content.append({"type": "text", "text": part.text})
        elif isinstance(part, FilePart):
            content.append(_file_content(part))
        else:
            raise ConfigurationError(f"cannot embed a {type(part).__name__}: use TextPart or FilePart")
    return {"content": content}


def _inputs(inputs: EmbeddingsInput) -> list[str | dict[str, Any]]:
    if isinstance(inputs, str):
        return [encode_embedding_input(inputs)]
    if not isinstance(inputs, Sequence):
        raise ConfigurationError(
            f"embed() takes a string or a sequence of inputs, got {type(inputs).__name__}"
        )
    if inputs and all(isinstance(p, (TextPart, FilePart)) for p in inputs):
        # A bare sequence of parts is one multimodal input, not one input per part.
        return [encode_embedding_input(inputs)]  # type: ignore[arg-type]
    if not inputs:
        raise ConfigurationError("embed() needs at least one input")
    return [encode_embedding_input(item) for item in inputs]


def _floats(value: Any, index: int) -> list[float]:
    if isinstance(value, str):
        # encoding_format "base64": little-endian float32s (OpenAI's format, which OpenRouter relays).
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise DecodeError(f"embedding {index}: not valid base64", snippet=value[:60]) from None
        if len(raw) % 4:
            raise DecodeError(f"embedding {index}: {len(raw)} bytes is not a whole number of float32s")
        floats = array("f", raw)
        if sys.byteorder == "big":
            floats.byteswap()
        return floats.tolist()
    if isinstance(value, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in value
    ):
        return [float(x) for x in value]
    raise DecodeError(
        f"embedding {index}: expected a list of numbers or a base64 string", snippet=str(value)[:60]
    )


@dataclass(frozen=True, slots=True)
class _Batch:
    vectors: list[list[float]]
    model: str | None
    provider: str | None
    usage: EmbeddingUsage
    generation_id: str | None


def decode_embeddings(body: Any, headers: Mapping[str, str], expected: int) -> _Batch:
    """One ``POST /embeddings`` answer: ``expected`` vectors, put in input order by their ``index``."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, list):
        raise DecodeError("POST /embeddings: expected an object with a 'data' list", snippet=str(body)[:120])
    if len(data) != expected:
        raise DecodeError(f"POST /embeddings: sent {expected} inputs, got {len(data)} embeddings back")
    slots: list[list[float] | None] = [None] * expected
    for position, entry in enumerate(data):
        entry = as_mapping(entry)
        index = opt_int(entry.get("index"))
        index = position if index is None else index
        if not 0 <= index < expected or slots[index] is not None:
            raise DecodeError(f"POST /embeddings: embedding index {index} is out of range or repeated")
        slots[index] = _floats(entry.get("embedding"), index)
    usage = as_mapping(body.get("usage"))
    return _Batch(
        vectors=[v for v in slots if v is not None],
        model=as_str(body.get("model")),
        provider=as_str(body.get("provider")) or header(headers, "x-provider-name"),
        usage=EmbeddingUsage(
            prompt_tokens=opt_int(usage.get("prompt_tokens")) or 0,
            total_tokens=opt_int(usage.get("total_tokens")) or 0,
            cost=as_cost(opt_float(usage.get("cost"))),
            is_byok=opt_bool(usage.get("is_byok")),
        ),
        generation_id=as_str(body.get("id")) or header(headers, "x-generation-id"),
    )


def _assemble(batches: Sequence[_Batch]) -> Embeddings:
    usage = EmbeddingUsage()
    vectors: list[list[float]] = []
    for batch in batches:
        vectors.extend(batch.vectors)
        usage = usage + batch.usage
    first = batches[0]
    return Embeddings(
        vectors=vectors,
        model=first.model,
        provider=first.provider,
        usage=usage,
        generation_ids=tuple(b.generation_id for b in batches if b.generation_id),
    )


# -- the endpoint group -------------------------------------------------------------------------------------
class EmbeddingsGroup(EndpointGroup):
    """``POST /embeddings`` (split and reassembled) and ``GET /embeddings/models``."""

    _embedding_model: str | None
    _embedding_batch_size: int
    _embedding_concurrency: int

    def _embedding_requests(
        self,
        inputs: EmbeddingsInput,
        model: str | None,
        dimensions: int | None,
        encoding_format: EncodingFormat | None,
        input_type: str | None,
        user: str | None,
        provider: ProviderPreferences | None,
    ) -> list[dict[str, Any]]:
        chosen = model or self._embedding_model
        if not chosen:
            raise ConfigurationError(
                "no embedding model: pass model=... or OpenRouterAPI(client, embedding_model=...)"
            )
        if dimensions is not None and (
            isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1
        ):
            raise ConfigurationError(f"dimensions must be a positive integer, got {dimensions!r}")
        if encoding_format not in (None, "float", "base64"):
            raise ConfigurationError(f"encoding_format must be 'float' or 'base64', got {encoding_format!r}")
        encoded = _inputs(inputs)
        size = self._embedding_batch_size
        common: dict[str, Any] = {"model": chosen}
        for name, value in (
            ("dimensions", dimensions),
            ("encoding_format", encoding_format),
            ("input_type", input_type),
            ("user", user),
        ):
            if value is not None:
                common[name] = value
        if provider is not None:
            common["provider"] = provider.to_json()
        return [{**common, "input": encoded[i : i + size]} for i in range(0, len(encoded), size)]

    def _embed_batch(self, body: dict[str, Any]) -> CallFlow[_Batch]:
        answer, headers = yield Post("embeddings", body, with_headers=True)
        return decode_embeddings(answer, headers, len(body["input"]))

    def _embed_all(self, bodies: list[dict[str, Any]]) -> CallFlow[Embeddings]:
        batches = []
        for body in bodies:
            batches.append((yield from self._embed_batch(body)))
        return _assemble(batches)

    def embed_sync(
        self,
        inputs: EmbeddingsInput,
        *,
        model: str | None = None,
        dimensions: int | None = None,
        encoding_format: EncodingFormat | None = None,
        input_type: str | None = None,
        user: str | None = None,
        provider: ProviderPreferences | None = None,
    ) -> Embeddings:
        """Embed a text, a multimodal input (a sequence of parts), or a sequence of either.

        Returns one vector per input, in order, with the model, the provider and the usage (cost
        included) of all the requests it took. ``model`` defaults to the API object's
        ``embedding_model``; ``dimensions`` shortens the vectors (models that support it);
        ``encoding_format="base64"`` makes the answer ~4x smaller on the wire (the vectors come back as
        floats either way); ``input_type`` is e.g. ``search_query`` / ``search_document`` for models
        that distinguish them. Inputs beyond ``embedding_batch_size`` go in several requests.
        """
        bodies = self._embedding_requests(
            inputs, model, dimensions, encoding_format, input_type, user, provider
        )
        return self._calls.run_sync(self._embed_all(bodies))

    async def embed(
        self,
        inputs: EmbeddingsInput,
        *,
        model: str | None = None,
        dimensions: int | None = None,
        encoding_format: EncodingFormat | None = None,
        input_type: str | None = None,
        user: str | None = None,
        provider: ProviderPreferences | None = None,
    ) -> Embeddings:
        """Async twin of :meth:`embed_sync`; the requests of a split input run ``embedding_concurrency``
        at a time (the first error cancels the rest)."""
        bodies = self._embedding_requests(
            inputs, model, dimensions, encoding_format, input_type, user, provider
        )
        if len(bodies) == 1:
            return _assemble([await self._calls.run(self._embed_batch(bodies[0]))])
        import asyncio  # here, not at module level: building the API object stays cheap

        gate = asyncio.Semaphore(self._embedding_concurrency)

        async def one(body: dict[str, Any]) -> _Batch:
            async with gate:
                return await self._calls.run(self._embed_batch(body))

        tasks = [asyncio.ensure_future(one(body)) for body in bodies]
        try:
            batches = await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
        return _assemble(batches)

    def _embedding_models(self) -> CallFlow[list[ModelInfo]]:
        entries = yield from paged("embeddings/models")
        return parse_models({"data": entries})

    def list_embedding_models_sync(self) -> list[ModelInfo]:
        """The embedding models (``GET /embeddings/models``): context length, pricing, modalities."""
        return self._calls.run_sync(self._embedding_models())

    async def list_embedding_models(self) -> list[ModelInfo]:
        """Async twin of :meth:`list_embedding_models_sync`."""
        return await self._calls.run(self._embedding_models())
