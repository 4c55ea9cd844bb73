"""docs/testing-with-the-emulator.md stays true: its examples run, its coverage table matches the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from _spec import spec_paths
from chat_openrouter.testing.emulator import Emulator

from ._emu import raw_client

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing-with-the-emulator.md"


def _runnable_blocks() -> list[str]:
    # The complete examples: they import the emulator themselves and leave nothing out ("...").
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    return [b for b in blocks if "import Emulator" in b and "..." not in b and "Emulator(" in b]


@pytest.mark.parametrize("block", _runnable_blocks(), ids=lambda b: b.strip().splitlines()[-1][:40])
def test_the_docs_examples_run(block: str) -> None:
    exec(compile(block, str(DOC), "exec"), {"__name__": "emulator_docs_example"})


def test_there_are_runnable_examples() -> None:
    assert len(_runnable_blocks()) >= 3


def test_the_coverage_table_matches_the_spec_and_the_emulator() -> None:
    rows = re.findall(r"^\| `(/[^`]*)` \| ([A-Z, ]+) \| (yes|no|partly)", DOC.read_text(), flags=re.M)
    paths = spec_paths()
    assert [path for path, _, _ in rows] == list(paths)  # every path, in the spec's order
    with raw_client(Emulator()) as client:  # the index lists every route the emulator serves
        routes = client.get("/").json()["endpoints"]
    served = {re.sub(r"\{[^}]+\}", "{}", t) for t in routes}
    for path, methods, state in rows:
        expected = [m.upper() for m in paths[path] if m in ("get", "post", "put", "patch", "delete")]
        assert methods.split(", ") == expected, path
        emulated = [m for m in expected if f"{m} {re.sub(r'{[^}]+}', '{}', path)}" in served]
        assert state == ("yes" if emulated == expected else "partly" if emulated else "no"), path
    assert sum(state == "yes" for _, _, state in rows) == 31
