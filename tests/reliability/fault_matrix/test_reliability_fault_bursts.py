"""The fault matrix: every fault the emulator can inject, through every way the provider talks to OCP (the drivers
of fault_matrix_support.py).

Three burst shapes per transient fault, with ``max_retries=2`` and tiny backoffs:

* ``short``: the fault strikes ``max_retries`` times in a row: the run succeeds, records complete, none duplicated;
* ``long``: it never stops: a clear failure naming the HTTP status (or "no HTTP response") and the traceId of the
  last attempt, after exactly ``max_retries + 1`` attempts; nothing at the operator's output path;
* final faults (4xx, HTML 200, ``successful: false`` with a 4xx, redirects): exactly one attempt, a message naming
  the fix, nothing at the output path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fault_matrix_support import (
    DRIVERS,
    FAULT_PAGE,
    MAX_RETRIES,
    POLLS,
    Attempts,
    Result,
    expected_keys,
    leftovers,
    run,
    use,
)

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


@dataclass(frozen=True)
class Fault:
    """One row of the matrix.

    :param kind: the emulator fault kind.
    :param params: its parameters.
    :param status: the HTTP status the failure must name (None: no HTTP response).
    :param fix: text the failure must contain (what is wrong or what to do).
    :param extra: connection extras this fault needs (a short read timeout for ``slow``).
    """

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    fix: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


TRANSIENT: dict[str, Fault] = {
    # Retry-After far above retry_max_wait: a run that did not cap it would hit the test timeout.
    "429-retry-after-seconds": Fault("rate_limited", {"retry_after": 30}, 429, "rate limiting"),
    "429-retry-after-http-date": Fault("rate_limited", {"retry_after": 30, "http_date": True}, 429, "rate limiting"),
    "500-json": Fault("http_error", {"status": 500}, 500, "Injected server error"),
    "502-html": Fault("http_error", {"status": 502, "body": "html"}, 502, "answered HTTP 502 with an HTML page"),
    "503-html": Fault("http_error", {"status": 503, "body": "html"}, 503, "answered HTTP 503 with an HTML page"),
    "504-json": Fault("http_error", {"status": 504}, 504, "Injected server error"),
    "200-successful-false-500": Fault("unsuccessful", {"status": 500, "message": "SQL timeout"}, 200, "SQL timeout"),
    "truncated-json": Fault("truncated_json", {}, 200, "cut short or is not valid JSON"),
    "connection-dropped-mid-body": Fault("drop_connection", {}, None, "Connection to OCP failed or was dropped"),
    # A short read timeout keeps the matrix quick; pages are 3 records, answered in milliseconds when not slowed.
    "read-timeout": Fault("slow", {"seconds": 1.0}, None, "read timeout of 0.25s", {"timeout": 0.25}),
}
FINAL: dict[str, Fault] = {
    "400": Fault("http_error", {"status": 400, "message": "bad startTime"}, 400, "check cluster id, times"),
    "401": Fault("http_error", {"status": 401, "message": "Bad credentials"}, 401, "check the connection's login"),
    "403": Fault("http_error", {"status": 403, "message": "denied"}, 403, "Read-only permission on cluster backup"),
    "404": Fault("http_error", {"status": 404, "message": "no such cluster"}, 404, "check that the cluster"),
    "html-200-wrong-url": Fault("html_200", {}, 200, "the OCP URL (host or path prefix) is probably wrong"),
    "200-successful-false-400": Fault("unsuccessful", {"status": 400, "message": "bad size"}, 200, "bad size"),
    "200-successful-false-403": Fault("unsuccessful", {"status": 403, "message": "no"}, 200, "Read-only permission"),
}


def isolated(request: pytest.FixtureRequest, shared: OCPEmulator, fault: Fault) -> OCPEmulator:
    """A private emulator for ``slow``: its sleeping handlers would log late into the shared one's request log."""
    return request.getfixturevalue("own_emu") if fault.kind == "slow" else shared


def burst(
    request: pytest.FixtureRequest,
    shared: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fault: Fault,
    driver: str,
    times: int | None,
) -> tuple[OCPEmulator, Result]:
    """Script ``fault`` on ``driver``'s fault page ``times`` times in a row (None: for good), then run ``driver``;
    returns the emulator it ran against (:func:`isolated`) and the run's result."""
    emu = isolated(request, shared, fault)
    use(monkeypatch, emu, **fault.extra)
    emu.faults.add(fault.kind, times=times, page=FAULT_PAGE[driver], **fault.params)  # type: ignore[arg-type]
    return emu, run(driver, emu, tmp_path)


# -- the matrix -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("fault_id", TRANSIENT)
def test_short_burst_is_retried_and_the_run_completes_exactly(
    emu: OCPEmulator,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    fault_id: str,
    driver: str,
) -> None:
    # Retry-After 30 s, capped by retry_max_wait (the policy tests check the waits)
    emu, result = burst(request, emu, monkeypatch, tmp_path, TRANSIENT[fault_id], driver, times=MAX_RETRIES)
    assert result.error is None, result.error
    assert result.keys is not None and len(result.keys) == len(set(result.keys)), "duplicates"
    assert sorted(result.keys) == sorted(expected_keys(driver, emu)), "records missing"
    assert len(attempts.on_page(FAULT_PAGE[driver])) == MAX_RETRIES + 1
    if driver == "operator_storage":
        assert leftovers(tmp_path) == ["out/log_backup_tasks.jsonl"]


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("fault_id", TRANSIENT)
def test_long_burst_fails_clearly_after_the_retry_budget(
    emu: OCPEmulator,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    fault_id: str,
    driver: str,
) -> None:
    fault = TRANSIENT[fault_id]
    emu, result = burst(request, emu, monkeypatch, tmp_path, fault, driver, times=None)
    assert result.error is not None and result.keys is None
    tried = attempts.on_page(FAULT_PAGE[driver])
    assert len(tried) == (MAX_RETRIES + 1) * POLLS.get(driver, 1)
    assert fault.fix in result.error
    assert f"HTTP {fault.status}" in result.error if fault.status else "no HTTP response" in result.error
    assert f"traceId {tried[-1][1]}" in result.error  # the last attempt's id, for OCP support
    if isinstance(result.exception, OCPAPIError):
        assert result.exception.retryable and result.exception.status == fault.status
    if driver == "trigger":
        assert f"{POLLS['trigger']} consecutive failed polls" in result.error
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []  # no final file and no temporary file


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("fault_id", FINAL)
def test_final_errors_are_not_retried_and_name_the_fix(
    emu: OCPEmulator, attempts: Attempts, tmp_path: Path, fault_id: str, driver: str
) -> None:
    fault = FINAL[fault_id]
    emu.faults.add(fault.kind, times=None, page=FAULT_PAGE[driver], **fault.params)  # type: ignore[arg-type]
    result = run(driver, emu, tmp_path)
    assert result.error is not None and result.keys is None
    # After a 404, the cluster list is read once, to name the clusters OCP knows: it is not a retry.
    tried = [item for item in attempts.on_page(FAULT_PAGE[driver]) if "/ob/clusters?" not in item[0]]
    assert len(tried) == 1, f"{fault_id} was retried"
    assert fault.fix in result.error
    assert f"HTTP {fault.status}" in result.error and f"traceId {tried[-1][1]}" in result.error
    if isinstance(result.exception, OCPAPIError):
        assert not result.exception.retryable
    if driver == "trigger":
        assert "non-retryable error" in result.error
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []
