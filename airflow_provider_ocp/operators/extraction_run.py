"""What one run of :class:`~airflow_provider_ocp.operators.log_backup.OCPLogBackupTasksOperator` does once its window
and cluster are resolved: read the records from OCP page by page, and deliver them to XCom or to a file.

Only a running task needs this (the hook's page walk, the writers, the atomic output), so the operator imports it in
``execute``, not when a DAG file that uses it is parsed.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import Asset

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.log_backup.formats import make_writer
from airflow_provider_ocp.log_backup.json_values import to_json_safe
from airflow_provider_ocp.log_backup.surrogates import replace_lone_surrogates
from airflow_provider_ocp.operators.replacement import check_replaceable
from airflow_provider_ocp.operators.storage import atomic_output, display_path, resolve_output_path

if TYPE_CHECKING:
    import logging

    from airflow.providers.common.compat.sdk import Context, ObjectStoragePath

    from airflow_provider_ocp.client.page import PageResult
    from airflow_provider_ocp.hooks.ocp import OCPHook
    from airflow_provider_ocp.log_backup.extraction import RecordsByPage
    from airflow_provider_ocp.log_backup.window import ExtractionWindow


def record_pages(
    hook: OCPHook,
    mode: str,
    cluster_id: int,
    window: ExtractionWindow,
    page_size: int | None,
    log: logging.Logger | Any,
) -> RecordsByPage:
    """The records page by page: created inside the half-open window, or the whole snapshot as one page (the log says
    which).

    :param hook: the operator's hook.
    :param mode: ``created`` or ``snapshot`` (the operator's ``mode``).
    :param cluster_id: the resolved cluster id.
    :param window: the window this run extracts (split by :func:`~airflow_provider_ocp.log_backup.extraction.
        window_pages` while OCP finds it too long).
    :param page_size: records per request; None for the connection's.
    :param log: the task's logger.
    """
    from airflow_provider_ocp.log_backup.extraction import window_pages
    from airflow_provider_ocp.log_backup.query import validated_query
    from airflow_provider_ocp.log_backup.snapshot import snapshot_records

    what = "every log backup task as OCP reports it now, for" if mode == "snapshot" else "tasks created in"
    log.info("Extracting %s [%s, %s) (%s).", what, window.start.isoformat(), window.end.isoformat(), window.reason)
    if mode == "snapshot":
        records = snapshot_records(hook.get_log_backup_snapshot(cluster_id))
        log.info("OCP reports %s log backup task(s) for cluster %s.", len(records), cluster_id)
        return (page for page in [records])

    def walk(part: ExtractionWindow) -> Generator[PageResult, None, None]:  # checked already: the hook trusts it
        return hook.iter_query_pages(validated_query(cluster_id, part.start, part.end), page_size)

    return window_pages(walk, window, log)


def records_for_xcom(
    pages: RecordsByPage, cluster_id: int, window: ExtractionWindow, max_records: int, log: logging.Logger | Any
) -> list[dict[str, Any]]:
    """All the records as JSON-safe dicts, for XCom; more than ``max_records`` fails, pointing at ``output_path``.

    :param pages: the records, page by page (closed when done, also on failure).
    :param cluster_id: the cluster id, for the error.
    :param window: the window, for the error.
    :param max_records: the operator's ``max_xcom_records``: XCom lives in Airflow's metadata database.
    :param log: the task's logger.
    """
    records: list[dict[str, Any]] = []
    with closing(pages):
        for page in pages:
            records.extend(to_json_safe(record) for record in page)
            if len(records) > max_records:
                raise OCPInputError(
                    f"Cluster {cluster_id} has more than max_xcom_records={max_records} log backup tasks "
                    f"in [{window.start.isoformat()}, {window.end.isoformat()}); XCom is stored in Airflow's "
                    "metadata database and is not meant for bulk data. Set output_path (e.g. "
                    "'s3://bucket/ocp/date={{ ds }}/log_backup_tasks.jsonl') to write them to storage, "
                    "or raise max_xcom_records."
                )
    log.info("Returning %s log backup task(s) through XCom.", len(records))
    return replace_lone_surrogates(records)  # XCom cannot store text UTF-8 cannot encode


@dataclass(frozen=True)
class FileOutput:
    """Where and how an extraction writes its file (the operator's ``output_path`` and its options).

    :param path: the rendered ``output_path``, resolved.
    :param output_format: ``jsonl`` or ``parquet``.
    :param overwrite: the operator's ``overwrite`` rule for a file already at ``path``.
    """

    path: ObjectStoragePath
    output_format: str
    overwrite: str

    @classmethod
    def checked(
        cls, output_path: str, conn_id: str | None, window: ExtractionWindow, output_format: str, overwrite: str
    ) -> FileOutput:
        """The output, once a file already at the path may be replaced: checked before any request for records.

        :param output_path: the rendered ``output_path``.
        :param conn_id: the operator's ``output_conn_id``.
        :param window: the window this run extracts (a file of another window is another run's data).
        :param output_format: ``jsonl`` or ``parquet``.
        :param overwrite: ``same_window`` or ``always``.
        """
        path = resolve_output_path(output_path, conn_id)
        check_replaceable(path, window, output_format, overwrite)
        return cls(path, output_format, overwrite)

    def write(
        self, pages: RecordsByPage, window: ExtractionWindow, cluster_id: int, snapshot: bool, log: logging.Logger | Any
    ) -> dict[str, Any]:
        """Stream the records to the path atomically (a complete file or none); return the run's summary.

        :param pages: the records, page by page (closed when done, also on failure).
        :param window: the window, stamped on every record.
        :param cluster_id: the cluster id, for the summary.
        :param snapshot: the records are snapshot records (Parquet gives the snapshot fields typed columns).
        :param log: the task's logger.
        """
        count = 0
        # Checked again at the commit: another run may have written the path while this one was extracting.
        still_replaceable = partial(check_replaceable, self.path, window, self.output_format, self.overwrite)
        with (
            atomic_output(self.path, still_replaceable) as file,
            make_writer(self.output_format, file, window, snapshot) as writer,
            closing(pages),
        ):
            for page in pages:
                writer.write_page(page)
                count += len(page)
        location = display_path(self.path)
        log.info("Wrote %s log backup task(s) to %s (%s).", count, location, self.output_format)
        return {
            "path": location,
            "records": count,
            **window.as_json(),
            "cluster_id": cluster_id,
            "format": self.output_format,
        }


def annotate_asset_events(outlets: Iterable[Any], context: Context, summary: dict[str, Any]) -> None:
    """Put the concrete file, window and count on each outlet Asset's event, for downstream consumers.

    :param outlets: the operator's outlets (Assets among them get the summary).
    :param context: the task context (its ``outlet_events``).
    :param summary: what :meth:`FileOutput.write` returned.
    """
    outlet_events = context.get("outlet_events")
    if outlet_events is None:
        return
    for outlet in outlets:
        if isinstance(outlet, Asset):
            outlet_events[outlet].extra.update(summary)
