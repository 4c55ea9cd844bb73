"""docs/openrouter-features.md stays true: its runnable examples run (offline, in order, in one namespace),
and its coverage table lists every path of the spec, once, with method names that exist."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from _spec import spec_paths
from chat_openrouter import CompletionsClient, OpenRouterAPI, ResponsesClient

DOC = Path(__file__).resolve().parents[2] / "docs" / "openrouter-features.md"
ROW = re.compile(r"^\| `(?P<path>/[^`]*)` \| (?P<methods>[A-Z, ]+) \| (?P<coverage>.+) \|$", re.M)
_HTTP = ("get", "post", "put", "patch", "delete")


def _table() -> dict[str, tuple[str, str]]:
    section = DOC.read_text().split("## 11. Coverage", 1)[1]
    rows: dict[str, tuple[str, str]] = {}
    for match in ROW.finditer(section):
        assert match["path"] not in rows, f"{match['path']} is listed twice"
        rows[match["path"]] = (match["methods"], match["coverage"])
    return rows


def test_the_coverage_table_lists_every_spec_path_with_its_methods() -> None:
    rows = _table()
    paths = spec_paths()
    assert len(paths) == 73
    assert set(rows) == set(paths), {"missing": set(paths) - set(rows), "extra": set(rows) - set(paths)}
    for path, operations in paths.items():
        methods = ", ".join(m.upper() for m in operations if m in _HTTP)
        assert rows[path][0] == methods, path


def test_typed_rows_name_real_methods_with_sync_twins_and_the_rest_go_through_request() -> None:
    for path, (_, coverage) in _table().items():
        kind = coverage.split(":", 1)[0]
        assert kind in ("typed", "generic", "not applicable") or coverage.startswith("generic for"), path
        if kind != "typed":
            continue
        for name in re.findall(r"`([a-z_]+)`", coverage):
            owner = (
                OpenRouterAPI
                if hasattr(OpenRouterAPI, name)
                else next(c for c in (ResponsesClient, CompletionsClient) if hasattr(c, name))
            )
            if name != "authorization_url":  # pure: builds a URL, no I/O, no twin needed
                assert hasattr(owner, f"{name}_sync"), (path, name)
    assert hasattr(OpenRouterAPI, "request") and hasattr(OpenRouterAPI, "request_sync")


def _runnable_blocks() -> list[str]:
    return re.findall(r"```python runnable\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_runnable_examples_run_offline(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _runnable_blocks()
    assert len(blocks) >= 10
    namespace: dict[str, object] = {"__name__": "openrouter_features_doc"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an example that triggers a warning is a wrong example
        for index, block in enumerate(blocks):
            exec(compile(block, f"{DOC.name}[runnable {index}]", "exec"), namespace)
    assert "sk-or-v1-" not in capsys.readouterr().out.replace("sk-or-v1-...", "")
