"""The capability pre-flight: refuse a request the model cannot serve, before sending it.

``OpenRouterBuilder().with_capability_check()``: when a request uses function tools, structured output or
reasoning and the model's ``supported_parameters`` (from the cached ``GET /models``) lack them, the call
raises :class:`~chat_openrouter.errors.ModelCapabilityError` instead of being silently downgraded or
rejected upstream.

The catalogue lists what *any* provider of a model supports. When a request narrows the providers --
``provider.only``, an ``order`` without fallbacks, ``ignore``, ``quantizations`` -- or asks that one
provider support everything (``require_parameters``), the check reads the model's endpoints
(``GET /models/{author}/{slug}/endpoints``, cached like the catalogue) instead: at least one eligible
provider must support every capability the request uses. It does the same for a model the catalogue
does not list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ModelCapabilityError

if TYPE_CHECKING:
    from .api import OpenRouterAPI
    from .api.discovery import ModelEndpoint, ModelEndpoints
    from .api.models import ModelInfo

__all__ = ["CapabilityCheck", "ModelCapabilityError", "required_capabilities"]


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


def _supports(params: frozenset[str], param: str) -> bool:
    # Reasoning is listed under either name (catalogue and endpoints alike).
    return param in params or (param == "reasoning" and "include_reasoning" in params)


def _missing(params: frozenset[str], needs: Mapping[str, str]) -> dict[str, str]:
    return {param: why for param, why in needs.items() if not _supports(params, param)}


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _narrowed(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The request's provider preferences when they narrow who may serve it (then endpoints decide)."""
    provider = body.get("provider")
    if not isinstance(provider, Mapping):
        return None
    pinned = _names(provider.get("order")) and provider.get("allow_fallbacks") is False
    narrowing = provider.get("only") or provider.get("ignore") or provider.get("quantizations")
    if pinned or narrowing or provider.get("require_parameters") is True:
        return provider
    return None


def _eligible(endpoints: ModelEndpoints, provider: Mapping[str, Any] | None) -> list[ModelEndpoint]:
    """The endpoints the request's provider preferences allow (all of them without preferences)."""
    eligible = list(endpoints.endpoints)
    if provider is None:
        return eligible
    only = _names(provider.get("only"))
    if only:
        eligible = [e for e in eligible if any(e.matches(p) for p in only)]
    order = _names(provider.get("order"))
    if order and provider.get("allow_fallbacks") is False:
        eligible = [e for e in eligible if any(e.matches(p) for p in order)]
    ignore = _names(provider.get("ignore"))
    eligible = [e for e in eligible if not any(e.matches(p) for p in ignore)]
    quantizations = _names(provider.get("quantizations"))
    if quantizations:
        eligible = [e for e in eligible if e.quantization in quantizations]
    return eligible


def _checked_model(body: Mapping[str, Any]) -> str | None:
    model = body.get("model")
    # Presets and routers resolve server-side: there is nothing to check against before sending.
    if not isinstance(model, str) or model.startswith("@preset/") or body.get("preset"):
        return None
    return model


class CapabilityCheck:
    """Fails fast with :class:`ModelCapabilityError` when the request's model lacks a capability it uses.

    A :class:`~chat_openrouter.wire.base.RequestCheck`: ``OpenRouterBuilder().with_capability_check()``
    gives one to the client's constructor, and it runs on every encoded request, before anything is
    sent. The catalogue comes from ``api`` (the client's endpoint: one cached ``GET /models`` per TTL,
    shared with ``OpenRouterAPI(client)``). Models missing from the catalogue (new, private, routers)
    are let through: OpenRouter itself is then the judge. Only the primary ``model`` is checked, not
    fallback ``models``.
    """

    def __init__(self, api: OpenRouterAPI) -> None:
        self._api = api

    def check(self, body: Mapping[str, Any]) -> None:
        """Raise :class:`ModelCapabilityError` if ``body``'s model lacks what it uses (sync calls)."""
        model = _checked_model(body)
        needs = required_capabilities(body) if model else {}
        if not model or not needs:
            return
        provider = _narrowed(body)
        info = None if provider is not None else self._api.get_model_sync(model)
        if info is not None:
            self._verify(model, needs, info)
        else:
            self._verify_endpoints(model, needs, provider, self._api.get_model_endpoints_sync(model))

    async def acheck(self, body: Mapping[str, Any]) -> None:
        """Async twin of :meth:`check`: the catalogue is fetched without blocking the event loop."""
        model = _checked_model(body)
        needs = required_capabilities(body) if model else {}
        if not model or not needs:
            return
        provider = _narrowed(body)
        info = None if provider is not None else await self._api.get_model(model)
        if info is not None:
            self._verify(model, needs, info)
        else:
            self._verify_endpoints(model, needs, provider, await self._api.get_model_endpoints(model))

    @staticmethod
    def _verify(model: str, needs: Mapping[str, str], info: ModelInfo) -> None:
        missing = _missing(info.supported_parameters, needs)
        if missing:
            raise ModelCapabilityError(model, missing, sorted(info.supported_parameters))

    @staticmethod
    def _verify_endpoints(
        model: str, needs: Mapping[str, str], provider: Mapping[str, Any] | None, found: ModelEndpoints | None
    ) -> None:
        eligible = _eligible(found, provider) if found is not None else []
        if not eligible:
            return  # unknown model, or no provider left: OpenRouter itself is the judge
        if any(not _missing(e.supported_parameters, needs) for e in eligible):
            return
        # Name what the closest provider lacks, and what the eligible providers support between them.
        closest = min(eligible, key=lambda e: len(_missing(e.supported_parameters, needs)))
        union = frozenset().union(*(e.supported_parameters for e in eligible))
        names = ", ".join(sorted({e.tag or e.provider_name for e in eligible}))
        error = ModelCapabilityError(model, _missing(closest.supported_parameters, needs), sorted(union))
        error.message = (
            f"no provider the request allows ({names}) serves {model!r} with everything it uses: "
            + error.message
        )
        error.args = (error.message,)
        raise error

    def __repr__(self) -> str:
        return "CapabilityCheck()"
