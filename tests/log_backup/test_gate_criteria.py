"""Unit tests of the log backup gate's criteria: built from the operator's parameters (refused naming the parameter),
and carried through JSON to the trigger."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from gate_task_support import crit

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.log_backup.criteria import DEFAULT_FAIL_ON_STATUS, GateCriteria, validate_max_delay


def test_criteria_round_trip_through_json() -> None:
    criteria = GateCriteria.build(
        max_delay=timedelta(minutes=2),
        tenant_ids=[2001, "2002"],
        tenant_names=["sales"],
        target_time="2024-08-06T08:00:00+08:00",
        fail_on_status=["failed", "Interrupted"],
    )
    data = json.loads(json.dumps(criteria.to_dict()))
    assert data == {
        "max_delay": 120.0,
        "tenant_ids": [2001, 2002],
        "tenant_names": ["sales"],
        "target_time": "2024-08-06T00:00:00Z",
        "fail_on_status": ["FAILED", "INTERRUPTED"],
        "wait_for_missing_tenants": False,
        "check_recoverable": True,
    }
    assert GateCriteria.from_dict(data) == criteria
    default = GateCriteria.build(max_delay="30")
    assert GateCriteria.from_dict(json.loads(json.dumps(default.to_dict()))) == default
    assert default.fail_on_status == DEFAULT_FAIL_ON_STATUS and default.tenant_ids is None


@pytest.mark.parametrize(
    ("value", "seconds"), [(0, 0.0), (20, 20.0), (2.5, 2.5), ("15", 15.0), (" 1.5 ", 1.5), (timedelta(minutes=1), 60.0)]
)
def test_max_delay_accepted(value: Any, seconds: float) -> None:
    assert validate_max_delay(value) == seconds


@pytest.mark.parametrize(
    "value",
    [-1, -0.5, "-3", "abc", "", None, True, float("nan"), float("inf"), [20], timedelta(seconds=-1), 10**400],
)
def test_max_delay_refused(value: Any) -> None:
    with pytest.raises(OCPInputError, match="max_delay"):
        validate_max_delay(value)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"tenant_ids": []}, "tenant_ids"),
        ({"tenant_ids": ()}, "tenant_ids"),
        ({"tenant_ids": ["abc"]}, "tenant_ids"),
        ({"tenant_ids": [0]}, "tenant_ids"),
        ({"tenant_names": []}, "tenant_names"),
        ({"tenant_names": [""]}, "tenant_names"),
        ({"tenant_names": [3]}, "tenant_names"),
        ({"target_time": "2024-08-06T00:00:00"}, "target_time"),
        ({"target_time": datetime(2024, 8, 6)}, "target_time"),
        ({"target_time": "yesterday"}, "target_time"),
        ({"target_time": 1722902400}, "target_time"),
        ({"fail_on_status": [""]}, "fail_on_status"),
    ],
)
def test_bad_criteria_name_the_parameter(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(OCPInputError, match=name):
        crit(**kwargs)


def test_single_values_are_accepted_for_lists() -> None:
    criteria = crit(tenant_ids=2001, tenant_names="sales", fail_on_status="FAILED")
    assert criteria.tenant_ids == (2001,) and criteria.tenant_names == ("sales",)
    assert criteria.fail_on_status == ("FAILED",)


@pytest.mark.parametrize("rendered", [None, "", "None", "  "])
def test_a_target_time_template_rendering_an_absent_value_means_no_target(rendered: object) -> None:
    """``target_time="{{ params.restore_point }}"`` renders "None" when the DAG param is left empty: the sensor (the
    adapter) reads that as absent; the domain's criteria take plain values."""
    from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor

    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=1, max_delay=60, target_time=rendered)  # type: ignore[arg-type]
    assert sensor.validate().target_time is None


def test_the_criteria_refuse_the_text_none_as_a_target_time() -> None:
    with pytest.raises(OCPInputError, match="target_time"):
        GateCriteria.build(max_delay=60, target_time="None")
