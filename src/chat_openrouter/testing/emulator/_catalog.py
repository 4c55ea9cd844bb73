"""The models the emulator serves: their catalogue entries, their prices, and which behaviour answers.

Chat behaviours (``/chat/completions``, ``/responses``): ``echo``, ``tools``, ``json``, ``reasoning``,
``image`` (text plus an image when ``modalities`` asks for one) and ``audio`` (text plus speech when
``modalities`` asks for it). Media behaviours, each served by its own endpoint: ``embedding``
(``/embeddings``), ``rerank`` (``/rerank``), ``image-generation`` (``/images``), ``speech``
(``/audio/speech``), ``transcription`` (``/audio/transcriptions``) and ``video`` (``/videos``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

__all__ = [
    "BUILTIN_MODELS",
    "CHAT_BEHAVIOURS",
    "MEDIA_ENDPOINTS",
    "MEDIA_MODELS",
    "EmulatedModel",
]

_BASE_PARAMETERS = ("max_completion_tokens", "max_tokens", "seed", "stop", "temperature", "top_p")
_TOOL_PARAMETERS = ("parallel_tool_calls", "tool_choice", "tools")
_JSON_PARAMETERS = ("response_format", "structured_outputs")
_REASONING_PARAMETERS = ("include_reasoning", "reasoning")

#: Behaviours answered on the two inference wires.
CHAT_BEHAVIOURS = frozenset({"echo", "tools", "json", "reasoning", "image", "audio"})
#: The endpoint each media behaviour is served on.
MEDIA_ENDPOINTS = {
    "embedding": "/embeddings",
    "rerank": "/rerank",
    "image-generation": "/images",
    "speech": "/audio/speech",
    "transcription": "/audio/transcriptions",
    "video": "/videos",
}


@dataclass(frozen=True, slots=True)
class EmulatedModel:
    """One model the emulator serves: its catalogue entry (``GET /models``) and its behaviour.

    Prices are decimal strings in USD per token, as OpenRouter publishes them (reference §10.1); usage
    ``cost`` is computed from them. ``unit_price`` prices what media models make per unit (an image, a
    second of video). ``fault`` names a fault the model always injects (``rate-limit``, ``error-500``,
    ``midstream-error``, ``slow``, ...). ``dimensions`` is an embedding model's native vector size.
    """

    id: str
    name: str
    description: str
    behaviour: str
    prompt_price: str
    completion_price: str
    context_length: int = 131072
    max_completion_tokens: int = 16384
    supported_parameters: tuple[str, ...] = _BASE_PARAMETERS
    fault: str | None = None
    created: int = 1767225600  # 2026-01-01, fixed so the catalog is stable
    input_modalities: tuple[str, ...] = ("text",)
    output_modalities: tuple[str, ...] = ("text",)
    unit_price: str = "0"
    dimensions: int | None = None
    voices: tuple[str, ...] = ()

    @property
    def is_chat(self) -> bool:
        """Served on ``/chat/completions`` and ``/responses``."""
        return self.behaviour in CHAT_BEHAVIOURS

    @property
    def endpoint(self) -> str:
        """The path that serves this model (``/chat/completions`` for chat models)."""
        return MEDIA_ENDPOINTS.get(self.behaviour, "/chat/completions")

    def cost(
        self, prompt_tokens: int, completion_tokens: int, units: float = 0
    ) -> tuple[float, float, float]:
        """``(total, prompt part, completion part)`` in USD, exact decimal arithmetic rounded once.

        ``units`` (images, seconds of video) are priced at ``unit_price`` and counted in the completion part.
        """
        prompt = Decimal(self.prompt_price) * prompt_tokens
        completion = Decimal(self.completion_price) * completion_tokens + Decimal(self.unit_price) * Decimal(
            str(units)
        )
        return float(prompt + completion), float(prompt), float(completion)

    @property
    def modality(self) -> str:
        return "+".join(self.input_modalities) + "->" + "+".join(self.output_modalities)

    def catalog_entry(self) -> dict[str, Any]:
        """This model as ``GET /models`` lists it (the shape of fixture models-list-truncated)."""
        pricing: dict[str, Any] = {
            "prompt": self.prompt_price,
            "completion": self.completion_price,
            "input_cache_read": "0",
            "input_cache_write": "0",
        }
        if self.behaviour == "image-generation" or "image" in self.output_modalities:
            pricing["image_output"] = self.unit_price
        entry: dict[str, Any] = {
            "id": self.id,
            "canonical_slug": self.id,
            "hugging_face_id": "",
            "name": self.name,
            "created": self.created,
            "description": self.description,
            "context_length": self.context_length,
            "architecture": {
                "modality": self.modality,
                "input_modalities": list(self.input_modalities),
                "output_modalities": list(self.output_modalities),
                "tokenizer": "Other",
                "instruct_type": None,
            },
            "pricing": pricing,
            "top_provider": {
                "context_length": self.context_length,
                "max_completion_tokens": self.max_completion_tokens if self.is_chat else None,
                "is_moderated": False,
            },
            "per_request_limits": None,
            "supported_parameters": sorted(self.supported_parameters),
            "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None},
            "supported_voices": list(self.voices) or None,
            "knowledge_cutoff": None,
            "expiration_date": None,
            "links": {"details": f"/api/v1/models/{self.id}/endpoints"},
        }
        if self.behaviour == "reasoning":
            pricing["internal_reasoning"] = self.completion_price
            entry["reasoning"] = {
                "mandatory": False,
                "default_enabled": True,
                "supported_efforts": ["minimal", "low", "medium", "high"],
                "default_effort": "medium",
                "supports_max_tokens": True,
            }
        return entry

    def aliased(self, model_id: str) -> EmulatedModel:
        """The same behaviour under another id (e.g. to stand in for ``openai/gpt-4o`` in tests)."""
        return replace(self, id=model_id, name=f"{self.name} (as {model_id})")


def _model(
    model_id: str,
    name: str,
    description: str,
    behaviour: str,
    prices: tuple[str, str],
    extra: Iterable[str] = (),
    fault: str | None = None,
    **fields: Any,
) -> EmulatedModel:
    fields.setdefault("supported_parameters", (*_BASE_PARAMETERS, *extra))
    return EmulatedModel(model_id, name, description, behaviour, prices[0], prices[1], fault=fault, **fields)


#: The built-in chat models, in catalogue order (``GET /models`` lists exactly these by default).
BUILTIN_MODELS: tuple[EmulatedModel, ...] = (
    _model(
        "emulator/echo",
        "Emulator: Echo",
        "Repeats the last user message.",
        "echo",
        ("0.0000001", "0.0000002"),
    ),
    _model(
        "emulator/tools",
        "Emulator: Tools",
        "Calls every offered function tool with schema-valid arguments, then answers from the results.",
        "tools",
        ("0.000001", "0.000002"),
        (*_TOOL_PARAMETERS, *_JSON_PARAMETERS),
    ),
    _model(
        "emulator/json",
        "Emulator: JSON",
        "Answers with JSON valid for the requested schema.",
        "json",
        ("0.0000005", "0.0000015"),
        _JSON_PARAMETERS,
    ),
    _model(
        "emulator/reasoning",
        "Emulator: Reasoning",
        "Reasons (signed reasoning details / encrypted reasoning items), calls tools, answers; rejects "
        "tool-call history whose reasoning was not replayed verbatim.",
        "reasoning",
        ("0.000003", "0.000015"),
        (*_TOOL_PARAMETERS, *_JSON_PARAMETERS, *_REASONING_PARAMETERS),
    ),
    _model(
        "emulator/rate-limit",
        "Emulator: Rate limited once",
        "Answers 429 with Retry-After to the first attempt of each conversation, then echoes.",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="rate-limit",
    ),
    _model(
        "emulator/error-500",
        "Emulator: Always 500",
        "Every request fails with HTTP 500.",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="error-500",
    ),
    _model(
        "emulator/midstream-error",
        "Emulator: Mid-stream error",
        "Starts answering, then fails inside the HTTP 200 (error chunk / response.failed).",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="midstream-error",
    ),
    _model(
        "emulator/slow",
        "Emulator: Slow",
        "Echoes slowly: keep-alive comments first, then one word per tick.",
        "echo",
        ("0.0000001", "0.0000002"),
        fault="slow",
    ),
    _model(
        "emulator/image-output",
        "Emulator: Image output",
        "Echoes the last user message and, when modalities asks for images, adds a small PNG drawn from it.",
        "image",
        ("0.0000003", "0.0000025"),
        input_modalities=("text", "image"),
        output_modalities=("image", "text"),
        unit_price="0.001",
    ),
    _model(
        "emulator/audio-output",
        "Emulator: Audio output",
        "Echoes the last user message and, when modalities asks for audio, speaks it (wav, mp3 or pcm16).",
        "audio",
        ("0.0000025", "0.00001"),
        input_modalities=("text", "audio"),
        output_modalities=("text", "audio"),
        voices=("alloy", "echo", "nova"),
    ),
)

#: The built-in media models (embeddings, rerank, images, speech, transcription, video).
MEDIA_MODELS: tuple[EmulatedModel, ...] = (
    _model(
        "emulator/embedding",
        "Emulator: Embedding",
        "Unit vectors from a hashed bag of words: equal texts give equal vectors, texts sharing words "
        "are closer than unrelated ones.",
        "embedding",
        ("0.00000002", "0"),
        context_length=8192,
        output_modalities=("embeddings",),
        dimensions=384,
        supported_parameters=(),
    ),
    _model(
        "emulator/rerank",
        "Emulator: Rerank",
        "Scores documents by the words they share with the query.",
        "rerank",
        ("0.00000005", "0"),
        context_length=4096,
        output_modalities=("rerank",),
        supported_parameters=(),
    ),
    _model(
        "emulator/image-generation",
        "Emulator: Image generation",
        "Draws a small deterministic PNG (or SVG) from the prompt.",
        "image-generation",
        ("0", "0"),
        input_modalities=("text", "image"),
        output_modalities=("image",),
        unit_price="0.002",
        supported_parameters=("seed",),
    ),
    _model(
        "emulator/speech",
        "Emulator: Speech",
        "Text to speech: silent MP3 frames or a PCM tone, as long as the text takes to read.",
        "speech",
        ("0.000015", "0"),
        context_length=4096,
        output_modalities=("speech",),
        voices=("alloy", "echo", "nova"),
        supported_parameters=(),
    ),
    _model(
        "emulator/transcription",
        "Emulator: Transcription",
        "Speech to text: reads back the text the emulator's own speech carries, describes other audio.",
        "transcription",
        ("0", "0.000005"),
        input_modalities=("audio",),
        output_modalities=("transcription",),
        supported_parameters=("temperature",),
    ),
    _model(
        "emulator/video",
        "Emulator: Video",
        "Video jobs that complete after a few polls with a tiny MP4 container.",
        "video",
        ("0", "0"),
        output_modalities=("video",),
        unit_price="0.01",
        supported_parameters=("seed",),
    ),
)
