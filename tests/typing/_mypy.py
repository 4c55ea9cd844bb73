"""One ``mypy --strict`` run (per test process) over what a user's type checker would see: the Python
examples of README.md and docs/*.md, and the snippets of tests/typing/cases/.

A subprocess, not mypy's API: the same command a user runs, with a cache under ``.mypy_cache/`` so a
second run takes seconds. Each page becomes one module, its blocks in order (they share a namespace when
they run, see conftest.py), with a map from module lines back to the page's lines.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CASES = sorted((ROOT / "tests" / "typing" / "cases").glob("*.py"))

# --strict, plus what a page of examples needs that a module does not: a name may be reused for another
# value as a reader goes on (`client` is a mock in one section, a real client in the next), and a
# self-contained example may define its own `get_weather` again (no-redef). Ray is optional and untyped:
# its one (skipped) example is checked without its stubs.
DOC_CONFIG = """\
[mypy]
strict = True
allow_redefinition_new = True
local_partial_types = True
disable_error_code = no-redef

[mypy-ray.*]
ignore_missing_imports = True
"""
_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<message>.*)$")


@dataclass
class Report:
    """mypy's errors and notes for one checked file, by line (page lines for a doc page)."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)


def _doc_module(page: Path) -> tuple[str, list[int]]:
    """The page's Python blocks (visible or hidden, run or skipped) as one module, and each module
    line's line on the page."""
    from sybil.document import Document
    from sybil.parsers.markdown import PythonCodeBlockParser

    source: list[str] = []
    lines: list[int] = []
    for example in Document.parse(str(page), PythonCodeBlockParser()).examples():
        for n, text in enumerate(str(example.region.parsed).splitlines(), start=1):
            source.append(text)
            lines.append(example.line + n)
    return "\n".join(source) + "\n", lines


def _run(folder: Path, files: list[Path], flags: list[str]) -> str:
    command = [sys.executable, "-m", "mypy", *flags, "--no-error-summary", "--show-error-codes",
               "--cache-dir", str(ROOT / ".mypy_cache" / "examples"), *map(str, files)]  # fmt: skip
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=900)
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad flags, a crash)
        raise RuntimeError(f"mypy failed to run:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _parse(output: str) -> dict[str, Report]:
    reports: dict[str, Report] = {}
    for raw in output.splitlines():
        match = _LINE.match(raw)
        if match is None:
            continue
        report = reports.setdefault(Path(match["file"]).name, Report())
        entry = (int(match["line"]), match["message"])
        (report.errors if match["kind"] == "error" else report.notes).append(entry)
    return reports


@functools.cache
def check_docs() -> dict[str, Report]:
    """``{"README.md": Report, "docs/engine.md": Report, ...}`` with page line numbers."""
    folder = Path(tempfile.mkdtemp(prefix="docs-mypy-"))
    modules: dict[str, tuple[Path, list[int]]] = {}
    for page in DOCS:
        text, lines = _doc_module(page)
        if not lines:
            continue
        name = "doc_" + re.sub(r"\W", "_", page.stem.lower()) + ".py"
        (folder / name).write_text(text, encoding="utf-8")
        modules[name] = (page, lines)
    (folder / "mypy.ini").write_text(DOC_CONFIG)
    reports = _parse(_run(folder, [folder / name for name in modules], ["--config-file", "mypy.ini"]))
    out: dict[str, Report] = {}
    for name, (page, lines) in modules.items():
        found = reports.get(name, Report())
        where = str(page.relative_to(ROOT))
        out[where] = Report(
            [(lines[n - 1], m) for n, m in found.errors], [(lines[n - 1], m) for n, m in found.notes]
        )
    return out


@functools.cache
def check_cases() -> dict[str, Report]:
    """``{"builder_types.py": Report, ...}`` for tests/typing/cases/, checked with plain ``--strict``."""
    reports = _parse(_run(ROOT, CASES, ["--strict"]))
    return {case.name: reports.get(case.name, Report()) for case in CASES}
