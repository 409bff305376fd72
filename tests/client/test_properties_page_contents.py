"""What a page holds: data that is not a page is refused, and tasks that differ in an identifying field are never
merged, whatever their ids hash to (property test, hypothesis).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples
from simulated_ocp_pages import TARGET

from airflow_provider_ocp.client.pagination import PageWalk, parse_page
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.log_backup.records import record_identity


def test_parse_page_refuses_non_page_data() -> None:
    for data in (None, [], "x", {"contents": "x"}, {"contents": {"a": 1}}):
        with pytest.raises(OCPAPIError):
            parse_page(data, target=TARGET)


TENANT_IDS = st.one_of(
    st.integers(-4, 4),  # hash(-1) == hash(-2)
    st.integers(-4, 4).map(lambda n: n + 2**61 - 1),  # hash() of ints is taken modulo 2**61 - 1
    st.integers(),
    st.text(max_size=3),
    st.none(),
)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(TENANT_IDS, min_size=2, max_size=30, unique=True))
def test_tasks_that_differ_in_an_identifying_field_are_never_merged(tenant_ids: list[Any]) -> None:
    """Tasks told apart by ``tenantId`` alone (a hostile server's ids: negative, huge, text, null) all come out of
    one page: none is dropped because its identity hashes like another's."""
    page = [{"clusterId": 1, "tenantId": tenant, "createTime": "2024-08-06T00:00:00+0800"} for tenant in tenant_ids]
    walk = PageWalk(page_size=len(page), max_pages=2, target=TARGET, identity=record_identity)
    data = {"contents": page, "page": {"number": 1, "size": len(page), "totalElements": len(page), "totalPages": 1}}
    assert walk.accept(parse_page(data, target=TARGET, number=1)) == page
