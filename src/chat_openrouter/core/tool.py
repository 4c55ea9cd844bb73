"""Deprecated module path: tools live in :mod:`chat_openrouter.core.tools` (declarations and functions in
one room). Import ``Tool``, ``tool`` and ``ToolArgumentsError`` from there, or from ``chat_openrouter``.
"""

from __future__ import annotations

import warnings

from .approval import ApprovalStrategy
from .tools import Tool, ToolArgumentsError, format_validation_errors, parse_docstring, tool

__all__ = ["ApprovalStrategy", "Tool", "ToolArgumentsError", "format_validation_errors", "parse_docstring", "tool"]

warnings.warn(
    "chat_openrouter.core.tool is deprecated: import from chat_openrouter.core.tools (or chat_openrouter)",
    DeprecationWarning,
    stacklevel=2,
)
