"""OpenLineage for the operators: which tenant a restore read and which it created, and which file an extraction
wrote. Both report nothing (None) when OpenLineage is not installed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import ObjectStoragePath


Named = tuple[str, str]
"""A dataset as OpenLineage names it: its namespace and its name."""


def _lineage(inputs: list[Named], outputs: list[Named]) -> Any:
    """OpenLineage's ``OperatorLineage`` of these datasets, or None when OpenLineage is not installed.

    :param inputs: the datasets read.
    :param outputs: the datasets written.
    """
    try:
        from airflow.providers.common.compat.openlineage.facet import Dataset
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:
        return None
    return OperatorLineage(
        inputs=[Dataset(namespace=space, name=name) for space, name in inputs],
        outputs=[Dataset(namespace=space, name=name) for space, name in outputs],
    )


def restore_lineage(base_url: str, restored: Mapping[str, Any] | None) -> Any:
    """The backed-up tenant as input and the restored tenant as output, or None when OpenLineage is not installed.

    Datasets are named ``clusters/<id>/tenants/<tenant id or name>`` in the namespace ``ocp://<OCP host:port>`` (the
    connection's host, never its credentials); nothing is reported before the restore is done.

    :param base_url: the connection's OCP URL.
    :param restored: what the operator carried to its result (``backup_cluster_id``, ``backup_tenant_id``,
        ``restore_cluster_id``, ``restore_tenant_name``), or None.
    """
    if restored is None or restored.get("backup_cluster_id") is None:
        return _lineage([], [])
    namespace = f"ocp://{urlsplit(base_url).netloc.rpartition('@')[2]}"
    source = f"clusters/{restored['backup_cluster_id']}/tenants/{restored['backup_tenant_id']}"
    target = f"clusters/{restored['restore_cluster_id']}/tenants/{restored['restore_tenant_name']}"
    return _lineage([(namespace, source)], [(namespace, target)])


def written_file_lineage(path: ObjectStoragePath | None) -> Any:
    """The file an extraction wrote as output, or None when OpenLineage is not installed.

    Named as Airflow's own asset converters name a file (:func:`~airflow_provider_ocp.operators.storage.
    openlineage_name`); nothing is reported for a run that wrote none (XCom output).

    :param path: the path this run's ``execute`` wrote, or None.
    """
    if path is None:
        return _lineage([], [])
    from airflow_provider_ocp.operators.storage import openlineage_name

    return _lineage([], [openlineage_name(path)])
