"""Authentication failures through the fault matrix's drivers: AccessKey with the worker's clock 20 minutes off,
skews that do no harm, and real wrong credentials and unknown clusters, all final."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fault_matrix_support import DRIVERS, Attempts, leftovers, run, use

from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- AccessKey with the worker's clock 20 minutes off ------------------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("skew_minutes", [20, -20])
def test_access_key_clock_skew_fails_once_naming_clock_skew(
    emu: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    skew_minutes: int,
    driver: str,
) -> None:
    use(monkeypatch, emu, "access_key")
    emu.clock_offset = timedelta(minutes=skew_minutes)  # OCP's clock ahead of (or behind) the worker's
    result = run(driver, emu, tmp_path)
    assert result.error is not None
    assert "HTTP 401" in result.error and "clock skew" in result.error and "15 minutes" in result.error
    assert len(attempts.sent) == 1
    assert [r.status for r in emu.requests] == [401]
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []


@pytest.mark.parametrize("driver", ["hook", "trigger"])
def test_skew_within_ocps_tolerance_or_with_basic_auth_is_harmless(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, driver: str
) -> None:
    emu.clock_offset = timedelta(minutes=14)
    use(monkeypatch, emu, "access_key")
    assert run(driver, emu, tmp_path).error is None
    emu.clock_offset = timedelta(hours=3)
    use(monkeypatch, emu, "basic")
    assert run(driver, emu, tmp_path).error is None


# -- real authentication and permission failures through the async side -----------------------------------------------


@pytest.mark.parametrize("driver", ["async_client", "trigger", "operator_storage", "sensor_poke"])
@pytest.mark.parametrize(
    ("case", "fix"),
    [
        ("wrong-password", "check the connection's login and password"),
        ("wrong-access-key-secret", "clock skew"),
        ("unknown-cluster", "OCP has no cluster with id 987654321 (cluster_id)"),
    ],
    ids=["wrong-password", "wrong-access-key-secret", "unknown-cluster"],
)
def test_real_auth_and_not_found_failures_are_final(
    emu: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    case: str,
    fix: str,
    driver: str,
) -> None:
    if case == "wrong-password":
        use(monkeypatch, emu, "basic", password="not-the-password")
    elif case == "wrong-access-key-secret":
        use(monkeypatch, emu, "access_key", password="not-the-secret")
    else:
        monkeypatch.setattr(type(emu), "cluster_ids", property(lambda self: [987654321]))
        if driver == "async_client":  # a bare page walk of a path: it knows of no cluster to look for
            fix = "check that the cluster (and tenant) id exists"
    result = run(driver, emu, tmp_path)
    assert result.error is not None and fix in result.error
    assert len([target for target, _ in attempts.sent if "/backup/" in target]) == 1  # then the cluster list, on a 404
    assert "not-the-password" not in result.error and "not-the-secret" not in result.error
    assert leftovers(tmp_path) == []
