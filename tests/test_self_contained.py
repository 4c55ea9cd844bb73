"""The repository stands alone: every fixture the suite reads is inside it, with its provenance."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def test_every_fixture_body_has_its_provenance_and_vice_versa() -> None:
    folder = FIXTURES / "openrouter"
    bodies = {
        p.name.rsplit(".", 1)[0]
        for p in folder.iterdir()
        if p.suffix in {".json", ".sse"} and not p.name.endswith(".meta.json")
    }
    metas = {p.name[: -len(".meta.json")] for p in folder.glob("*.meta.json")}
    assert bodies, "no fixtures found"
    assert bodies == metas
    for stem in metas:
        meta = json.loads((folder / f"{stem}.meta.json").read_text())
        assert meta.get("source") or meta.get("origin"), stem
        assert stem in (folder / "README.md").read_text(), f"{stem} is not listed in the fixtures README"


def test_the_spec_is_the_documented_upstream_document() -> None:
    spec = json.loads((FIXTURES / "spec" / "openrouter-openapi.json").read_text())
    assert spec["openapi"].startswith("3.1")
    assert len(spec["paths"]) == 73
    readme = (FIXTURES / "spec" / "README.md").read_text()
    assert "c26125a5fa92cb52ac67f0c75b717229567db716" in readme


def test_no_file_reads_outside_the_repository() -> None:
    # A path built from a parent of the repository (the workspace's `../shared`) works only on the machine
    # that has it: a newcomer's clone fails. Catch the spelling before CI's fresh clone does.
    outside = re.compile(r"""["']\.\./shared|["']shared["']\s*/|parents\[\d\]\.parent\s*/""")
    offenders = []
    for folder in ("src", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == Path(__file__).resolve():
                continue
            if outside.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"these files read outside the repository: {offenders}"


def test_recorded_payloads_are_byte_exact_copies() -> None:
    # SHA256SUMS was written when the fixtures were copied from the recordings: a hand-"fixed" payload
    # (the README forbids it) fails here.
    folder = FIXTURES / "openrouter"
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    files = {p.name for p in folder.iterdir() if p.name not in {"README.md", "SHA256SUMS"}}
    assert set(sums) == files
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
