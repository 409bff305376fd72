"""Bad sensor input: a clear OCPInputError naming the parameter, raised before any request (emulator over sockets)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.validation import validate_positive_id


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    with OCPEmulator(delay=1.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


@pytest.mark.parametrize(
    ("kwargs", "name", "fragment"),
    [
        ({"max_delay": -1}, "max_delay", "got -1"),
        ({"max_delay": "-0.5"}, "max_delay", "got '-0.5'"),
        ({"max_delay": timedelta(seconds=-3)}, "max_delay", ">= 0"),
        ({"max_delay": "ten minutes"}, "max_delay", "'ten minutes'"),
        ({"max_delay": None}, "max_delay", "None"),
        ({"max_delay": [20]}, "max_delay", "[20]"),
        ({"target_time": "2024-08-06T00:00:00"}, "target_time", "has no timezone"),
        ({"target_time": datetime(2024, 8, 6)}, "target_time", "has no timezone"),
        ({"target_time": "next tuesday"}, "target_time", "is not an ISO-8601 time"),
        ({"tenant_ids": []}, "tenant_ids", "empty list"),
        ({"tenant_ids": ["tenant_1"]}, "tenant_ids", "'tenant_1'"),
        ({"tenant_names": []}, "tenant_names", "empty list"),
        ({"tenant_names": ["  "]}, "tenant_names", "non-empty"),
        ({"cluster_id": "cluster_1"}, "cluster_id", "positive integer"),
        ({"fail_on_status": [None]}, "fail_on_status", "None"),
    ],
)
@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_bad_input_is_refused_before_any_request(
    emu: OCPEmulator, kwargs: dict[str, Any], name: str, fragment: str, deferrable: bool
) -> None:
    arguments = {"cluster_id": emu.cluster_ids[0], "max_delay": 20, **kwargs}
    sensor = OCPLogBackupDelaySensor(task_id="gate", deferrable=deferrable, soft_fail=True, timeout=5, **arguments)
    with pytest.raises(OCPInputError) as raised:
        sensor.execute({})  # type: ignore[arg-type]
    message = str(raised.value)
    assert name in message and fragment in message
    assert isinstance(raised.value, AirflowFailException) and isinstance(raised.value, ValueError)
    assert emu.requests == []
    assert "hook" not in sensor.__dict__  # not even a hook was built


@pytest.mark.parametrize("value", [0, -2, 1.5, True, "3"])
def test_max_consecutive_failures_is_checked_when_the_dag_is_parsed(value: Any) -> None:
    with pytest.raises(OCPInputError, match="max_consecutive_failures"):
        OCPLogBackupDelaySensor(task_id="gate", cluster_id=1, max_delay=1, max_consecutive_failures=value)


def test_templated_values_are_validated_after_rendering(emu: OCPEmulator) -> None:
    """A template renders text: numeric text is a valid max_delay, and an id in text a valid cluster id."""
    sensor = OCPLogBackupDelaySensor(
        task_id="gate",
        cluster_id=str(emu.cluster_ids[0]),
        max_delay="20",
        target_time="2024-08-06 00:00:00+00:00",
        check_recoverable=False,  # the task query alone: recoverable windows are tested in test_gate_recoverable.py
    )
    verdict = sensor.check()
    assert verdict.caught_up
    assert len(emu.requests) == 1


def test_the_cluster_is_checked_and_looked_up_once_per_run(emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """execute validates; every later check sends the query built then, without checking or looking it up again."""
    import airflow_provider_ocp.log_backup.clusters as clusters
    import airflow_provider_ocp.log_backup.query as query
    import airflow_provider_ocp.log_backup.task_pages as task_pages

    checked: list[object] = []

    def spy(value: object, name: str) -> int:
        checked.append(value)
        return validate_positive_id(value, name)

    for module in (clusters, query, task_pages):
        monkeypatch.setattr(module, "validate_positive_id", spy)
    by_id = OCPLogBackupDelaySensor(task_id="gate", cluster_id=str(emu.cluster_ids[0]), max_delay=0.5)
    by_id.validate()
    assert not by_id.check().caught_up and not by_id.check().caught_up  # a delay of 1 s: two checks, both waiting
    assert checked == [str(emu.cluster_ids[0])]
    by_name = OCPLogBackupDelaySensor(task_id="gate", cluster_name="cluster_1", max_delay=0.5)
    by_name.validate()
    by_name.check(), by_name.check()
    assert len([r for r in emu.requests if r.path.endswith("/ob/clusters")]) == 1
    assert len([r for r in emu.requests if r.path.endswith("/logBackupTasks")]) == 4
