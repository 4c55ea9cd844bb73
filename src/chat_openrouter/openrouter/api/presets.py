"""Presets: save a client's settings as a preset (``POST /presets/{slug}/responses`` or
``/chat/completions``), read one (``GET /presets/{slug}``), list them (``GET /presets``).

::

    client = (OpenRouterBuilder().with_model("anthropic/claude-sonnet-4").with_reasoning(effort="low")
              .with_provider(order=["anthropic"]).build())
    preset = api.save_preset_sync("support-bot", client, system="You answer support questions.")
    later = OpenRouterBuilder().with_preset("support-bot").build()      # model, routing, prompt: server-side

Saving sends the request the client *would* send (its wire's body, through the wire's own codec) to the
preset's path for that wire; OpenRouter keeps the fields a preset can hold (model, sampling, routing,
the system prompt) and ignores the rest (spec ``createPresetsResponses``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...core.messages import Messages
from ...errors import ConfigurationError, DecodeError
from ...wire.common.lenient import as_mapping, as_str, dicts, opt_int
from ._calls import CallFlow, EndpointGroup, Get, Post, segment, unwrap_data

if TYPE_CHECKING:
    from ...wire.base import WireClient

__all__ = ["Preset", "PresetsGroup", "preset_request"]


@dataclass(frozen=True, slots=True)
class Preset:
    """A saved preset: ``config`` and ``system_prompt`` are its designated version's (when sent)."""

    slug: str
    id: str | None = None
    name: str | None = None
    description: str | None = None
    status: str | None = None
    version: int | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Preset:
        """Lenient: a preset record (spec ``presets`` examples); only ``slug`` is required."""
        slug = as_str(data.get("slug"))
        if not slug:
            raise DecodeError("a preset record needs a 'slug'", snippet=str(dict(data))[:120])
        version = as_mapping(data.get("designated_version"))
        return cls(
            slug=slug,
            id=as_str(data.get("id")),
            name=as_str(data.get("name")),
            description=as_str(data.get("description")),
            status=as_str(data.get("status")),
            version=opt_int(version.get("version")),
            config=dict(as_mapping(version.get("config"))),
            system_prompt=as_str(version.get("system_prompt")),
            raw=data,
        )


def preset_request(client: WireClient, system: str | None = None) -> tuple[str, dict[str, Any]]:
    """The path (relative to ``presets/{slug}/``) and body that save ``client``'s settings as a preset.

    The body is exactly what the client would send for a conversation of the ``system`` prompt (or a
    placeholder user turn: a chat request needs one message), encoded by the client's own wire codec.
    """
    if client.wire == "completions":
        from ...wire.completions.codec import encode_request
    else:
        from ...wire.responses.codec import encode_request
    conversation = Messages().system(system) if system else Messages().user("(preset)")
    body = encode_request(
        conversation,
        model=client.model,
        tools=list(client.server_tools) or None,
        options=client.options,
        output=None,
        stream=False,
    )
    return client.path, body


class PresetsGroup(EndpointGroup):
    """``POST /presets/{slug}/{responses|chat/completions}``, ``GET /presets/{slug}``, ``GET /presets``."""

    def _save(self, slug: str, path: str, body: dict[str, Any]) -> CallFlow[Preset]:
        answer = yield Post(f"presets/{segment(slug, 'preset slug')}/{path}", body)
        return Preset.from_json(unwrap_data(answer, "POST /presets/{slug}"))

    @staticmethod
    def _slug(slug: str) -> str:
        if not isinstance(slug, str):
            raise ConfigurationError(f"a preset slug is a string, got {slug!r}")
        return slug.removeprefix("@preset/")

    def save_preset_sync(self, slug: str, client: WireClient, *, system: str | None = None) -> Preset:
        """Save ``client``'s model, options and routing (and a ``system`` prompt) as preset ``slug``
        -- a new preset, or a new version of an existing one. Use it with ``with_preset(slug)``."""
        path, body = preset_request(client, system)
        return self._calls.run_sync(self._save(self._slug(slug), path, body))

    async def save_preset(self, slug: str, client: WireClient, *, system: str | None = None) -> Preset:
        """Async twin of :meth:`save_preset_sync`."""
        path, body = preset_request(client, system)
        return await self._calls.run(self._save(self._slug(slug), path, body))

    def _get_preset(self, slug: str) -> CallFlow[Preset]:
        answer = yield Get(f"presets/{segment(slug, 'preset slug')}")
        return Preset.from_json(unwrap_data(answer, "GET /presets/{slug}"))

    def get_preset_sync(self, slug: str) -> Preset:
        """One preset and its designated version (``GET /presets/{slug}``)."""
        return self._calls.run_sync(self._get_preset(self._slug(slug)))

    async def get_preset(self, slug: str) -> Preset:
        """Async twin of :meth:`get_preset_sync`."""
        return await self._calls.run(self._get_preset(self._slug(slug)))

    def _list_presets(self) -> CallFlow[list[Preset]]:
        answer = yield Get("presets")
        entries = answer.get("data") if isinstance(answer, Mapping) else None
        if not isinstance(entries, list):
            raise DecodeError(
                "GET /presets: expected an object with a 'data' list", snippet=str(answer)[:120]
            )
        return [Preset.from_json(e) for e in dicts(entries)]

    def list_presets_sync(self) -> list[Preset]:
        """The account's presets (``GET /presets``)."""
        return self._calls.run_sync(self._list_presets())

    async def list_presets(self) -> list[Preset]:
        """Async twin of :meth:`list_presets_sync`."""
        return await self._calls.run(self._list_presets())
