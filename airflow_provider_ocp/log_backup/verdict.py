"""The gate's outcome: a report per unit (tenant or cluster level) and the verdict, with the sensor's XCom value.

Plain data, built by :func:`~airflow_provider_ocp.log_backup.gate.evaluate`; the sensor and the trigger turn it into
task outcomes and events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.criteria import StatusClass

UnitState = Literal["caught_up", "waiting", "failed"]
GateState = Literal["caught_up", "waiting", "failed"]


@dataclass(frozen=True)
class UnitReport:
    """The latest task of one unit, judged against the criteria.

    :param label: a human-readable name of the unit (tenant name and id, or cluster-level).
    :param state: ``caught_up``, ``waiting`` or ``failed``.
    :param reason: why, in words (for logs and messages).
    :param status: OCP's status as sent (None if absent).
    :param status_class: see :func:`classify_status`.
    :param delay: the delay in seconds (OCP's, or computed), None if unknown.
    :param delay_source: ``ocp``, ``computed`` (server time minus checkpoint) or None.
    :param checkpoint: the archive checkpoint, None if absent.
    :param error_msg: OCP's ``errorMsg``.
    :param task: the identifying OCP fields of the task (ids, ``tenantName``, ``createTime``).
    :param ambiguous: whether OCP's data leaves open which task is the unit's current one (worth a warning).
    """

    label: str
    state: UnitState
    reason: str
    status: str | None
    status_class: StatusClass
    delay: float | None
    delay_source: str | None
    checkpoint: datetime | None
    error_msg: str | None
    task: dict[str, Any]
    ambiguous: bool = False

    def to_json(self) -> dict[str, Any]:
        """This unit as XCom/event JSON: tenant, status, delay, checkpoint (ISO UTC) and OCP's identifying fields."""
        create_time = self.task.get("createTime")
        return {
            "tenant_id": self.task.get("tenantId"),
            "tenant_name": self.task.get("tenantName"),
            "status": self.status,
            "delay": self.delay,
            "delay_source": self.delay_source,
            "checkpoint": isoformat_utc(self.checkpoint) if self.checkpoint is not None else None,
            "clusterId": self.task.get("clusterId"),
            "obClusterId": self.task.get("obClusterId"),
            "tenantId": self.task.get("tenantId"),
            "obTenantId": self.task.get("obTenantId"),
            "createTime": isoformat_utc(create_time) if isinstance(create_time, datetime) else create_time,
        }


@dataclass(frozen=True)
class GateVerdict:
    """The outcome of one check.

    :param state: ``caught_up`` (go ahead), ``waiting`` (check again) or ``failed`` (fail at once).
    :param units: one report per selected unit that has a task.
    :param message: a one-line summary; for ``failed``, names tenant, status and ``errorMsg``.
    :param warnings: things worth a warning in the log (a selected tenant without a task, unknown statuses...).
    :param cluster_id: the cluster checked.
    :param server_time: OCP's clock at the check.
    :param windows: the recoverable windows read at this check, per watched tenant id (``check_recoverable``);
        None when none were read.
    """

    state: GateState
    units: tuple[UnitReport, ...]
    message: str
    warnings: tuple[str, ...] = ()
    cluster_id: int | None = None
    server_time: datetime | None = None
    windows: Mapping[int, Sequence[tuple[datetime, datetime]]] | None = None

    @property
    def caught_up(self) -> bool:
        """Whether every selected unit has caught up: the gate passes."""
        return self.state == "caught_up"

    @property
    def failed(self) -> bool:
        """Whether a selected unit is in a fail status."""
        return self.state == "failed"

    def to_xcom(self) -> dict[str, Any]:
        """The sensor's return value (see :class:`~airflow_provider_ocp.sensors.log_backup.OCPLogBackupDelaySensor`).

        ``checkpoint`` is the earliest checkpoint across units (every selected unit has archived up to it: the
        latest safe restore point); ``delay`` the largest delay. With windows read, each tenant's unit also holds
        ``recoverable_windows``: ``[{"start": ..., "end": ...}, ...]`` in ISO UTC, oldest first.
        """
        checkpoints = [unit.checkpoint for unit in self.units if unit.checkpoint is not None]
        delays = [unit.delay for unit in self.units if unit.delay is not None]
        units = [unit.to_json() for unit in self.units]
        windows = self.windows or {}
        for unit in units:
            if unit["tenant_id"] in windows:
                found = windows[unit["tenant_id"]]
                unit["recoverable_windows"] = [{"start": isoformat_utc(s), "end": isoformat_utc(e)} for s, e in found]
        return {
            "cluster_id": self.cluster_id,
            "checkpoint": isoformat_utc(min(checkpoints)) if checkpoints else None,
            "delay": max(delays) if delays else None,
            "server_time": isoformat_utc(self.server_time) if self.server_time is not None else None,
            "units": units,
        }


def log_verdict(logger: logging.Logger | Any, verdict: GateVerdict, warned: set[str] | None = None) -> None:
    """Log one line per check: the summary (a warning when it carries a warning not logged before), and any other
    warning not logged before. A failed verdict's summary is left to the caller, which raises or emits it.

    Shared by the sensor and the trigger so both write the same lines. The detail of each unit (status, delay,
    checkpoint, judgement) goes to DEBUG: the summary names every unit that holds the gate, and why.

    :param logger: where to log (a stdlib or structlog-compatible logger).
    :param verdict: the verdict to describe.
    :param warned: the warnings logged so far in this task try, updated; None logs every warning.
    """
    for unit in verdict.units:
        logger.debug(
            "%s: status %s, delay %s, checkpoint %s -> %s (%s)",
            unit.label,
            unit.status,
            "unknown" if unit.delay is None else f"{unit.delay:g}s ({unit.delay_source})",
            isoformat_utc(unit.checkpoint) if unit.checkpoint is not None else None,
            unit.state,
            unit.reason,
        )
    fresh = [warning for warning in verdict.warnings if warned is None or warning not in warned]
    if warned is not None:
        warned.update(verdict.warnings)
    for warning in fresh:
        if warning not in verdict.message or verdict.failed:  # else the summary line carries it
            logger.warning("%s", warning)
    if verdict.failed:
        return
    log = logger.warning if any(warning in verdict.message for warning in fresh) else logger.info
    if verdict.state == "waiting":
        caught_up, units = sum(unit.state == "caught_up" for unit in verdict.units), len(verdict.units)
        log("Not caught up yet: %s of %s selected unit(s) caught up. %s", caught_up, units, verdict.message)
    else:
        known = [unit for unit in verdict.units if unit.delay is not None]
        slowest = max(known, key=lambda unit: unit.delay or 0.0) if known else None
        delay = f"{slowest.delay:g}s ({slowest.delay_source})" if slowest else "unknown"
        log("%s: checkpoint %s, largest delay %s.", verdict.message, verdict.to_xcom()["checkpoint"], delay)
