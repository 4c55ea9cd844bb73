"""The README's "What a response tells you" example runs as written (refusal, metadata, logprobs option)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_response_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    snippet = next(b for b in blocks if "r.refusal" in b and "MockTransport" in b)
    exec(compile(snippet, "README.md", "exec"), {"__name__": "readme_example"})
