"""OpenRouter plugins, server tools, and the URL citations they produce.

**Plugins** run inside OpenRouter around the model call and go in the request's ``plugins`` array
(spec ``ChatRequest.plugins``, same on both wires)::

    plugins = (FileParserPlugin(pdf_engine="mistral-ocr"), ResponseHealingPlugin())
    client = OpenRouterBuilder().with_plugins(*plugins).build()

**Server tools** are tools OpenRouter executes itself; they sit next to your function tools in
``tools``. They are plain JSON, so :class:`ServerTool` is a ``dict`` with a typed constructor and goes
anywhere a tool goes -- the builder (``with_server_tools``) or a single call
(``tools=[WebSearch(), my_tool]``)::

    response = client.complete_sync(msgs, tools=[WebSearch(max_results=3)])
    for c in citations(response):
        print(c.title, c.url)

Any server tool this module does not model passes through as raw JSON:
``ServerTool("openrouter:advisor", {...})`` or simply ``{"type": "openrouter:advisor"}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..wire.common.lenient import as_str, opt_int

if TYPE_CHECKING:
    from ..core.response import ChatResponse

__all__ = [
    "ContextCompressionPlugin",
    "CustomPlugin",
    "DatetimeTool",
    "FileParserPlugin",
    "ModerationPlugin",
    "Plugin",
    "ResponseHealingPlugin",
    "ServerTool",
    "UrlCitation",
    "UserLocation",
    "WebFetch",
    "WebPlugin",
    "WebSearch",
    "citations",
]

WebSearchEngine = Literal["auto", "native", "exa", "firecrawl", "parallel", "perplexity"]
PdfEngine = Literal["mistral-ocr", "native", "cloudflare-ai", "pdf-text"]


def _compact(pairs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in pairs.items() if v is not None}


def _strings(value: Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        raise TypeError(f"expected a list of strings, got the string {value!r}")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class UserLocation:
    """Approximate user location for location-biased search (spec ``WebSearchUserLocation``)."""

    city: str | None = None
    region: str | None = None
    country: str | None = None
    timezone: str | None = None

    def to_json(self) -> dict[str, str]:
        """The ``user_location`` object as sent (only the fields given)."""
        return {
            "type": "approximate",
            **_compact(
                {"city": self.city, "region": self.region, "country": self.country, "timezone": self.timezone}
            ),
        }


# -- plugins ---------------------------------------------------------------------------------------------
class Plugin:
    """Base of the plugin types: each has an ``id`` and compiles to one ``plugins[]`` entry."""

    __slots__ = ()
    plugin_id: ClassVar[str] = ""

    @property
    def id(self) -> str:
        """The plugin's ``id`` in ``plugins[]`` (``web``, ``file-parser``, ...)."""
        return self.plugin_id

    def settings(self) -> dict[str, Any]:
        """The plugin's own fields (besides ``id``), only those given."""
        return {}

    def to_json(self) -> dict[str, Any]:
        """The ``plugins[]`` entry as sent: ``{"id": ..., **settings}``."""
        return {"id": self.id, **self.settings()}


@dataclass(frozen=True, slots=True)
class WebPlugin(Plugin):
    """The ``web`` plugin: OpenRouter searches the web and adds the results to the prompt (spec
    ``WebSearchPlugin``).

    Prefer the :class:`WebSearch` server tool for tool-capable models: the model decides when to search.
    Results come back as URL citations (see :func:`citations`).
    """

    plugin_id: ClassVar[str] = "web"
    engine: WebSearchEngine | str | None = None
    max_results: int | None = None
    max_uses: int | None = None
    search_prompt: str | None = None
    include_domains: Sequence[str] | None = None
    exclude_domains: Sequence[str] | None = None
    mode: str | None = None
    user_location: UserLocation | None = None
    enabled: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "include_domains", _strings(self.include_domains))
        object.__setattr__(self, "exclude_domains", _strings(self.exclude_domains))

    def settings(self) -> dict[str, Any]:
        return _compact(
            {
                "enabled": self.enabled,
                "engine": self.engine,
                "max_results": self.max_results,
                "max_uses": self.max_uses,
                "search_prompt": self.search_prompt,
                "include_domains": self.include_domains,
                "exclude_domains": self.exclude_domains,
                "mode": self.mode,
                "user_location": self.user_location.to_json() if self.user_location else None,
            }
        )


@dataclass(frozen=True, slots=True)
class FileParserPlugin(Plugin):
    """``file-parser``: how PDFs are turned into text (spec ``FileParserPlugin``; reference §3.1).

    ``pdf_engine``: ``"mistral-ocr"`` (scans, paid), ``"cloudflare-ai"`` (text PDFs), ``"native"`` (the
    model reads the file itself, when it can). The parsed content comes back as ``file`` annotations on
    the answer; keep them in the conversation and OpenRouter skips re-parsing next turn
    (fixture chat-nonstream-file-annotations).
    """

    plugin_id: ClassVar[str] = "file-parser"
    pdf_engine: PdfEngine | str | None = None
    enabled: bool | None = None

    def settings(self) -> dict[str, Any]:
        return _compact(
            {"enabled": self.enabled, "pdf": {"engine": self.pdf_engine} if self.pdf_engine else None}
        )


@dataclass(frozen=True, slots=True)
class ResponseHealingPlugin(Plugin):
    """``response-healing``: OpenRouter repairs malformed JSON in non-streamed structured answers."""

    plugin_id: ClassVar[str] = "response-healing"
    enabled: bool | None = None

    def settings(self) -> dict[str, Any]:
        return _compact({"enabled": self.enabled})


@dataclass(frozen=True, slots=True)
class ContextCompressionPlugin(Plugin):
    """``context-compression``: drop the middle of an over-long prompt instead of failing.

    Endpoints with ≤ 8k context compress by default; ``ContextCompressionPlugin(enabled=False)`` turns
    that off. Replaces the legacy ``transforms: ["middle-out"]``.
    """

    plugin_id: ClassVar[str] = "context-compression"
    engine: Literal["middle-out"] | str | None = None
    enabled: bool | None = None

    def settings(self) -> dict[str, Any]:
        return _compact({"enabled": self.enabled, "engine": self.engine})


@dataclass(frozen=True, slots=True)
class ModerationPlugin(Plugin):
    """``moderation``: run OpenRouter's moderation on the request."""

    plugin_id: ClassVar[str] = "moderation"


@dataclass(frozen=True, slots=True)
class CustomPlugin(Plugin):
    """Any other plugin, as raw settings: ``CustomPlugin("auto-router", {"allowed_models": [...]})``."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool | None = None

    @property
    def id(self) -> str:
        return self.name

    def settings(self) -> dict[str, Any]:
        return {**_compact({"enabled": self.enabled}), **self.options}


# -- server tools ----------------------------------------------------------------------------------------
class ServerTool(dict[str, Any]):
    """A tool OpenRouter runs itself: ``{"type": "openrouter:...", "parameters": {...}}``.

    It *is* the JSON (a ``dict``), so it passes through both wires verbatim wherever tools are accepted.
    """

    def __init__(self, type: str, parameters: Mapping[str, Any] | None = None) -> None:
        super().__init__(type=type)
        if parameters:
            self["parameters"] = dict(parameters)

    @property
    def type(self) -> str:
        """The tool's ``type``, e.g. ``"openrouter:web_search"``."""
        return str(self["type"])


class WebSearch(ServerTool):
    """``openrouter:web_search``: the model may search the web (spec ``OpenRouterWebSearchServerTool``).

    ``engine``: ``"auto"`` (native search when the provider has it, else Exa), ``"native"``, ``"exa"``,
    ``"parallel"``, ``"perplexity"``, ``"firecrawl"`` (BYOK). ``max_results`` per search (default 5),
    ``max_total_results`` across searches, ``max_uses`` searches per request, ``max_characters`` per result,
    ``search_context_size`` ``"low"``/``"medium"``/``"high"``; ``allowed_domains`` *or* ``excluded_domains``.
    Cost shows in ``usage.cost``; citations in :func:`citations`.
    """

    def __init__(
        self,
        *,
        engine: WebSearchEngine | str | None = None,
        max_results: int | None = None,
        max_total_results: int | None = None,
        max_uses: int | None = None,
        max_characters: int | None = None,
        search_context_size: Literal["low", "medium", "high"] | None = None,
        mode: str | None = None,
        allowed_domains: Sequence[str] | None = None,
        excluded_domains: Sequence[str] | None = None,
        user_location: UserLocation | None = None,
    ) -> None:
        if allowed_domains is not None and excluded_domains is not None:
            raise ValueError(
                "WebSearch takes allowed_domains or excluded_domains, not both (spec WebSearchConfig)"
            )
        super().__init__(
            "openrouter:web_search",
            _compact(
                {
                    "engine": engine,
                    "max_results": max_results,
                    "max_total_results": max_total_results,
                    "max_uses": max_uses,
                    "max_characters": max_characters,
                    "search_context_size": search_context_size,
                    "mode": mode,
                    "allowed_domains": _strings(allowed_domains),
                    "excluded_domains": _strings(excluded_domains),
                    "user_location": user_location.to_json() if user_location else None,
                }
            ),
        )


class WebFetch(ServerTool):
    """``openrouter:web_fetch``: the model may fetch a URL (web page or PDF). Spec ``WebFetchServerTool``."""

    def __init__(
        self,
        *,
        max_uses: int | None = None,
        max_content_tokens: int | None = None,
        allowed_domains: Sequence[str] | None = None,
        blocked_domains: Sequence[str] | None = None,
        engine: str | None = None,
    ) -> None:
        super().__init__(
            "openrouter:web_fetch",
            _compact(
                {
                    "engine": engine,
                    "max_uses": max_uses,
                    "max_content_tokens": max_content_tokens,
                    "allowed_domains": _strings(allowed_domains),
                    "blocked_domains": _strings(blocked_domains),
                }
            ),
        )


class DatetimeTool(ServerTool):
    """``openrouter:datetime``: the model may ask for the current date and time (in ``timezone``)."""

    def __init__(self, *, timezone: str | None = None) -> None:
        super().__init__("openrouter:datetime", _compact({"timezone": timezone}))


# -- citations -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UrlCitation:
    """A web source the answer cites. ``start_index``/``end_index`` locate the cited span in the text part
    (0/0 when the provider does not say); ``content`` is the retrieved snippet, when sent."""

    url: str
    title: str = ""
    content: str | None = None
    start_index: int | None = None
    end_index: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _citation(annotation: Mapping[str, Any]) -> UrlCitation | None:
    if annotation.get("type") != "url_citation":
        return None
    # Chat Completions nests the fields (fixture chat-nonstream-web-search-annotations); the Responses API
    # puts them on the annotation itself (spec URLCitation).
    nested = annotation.get("url_citation")
    data: Mapping[str, Any] = nested if isinstance(nested, Mapping) else annotation
    url = as_str(data.get("url"))
    if url is None:
        return None
    return UrlCitation(
        url=url,
        title=str(data.get("title") or ""),
        content=as_str(data.get("content")),
        start_index=opt_int(data.get("start_index")),
        end_index=opt_int(data.get("end_index")),
        raw=annotation,
    )


def citations(source: ChatResponse | Iterable[Mapping[str, Any]]) -> list[UrlCitation]:
    """The URL citations of a response (or of a list of raw annotations), in order, on either wire.

    Non-URL annotations (e.g. ``file`` annotations from the file parser) are skipped; they stay
    available verbatim in ``response.annotations``.
    """
    from ..core.response import ChatResponse

    annotations = source.annotations if isinstance(source, ChatResponse) else source
    found = (_citation(a) for a in annotations if isinstance(a, Mapping))
    return [c for c in found if c is not None]
