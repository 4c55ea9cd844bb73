"""MCP tool listings and results as our tools and tool results: pure functions, no I/O.

What an MCP server sends is data from someone else's process, possibly written against another revision
of the spec, so everything here is lenient on read: a name our wires refuse is renamed, a schema without
``type`` is completed, a tool whose schema cannot describe an object is left out (with a warning) rather
than make every model call of the run fail with a 400, and content blocks of unknown types become a short
note instead of an exception.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ...errors import redact

if TYPE_CHECKING:
    from mcp.types import CallToolResult
    from mcp.types import Tool as MCPTool

    from ..approval import ApprovalStrategy

__all__ = [
    "MCPToolError",
    "MCPToolInfo",
    "block_text",
    "exposed_names",
    "parameters_schema",
    "result_value",
    "scrub",
    "tool_info",
]

logger = logging.getLogger("chat_openrouter")

# Our wires' function-name rule (see core.tool): OpenAI-compatible providers reject anything else, while
# MCP allows up to 128 characters including "." and "/".
_NAME_LIMIT = 64
_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
# A URL's userinfo (user:password@) and query/fragment, wherever a URL appears in a message.
_URL_SECRETS = re.compile(r"(?i)\b(https?://)(?:[^\s/@'\"<>]*@)?([^\s?#'\"<>]*)(?:[?#][^\s'\"<>]*)?")
#: How much of a foreign error message we quote.
_MESSAGE_LIMIT = 500


class MCPToolError(Exception):
    """An MCP tool call failed; ``str()`` is the message the model reads as the tool's error result.

    Never raised to your code: the engine turns it into an error result (``ToolPart.status == "failed"``).
    """


@dataclass(frozen=True, slots=True)
class MCPToolInfo:
    """A tool as an MCP server lists it: what ``allow=`` and ``approval=`` functions receive.

    ``name`` is the server's own name (before ``prefix``). The ``*_hint`` fields are the server's
    ``ToolAnnotations``; the spec calls them untrusted hints, so base approvals on them only for servers
    you trust, e.g. ``approval=lambda t: "execute" if t.read_only_hint else "require"``.
    """

    name: str
    description: str | None = None
    title: str | None = None
    input_schema: dict[str, Any] = field(default_factory=dict)
    read_only_hint: bool | None = None
    destructive_hint: bool | None = None
    idempotent_hint: bool | None = None
    open_world_hint: bool | None = None
    #: The server, as it appears in messages (URL without credentials or query, command, or object type).
    server: str = ""


def tool_info(tool: MCPTool, server: str) -> MCPToolInfo:
    """Our view of one entry of a ``tools/list`` result."""
    hints = tool.annotations
    title = tool.title or (hints.title if hints is not None else None)
    return MCPToolInfo(
        name=tool.name,
        description=tool.description,
        title=title,
        input_schema=dict(tool.input_schema),
        read_only_hint=hints.read_only_hint if hints is not None else None,
        destructive_hint=hints.destructive_hint if hints is not None else None,
        idempotent_hint=hints.idempotent_hint if hints is not None else None,
        open_world_hint=hints.open_world_hint if hints is not None else None,
        server=server,
    )


def exposed_names(names: Sequence[str], prefix: str | None) -> list[str]:
    """The names the model sees for the server tools ``names``, in the same order, unique.

    ``{prefix}_{name}``; characters our wires refuse become ``_``; a name over 64 characters is cut and
    given a digest of the original, so two long names stay distinct; a clash created by those rewrites
    (``a.b`` and ``a_b``) gets ``_2``, ``_3``... in listing order, so the naming is stable across
    reconnections while the server lists the same tools.
    """
    taken: set[str] = set()
    result: list[str] = []
    for name in names:
        base = _INVALID_NAME_CHARS.sub("_", name) or "tool"
        if prefix:
            base = f"{prefix}_{base}"
        if len(base) > _NAME_LIMIT:
            digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
            base = f"{base[: _NAME_LIMIT - 9]}_{digest}"
        candidate, counter = base, 2
        while candidate in taken:
            suffix = f"_{counter}"
            candidate = base[: _NAME_LIMIT - len(suffix)] + suffix
            counter += 1
        taken.add(candidate)
        result.append(candidate)
    return result


def parameters_schema(schema: Any) -> dict[str, Any] | None:
    """The JSON schema to declare for a tool's ``inputSchema``, or None when it cannot describe an object.

    MCP requires ``type: "object"`` at the root but servers omit it; OpenAI-compatible providers reject a
    function whose parameters are not an object schema, so a missing ``type`` (or ``properties``) is
    added and any other root type is refused.
    """
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type", "object")
    if kind != "object":
        return None
    result = {"type": "object", **schema}
    result.setdefault("properties", {})
    return result if isinstance(result["properties"], dict) else None


def select(
    infos: Iterable[MCPToolInfo], allow: frozenset[str] | Callable[[MCPToolInfo], bool] | None
) -> list[MCPToolInfo]:
    """The tools ``allow`` keeps (all of them when it is None); names it lists that the server lacks are
    logged, since a typo would otherwise silently remove a tool."""
    listed = list(infos)
    if allow is None:
        return listed
    if isinstance(allow, frozenset):
        missing = sorted(allow - {info.name for info in listed})
        if missing:
            server = listed[0].server if listed else "the MCP server"
            logger.warning("allow= names tools %s that %s does not offer", missing, server)
        return [info for info in listed if info.name in allow]
    return [info for info in listed if allow(info)]


def strategy(
    info: MCPToolInfo, approval: ApprovalStrategy | Callable[[MCPToolInfo], ApprovalStrategy | None] | None
) -> ApprovalStrategy:
    """The tool's own approval strategy (``"execute"`` unless ``approval`` says otherwise)."""
    if approval is None:
        return "execute"
    if isinstance(approval, str):
        return approval
    decided = approval(info)
    if decided is None:
        return "execute"
    if decided not in ("execute", "require", "reject"):
        raise ValueError(f"the approval function returned {decided!r} for MCP tool {info.name!r}")
    return decided


def result_value(result: CallToolResult) -> Any:
    """A ``tools/call`` result as our tool result: its text, or ``structuredContent`` when it has no content.

    Text blocks are joined by blank lines; other blocks become short bracketed notes (see
    :func:`block_text`). ``isError`` raises :class:`MCPToolError` with the same text, which the engine
    reports to the model as the call's error.
    """
    texts = [block_text(block) for block in result.content]
    if result.is_error:
        raise MCPToolError("\n\n".join(texts) or "the MCP tool reported an error without a message")
    if not texts and result.structured_content is not None:
        return result.structured_content
    return texts[0] if len(texts) == 1 else "\n\n".join(texts)


def block_text(block: Any) -> str:
    """One content block as text for the model.

    Our wires send a tool result as text, so images, audio and binary resources are not forwarded; they
    are described (type, MIME type, size) so the model knows the tool produced them. Embedded text
    resources are inlined under their URI; resource links are given by name and URI.
    """
    kind: Literal["text", "image", "audio", "resource_link", "resource"] | str = getattr(block, "type", "")
    if kind == "text":
        return str(getattr(block, "text", ""))
    if kind in ("image", "audio"):
        size = _base64_size(getattr(block, "data", ""))
        return f"[{kind} {getattr(block, 'mime_type', '')}, {size} bytes: not forwarded to the model]"
    if kind == "resource_link":
        label = getattr(block, "title", None) or getattr(block, "name", "")
        mime = getattr(block, "mime_type", None)
        return f"[resource {label} <{getattr(block, 'uri', '')}>{f' ({mime})' if mime else ''}]"
    if kind == "resource":
        contents = getattr(block, "resource", None)
        uri = getattr(contents, "uri", "")
        text = getattr(contents, "text", None)
        if isinstance(text, str):
            return f"[resource <{uri}>]\n{text}"
        mime = getattr(contents, "mime_type", None) or "binary"
        size = _base64_size(getattr(contents, "blob", ""))
        return f"[resource <{uri}>, {mime}, {size} bytes: not forwarded to the model]"
    return f"[{kind or 'unknown'} content: not forwarded to the model]"


def scrub(text: str) -> str:
    """A foreign message made safe to show: URLs lose userinfo and query string (tokens travel there),
    bearer tokens and keys are redacted, and the text is cut to a readable length."""
    text = redact(_URL_SECRETS.sub(r"\1\2", text))
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _base64_size(data: Any) -> int:
    # Decoded size from the base64 length: decoding megabytes only to count them would be wasteful.
    if not isinstance(data, str):
        return 0
    return len(data) * 3 // 4 - data[-2:].count("=")
