"""Test-facing controls over the emulated data: inspect clusters, change current tasks, add and remove tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow_provider_ocp.testing.dataset import Dataset
from airflow_provider_ocp.testing.profiles import DelayProfile
from airflow_provider_ocp.testing.specs import ClusterSpec


class DataControls:
    """Methods :class:`~airflow_provider_ocp.testing.OCPEmulator` offers over its :class:`Dataset`.

    Every method is thread-safe and takes effect for the next request.
    """

    dataset: Dataset

    @property
    def clusters(self) -> list[ClusterSpec]:
        """The emulated clusters' descriptions."""
        return self.dataset.cluster_specs

    @property
    def cluster_ids(self) -> list[int]:
        """The emulated clusters' ids."""
        return [spec.cluster_id for spec in self.clusters]

    def tenant_ids(self, cluster_id: int) -> list[int]:
        """A cluster's tenant ids (empty for a cluster-level cluster).

        :param cluster_id: OCP's cluster id.
        """
        spec = self.dataset.cluster(cluster_id).spec
        return [] if spec.cluster_level else [t.tenant_id for t in spec.tenants]

    def set_current_task(
        self,
        cluster_id: int,
        tenant_id: int | None = None,
        *,
        status: str | None = None,
        delay: float | DelayProfile | None = None,
        error_msg: str | None = None,
        omit_delay: bool | None = None,
    ) -> None:
        """Change what current tasks report (see :meth:`Dataset.set_current_task`); None keeps a value.

        :param cluster_id: OCP's cluster id.
        :param tenant_id: one tenant, or None for all of them (or the cluster-level unit).
        :param status: e.g. ``"FAILED"``.
        :param delay: seconds, or a :class:`DelayProfile` whose time starts now.
        :param error_msg: ``errorMsg``; ``""`` removes it.
        :param omit_delay: leave ``delay`` out.
        """
        self.dataset.set_current_task(
            cluster_id, tenant_id, status=status, delay=delay, error_msg=error_msg, omit_delay=omit_delay
        )

    def add_tasks(
        self, cluster_id: int, n: int = 1, *, tenant_id: int | None = None, created_at: datetime | None = None
    ) -> None:
        """Append ``n`` newest tasks (``createTime`` = server now by default, 1 ms apart).

        :param cluster_id: OCP's cluster id.
        :param n: how many.
        :param tenant_id: their tenant; None rotates over the tenants.
        :param created_at: their ``createTime``.
        """
        self.dataset.add_tasks(cluster_id, n, tenant_id=tenant_id, created_at=created_at)

    def remove_tasks(self, cluster_id: int, n: int = 1, *, newest: bool = True, tenant_id: int | None = None) -> int:
        """Delete ``n`` tasks, the newest or the oldest.

        :param cluster_id: OCP's cluster id.
        :param n: how many.
        :param newest: newest (True) or oldest (False) first.
        :param tenant_id: only this tenant's tasks.
        :returns: how many were removed.
        """
        return self.dataset.remove_tasks(cluster_id, n, newest=newest, tenant_id=tenant_id)

    def expected_tasks(
        self,
        cluster_id: int,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        tenant_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The records the API returns right now for a ``createTime`` window (inclusive), newest first.

        :param cluster_id: OCP's cluster id.
        :param start: window start, None for unbounded.
        :param end: window end, None for unbounded.
        :param tenant_id: restrict to one tenant (the tenant-level endpoint).
        """
        return self.dataset.expected_tasks(cluster_id, start, end, tenant_id=tenant_id)

    def task_count(self, cluster_id: int, tenant_id: int | None = None) -> int:
        """How many tasks exist for a cluster or one of its tenants.

        :param cluster_id: OCP's cluster id.
        :param tenant_id: restrict to one tenant.
        """
        return self.dataset.task_count(cluster_id, tenant_id)
