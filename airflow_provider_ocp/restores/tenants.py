"""Naming a tenant instead of numbering it, as :mod:`~airflow_provider_ocp.log_backup.clusters` does for clusters:
an unknown or ambiguous name is an error listing the tenants OCP knows in that cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.log_backup.clusters import MAX_NAMES_LISTED, exact_matches
from airflow_provider_ocp.validation import validate_positive_id


def tenant_choice(tenant_id: object, tenant_name: object, what: str = "backup_tenant") -> int | str:
    """The validated id, or the cleaned name to look up: exactly one of them must be given.

    :param tenant_id: the ``<what>_id`` argument (None: absent).
    :param tenant_name: the ``<what>_name`` argument.
    :param what: the parameters' stem, for messages (``backup_tenant`` names ``backup_tenant_id``).
    """
    if (tenant_id is None) == (tenant_name is None):
        raise OCPInputError(f"Give {what}_id or {what}_name (the name OCP shows for the tenant), exactly one.")
    if tenant_name is not None:
        if not isinstance(tenant_name, str) or not tenant_name.strip():
            raise OCPInputError(f"{what}_name must be the tenant's name as OCP shows it; got {tenant_name!r}.")
        return tenant_name.strip()
    return validate_positive_id(tenant_id, f"{what}_id")


def tenant_named(name: str, cluster_id: int, tenants: Sequence[Mapping[str, Any]]) -> int:
    """The id of the tenant called ``name`` in a cluster; unknown or ambiguous names list OCP's tenants.

    :param name: the cleaned tenant name.
    :param cluster_id: the cluster, for the message.
    :param tenants: every tenant OCP lists in that cluster.
    """
    matches = exact_matches(name, tenants)
    if len(matches) != 1:
        known = sorted(f"{tenant.get('name')} (id {tenant.get('id')})" for tenant in (matches or tenants))
        listed = ", ".join(known[:MAX_NAMES_LISTED]) or "none"
        problem = "is ambiguous" if matches else "is not a tenant OCP knows"
        raise OCPInputError(
            f"Tenant name {name!r} {problem} in cluster {cluster_id}; tenants there: {listed}. Give the tenant id."
        )
    return validate_positive_id(matches[0].get("id"), f"the id OCP lists for tenant {name!r}")
