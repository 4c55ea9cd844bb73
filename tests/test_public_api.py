"""The public surface is curated: `__all__` is complete, resolvable, and sync/async twins match."""

from __future__ import annotations

import inspect
import subprocess
import sys

import chat_openrouter


def test_all_names_resolve() -> None:
    for name in chat_openrouter.__all__:
        assert getattr(chat_openrouter, name) is not None, name


def test_all_is_sorted_and_unique() -> None:
    names = list(chat_openrouter.__all__)
    assert len(names) == len(set(names))
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))


def test_public_classes_are_exported() -> None:
    # Every public class defined in the package's public modules is reachable from the top level.
    exported = {getattr(chat_openrouter, n) for n in chat_openrouter.__all__}
    from chat_openrouter import errors

    for name in errors.__all__:
        obj = getattr(errors, name)
        if (
            inspect.isclass(obj)
            and obj.__module__ == "chat_openrouter.errors"
            and name
            not in ("ConnectionError", "TimeoutError", "PayloadTooLargeError", "UnprocessableEntityError")
        ):
            assert obj in exported, name


def _twins(cls: type) -> list[tuple[str, str]]:
    # Every public `x_sync` method has an async twin `x` with the same parameters (httpx-style pairing).
    names = [n for n in dir(cls) if n.endswith("_sync") and not n.startswith("_")]
    return [(n.removesuffix("_sync"), n) for n in names if hasattr(cls, n.removesuffix("_sync"))]


def test_sync_and_async_signatures_match() -> None:
    classes = (
        chat_openrouter.ResponsesClient,
        chat_openrouter.CompletionsClient,
        chat_openrouter.Chat,
        chat_openrouter.OpenRouterAPI,
    )
    for cls in classes:
        pairs = _twins(cls)
        assert len(pairs) >= 2, cls
        for async_name, sync_name in pairs:
            a = inspect.signature(getattr(cls, async_name))
            s = inspect.signature(getattr(cls, sync_name))
            assert list(a.parameters) == list(s.parameters), (cls, async_name)
            assert [p.default for p in a.parameters.values()] == [p.default for p in s.parameters.values()]


def test_import_is_cheap_and_offline() -> None:
    code = (
        "import sys, chat_openrouter; print(any(m.startswith(('httpx2', 'pydantic')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_version_is_read_from_the_package_metadata_on_first_use() -> None:
    from importlib.metadata import version

    code = (
        "import sys, chat_openrouter; loaded = 'importlib.metadata' in sys.modules; "
        "print(loaded, chat_openrouter.__version__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", version("chat-openrouter")]


def test_user_agent_names_the_installed_version() -> None:
    from chat_openrouter.transport.endpoint import user_agent

    assert user_agent() == f"chat-openrouter/{chat_openrouter.__version__} (python)"
