"""The README's examples stay true: the emulator snippet runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_exactly_two_setup_commands_demo_then_tests() -> None:
    block = re.search(r"## Try it.*?```bash\n(.*?)```", README.read_text(), flags=re.S)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) == 2
    assert "chat-openrouter demo" in lines[0]
    assert "pytest" in lines[1]


def test_readme_emulator_example_runs() -> None:
    snippet = next(b for b in _python_blocks() if "def test_my_agent_uses_the_weather_tool" in b)
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(snippet, "README.md", "exec"), namespace)
    namespace["test_my_agent_uses_the_weather_tool"]()  # type: ignore[operator]
