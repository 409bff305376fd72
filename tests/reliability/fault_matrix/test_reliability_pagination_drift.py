"""Pagination drift and quirks through the fault matrix's drivers: tasks created or removed between pages, wrong
page counts, a clamped size, and a server ignoring ``page``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fault_matrix_support import DRIVERS, PAGE_SIZE, POLLS, Attempts, expected_keys, leftovers, run

from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- pagination drift and quirks -----------------------------------------------------------------------------------


PAGINATION: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "tasks-created-between-pages": [("insert_tasks", {"count": 2, "page": 1})],
    "a-whole-page-created-between-pages": [("insert_tasks", {"count": PAGE_SIZE, "page": 1})],
    "newest-tasks-removed-between-pages": [("remove_tasks", {"count": 2, "newest": True, "page": 1})],
    "oldest-tasks-removed-between-pages": [("remove_tasks", {"count": 2, "newest": False, "page": 2})],
    "created-and-removed": [
        ("insert_tasks", {"count": 1, "page": 1}),
        ("remove_tasks", {"count": 1, "newest": False, "page": 2}),
    ],
    "total-pages-too-large": [("wrong_total_pages", {"delta": 3, "times": None})],
    "total-pages-too-small": [("wrong_total_pages", {"delta": -2, "times": None})],
    "total-pages-says-one": [("wrong_total_pages", {"value": 1, "times": None})],
    "size-clamped-below-request": [("clamp_size", {"max_size": 2, "times": None})],
}
IGNORED_PAGE: dict[str, dict[str, Any]] = {"page-ignored": {}, "page-ignored-number-echoed": {"echo_page": True}}
SNAPSHOT_DRIVERS = ("sensor_poke", "trigger")


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("case", PAGINATION)
def test_pagination_drift_and_quirks_give_every_surviving_record_once(
    own_emu: OCPEmulator, tmp_path: Path, case: str, driver: str
) -> None:
    cluster = own_emu.cluster_ids[0]
    before = set(expected_keys("hook", own_emu))
    for kind, params in PAGINATION[case]:
        params = dict(params)
        times = params.pop("times", 1)
        if driver in SNAPSHOT_DRIVERS:
            params.pop("page", None)
            if kind != "clamp_size":  # one 2000-record page: make it several so drift can strike between them
                own_emu.faults.add("clamp_size", times=None, max_size=PAGE_SIZE)
        own_emu.faults.add(kind, times=times, **params)  # type: ignore[arg-type]
    result = run(driver, own_emu, tmp_path)
    assert result.error is None, result.error
    assert result.keys is not None and len(result.keys) == len(set(result.keys)), "duplicates"
    if driver in SNAPSHOT_DRIVERS:
        # The gate sees each tenant once, with its current (RUNNING) task.
        assert sorted(result.keys) == sorted((t, "RUNNING") for t in own_emu.tenant_ids(cluster))
        return
    survivors = before & set(expected_keys("hook", own_emu))
    assert survivors <= set(result.keys), f"lost {len(survivors - set(result.keys))} record(s)"
    if driver == "operator_storage":
        assert leftovers(tmp_path) == ["out/log_backup_tasks.jsonl"]


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("case", IGNORED_PAGE)
def test_a_server_ignoring_page_fails_instead_of_looping_or_duplicating(
    own_emu: OCPEmulator, attempts: Attempts, tmp_path: Path, case: str, driver: str
) -> None:
    if driver in SNAPSHOT_DRIVERS:
        own_emu.faults.add("clamp_size", times=None, max_size=PAGE_SIZE)
    own_emu.faults.add("ignore_page", times=None, **IGNORED_PAGE[case])  # type: ignore[arg-type]
    result = run(driver, own_emu, tmp_path)
    assert result.error is not None and "ignor" in result.error and "page" in result.error
    assert len(attempts.sent) <= 2 * POLLS.get(driver, 1) + 3  # found out at once (read-ahead may add a few)
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []
