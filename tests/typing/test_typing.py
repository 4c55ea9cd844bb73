"""What a strict user's type checker sees: each snippet of cases/ is checked with ``mypy --strict`` and
every ``reveal_type`` must reveal the type its ``# R:`` comment names, every ``# E:`` line must be the
error it names, and nothing else may be reported."""

from __future__ import annotations

import re

import pytest
from _mypy import CASES, check_cases

pytest.importorskip("mypy")

_EXPECT = re.compile(r"#\s*(?P<kind>[RE]):\s*(?P<what>.+?)\s*$")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_types_are_what_the_comments_say(case: object) -> None:
    from pathlib import Path

    assert isinstance(case, Path)
    report = check_cases()[case.name]
    revealed = {line: m.removeprefix("Revealed type is ").strip('"') for line, m in report.notes if m.startswith("Revealed")}
    errors = {line: m for line, m in report.errors}
    problems: list[str] = []
    expected_lines: set[int] = set()
    for number, text in enumerate(case.read_text().splitlines(), start=1):
        match = _EXPECT.search(text)
        if match is None:
            continue
        expected_lines.add(number)
        if match["kind"] == "R":
            if revealed.get(number) != match["what"]:
                problems.append(f"line {number}: expected {match['what']!r}, revealed {revealed.get(number)!r}")
        elif f"[{match['what']}]" not in errors.get(number, ""):
            problems.append(f"line {number}: expected error [{match['what']}], got {errors.get(number)!r}")
    problems += [f"line {n}: unexpected error: {m}" for n, m in errors.items() if n not in expected_lines]
    assert not problems, "\n".join(problems)
