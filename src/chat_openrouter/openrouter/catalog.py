"""The model catalogue (``GET /models``), typed, and the optional capability pre-flight check.

::

    models = client.list_models_sync()          # cached for an hour (OpenRouterBuilder.with_catalog)
    sonnet = client.get_model_sync("anthropic/claude-sonnet-4")
    print(sonnet.context_length, sonnet.pricing.prompt * 1_000_000, sonnet.supports("tools"))

Prices are :class:`~decimal.Decimal` **USD per token**, exactly as the API's decimal strings say
(reference §10.1): multiply by 1,000,000 for the familiar per-million figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..errors import ModelCapabilityError
from ..wire.common.lenient import as_mapping, as_str, opt_bool, opt_float, opt_int, strings

if TYPE_CHECKING:
    from ..transport.wire_client import WireClient

__all__ = [
    "CapabilityCheck",
    "ModelArchitecture",
    "ModelCapabilityError",
    "ModelInfo",
    "ModelPricing",
    "ReasoningSupport",
    "TopProvider",
    "parse_models",
    "required_capabilities",
]


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


_PRICE_FIELDS = (
    "prompt",
    "completion",
    "request",
    "image",
    "audio",
    "web_search",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
)


@dataclass(frozen=True, slots=True)
class ModelPricing:
    """USD **per token** (``prompt``, ``completion``, cache reads/writes, ``internal_reasoning``) or per unit
    (``request``, ``image``, ``audio``, ``web_search``), as exact decimals; ``None`` when not listed.

    ``other`` holds any newer price fields; ``overrides`` the conditional tiers verbatim (e.g. a higher
    price above 200k prompt tokens; fixture models-list-truncated).
    """

    prompt: Decimal | None = None
    completion: Decimal | None = None
    request: Decimal | None = None
    image: Decimal | None = None
    audio: Decimal | None = None
    web_search: Decimal | None = None
    internal_reasoning: Decimal | None = None
    input_cache_read: Decimal | None = None
    input_cache_write: Decimal | None = None
    input_cache_write_1h: Decimal | None = None
    discount: float | None = None
    other: Mapping[str, Decimal] = field(default_factory=dict)
    overrides: Sequence[Mapping[str, Any]] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelPricing:
        """Lenient: from a ``pricing`` object of decimal strings; unparsable prices read as None."""
        known = {name: _decimal(data.get(name)) for name in _PRICE_FIELDS}
        other: dict[str, Decimal] = {}
        for key, value in data.items():
            if key not in _PRICE_FIELDS and key not in ("overrides", "discount"):
                number = _decimal(value)
                if number is not None:
                    other[key] = number
        overrides = data.get("overrides")
        return cls(
            **known,
            discount=opt_float(data.get("discount")),
            other=other,
            overrides=tuple(o for o in overrides if isinstance(o, Mapping))
            if isinstance(overrides, list)
            else (),
        )

    @property
    def is_free(self) -> bool:
        """True when both prompt and completion tokens cost nothing (``:free`` variants)."""
        return self.prompt == 0 and self.completion == 0


@dataclass(frozen=True, slots=True)
class ModelArchitecture:
    """What goes in and comes out: ``input_modalities`` such as ``text``, ``image``, ``file``, ``audio``."""

    modality: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    tokenizer: str | None = None
    instruct_type: str | None = None


@dataclass(frozen=True, slots=True)
class TopProvider:
    """Limits of the model's primary provider."""

    context_length: int | None = None
    max_completion_tokens: int | None = None
    is_moderated: bool | None = None


@dataclass(frozen=True, slots=True)
class ReasoningSupport:
    """The model's reasoning knobs (reference §3.4), when the catalogue lists them."""

    mandatory: bool | None = None
    supported_efforts: tuple[str, ...] = ()
    default_effort: str | None = None
    default_enabled: bool | None = None
    supports_max_tokens: bool | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model of ``GET /models``. ``raw`` keeps the whole entry (benchmarks, links, ...) verbatim."""

    id: str
    name: str = ""
    canonical_slug: str | None = None
    description: str = ""
    created: int | None = None
    context_length: int | None = None
    architecture: ModelArchitecture = field(default_factory=ModelArchitecture)
    pricing: ModelPricing = field(default_factory=ModelPricing)
    top_provider: TopProvider = field(default_factory=TopProvider)
    supported_parameters: frozenset[str] = frozenset()
    default_parameters: Mapping[str, Any] = field(default_factory=dict)
    reasoning: ReasoningSupport | None = None
    knowledge_cutoff: str | None = None
    expiration_date: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelInfo:
        """Lenient: unknown fields are kept in ``raw``, missing ones default; only ``id`` is required."""
        arch = as_mapping(data.get("architecture"))
        top = as_mapping(data.get("top_provider"))
        reasoning = data.get("reasoning")
        return cls(
            id=str(data["id"]),
            name=as_str(data.get("name")) or "",
            canonical_slug=as_str(data.get("canonical_slug")),
            description=as_str(data.get("description")) or "",
            created=opt_int(data.get("created")),
            context_length=opt_int(data.get("context_length")),
            architecture=ModelArchitecture(
                modality=as_str(arch.get("modality")),
                input_modalities=strings(arch.get("input_modalities")),
                output_modalities=strings(arch.get("output_modalities")),
                tokenizer=as_str(arch.get("tokenizer")),
                instruct_type=as_str(arch.get("instruct_type")),
            ),
            pricing=ModelPricing.from_json(as_mapping(data.get("pricing"))),
            top_provider=TopProvider(
                context_length=opt_int(top.get("context_length")),
                max_completion_tokens=opt_int(top.get("max_completion_tokens")),
                is_moderated=opt_bool(top.get("is_moderated")),
            ),
            supported_parameters=frozenset(strings(data.get("supported_parameters"))),
            default_parameters=dict(as_mapping(data.get("default_parameters"))),
            reasoning=_reasoning(reasoning) if isinstance(reasoning, Mapping) else None,
            knowledge_cutoff=as_str(data.get("knowledge_cutoff")),
            expiration_date=as_str(data.get("expiration_date")),
            raw=data,
        )

    def supports(self, parameter: str) -> bool:
        """Whether ``parameter`` (``tools``, ``structured_outputs``, ``reasoning``, ...) is supported."""
        return parameter in self.supported_parameters

    @property
    def supports_tools(self) -> bool:
        """Whether the model takes function tools."""
        return self.supports("tools")

    @property
    def supports_structured_outputs(self) -> bool:
        """Whether the model takes a JSON-schema structured output."""
        return self.supports("structured_outputs")

    @property
    def supports_reasoning(self) -> bool:
        """Whether the model takes a reasoning configuration (listed as either parameter name)."""
        return self.supports("reasoning") or self.supports("include_reasoning")

    @property
    def input_modalities(self) -> tuple[str, ...]:
        """What the model reads: ``text``, ``image``, ``file``, ``audio``, ``video``."""
        return self.architecture.input_modalities

    @property
    def output_modalities(self) -> tuple[str, ...]:
        """What the model produces: ``text``, ``image``, ``audio``."""
        return self.architecture.output_modalities


def _reasoning(data: Mapping[str, Any]) -> ReasoningSupport:
    return ReasoningSupport(
        mandatory=opt_bool(data.get("mandatory")),
        supported_efforts=strings(data.get("supported_efforts")),
        default_effort=as_str(data.get("default_effort")),
        default_enabled=opt_bool(data.get("default_enabled")),
        supports_max_tokens=opt_bool(data.get("supports_max_tokens")),
    )


def parse_models(body: Any) -> list[ModelInfo]:
    """Decode a ``GET /models`` body (``{"data": [...]}``); entries without an ``id`` are skipped."""
    entries = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(entries, list):
        return []
    return [
        ModelInfo.from_json(e) for e in entries if isinstance(e, Mapping) and isinstance(e.get("id"), str)
    ]


def lookup(models: Mapping[str, ModelInfo], model_id: str) -> ModelInfo | None:
    """Find ``model_id`` in a catalogue; a variant (``x/y:free``, ``:nitro``) falls back to its base."""
    found = models.get(model_id)
    if found is None and ":" in model_id:
        found = models.get(model_id.split(":", 1)[0])
    return found


# -- capability pre-flight -------------------------------------------------------------------------------
def _format_type(fmt: Any) -> str | None:
    return fmt.get("type") if isinstance(fmt, Mapping) and isinstance(fmt.get("type"), str) else None


def required_capabilities(body: Mapping[str, Any]) -> dict[str, str]:
    """The ``supported_parameters`` an encoded request body needs, each with the reason (either wire).

    Function tools need ``tools`` (server tools run inside OpenRouter and need nothing);
    a ``json_schema`` output needs ``structured_outputs`` and ``json_object`` needs ``response_format``
    (Chat ``response_format`` / Responses ``text.format``); enabled reasoning needs ``reasoning``.
    """
    needs: dict[str, str] = {}
    tools = body.get("tools")
    if isinstance(tools, list):
        functions = [t for t in tools if isinstance(t, Mapping) and t.get("type") == "function"]
        if functions:
            needs["tools"] = f"{len(functions)} function tool{'s' if len(functions) > 1 else ''}"
    text = body.get("text")
    fmt = _format_type(body.get("response_format")) or _format_type(
        text.get("format") if isinstance(text, Mapping) else None
    )
    if fmt == "json_schema":
        needs["structured_outputs"] = "a JSON-schema structured output"
    elif fmt == "json_object":
        needs["response_format"] = "JSON mode"
    reasoning = body.get("reasoning")
    if (
        isinstance(reasoning, Mapping)
        and reasoning.get("effort") != "none"
        and reasoning.get("enabled") is not False
    ):
        needs["reasoning"] = f"reasoning {dict(reasoning)}"
    return needs


def _missing(info: ModelInfo, needs: Mapping[str, str]) -> dict[str, str]:
    missing = {}
    for param, why in needs.items():
        ok = info.supports_reasoning if param == "reasoning" else info.supports(param)
        if not ok:
            missing[param] = why
    return missing


def _checked_model(body: Mapping[str, Any]) -> str | None:
    model = body.get("model")
    # Presets and routers resolve server-side: there is nothing to check against before sending.
    if not isinstance(model, str) or model.startswith("@preset/") or body.get("preset"):
        return None
    return model


class CapabilityCheck:
    """Fails fast with :class:`ModelCapabilityError` when the request's model lacks a capability it uses.

    Installed by ``OpenRouterBuilder().with_capability_check()``; it runs on every encoded request,
    before anything is sent. The catalogue comes from the client's cached ``list_models`` (one
    ``GET /models`` per TTL). Models missing from the catalogue (new, private, routers) are let through:
    OpenRouter itself is then the judge. Only the primary ``model`` is checked, not fallback ``models``.
    """

    def check(self, client: WireClient, body: Mapping[str, Any]) -> None:
        """Raise :class:`ModelCapabilityError` if ``body``'s model lacks what it uses (sync calls)."""
        model = _checked_model(body)
        needs = required_capabilities(body) if model else {}
        if model and needs:
            self._verify(model, needs, client.get_model_sync(model))

    async def acheck(self, client: WireClient, body: Mapping[str, Any]) -> None:
        """Async twin of :meth:`check`: the catalogue is fetched without blocking the event loop."""
        model = _checked_model(body)
        needs = required_capabilities(body) if model else {}
        if model and needs:
            self._verify(model, needs, await client.get_model(model))

    @staticmethod
    def _verify(model: str, needs: Mapping[str, str], info: ModelInfo | None) -> None:
        if info is None:
            return
        missing = _missing(info, needs)
        if missing:
            raise ModelCapabilityError(model, missing, sorted(info.supported_parameters))

    def __repr__(self) -> str:
        return "CapabilityCheck()"
