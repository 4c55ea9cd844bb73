"""``chat_openrouter.transport`` loads its names lazily: the lists that name them agree, and each resolves."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys

import pytest

import chat_openrouter.transport as package


def test_all_lazy_map_and_type_checking_imports_name_the_same_things() -> None:
    typed = {
        alias.name
        for node in ast.walk(ast.parse(inspect.getsource(package)))
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }
    assert sorted(package.__all__) == sorted(package._LAZY) == sorted(typed)


@pytest.mark.parametrize("name", package.__all__)
def test_every_exported_name_resolves_to_its_module_attribute(name: str) -> None:
    module = importlib.import_module(f"chat_openrouter.transport.{package._LAZY[name]}")
    assert getattr(package, name) is getattr(module, name)


def test_importing_the_package_does_not_load_the_machinery() -> None:
    code = (
        "import sys, chat_openrouter.transport; "
        "print(sorted(m for m in sys.modules if m.endswith(('.endpoint', '.httpx_transport', '.payloads'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
