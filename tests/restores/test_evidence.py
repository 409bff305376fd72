"""A drill's evidence report (issue 24), from hand-written gate and restore XComs."""

from __future__ import annotations

from airflow_provider_ocp.restores.evidence import drill_evidence

GATE = {"cluster_id": 1000001, "checkpoint": "2024-08-06T09:58:30Z", "delay": 90.0, "units": []}
RESTORE = {
    "ocp_task_id": 42,
    "status": "SUCCESSFUL",
    "restore_end_time": "2024-08-06T09:45:00Z",
    "restore_tenant_name": "drill_20240806",
    "restore_cluster_id": 1000002,
    "started_at": "2024-08-06T10:01:00Z",
    "finished_at": "2024-08-06T10:06:30Z",
    "url": "https://ocp.example.com/task/42",
}


def test_the_report_says_requested_and_achieved_rpo_and_the_rto() -> None:
    report = drill_evidence(GATE, RESTORE, drill_started_at="2024-08-06T18:00:00+08:00", requested_rpo_seconds=900)
    assert report == {
        "drill_started_at": "2024-08-06T10:00:00Z",
        "backup_cluster_id": 1000001,
        "restore_point": "2024-08-06T09:45:00Z",
        "restored_tenant": "drill_20240806",
        "restore_cluster_id": 1000002,
        "status": "SUCCESSFUL",
        "requested_rpo_seconds": 900.0,
        "achieved_rpo_seconds": 900.0,
        "rpo_met": True,
        "log_backup_delay_at_gate_seconds": 90.0,
        "log_backup_checkpoint_at_gate": "2024-08-06T09:58:30Z",
        "rto_seconds": 330.0,
        "ocp_task_id": 42,
        "ocp_task_url": "https://ocp.example.com/task/42",
    }


def test_a_restore_point_further_back_misses_the_rpo_and_a_missing_time_leaves_the_rto_open() -> None:
    restore = {**RESTORE, "restore_end_time": "2024-08-06T09:30:00Z", "finished_at": None}
    report = drill_evidence(GATE, restore, drill_started_at="2024-08-06T10:00:00Z", requested_rpo_seconds=900)
    assert (report["achieved_rpo_seconds"], report["rpo_met"], report["rto_seconds"]) == (1800.0, False, None)
