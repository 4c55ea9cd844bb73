"""Make ``tests/`` importable from here (``_spec``, ``e2e._server``), as it is for the test packages.

This directory is deliberately not a package (see ``_mcp_servers``), so pytest puts only this directory on
``sys.path``; the shared helpers live one level up.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent.parent)
if _TESTS not in sys.path:
    sys.path.append(_TESTS)  # appended: never ahead of site-packages, where the SDK's `mcp` lives
