"""Property tests (hypothesis): the page walk over generated page layouts, clamps, wrong totals and drift, served by
the simulated OCP of ``simulated_ocp_pages.py``.

The property: the walk ends, returns no record twice, and returns every record present for its whole duration.
Drift is detected through ``totalElements`` (OCP always sends it), so drift is only generated when it is reported;
``MAX_PASSES`` (3) passes absorb two drift events.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples
from simulated_ocp_pages import Drift, Layout, SimulatedOCP, layouts, record, walk

from airflow_provider_ocp.client.pagination import MAX_PASSES
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.log_backup.records import record_identity


def check_every_surviving_record_once(layout: Layout) -> None:
    server = SimulatedOCP(layout)
    try:
        out, state = walk(server, layout.asked)
    except OCPAPIError as error:
        # Allowed only when drift made a page indistinguishable from an ignored ``page``: the same records as the
        # previous page with the same total (a page of tasks created and as many removed in between, by one drift or
        # by several).
        assert "ignore the page parameter" in str(error)
        (keys_before, total_before), (keys_now, total_now) = server.pages[-2:]
        assert keys_now == keys_before and total_now == total_before
        assert any(d.insert for d in layout.drifts) and any(d.remove_at for d in layout.drifts)
        return
    keys = [record_identity(r) for r in out]
    assert len(keys) == len(set(keys)), "a record was returned twice"
    assert server.present_throughout <= set(keys), "a record present for the whole walk was lost"
    assert set(keys) <= server.ever_present
    assert state.records_returned == len(keys)
    assert state.passes <= MAX_PASSES


@settings(max_examples=examples(400), deadline=None)
@given(layouts())
def test_every_surviving_record_comes_out_exactly_once(layout: Layout) -> None:
    check_every_surviving_record_once(layout)


@settings(max_examples=examples(100), deadline=None)
@given(
    records=st.integers(min_value=2, max_value=30),
    asked=st.integers(min_value=1, max_value=6),
    after=st.integers(min_value=1, max_value=4),
)
def test_a_whole_page_of_new_tasks_is_drift_not_an_ignored_page(records: int, asked: int, after: int) -> None:
    """Exactly ``size`` tasks created between two pages repeat the previous page; the moved total tells it apart."""
    layout = Layout(records, asked, None, "right", 0, 0, "totalPages", True, True, True, False)
    layout.drifts = [Drift(after, asked, [])]
    server = SimulatedOCP(layout)
    out, _ = walk(server, asked)
    keys = [record_identity(r) for r in out]
    assert len(keys) == len(set(keys))
    assert server.present_throughout <= set(keys)


@settings(max_examples=examples(150), deadline=None)
@given(layouts(with_drift=False))
def test_without_drift_the_output_is_the_data_in_order(layout: Layout) -> None:
    server = SimulatedOCP(layout)
    out, state = walk(server, layout.asked)
    assert out == [record(i) for i in range(layout.records)]
    assert state.passes == 1


@settings(max_examples=examples(150), deadline=None)
@given(layouts(with_drift=False))
def test_a_server_ignoring_page_is_refused_not_looped(layout: Layout) -> None:
    """Serving page 1 for every ``page``: fine when one page holds everything, else an OCPAPIError, never duplicates."""
    server = SimulatedOCP(layout, ignore_page=True)
    try:
        out, _ = walk(server, layout.asked)
    except OCPAPIError as error:
        assert "ignor" in str(error)
        assert server.served == 2  # found out on the second request, not after a loop
        return
    # It may only end normally when it never needed a second page: then it returned everything, once.
    assert server.served == 1
    assert out == [record(i) for i in range(layout.records)]
