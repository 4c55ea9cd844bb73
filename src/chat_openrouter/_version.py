"""The installed version, read once from the package metadata (``pyproject.toml`` is the only source).

Looked up on first use, not at import: ``importlib.metadata`` costs more to import than the whole of
``import chat_openrouter``. Sits at the bottom of the layers with the error tree, so the transport (the
``User-Agent`` header) and the package root (``__version__``) can both read it.
"""

from __future__ import annotations

import functools

__all__ = ["DISTRIBUTION", "version"]

#: The distribution name on PyPI (the import name is ``chat_openrouter``).
DISTRIBUTION = "chat-openrouter"


@functools.cache
def version() -> str:
    """``chat-openrouter``'s version, e.g. ``"0.1.0"``; ``"0+unknown"`` when run from a source tree that
    was never installed (there is no metadata to read then)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"
