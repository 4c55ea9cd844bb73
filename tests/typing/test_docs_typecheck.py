"""The README's and docs' Python examples pass ``mypy --strict`` (as run by a user: a precise
``ResponsesClient``, a typed ``response.output``, a ``Messages`` in ``response.messages``)."""

from __future__ import annotations

import pytest
from _mypy import DOCS, ROOT, check_docs

pytest.importorskip("mypy")
pytest.importorskip("sybil")


@pytest.mark.parametrize("page", [str(p.relative_to(ROOT)) for p in DOCS])
def test_the_pages_examples_type_check_under_strict_mypy(page: str) -> None:
    report = check_docs().get(page)
    errors = [f"{page}:{line}: {message}" for line, message in (report.errors if report else [])]
    assert not errors, "\n".join(errors)
