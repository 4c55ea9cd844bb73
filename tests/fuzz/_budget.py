"""Fuzz budgets: a quick run in the default suite, a long one marked ``slow``.

Every property test is parametrised with :data:`BUDGETS`; the ``long`` case is marked ``slow`` (excluded
by default) and its size comes from ``CHAT_OPENROUTER_FUZZ_EXAMPLES`` (default 2000), so CI can run a
bounded fuzz budget with::

    CHAT_OPENROUTER_FUZZ_EXAMPLES=500 python -m pytest -q -m slow tests/fuzz
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

QUICK = 40
LONG = int(os.environ.get("CHAT_OPENROUTER_FUZZ_EXAMPLES", "2000"))

BUDGETS = [
    pytest.param(QUICK, id="quick"),
    pytest.param(LONG, id="long", marks=pytest.mark.slow),
]


def fuzz_settings(examples: int, *, explore: bool | None = None) -> settings:
    # No deadline (a loaded CI machine is slow, not wrong) and no example database (no files written).
    # Quick runs are derandomized, so the default run is reproducible; the long one explores.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not (explore if explore is not None else examples >= LONG),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
