"""The emulator's time-range rules as OCP's: one bound, a reversed window, bounds that do not convert, and the maximum
range (also from the command line)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from emulator_errors_support import HISTORY_END, error_of, get, tasks_path, window

from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.testing.__main__ import main as cli_main

# -- time-range rules -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", [False, True], ids=["cluster", "tenant"])
def test_time_range_rules(emu: OCPEmulator, tenant: bool) -> None:
    path = tasks_path(emu, tenant)
    for start, end in [("2024-08-06T00:00:00Z", None), (None, "2024-08-06T00:00:00Z")]:
        error = error_of(get(emu, path, window(start, end)), 500, 10006)
        assert "target" not in error
    error_of(get(emu, path, window("2024-08-07T00:00:00Z", "2024-08-06T23:59:59Z")), 400, 10005)
    # a bound that does not convert is a 400 before any range rule, even alone
    assert error_of(get(emu, path, window("2024-08-06T00:00:00+0800", None)), 400, 0)["target"] == "startTime"
    assert get(emu, path, window("2024-08-01T00:00:00Z", "2024-08-07T00:00:00Z")).status_code == 200
    assert get(emu, path, "page=1&size=10&startTime=&endTime=").status_code == 200  # empty values: no bound


@pytest.mark.parametrize("tenant", [False, True], ids=["cluster", "tenant"])
def test_maximum_time_range(tenant: bool) -> None:
    with OCPEmulator(history_end=HISTORY_END, max_time_range=timedelta(days=1)) as emu:
        assert emu.max_time_range == timedelta(days=1)
        path = tasks_path(emu, tenant)
        assert get(emu, path, window("2024-08-05T00:00:00Z", "2024-08-06T00:00:00Z")).status_code == 200
        error = error_of(get(emu, path, window("2024-08-05T00:00:00Z", "2024-08-06T00:00:00.001Z")), 500, 10007)
        assert "too large" in error["message"]
        error_of(get(emu, path, window("2024-08-07T00:00:00Z", "2024-08-01T00:00:00Z")), 400, 10005)
        assert get(emu, path, "page=1&size=10").status_code == 200  # no window: no range to check
        emu.max_time_range = timedelta(hours=1)
        error_of(get(emu, path, window("2024-08-05T00:00:00Z", "2024-08-05T02:00:00Z")), 500, 10007)
        emu.max_time_range = None
        assert get(emu, path, window("2000-01-01T00:00:00Z", "2024-08-06T00:00:00Z")).status_code == 200


def test_maximum_time_range_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        OCPEmulator(max_time_range=timedelta(0))
    emulator = OCPEmulator()
    with pytest.raises(ValueError, match="positive"):
        emulator.max_time_range = timedelta(seconds=-1)
    assert emulator.max_time_range is None


def test_cli_rejects_a_non_positive_maximum_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli_main(["--port", "0", "--max-time-range-hours", "0"])
    assert info.value.code == 2 and "--max-time-range-hours" in capsys.readouterr().err
