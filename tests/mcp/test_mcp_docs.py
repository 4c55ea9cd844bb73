"""The MCP and record/replay examples of the docs run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("mcp.server.mcpserver")

DOCS = Path(__file__).resolve().parents[2] / "docs"


def python_block(doc: str, marker: str) -> str:
    """The one ```python block of ``docs/<doc>`` that contains ``marker``."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / doc).read_text(), flags=re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


def test_engine_docs_offline_mcp_example_runs() -> None:
    snippet = python_block("engine.md", "def test_my_agent_with_mcp_tools")
    namespace: dict[str, object] = {"__name__": "docs_example"}
    exec(compile(snippet, "docs/engine.md", "exec"), namespace)
    namespace["test_my_agent_with_mcp_tools"]()  # type: ignore[operator]
