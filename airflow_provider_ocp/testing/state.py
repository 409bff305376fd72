"""Mutable runtime state of one emulated cluster: its timeline and the state of each unit's current task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from airflow_provider_ocp.testing.clock import to_epoch_us
from airflow_provider_ocp.testing.profiles import DelayProfile
from airflow_provider_ocp.testing.specs import ClusterSpec, TenantSpec
from airflow_provider_ocp.testing.timeline import Timeline


class UnknownClusterError(LookupError):
    """No emulated cluster has this id."""


class UnknownTenantError(LookupError):
    """The cluster has no such tenant (or is a cluster-level cluster without tenant-level tasks)."""


@dataclass
class UnitState:
    """What the current (newest) task of one unit (tenant or cluster-level unit) reports.

    :param status: ``status`` of the current task.
    :param profile: how its ``delay`` evolves.
    :param profile_since: server-elapsed seconds when the profile took effect.
    :param error_msg: ``errorMsg``; None omits the field.
    :param omit_delay: leave ``delay`` out of the record.
    """

    status: str
    profile: DelayProfile
    profile_since: float = 0.0
    error_msg: str | None = None
    omit_delay: bool = False

    def delay_at(self, elapsed: float) -> float:
        """The current delay in seconds, rounded to 4 decimals like OCP's samples.

        :param elapsed: server-elapsed seconds since the emulator started.
        """
        return round(self.profile.value_at(elapsed - self.profile_since), 4)


DEFAULT_CURRENT_STATUS = "RUNNING"
HISTORY_STATUS = "STOPPED"
_MICROSECOND = timedelta(microseconds=1)


class ClusterState:
    """One cluster at runtime.

    :param spec: the cluster's description.
    :param default_history_end: ``createTime`` of the newest history task when the spec does not set one.
    """

    def __init__(self, spec: ClusterSpec, default_history_end: datetime) -> None:
        self.spec = spec
        end_us = to_epoch_us(spec.history_end or default_history_end)
        end_us -= end_us % 1000  # whole milliseconds, so what is printed is exactly what is filtered on
        step_us = spec.interval // _MICROSECOND
        start_us = end_us - (spec.tasks - 1) * step_us if spec.tasks else end_us
        self.timeline = Timeline(base_count=spec.tasks, units=spec.units, base_start_us=start_us, step_us=step_us)
        self.units = [
            UnitState(status=DEFAULT_CURRENT_STATUS, profile=self._unit_profile(unit)) for unit in range(spec.units)
        ]

    def _unit_profile(self, unit: int) -> DelayProfile:
        tenant = self.tenant_of_unit(unit)
        return tenant.delay if tenant is not None and tenant.delay is not None else self.spec.delay

    def tenant_of_unit(self, unit: int) -> TenantSpec | None:
        """The tenant behind a unit, None for a cluster-level cluster.

        :param unit: a unit number.
        """
        if self.spec.cluster_level or not self.spec.tenants:
            return None
        return self.spec.tenants[unit]

    def unit_of_tenant(self, tenant_id: int) -> int:
        """The unit number of a tenant.

        :param tenant_id: OCP's tenant id.
        :raises UnknownTenantError: when the cluster has no such tenant or is cluster-level.
        """
        if not self.spec.cluster_level:
            for unit, tenant in enumerate(self.spec.tenants):
                if tenant.tenant_id == tenant_id:
                    return unit
        raise UnknownTenantError(f"cluster {self.spec.cluster_id} has no tenant {tenant_id} with log backup tasks")

    def units_for(self, tenant_id: int | None) -> list[int]:
        """The units addressed by an optional tenant id (None: every unit).

        :param tenant_id: OCP's tenant id or None.
        """
        return list(range(self.spec.units)) if tenant_id is None else [self.unit_of_tenant(tenant_id)]

    def current_index(self, unit: int) -> int | None:
        """The index of a unit's newest live task, None when it has none.

        :param unit: a unit number.
        """
        newest = self.timeline.view(unit).newest(1)
        return newest[0] if newest else None
