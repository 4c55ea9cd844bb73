"""``python -m chat_openrouter``: the same command line as the ``chat-openrouter`` script."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
