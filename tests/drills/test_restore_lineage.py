"""OpenLineage for a restore (issue 24): the backed-up tenant in, the restored tenant out, named by OCP's host."""

from __future__ import annotations

import json

import pytest

from airflow_provider_ocp.operators.restore import OCPRestoreTenantOperator


def test_a_finished_restore_reports_both_tenants_and_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = {"conn_type": "ocp", "host": "https://ocp.example.com:8443/ocp", "login": "admin", "password": "pw"}
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(connection))
    operator = OCPRestoreTenantOperator(
        task_id="restore",
        cluster_id=1,
        backup_tenant_id=1002,
        restore_tenant_name="drill_1",
        restore_end_time="2024-08-06T12:00:00Z",
        zones=["zone1"],
        unit_spec_name="S1",
    )
    assert operator.get_openlineage_facets_on_complete(None).outputs == []  # nothing restored yet
    carry = {
        "restore_cluster_id": 2,
        "restore_tenant_name": "drill_1",
        "backup_cluster_id": 1,
        "backup_tenant_id": 1002,
    }
    outcome = {"ocp_task_id": 7, "status": "SUCCESSFUL", "started_at": None, "finished_at": None}
    operator.result([outcome], carry)
    lineage = operator.get_openlineage_facets_on_complete(None)
    assert [(d.namespace, d.name) for d in lineage.inputs] == [
        ("ocp://ocp.example.com:8443", "clusters/1/tenants/1002")
    ]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [
        ("ocp://ocp.example.com:8443", "clusters/2/tenants/drill_1")
    ]
