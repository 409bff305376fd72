"""What "caught up" means for the log backup gate: status classes and the validated criteria.

The criteria are built once on the worker (:meth:`GateCriteria.build` validates user input, naming the parameter)
and travel to the triggerer as a JSON dict (:meth:`GateCriteria.to_dict` / :meth:`GateCriteria.from_dict`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.validation import coerce_instant, validate_positive_id

T = TypeVar("T")

StatusClass = Literal["healthy", "starting", "stopped", "failed", "unknown"]

STATUS_CLASSES: dict[str, StatusClass] = {
    "RUNNING": "healthy",
    "INPROGRESS": "healthy",
    "DOING": "healthy",
    "BEGINNING": "starting",
    "STARTING": "starting",
    "STOPPING": "stopped",
    "STOPPED": "stopped",
    "FAILED": "failed",
    "INTERRUPTED": "failed",
}
DEFAULT_FAIL_ON_STATUS: tuple[str, ...] = ("FAILED", "INTERRUPTED", "STOPPED", "STOPPING")


def classify_status(status: object) -> StatusClass:
    """Classify an OCP log backup status; values this provider does not know are ``unknown``.

    :param status: the task's ``status`` as OCP sent it (any case), or None.
    """
    if not isinstance(status, str):
        return "unknown"
    return STATUS_CLASSES.get(status.strip().upper(), "unknown")


def _as_list(value: object) -> list[Any]:
    if isinstance(value, str | int):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return list(value)
    return [value]


def validate_max_delay(value: object) -> float:
    """Return ``max_delay`` in seconds: a non-negative number, numeric text (templates render text) or timedelta.

    :param value: what the DAG author gave, after template rendering.
    """
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool) or not isinstance(value, int | float | str):
        raise OCPInputError(
            f"max_delay must be a number of seconds or a timedelta (e.g. 300 or timedelta(minutes=5)); got {value!r}."
        )
    else:
        try:
            seconds = float(value)
        except (ValueError, OverflowError):  # OverflowError: an int past what a float holds (10**400)
            raise OCPInputError(
                f"max_delay must be a number of seconds or a timedelta (e.g. 300); got {str(value)[:40]!r}."
            ) from None
    if not math.isfinite(seconds) or seconds < 0:
        raise OCPInputError(f"max_delay must be a finite number of seconds >= 0; got {value!r}.")
    return seconds


def _tenant_selection(value: object, name: str, what: str, check: Callable[[object], T]) -> tuple[T, ...] | None:
    """None (every tenant), or the listed tenants, each checked, without repeats; an empty list is an error."""
    if value is None:
        return None
    items = _as_list(value)
    if not items:
        raise OCPInputError(f"{name} is an empty list; give at least one {what}, or None for all tenants.")
    return tuple(dict.fromkeys(check(item) for item in items))


def _tenant_id(item: object) -> int:
    return validate_positive_id(item, "tenant_ids")


def _tenant_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise OCPInputError(f"tenant_names must hold non-empty tenant names (text); got {name!r}.")
    return name.strip()


def _validate_fail_on_status(value: object) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_FAIL_ON_STATUS
    statuses = _as_list(value)
    for status in statuses:
        if not isinstance(status, str) or not status.strip():
            raise OCPInputError(f"fail_on_status must hold OCP status names such as 'FAILED'; got {status!r}.")
    return tuple(dict.fromkeys(status.strip().upper() for status in statuses))


def resolve_check_recoverable(check_recoverable: object, target_time: object) -> bool:
    """``check_recoverable`` as a bool, by the rule the sensor's ``check_recoverable`` parameter states
    (:class:`~airflow_provider_ocp.sensors.log_backup.OCPLogBackupDelaySensor`); an error names both parameters.

    :param check_recoverable: None, True or False.
    :param target_time: ``target_time`` (rendered, or as written: only whether it is None counts).
    """
    if check_recoverable is None:
        return target_time is not None
    if not isinstance(check_recoverable, bool):
        raise OCPInputError(f"check_recoverable must be True, False or None; got {check_recoverable!r}.")
    if check_recoverable and target_time is None:
        raise OCPInputError(
            "check_recoverable=True needs target_time: the recoverable window is checked for the restore point "
            "target_time names. Give target_time, or leave check_recoverable unset."
        )
    return check_recoverable


@dataclass(frozen=True)
class GateCriteria:
    """What "caught up" means; build it with :meth:`build` (validates) or :meth:`from_dict` (the trigger's form).

    :param max_delay: the largest acceptable log archive delay, in seconds.
    :param tenant_ids: OCP tenant ids to watch; None (with ``tenant_names`` None) watches every unit.
    :param tenant_names: tenant names to watch; a tenant is selected if its id or its name is listed.
    :param target_time: if set, every checkpoint must also be at or after this instant (the restore point).
    :param fail_on_status: upper-case statuses that fail the gate at once.
    :param wait_for_missing_tenants: keep waiting for a selected tenant OCP has no log backup task for, instead of
        failing at once (a mistyped tenant never appears; a tenant whose log backup has not started yet may).
    :param check_recoverable: also require ``target_time`` inside every watched tenant's recoverable window
        (:mod:`~airflow_provider_ocp.log_backup.recoverable`); resolved by :meth:`build`, never None here.
    """

    max_delay: float
    tenant_ids: tuple[int, ...] | None = None
    tenant_names: tuple[str, ...] | None = None
    target_time: datetime | None = None
    fail_on_status: tuple[str, ...] = DEFAULT_FAIL_ON_STATUS
    wait_for_missing_tenants: bool = False
    check_recoverable: bool = False

    @classmethod
    def build(
        cls,
        *,
        max_delay: object,
        tenant_ids: object = None,
        tenant_names: object = None,
        target_time: object = None,
        fail_on_status: object = None,
        wait_for_missing_tenants: object = False,
        check_recoverable: object = None,
    ) -> GateCriteria:
        """Validate user input (after template rendering); each error names its parameter.

        :param max_delay: seconds (number or numeric text) or a timedelta, >= 0.
        :param tenant_ids: None, or a non-empty list of positive ids (one id is accepted too).
        :param tenant_names: None, or a non-empty list of names (one name is accepted too).
        :param target_time: None, an aware datetime or ISO-8601 text with an offset.
        :param fail_on_status: statuses failing the gate; None for :data:`DEFAULT_FAIL_ON_STATUS`.
        :param wait_for_missing_tenants: a bool: wait for selected tenants OCP has no task for, instead of failing.
        :param check_recoverable: see :func:`resolve_check_recoverable`.
        """
        if not isinstance(wait_for_missing_tenants, bool):
            raise OCPInputError(f"wait_for_missing_tenants must be True or False; got {wait_for_missing_tenants!r}.")
        return cls(
            check_recoverable=resolve_check_recoverable(check_recoverable, target_time),
            max_delay=validate_max_delay(max_delay),
            tenant_ids=_tenant_selection(tenant_ids, "tenant_ids", "OCP tenant id", _tenant_id),
            tenant_names=_tenant_selection(tenant_names, "tenant_names", "tenant name", _tenant_name),
            target_time=None if target_time is None else coerce_instant(target_time, "target_time"),
            fail_on_status=_validate_fail_on_status(fail_on_status),
            wait_for_missing_tenants=wait_for_missing_tenants,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable form passed to the trigger (times as ISO-8601 UTC text)."""
        return {
            "max_delay": self.max_delay,
            "tenant_ids": list(self.tenant_ids) if self.tenant_ids is not None else None,
            "tenant_names": list(self.tenant_names) if self.tenant_names is not None else None,
            "target_time": isoformat_utc(self.target_time) if self.target_time is not None else None,
            "fail_on_status": list(self.fail_on_status),
            "wait_for_missing_tenants": self.wait_for_missing_tenants,
            "check_recoverable": self.check_recoverable,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateCriteria:
        """Rebuild (and re-validate) criteria from :meth:`to_dict` output.

        :param data: the dict form.
        """
        return cls.build(
            max_delay=data["max_delay"],
            tenant_ids=data.get("tenant_ids"),
            tenant_names=data.get("tenant_names"),
            target_time=data.get("target_time"),
            fail_on_status=data.get("fail_on_status"),
            wait_for_missing_tenants=data.get("wait_for_missing_tenants", False),
            # absent from an earlier release's trigger, which did not read windows: keep it that way
            check_recoverable=data.get("check_recoverable", False),
        )

    @property
    def filtered(self) -> bool:
        """Whether only some tenants are selected."""
        return self.tenant_ids is not None or self.tenant_names is not None


def event_criteria(
    threshold: float, tenant_ids: Iterable[int] | None, tenant_names: Iterable[str] | None
) -> GateCriteria:
    """The gate's criteria for the backup events (:mod:`~airflow_provider_ocp.log_backup.event_reading`):
    ``max_delay`` the threshold, no status fails (a stop is an event, not a verdict), a watched tenant without tasks
    is waited for.

    :param threshold: ``max_delay`` in seconds.
    :param tenant_ids: watched tenant ids, or None.
    :param tenant_names: watched tenant names, or None.
    """
    return GateCriteria.build(
        max_delay=threshold,
        tenant_ids=None if tenant_ids is None else list(tenant_ids),
        tenant_names=None if tenant_names is None else list(tenant_names),
        fail_on_status=[],
        wait_for_missing_tenants=True,
    )
