"""Image generation (``POST /images``) and the image models (``GET /images/models``, their endpoints).

::

    result = api.generate_images_sync("a lighthouse at dusk", model="google/gemini-2.5-flash-image",
                                      aspect_ratio="16:9", n=2)
    for index, image in enumerate(result.images):          # FileParts with the bytes and MIME type
        Path(f"lighthouse-{index}.png").write_bytes(image.data)
    print(result.usage.cost)

Chat models that draw (``modalities=["image", "text"]``, see ``OpenRouterBuilder.with_image_output``)
return their pictures as :class:`~chat_openrouter.FilePart`\\ s of the answer instead.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ...core.media import sniff_image
from ...core.parts import FilePart
from ...errors import ConfigurationError, DecodeError
from ...transport.base import header
from ...wire.common.lenient import as_mapping, as_str, dicts, opt_bool, opt_int, strings
from ..routing import ProviderPreferences
from ._calls import CallFlow, EndpointGroup, Get, Post, segment
from ._media import b64_bytes, media_reference, tokens, usage_cost

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "ImageEndpoint",
    "ImageGeneration",
    "ImageModel",
    "ImageUsage",
    "ImagesGroup",
    "decode_images",
    "image_request",
]

ImageFormat = Literal["png", "jpeg", "webp", "svg"]
_MAX_REFERENCES = 16  # spec ImageGenerationRequest.input_references maxItems


@dataclass(frozen=True, slots=True)
class ImageUsage:
    """Tokens and USD credits of an image generation (None when the server did not say)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cost: Decimal | None = None
    is_byok: bool | None = None


@dataclass(frozen=True, slots=True)
class ImageGeneration:
    """The generated images, as :class:`~chat_openrouter.FilePart`\\ s holding their bytes."""

    images: tuple[FilePart, ...]
    created: int | None = None
    usage: ImageUsage = field(default_factory=ImageUsage)
    generation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ImageModel:
    """One model of ``GET /images/models``; ``supported_parameters`` maps each knob to its allowed values."""

    id: str
    name: str = ""
    description: str = ""
    created: int | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    supported_parameters: Mapping[str, Any] = field(default_factory=dict)
    supports_streaming: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImageModel:
        """Lenient: unknown fields stay in ``raw``; only ``id`` is required."""
        arch = as_mapping(data.get("architecture"))
        return cls(
            id=str(data["id"]),
            name=as_str(data.get("name")) or "",
            description=as_str(data.get("description")) or "",
            created=opt_int(data.get("created")),
            input_modalities=strings(arch.get("input_modalities")),
            output_modalities=strings(arch.get("output_modalities")),
            supported_parameters=dict(as_mapping(data.get("supported_parameters"))),
            supports_streaming=opt_bool(data.get("supports_streaming")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class ImageEndpoint:
    """One provider serving an image model (``GET /images/models/{author}/{slug}/endpoints``)."""

    provider_name: str
    provider_slug: str | None = None
    supported_parameters: Mapping[str, Any] = field(default_factory=dict)
    supports_streaming: bool | None = None
    pricing: tuple[Mapping[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def image_request(
    prompt: str,
    *,
    model: str,
    n: int | None = None,
    aspect_ratio: str | None = None,
    size: str | None = None,
    resolution: str | None = None,
    quality: str | None = None,
    background: str | None = None,
    output_format: ImageFormat | None = None,
    output_compression: int | None = None,
    seed: int | None = None,
    input_references: Sequence[FilePart | str] | None = None,
    provider: ProviderPreferences | None = None,
) -> dict[str, Any]:
    """The ``POST /images`` body (spec ``ImageGenerationRequest``); fields left None are not sent."""
    if not isinstance(model, str) or not model:
        raise ConfigurationError("generate_images needs a model, e.g. model='google/gemini-2.5-flash-image'")
    if not isinstance(prompt, str) or not prompt:
        raise ConfigurationError("generate_images needs a non-empty prompt")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ConfigurationError(f"n must be a positive integer, got {n!r}")
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    optional = {
        "n": n,
        "aspect_ratio": aspect_ratio,
        "size": size,
        "resolution": resolution,
        "quality": quality,
        "background": background,
        "output_format": output_format,
        "output_compression": output_compression,
        "seed": seed,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    if input_references:
        if len(input_references) > _MAX_REFERENCES:
            raise ConfigurationError(
                f"at most {_MAX_REFERENCES} input references, got {len(input_references)}"
            )
        refs = [media_reference(r, f"input_references[{i}]") for i, r in enumerate(input_references)]
        if any(r["type"] != "image_url" for r in refs):
            raise ConfigurationError("input_references of an image generation are images")
        body["input_references"] = refs
    if provider is not None:
        body["provider"] = provider.to_json()
    return body


def _image(entry: Mapping[str, Any], index: int, fmt: str | None) -> FilePart:
    url = as_str(entry.get("url"))
    if entry.get("b64_json") is None and url:
        return FilePart.from_url(url, mime_type=as_str(entry.get("media_type")))
    data = b64_bytes(entry.get("b64_json"), f"POST /images data[{index}].b64_json")
    mime = (
        as_str(entry.get("media_type"))
        or sniff_image(data)
        or (mimetypes.guess_type(f"image.{fmt}")[0] if fmt else None)
        or "application/octet-stream"
    )
    return FilePart.from_bytes(data, mime)


def decode_images(body: Any, headers: Mapping[str, str], output_format: str | None = None) -> ImageGeneration:
    """A ``POST /images`` answer: each ``b64_json`` decoded into a file part, typed by its media type."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, list):
        raise DecodeError("POST /images: expected an object with a 'data' list", snippet=str(body)[:120])
    images = tuple(_image(as_mapping(e), i, output_format) for i, e in enumerate(data))
    usage = as_mapping(body.get("usage"))
    cost, byok = usage_cost(usage)
    return ImageGeneration(
        images=images,
        created=opt_int(body.get("created")),
        usage=ImageUsage(
            prompt_tokens=tokens(usage, "prompt_tokens"),
            completion_tokens=tokens(usage, "completion_tokens"),
            total_tokens=tokens(usage, "total_tokens"),
            cost=cost,
            is_byok=byok,
        ),
        generation_id=header(headers, "x-generation-id"),
    )


def _model_path(model_id: str) -> str:
    author, sep, slug = model_id.partition("/")
    if not sep:
        raise ConfigurationError(f"a model id is 'author/slug', got {model_id!r}")
    return f"{segment(author, 'model author')}/{segment(slug.split(':', 1)[0], 'model slug')}"


class ImagesGroup(EndpointGroup):
    """``POST /images``, ``GET /images/models`` and ``GET /images/models/{author}/{slug}/endpoints``."""

    def _generate(self, body: dict[str, Any]) -> CallFlow[ImageGeneration]:
        answer, headers = yield Post("images", body, with_headers=True)
        return decode_images(answer, headers, body.get("output_format"))

    def generate_images_sync(
        self,
        prompt: str,
        *,
        model: str,
        n: int | None = None,
        aspect_ratio: str | None = None,
        size: str | None = None,
        resolution: str | None = None,
        quality: str | None = None,
        background: str | None = None,
        output_format: ImageFormat | None = None,
        output_compression: int | None = None,
        seed: int | None = None,
        input_references: Sequence[FilePart | str] | None = None,
        provider: ProviderPreferences | None = None,
    ) -> ImageGeneration:
        """Generate ``n`` images from ``prompt`` with an image model (``POST /images``).

        ``aspect_ratio`` (``"16:9"``...), ``size``, ``resolution`` (``"1K"``...), ``quality``,
        ``background``, ``output_format`` and ``seed`` are passed when given -- which ones a model
        honours is in :meth:`list_image_models_sync`. ``input_references`` are images to edit or
        draw from (URLs or file parts). The images come back as file parts with their bytes.
        """
        body = image_request(
            prompt, model=model, n=n, aspect_ratio=aspect_ratio, size=size, resolution=resolution,
            quality=quality, background=background, output_format=output_format,
            output_compression=output_compression, seed=seed, input_references=input_references,
            provider=provider,
        )  # fmt: skip
        return self._calls.run_sync(self._generate(body))

    async def generate_images(
        self,
        prompt: str,
        *,
        model: str,
        n: int | None = None,
        aspect_ratio: str | None = None,
        size: str | None = None,
        resolution: str | None = None,
        quality: str | None = None,
        background: str | None = None,
        output_format: ImageFormat | None = None,
        output_compression: int | None = None,
        seed: int | None = None,
        input_references: Sequence[FilePart | str] | None = None,
        provider: ProviderPreferences | None = None,
    ) -> ImageGeneration:
        """Async twin of :meth:`generate_images_sync`."""
        body = image_request(
            prompt, model=model, n=n, aspect_ratio=aspect_ratio, size=size, resolution=resolution,
            quality=quality, background=background, output_format=output_format,
            output_compression=output_compression, seed=seed, input_references=input_references,
            provider=provider,
        )  # fmt: skip
        return await self._calls.run(self._generate(body))

    def _image_models(self) -> CallFlow[list[ImageModel]]:
        body = yield Get("images/models")
        entries = body.get("data") if isinstance(body, Mapping) else None
        return [
            ImageModel.from_json(e)
            for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, Mapping) and isinstance(e.get("id"), str)
        ]

    def list_image_models_sync(self) -> list[ImageModel]:
        """The image generation models (``GET /images/models``) and the parameters each takes."""
        return self._calls.run_sync(self._image_models())

    async def list_image_models(self) -> list[ImageModel]:
        """Async twin of :meth:`list_image_models_sync`."""
        return await self._calls.run(self._image_models())

    def _image_endpoints(self, model_id: str) -> CallFlow[list[ImageEndpoint]]:
        body = yield Get(f"images/models/{_model_path(model_id)}/endpoints")
        # Not wrapped in `data` (spec ImageModelEndpointsResponse); accept a wrapped answer too.
        data = as_mapping(body)
        data = as_mapping(data.get("data")) if "endpoints" not in data else data
        return [
            ImageEndpoint(
                provider_name=as_str(e.get("provider_name")) or "",
                provider_slug=as_str(e.get("provider_slug")),
                supported_parameters=dict(as_mapping(e.get("supported_parameters"))),
                supports_streaming=opt_bool(e.get("supports_streaming")),
                pricing=tuple(dicts(e.get("pricing"))),
                raw=e,
            )
            for e in dicts(data.get("endpoints"))
        ]

    def list_image_model_endpoints_sync(self, model_id: str) -> list[ImageEndpoint]:
        """The providers serving an image model, with their prices and parameters."""
        return self._calls.run_sync(self._image_endpoints(model_id))

    async def list_image_model_endpoints(self, model_id: str) -> list[ImageEndpoint]:
        """Async twin of :meth:`list_image_model_endpoints_sync`."""
        return await self._calls.run(self._image_endpoints(model_id))
