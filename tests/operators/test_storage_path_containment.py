"""Issue 21, point 17: names from OCP, and any other template value, never take a file out of the output path's fixed
base (a rendered ``output_path`` leaving it through a ``..`` segment fails before anything is written).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from operator_support import DAY_END, extraction_dag, run_dag, use_emulator
from output_window_support import DAY

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")


def test_a_cluster_name_from_ocp_cannot_climb_out_of_the_output_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_ocp.testing import ClusterSpec

    hostile = dataclasses.replace(ClusterSpec.synthetic(1, tasks_per_tenant=2), name="../../escaped")
    base = tmp_path / "reports" / "ocp"
    with OCPEmulator(clusters=[hostile]) as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_i21_climb",
            cluster_name="../../escaped",
            output_path=f"file://{base}/{{{{ ocp_cluster_name }}}}/t.jsonl",
        )
        result = run_dag(dag, logical_date=DAY_END)
        operator = dag.task_dict["extract"]
        with pytest.raises(OCPInputError) as info:  # output_path is rendered, and checked, with the other fields
            operator.render_template_fields(DAY)
    assert result.state == "failed"
    assert [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()] == []
    assert "ocp_cluster_name is '../../escaped'" in str(info.value) and "'..'" in str(info.value)
    assert f"file://{base}/" in str(info.value)


def test_any_template_value_climbing_out_of_the_fixed_base_fails() -> None:
    from airflow_provider_ocp.operators.template_variables import check_below_base

    template = "s3://bucket/ocp/{{ params.team }}/date={{ ds }}/t.jsonl"
    with pytest.raises(OCPInputError, match=r"leaves 's3://bucket/ocp/' through a '\.\.' segment\. "):
        check_below_base(template, "s3://bucket/ocp/../other-team/date=2024-08-06/t.jsonl", {"ocp_cluster_id": 1})
    check_below_base(template, "s3://bucket/ocp/a..b/date=2024-08-06/t.jsonl", {})  # not a '..' segment
    check_below_base("/data/../ocp/{{ ds }}/t.jsonl", "/data/../ocp/2024-08-06/t.jsonl", {})  # the user's own base
