"""Hypothesis's number of examples per property, by profile (registered and loaded in tests/conftest.py)."""

from __future__ import annotations

from hypothesis import settings

CI_EXAMPLES = 100
"""Hypothesis's default ``max_examples``, which the ``ci`` profile keeps: each ``examples(n)`` runs ``n`` there."""


def examples(ci: int) -> int:
    """``max_examples`` for a property that runs ``ci`` examples under the ``ci`` profile: the same share of the
    loaded profile's ``max_examples`` (a fifth in the quick loop's ``quick`` profile), at least 10.

    :param ci: the number of examples under the ``ci`` profile (``--airflow`` and ``--all-lines``, i.e. CI).
    """
    return max(10, ci * settings.default.max_examples // CI_EXAMPLES)
