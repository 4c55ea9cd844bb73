"""The capability pre-flight: refuse a request the model cannot serve, before sending it.

``OpenRouterBuilder().with_capability_check()``: when a request uses function tools, structured output or
reasoning and the model's ``supported_parameters`` (from the cached ``GET /models``) lack them, the call
raises :class:`~chat_openrouter.errors.ModelCapabilityError` instead of being silently downgraded or
rejected upstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ModelCapabilityError

if TYPE_CHECKING:
    from .api import OpenRouterAPI
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
        if model and needs:
            self._verify(model, needs, self._api.get_model_sync(model))

    async def acheck(self, body: Mapping[str, Any]) -> None:
        """Async twin of :meth:`check`: the catalogue is fetched without blocking the event loop."""
        model = _checked_model(body)
        needs = required_capabilities(body) if model else {}
        if model and needs:
            self._verify(model, needs, await self._api.get_model(model))

    @staticmethod
    def _verify(model: str, needs: Mapping[str, str], info: ModelInfo | None) -> None:
        if info is None:
            return
        missing = _missing(info, needs)
        if missing:
            raise ModelCapabilityError(model, missing, sorted(info.supported_parameters))

    def __repr__(self) -> str:
        return "CapabilityCheck()"
