"""Hypothesis's number of examples per property, by profile (registered and loaded in tests/conftest.py)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

CI_EXAMPLES = 100
"""Hypothesis's default ``max_examples``, which the ``ci`` profile keeps: each ``examples(n)`` runs ``n`` there."""


def examples(ci: int) -> int:
    """``max_examples`` for a property that runs ``ci`` examples under the ``ci`` profile: the same share of the
    loaded profile's ``max_examples`` (a fifth in the quick loop's ``quick`` profile), at least 10.

    :param ci: the number of examples under the ``ci`` profile (``--airflow`` and ``--all-lines``, i.e. CI).
    """
    return max(10, ci * settings.default.max_examples // CI_EXAMPLES)


def json_documents(keys: st.SearchStrategy[str], leaves: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Any JSON document whose objects use ``keys`` (a server's field names, so that hostile values reach the fields
    the code reads) and whose leaves are any JSON scalar or one of ``leaves`` (values that matter there).

    :param keys: the objects' member names.
    :param leaves: scalars worth trying beside random ones (statuses, timestamps).
    """
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | leaves
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4), max_leaves=12
    )
