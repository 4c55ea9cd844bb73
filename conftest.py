"""Docs that cannot rot: every Python block of README.md and docs/*.md runs in the test suite.

`sybil <https://sybil.readthedocs.io>`_ collects the ``python`` blocks of each page and runs them in
order, in one namespace per page -- as a reader goes through it: a block may use what an earlier one
defined. Sybil rather than pytest-examples because our pages are written that way (pytest-examples runs
each block alone), and because it has the two directives a page needs, written as HTML comments a
reader never sees:

* ``<!-- invisible-code-block: python ... -->`` -- setup a page leaves out (a file an example reads, a
  tool it assumes defined). Kept to the minimum: a block should read complete.
* ``<!-- skip: next "why" -->`` -- a block that needs what a test run has not: a real MCP server, a Ray
  cluster. Such a block is still type-checked (tests/typing/test_docs_typecheck.py).

The convention every page follows (stated in a comment at its top): examples are written as for
OpenRouter -- ``OpenRouterBuilder().with_model("openai/gpt-4o")`` with the key from the environment --
and this file's fixture runs them against the OpenRouter emulator over real loopback HTTP: it sets
``OPENROUTER_BASE_URL`` (read at ``build()`` when ``with_base_url`` is not called) and
``OPENROUTER_API_KEY``, serves every model id the page names with the emulator's reasoning model (tools,
structured output, signed reasoning), and runs the page in an empty temporary folder. No key, no network.

The shell examples of docs/cli.md run in tests/cli/test_docs.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: What the pages' model ids are served by: calls offered tools, answers JSON for a schema, reasons.
DOCS_MODEL = "emulator/reasoning"
# A quoted OpenRouter model id, e.g. "anthropic/claude-sonnet-4" or "meta-llama/llama-3.3-70b-instruct:free".
_MODEL_ID = re.compile(r'"([a-z0-9][a-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*)"')
# Model ids that name what they do are served by the emulator's model of that kind (an embedding model
# by emulator/embedding, ...); a page can also say it outright in a comment a reader never sees:
# <!-- emulator-aliases: meta-llama/llama-3.3-70b-instruct=emulator/image-output -->
_KINDS = (("embed", "emulator/embedding"), ("rerank", "emulator/rerank"), ("tts", "emulator/speech"),
          ("whisper", "emulator/transcription"), ("audio", "emulator/audio-output"),
          ("-image", "emulator/image-generation"), ("veo", "emulator/video"))
_DIRECTIVE = re.compile(r"<!--\s*emulator-aliases:(.*?)-->", re.S)


def _served_by(model: str) -> str:
    return next((target for word, target in _KINDS if word in model), DOCS_MODEL)


@pytest.fixture(scope="module")  # one per page: sybil collects a page as a module
def openrouter_emulator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The emulator on loopback, standing in for openrouter.ai while a page's examples run."""
    from chat_openrouter.testing.emulator import Emulator

    page = Path(str(request.path))
    text = page.read_text(encoding="utf-8")
    models = {m for m in _MODEL_ID.findall(text) if not m.startswith("emulator/")}
    aliases = {model: _served_by(model) for model in sorted(models)}
    for directive in _DIRECTIVE.findall(text):
        aliases.update(pair.split("=", 1) for pair in directive.split())
    emulator = Emulator(aliases=aliases)
    with emulator.loopback() as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENROUTER_BASE_URL", server.base_url)
        patch.setenv("OPENROUTER_API_KEY", "sk-or-v1-docs-examples")
        patch.chdir(tmp_path_factory.mktemp(page.stem))
        yield emulator


try:  # the test extra brings sybil; without it the pages are simply not collected
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
except ImportError:  # pragma: no cover
    pass
else:
    pytest_collect_file = Sybil(
        parsers=[PythonCodeBlockParser(), SkipParser()],
        patterns=["README.md", "docs/*.md"],
        fixtures=["openrouter_emulator"],
    ).pytest()
