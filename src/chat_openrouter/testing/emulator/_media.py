"""The media room, part one: ``POST /embeddings``, ``POST /rerank`` and ``POST /images``.

All deterministic: an embedding is a hashed bag of words (``_vectors``), a rerank score is word overlap,
an image is a tiny gradient drawn from the prompt (``_synth``). Each answer is a generation: it has an
``X-Generation-Id``, a ``GET /generation`` record, usage and cost. Header faults (``X-Emulator-Fault:
error-503`` ...) fail these requests up front, as they would an inference request.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from . import _synth
from ._asgi import Reply, json_reply
from ._catalog import EmulatedModel
from ._context import Context, generation_record
from ._errors import RequestError
from ._faults import Timing, raise_upfront_fault
from ._planning import count_tokens
from ._routing import Request, Router
from ._shapes import Shape
from ._streaming import event_stream
from ._vectors import embed, encode_base64, relevance, words

__all__ = ["MediaRoom", "media_headers"]

# OpenAI's embedding limits, which OpenRouter passes through: 2,048 inputs and 300,000 tokens a request.
MAX_EMBEDDING_INPUTS = 2048
MAX_EMBEDDING_TOKENS = 300_000
MAX_RERANK_DOCUMENTS = 1000
_IMAGE_TOKENS = 1290
_IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}

_PROVIDER_SHAPE: Shape = {"type": "object"}
_TEXT = {"type": "string", "minLength": 1}
_EMBEDDINGS: Shape = {
    "type": "object",
    "required": ["input", "model"],
    "properties": {
        "model": {"type": "string"},
        "input": {
            "anyOf": [
                _TEXT,
                {"type": "array", "items": _TEXT},
                {"type": "array", "items": {"type": "number"}},
                {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["content"],
                        "properties": {
                            "content": {"type": "array", "minItems": 1, "items": {"type": "object"}}
                        },
                    },
                },
            ]
        },
        "dimensions": {"type": "integer", "minimum": 1},
        "encoding_format": {"type": "string", "enum": ["float", "base64"]},
        "input_type": {"type": "string"},
        "user": {"type": "string"},
        "provider": _PROVIDER_SHAPE,
    },
}
_RERANK: Shape = {
    "type": "object",
    "required": ["model", "query", "documents"],
    "properties": {
        "model": {"type": "string"},
        "query": {"type": "string"},
        "documents": {
            "type": "array",
            "minItems": 1,
            "items": {"anyOf": [{"type": "string"}, {"type": "object"}]},
        },
        "top_n": {"type": "integer", "minimum": 1},
        "provider": _PROVIDER_SHAPE,
    },
}
_IMAGES: Shape = {
    "type": "object",
    "required": ["model", "prompt"],
    "properties": {
        "model": {"type": "string"},
        "prompt": _TEXT,
        "n": {"type": "integer", "minimum": 1, "maximum": 4},
        "output_format": {"type": "string", "enum": ["png", "jpeg", "webp", "svg"]},
        "aspect_ratio": {"type": "string"},
        "seed": {"type": "integer"},
        "stream": {"type": "boolean"},
        "input_references": {"type": "array", "maxItems": 16},
        "provider": _PROVIDER_SHAPE,
    },
}


def media_headers(gen_id: str) -> list[tuple[str, str]]:
    return [
        ("x-generation-id", gen_id),
        ("access-control-expose-headers", "X-Generation-Id,X-Provider-Name,cf-ray"),
    ]


class MediaRoom:
    """Serves embeddings, rerank and image generation."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(self, router: Router) -> None:
        router.add("POST", "/embeddings", self.embeddings)
        router.add("POST", "/rerank", self.rerank)
        router.add("POST", "/images", self.images)

    def _start(
        self, request: Request, schema_name: str, shape: Shape, behaviours: tuple[str, ...]
    ) -> tuple[str, dict[str, Any], EmulatedModel]:
        key = self.ctx.authenticate(request)
        body = self.ctx.read_body(request, schema_name, shape)
        model = self.ctx.model(body.get("model"), behaviours=behaviours, path=request.path)
        request.record.model = model.id
        raise_upfront_fault(self.ctx, request.headers, request.path, model.id, body)
        return key, body, model

    def _bill(
        self,
        request: Request,
        key: str,
        model: EmulatedModel,
        api_type: str,
        prompt_tokens: int,
        completion_tokens: int = 0,
        units: float = 0,
    ) -> tuple[str, float]:
        gen_id = self.ctx.generation_id()
        cost = model.cost(prompt_tokens, completion_tokens, units)[0]
        record = generation_record(
            gen_id,
            created=self.ctx.now(),
            model=model,
            cost=cost,
            api_type=api_type,
            request=request,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason="stop",
            native_finish_reason="stop",
            media_completion=int(units) if api_type == "image" else 0,
        )
        self.ctx.remember(record, key=key)
        request.record.generation_id = gen_id
        return gen_id, cost

    # -- embeddings -----------------------------------------------------------------------------------------
    async def embeddings(self, request: Request) -> Reply:
        key, body, model = self._start(request, "POST /embeddings", _EMBEDDINGS, ("embedding",))
        native = model.dimensions or 384
        dims = body.get("dimensions", native)
        if dims > native:
            raise RequestError(400, f"dimensions: {model.id} makes vectors of at most {native} dimensions")
        inputs = _embedding_inputs(body["input"])
        if len(inputs) > MAX_EMBEDDING_INPUTS:
            raise RequestError(
                400, f"input: at most {MAX_EMBEDDING_INPUTS} inputs per request, got {len(inputs)}"
            )
        counts = [tokens for _, tokens in inputs]
        for index, count in enumerate(counts):
            if count > model.context_length:
                raise RequestError(
                    400,
                    f"input[{index}]: {count} tokens is over {model.id}'s maximum context length of "
                    f"{model.context_length} tokens",
                )
        tokens = sum(counts)
        if tokens > MAX_EMBEDDING_TOKENS:
            raise RequestError(
                400, f"input: {tokens} tokens is over the {MAX_EMBEDDING_TOKENS} allowed per request"
            )
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, (features, _) in enumerate(inputs):
            vector = embed(features, dims)
            data.append(
                {
                    "object": "embedding",
                    "embedding": encode_base64(vector) if as_base64 else vector,
                    "index": index,
                }
            )
        gen_id, cost = self._bill(request, key, model, "embeddings", tokens)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens, "cost": cost, "is_byok": False}
        answer = {"id": gen_id, "object": "list", "data": data, "model": model.id, "usage": usage}
        return json_reply(200, answer, media_headers(gen_id))

    # -- rerank ---------------------------------------------------------------------------------------------
    async def rerank(self, request: Request) -> Reply:
        key, body, model = self._start(request, "POST /rerank", _RERANK, ("rerank",))
        documents = body["documents"]
        if len(documents) > MAX_RERANK_DOCUMENTS:
            raise RequestError(400, f"documents: at most {MAX_RERANK_DOCUMENTS} documents per request")
        texts = [d if isinstance(d, str) else str(d.get("text") or "") for d in documents]
        scored = sorted(
            ((relevance(body["query"], text), index) for index, text in enumerate(texts)),
            key=lambda pair: (-pair[0], pair[1]),
        )
        top_n = body.get("top_n", len(scored))
        results = [
            {
                "index": index,
                "relevance_score": score,
                "document": dict(documents[index])
                if isinstance(documents[index], dict)
                else {"text": texts[index]},
            }
            for score, index in scored[:top_n]
        ]
        tokens = count_tokens(body["query"]) * len(texts) + sum(count_tokens(t) for t in texts)
        gen_id, cost = self._bill(request, key, model, "rerank", tokens)
        usage = {"search_units": -(-len(texts) // 100), "total_tokens": tokens, "cost": cost}
        answer = {"id": gen_id, "model": model.id, "provider": "Emulator", "results": results, "usage": usage}
        return json_reply(200, answer, media_headers(gen_id))

    # -- images ---------------------------------------------------------------------------------------------
    async def images(self, request: Request) -> Reply:
        key, body, model = self._start(
            request, "ImageGenerationRequest", _IMAGES, ("image-generation", "image")
        )
        fmt = body.get("output_format", "png")
        if fmt not in _IMAGE_FORMATS:
            raise RequestError(
                400, f"output_format: {model.id} makes {' and '.join(_IMAGE_FORMATS)} images, not {fmt}"
            )
        count = body.get("n", 1)
        width, height = _synth.image_size(body.get("aspect_ratio"))
        draw = _synth.png if fmt == "png" else _synth.svg
        seed = body.get("seed")
        pictures = [draw(f"{body['prompt']}|{seed}|{index}", width, height) for index in range(count)]
        prompt_tokens = count_tokens(body["prompt"])
        gen_id, cost = self._bill(
            request, key, model, "image", prompt_tokens, _IMAGE_TOKENS * count, units=count
        )
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": _IMAGE_TOKENS * count,
            "total_tokens": prompt_tokens + _IMAGE_TOKENS * count,
            "cost": cost,
            "is_byok": False,
        }
        created = self.ctx.now()
        media_type = _IMAGE_FORMATS[fmt]
        encoded = [base64.b64encode(p).decode("ascii") for p in pictures]
        if body.get("stream") is True:
            frames: list[dict[str, Any]] = []
            for index, picture in enumerate(encoded):
                frames.append(
                    {"type": "image_generation.partial_image", "partial_image_index": 0, "b64_json": picture}
                )
                completed = {"type": "image_generation.completed", "b64_json": picture, "created": created}
                completed["media_type"] = media_type
                if index == len(encoded) - 1:
                    completed["usage"] = usage
                frames.append(completed)
            return event_stream(
                frames,
                Timing(),
                media_headers(gen_id),
                keepalive_interval=self.ctx.settings.keepalive_interval,
            )
        data = [{"b64_json": picture, "media_type": media_type} for picture in encoded]
        return json_reply(200, {"created": created, "data": data, "usage": usage}, media_headers(gen_id))


def _text_input(text: str) -> tuple[list[str], int]:
    # A text without words (punctuation only) still gets a vector of its own.
    return words(text) or [text], max(1, count_tokens(text))


def _embedding_inputs(value: Any) -> list[tuple[list[str], int]]:
    """Each input's features (its words, token ids, or parts' words and media) and its token count."""
    if isinstance(value, str):
        return [_text_input(value)]
    if not value:
        raise RequestError(400, "input: must not be empty")
    if all(isinstance(v, str) for v in value):
        return [_text_input(v) for v in value]
    if all(isinstance(v, (int, float)) for v in value):
        return [([f"#{v}" for v in value], len(value))]
    if all(isinstance(v, list) for v in value):
        return [([f"#{t}" for t in tokens], len(tokens)) for tokens in value]
    inputs = []
    for item in value:
        features: list[str] = []
        tokens = 0
        for part in item.get("content", []):
            if part.get("type") == "text":
                text = str(part.get("text", ""))
                features.extend(words(text) or [text])
                tokens += count_tokens(text)
            else:
                kind = str(part.get("type"))
                features.append(f"{kind}:{_digest(part.get(kind))}")
                tokens += 85  # a media part counts like a small image
        inputs.append((features, max(1, tokens)))
    return inputs


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]
