"""``chat_openrouter.openrouter`` loads its names lazily: the three lists that name them must agree."""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

import chat_openrouter.openrouter as package


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
    module = importlib.import_module(f"chat_openrouter.openrouter.{package._LAZY[name]}")
    assert getattr(package, name) is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        package.Nope  # noqa: B018
