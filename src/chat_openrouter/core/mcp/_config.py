"""What ``ChatBuilder.with_mcp(...)`` was given, checked at once and kept as immutable data.

Validation happens here, when the builder is called, so a typo fails at configuration time with a
:class:`~chat_openrouter.errors.ConfigurationError`, not on the first run. The ``mcp`` package is not
imported for URLs and command lines (only checked to be installed); in-process servers are ``mcp``
objects already, so checking their type imports nothing new.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union
from urllib.parse import urlsplit

from ...errors import ConfigurationError
from ._convert import MCPToolInfo

if TYPE_CHECKING:
    from mcp import StdioServerParameters
    from mcp.server import MCPServer, Server

    from ..approval import ApprovalStrategy

__all__ = ["MCPAllow", "MCPApproval", "MCPServerConfig", "MCPServerSource"]

#: What ``with_mcp`` connects to: a URL (Streamable HTTP), a command line (a string, split like a shell
#: would, or an argv list) run as a stdio subprocess, ``mcp.StdioServerParameters``, or an in-process
#: ``mcp.server.MCPServer`` / low-level ``mcp.server.Server``.
MCPServerSource = Union[str, Sequence[str], "StdioServerParameters", "MCPServer[Any]", "Server[Any]"]
#: Which tools to keep: server tool names, or a predicate over :class:`MCPToolInfo`.
MCPAllow = Union[Iterable[str], Callable[[MCPToolInfo], bool]]  # noqa: UP007
#: Each tool's own approval strategy, fixed or decided per tool from its :class:`MCPToolInfo`.
MCPApproval = Union["ApprovalStrategy", Callable[[MCPToolInfo], "ApprovalStrategy | None"]]

_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_INSTALL_HINT = 'MCP support needs the official SDK: pip install "chat-openrouter[mcp]"'


@dataclass(frozen=True)
class MCPServerConfig:
    """One ``with_mcp(...)`` call, validated. ``headers`` and ``env`` often hold secrets: never in repr."""

    kind: Literal["http", "stdio", "in_process"]
    #: The URL, the argv tuple, ``StdioServerParameters`` or the server object.
    target: Any = field(repr=False)
    #: How messages name the server: no credentials, no query string, no environment.
    label: str
    prefix: str | None = None
    allow: frozenset[str] | Callable[[MCPToolInfo], bool] | None = None
    approval: ApprovalStrategy | Callable[[MCPToolInfo], ApprovalStrategy | None] | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout: float | None = 300.0
    connect_timeout: float = 60.0

    @classmethod
    def create(
        cls,
        server: MCPServerSource,
        *,
        prefix: str | None = None,
        allow: MCPAllow | None = None,
        approval: MCPApproval | None = None,
        headers: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = 300.0,
        connect_timeout: float = 60.0,
    ) -> MCPServerConfig:
        """Check every argument of ``with_mcp``; a ``ConfigurationError`` names the first bad one."""
        if importlib.util.find_spec("mcp") is None:
            raise ConfigurationError(_INSTALL_HINT)
        kind, target, label = _classify(server)
        if headers and kind != "http":
            raise ConfigurationError("headers= applies to MCP servers reached by URL only")
        if env and kind != "stdio":
            raise ConfigurationError("env= applies to MCP servers run as a command only")
        if prefix is not None and not _PREFIX.match(prefix):
            raise ConfigurationError(
                f"MCP tool prefix {prefix!r} must be 1-32 characters from [A-Za-z0-9_-] (it becomes part "
                "of every tool name the model sees)"
            )
        if timeout is not None and not timeout > 0:
            raise ConfigurationError("timeout must be a positive number of seconds, or None for no limit")
        if not connect_timeout > 0:
            raise ConfigurationError("connect_timeout must be a positive number of seconds")
        return cls(
            kind=kind,
            target=target,
            label=label,
            prefix=prefix,
            allow=_allow(allow),
            approval=_approval(approval),
            headers=_strings(headers, "headers"),
            env=_strings(env, "env"),
            timeout=timeout,
            connect_timeout=connect_timeout,
        )


def _classify(server: Any) -> tuple[Literal["http", "stdio", "in_process"], Any, str]:
    if isinstance(server, str):
        text = server.strip()
        if not text:
            raise ConfigurationError("with_mcp needs a URL, a command line or an MCP server object, got ''")
        if text.lower().startswith(("http://", "https://")):
            parts = urlsplit(text)
            if not parts.hostname:
                raise ConfigurationError(f"MCP server URL has no host: {_url_label(text)!r}")
            return "http", text, _url_label(text)
        try:
            argv = shlex.split(text)
        except ValueError as exc:  # unbalanced quotes
            raise ConfigurationError(f"cannot split the MCP server command line: {exc}") from None
        return "stdio", tuple(argv), _command_label(argv)
    if isinstance(server, Sequence) and not isinstance(server, (bytes, bytearray)):
        argv = list(server)
        if not argv or not all(isinstance(arg, str) for arg in argv) or not argv[0]:
            raise ConfigurationError("an MCP server command is a non-empty list of strings (argv)")
        return "stdio", tuple(argv), _command_label(argv)
    module = type(server).__module__
    if module == "mcp" or module.startswith("mcp."):
        # Only reachable for objects of the installed SDK, so importing it costs nothing new here.
        from mcp import StdioServerParameters
        from mcp.server import MCPServer, Server

        if isinstance(server, StdioServerParameters):
            return "stdio", server, _command_label([server.command, *server.args])
        if isinstance(server, (MCPServer, Server)):
            return "in_process", server, f"in-process {type(server).__name__} {server.name!r}"
    raise ConfigurationError(
        "with_mcp expects a URL, a command line (string or argv list), mcp.StdioServerParameters, or an "
        f"in-process mcp.server.MCPServer / mcp.server.Server; got {type(server).__name__}"
    )


def _url_label(url: str) -> str:
    # Userinfo and query strings carry tokens in practice (?api_key=...): keep them out of every message.
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _command_label(argv: Sequence[str]) -> str:
    # The program, and its first argument when that is not an option (a script or a package name), tell
    # servers apart; later arguments are left out because they carry tokens in practice (--api-key ...).
    shown = [os.path.basename(argv[0]) or argv[0]]
    if len(argv) > 1 and not argv[1].startswith("-"):
        shown.append(os.path.basename(argv[1]) or argv[1])
    return f"command {' '.join(shown)!r}"


def _allow(allow: MCPAllow | None) -> frozenset[str] | Callable[[MCPToolInfo], bool] | None:
    if allow is None:
        return None
    if isinstance(allow, str):
        return frozenset([allow])  # one name, not its characters
    if callable(allow):
        return allow
    names = list(allow)
    if not all(isinstance(name, str) for name in names):
        raise ConfigurationError("allow= takes MCP tool names (strings) or a function of MCPToolInfo")
    return frozenset(names)


def _approval(approval: MCPApproval | None) -> ApprovalStrategy | Callable[[MCPToolInfo], Any] | None:
    if approval is None or callable(approval):
        return approval
    if approval not in ("execute", "require", "reject"):
        raise ConfigurationError(
            f"approval= must be 'execute', 'require', 'reject' or a function of MCPToolInfo, got {approval!r}"
        )
    return approval


def _strings(values: Mapping[str, str] | None, what: str) -> dict[str, str]:
    if values is None:
        return {}
    result = dict(values)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in result.items()):
        raise ConfigurationError(f"{what}= maps strings to strings")
    return result
