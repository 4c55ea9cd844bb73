"""The README's setup instructions stay two commands. (Its Python examples run as tests through sybil --
conftest.py at the repository root -- and are type-checked by tests/typing/test_docs_typecheck.py.)"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_has_exactly_two_setup_commands_demo_then_tests() -> None:
    block = re.search(r"## Try it.*?```bash\n(.*?)```", README.read_text(), flags=re.S)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) == 2
    assert "chat-openrouter demo" in lines[0]
    assert "pytest" in lines[1]
