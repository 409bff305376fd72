"""Running DAGs defined inside tests under ``dag.test()``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from airflow_provider_ocp.testing import register_dag

__all__ = ["load_example", "register_dag", "validate_reschedule_start_date"]

EXAMPLES = Path(__file__).resolve().parents[1] / "example_dags"


def load_example(name: str, monkeypatch: pytest.MonkeyPatch, **environment: str) -> ModuleType:
    """Import ``example_dags/<name>.py`` as Airflow parses it, after setting the environment it reads at parse time.

    :param name: the example's module name.
    :param monkeypatch: pytest's monkeypatch, to set the environment for this test only.
    :param environment: variables the example reads (``OCP_EXTRACT_BASE_URL``...).
    """
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validate_reschedule_start_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``dag.test()`` hand a rescheduled sensor its first reschedule date as a datetime, on every Airflow line.

    ``dag.test()`` runs tasks against an in-process API client. Airflow 3.0's builds the answer with
    ``TaskRescheduleStartDate.model_construct`` (no validation), so the date stays text and a sensor's second
    reschedule fails subtracting it from a datetime; a real worker gets it validated on the way from its supervisor.
    This validates the answer here too, which changes nothing where it is already a datetime.

    :param monkeypatch: pytest's monkeypatch.
    """
    from airflow.sdk.api.client import TaskInstanceOperations

    original = TaskInstanceOperations.get_reschedule_start_date

    def validated(self: TaskInstanceOperations, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, *args, **kwargs)
        return type(answer).model_validate(answer.model_dump())

    monkeypatch.setattr(TaskInstanceOperations, "get_reschedule_start_date", validated)
