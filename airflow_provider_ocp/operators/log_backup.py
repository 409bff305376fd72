"""OCPLogBackupTasksOperator: extract a cluster's log backup tasks for a time window into XCom or object storage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.hooks.failures import failing_at_once
from airflow_provider_ocp.hooks.lazy_hook import LazyOCPHookMixin
from airflow_provider_ocp.log_backup.formats import OUTPUT_FORMATS
from airflow_provider_ocp.operators.replacement import OVERWRITE_MODES
from airflow_provider_ocp.operators.storage import default_output_asset
from airflow_provider_ocp.validation import validate_page_size

# What only a running task needs (the hook, the page walk, snapshots, the writers, the window and cluster lookups) is
# imported in the methods that use it: this module is imported by every DAG file that uses the operator, each time the
# file is parsed.
if TYPE_CHECKING:
    import jinja2
    from airflow.providers.common.compat.sdk import Context, ObjectStoragePath

    from airflow_provider_ocp.log_backup.window import ExtractionWindow


MODES = ("created", "snapshot")


class OCPLogBackupTasksOperator(LazyOCPHookMixin, BaseOperator):
    """Extract the log backup tasks of an OCP cluster created in a time window, into XCom or a file.

    The window is half-open, ``[start, end)``, so consecutive runs never both hold a task created at their shared
    boundary (OCP's own filter may include both ends; records are filtered again on ``createTime``). By default it is
    the run's data interval. Runs without a usable interval (manual or asset-triggered runs have none; Airflow 3's
    default cron timetable gives a zero-width one) use ``[end - lookback, end)``, where ``end`` is the interval end,
    else the run's ``run_after``, else its logical date, else now. The task log says which window was used and why.

    Without ``output_path`` the records are returned (pushed to XCom) as JSON-safe dicts: OCP's field names, times as
    ISO-8601 UTC text. With ``output_path`` they are streamed page by page to that file, atomically (a complete file
    or none), each record stamped with ``windowStart``/``windowEnd``, and a summary is returned instead. A file
    already at the path is replaced only if it holds the same window (see ``overwrite``).

    :param cluster_id: the OCP cluster id (templated, e.g. ``"{{ params.cluster_id }}"``).
    :param cluster_name: the cluster's name as OCP shows it (templated), instead of ``cluster_id``: resolved through
        OCP's cluster list when the task runs (with ``output_path``, as its template is rendered: ``airflow tasks
        render`` asks OCP too); an unknown or ambiguous name fails, listing the clusters OCP knows.
    :param ocp_conn_id: the Airflow connection of type ``ocp``.
    :param start_time: window start, an aware datetime or ISO-8601 text with an offset (templated); default the run's
        ``data_interval_start``, or ``end - lookback`` when there is none.
    :param end_time: window end (templated); default the run's ``data_interval_end``, then ``run_after``.
    :param lookback: width of the fallback window for runs without a real data interval.
    :param page_size: records per OCP request, at most 2000; default the connection's. Smaller pages mean smaller
        requests and row groups, more round trips.
    :param output_path: where to write (templated): any URL Airflow's object storage handles (``file://``, ``s3://``,
        ``gs://``...) or an absolute local path. Besides Airflow's usual variables, its template has
        ``{{ ocp_window_start }}`` and ``{{ ocp_window_end }}``, the bounds this run really extracts on every kind of
        run (scheduled, manual with or without a logical date, asset-triggered: ``data_interval_start`` is undefined
        on runs without a logical date), ``{{ ocp_partition }}``: ``date=YYYY-MM-DD`` of the run's data interval, or
        ``run_id=<run id>`` for a run without one (``{{ ocp_partition('date=%Y-%m-%d/hour=%H') }}`` for another
        layout), and ``{{ ocp_cluster_id }}`` (and ``{{ ocp_cluster_name }}`` when given), also in a mapped task.
        ``{{ ocp_partition }}`` gives each interval its own file, which a rerun rewrites, and keeps runs without a
        data interval (their window is ``[end - lookback, end)``) out of the scheduled runs' files. A rendered path
        that climbs out of the path's fixed part (``..``) fails. It is rendered with the other fields (see
        :meth:`render_template_fields`), so the UI's "Rendered Template" and ``airflow tasks render`` show the real
        path. None returns the records through XCom.
    :param output_conn_id: the Airflow connection for the store (e.g. an ``aws`` connection for ``s3://``).
    :param output_format: ``jsonl`` (one JSON object per line) or ``parquet`` (needs the provider's ``parquet``
        extra).
    :param mode: ``created`` (default): the tasks created in the window, each once across consecutive runs.
        ``snapshot``: every task as OCP reports it when the run executes, stamped with OCP's clock (``snapshotTime``),
        ``current`` (each tenant's latest task) and ``delaySource`` (the delay filled in from OCP's clock where OCP
        left it out), plus the window; scheduled hourly, the files form a delay history per tenant. Log archive tasks
        live for weeks, so for SLA history use ``snapshot``; for an inventory of tasks started, ``created``.
    :param overwrite: ``same_window`` (default): a file already at ``output_path`` is replaced only if it holds the
        window this run extracts (a rerun), else the run fails before its first request, naming both windows: a file
        of another window is another run's data. ``always``: replace whatever is there.
    :param max_xcom_records: XCom mode fails beyond this many records: XCom lives in Airflow's metadata database,
        which is not made for bulk data. Set ``output_path`` for larger extractions.
    :param kwargs: passed to :class:`~airflow.sdk.BaseOperator`. ``outlets`` defaults to an Asset for the fixed
        (untemplated) directory of ``output_path``, so downstream DAGs can be scheduled on new extractions.
    """

    # output_path last: its template uses the window and the cluster, computed from the fields rendered before it.
    template_fields: Sequence[str] = ("cluster_id", "cluster_name", "start_time", "end_time", "output_path")
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        cluster_id: int | str | None = None,
        cluster_name: str | None = None,
        ocp_conn_id: str = "ocp_default",
        start_time: Any = None,
        end_time: Any = None,
        lookback: timedelta = timedelta(days=1),
        page_size: int | None = None,
        output_path: str | None = None,
        output_conn_id: str | None = None,
        output_format: str = "jsonl",
        max_xcom_records: int = 10_000,
        mode: str = "created",
        overwrite: str = "same_window",
        **kwargs: Any,
    ) -> None:
        if output_format not in OUTPUT_FORMATS:
            raise OCPInputError(
                f"output_format {output_format!r} is not supported; use one of {', '.join(OUTPUT_FORMATS)}."
            )
        if not isinstance(lookback, timedelta) or lookback <= timedelta(0):
            raise OCPInputError(f"lookback must be a positive timedelta, e.g. timedelta(days=1); got {lookback!r}.")
        if mode not in MODES:
            raise OCPInputError(f"mode {mode!r} is not one of {', '.join(MODES)}.")
        if overwrite not in OVERWRITE_MODES:
            raise OCPInputError(f"overwrite {overwrite!r} is not one of {', '.join(OVERWRITE_MODES)}.")
        if isinstance(max_xcom_records, bool) or not isinstance(max_xcom_records, int) or max_xcom_records < 0:
            raise OCPInputError(f"max_xcom_records must be a non-negative integer; got {max_xcom_records!r}.")
        if kwargs.get("outlets") is None and output_path is not None:
            asset = default_output_asset(output_path)
            if asset is not None:
                kwargs["outlets"] = [asset]
        super().__init__(**kwargs)
        self.cluster_id = cluster_id
        self.cluster_name = cluster_name
        self.ocp_conn_id = ocp_conn_id
        self.start_time = start_time
        self.end_time = end_time
        self.lookback = lookback
        self.page_size = validate_page_size(page_size) if page_size is not None else None
        self.output_path = output_path
        self.output_conn_id = output_conn_id
        self.output_format = output_format
        self.max_xcom_records = max_xcom_records
        self.mode = mode
        self.overwrite = overwrite
        self._written_path: ObjectStoragePath | None = None
        self._target: tuple[ExtractionWindow, int] | None = None  # the window and cluster id output_path names

    def render_template_fields(self, context: Context, jinja_env: jinja2.Environment | None = None) -> None:
        """Render as usual; on Airflow 3.0, then fail with the fix when Airflow is about to refuse this task's
        outlet Asset because its DAG was never parsed into the DB (``airflow dags test``:
        :mod:`airflow_provider_ocp.operators.airflow30`).

        :param context: the task context.
        :param jinja_env: the DAG's Jinja environment.
        """
        super().render_template_fields(context, jinja_env)
        from airflow_provider_ocp.operators.airflow30 import refuse_unregistered_outlets

        refuse_unregistered_outlets(self, context)

    @failing_at_once()  # rendering resolves the window and the cluster: bad input there fails at once too
    def _do_render_template_fields(
        self,
        parent: Any,
        template_fields: Iterable[str],
        context: Context,
        jinja_env: jinja2.Environment,
        seen_oids: set[int],
    ) -> None:
        """Render the other fields first, then resolve the window and the cluster from them and render
        ``output_path`` with the ``ocp_*`` variables of the class docstring.

        Rendering is where Airflow records what the UI's "Rendered Template" and ``airflow tasks render`` show, so
        the real path is computed here rather than in :meth:`execute`. This step, not ``render_template_fields``, is
        overridden because both ``BaseOperator.render_template_fields`` and a mapped task's rendering (which calls
        it on the unmapped operator directly) go through it. A ``cluster_name`` is looked up in OCP here, only when
        there is an ``output_path`` to name it in; otherwise :meth:`execute` looks it up. Nested objects render as
        usual.

        :param parent: the object whose fields are rendered (this operator, or a nested template holder).
        :param template_fields: the fields' names.
        :param context: the task context.
        :param jinja_env: the DAG's Jinja environment.
        :param seen_oids: objects already rendered (Airflow's guard against cycles).
        """
        fields = list(template_fields)
        if parent is not self or "output_path" not in fields:
            super()._do_render_template_fields(parent, fields, context, jinja_env, seen_oids)
            return
        from airflow_provider_ocp.operators.template_variables import check_below_base, extraction_variables

        others = [name for name in fields if name != "output_path"]
        super()._do_render_template_fields(self, others, context, jinja_env, seen_oids)
        if self.output_path is None:
            return
        template = self.output_path
        window, cluster_id = self._target = self._resolve_target(context)  # execute takes it over
        variables = extraction_variables(window, cluster_id, self.cluster_name, context)
        with_variables = cast("Context", {**context, **variables})
        super()._do_render_template_fields(self, ["output_path"], with_variables, jinja_env, seen_oids)
        check_below_base(template, str(self.output_path), variables)

    def _resolve_target(self, context: Context) -> tuple[ExtractionWindow, int]:
        """The window and the cluster id this run extracts, from the rendered fields.

        :param context: the task context.
        """
        from airflow_provider_ocp.log_backup.clusters import cluster_choice
        from airflow_provider_ocp.log_backup.window import resolve_window
        from airflow_provider_ocp.validation import rendered_or_none

        start, end = rendered_or_none(self.start_time), rendered_or_none(self.end_time)
        window = resolve_window(context, start, end, self.lookback)
        # the window is valid; nothing sent yet
        choice = cluster_choice(rendered_or_none(self.cluster_id), rendered_or_none(self.cluster_name))
        if self.output_format == "parquet" and self.output_path is not None:
            from airflow_provider_ocp.log_backup.parquet import import_pyarrow

            import_pyarrow()
        cluster_id = self.hook.cluster_id_of(choice)
        return window, cluster_id

    @failing_at_once()  # bad input, or a request OCP rejected: no task retry can fix it
    def execute(self, context: Context) -> Any:
        """Validate everything, then page through OCP into XCom or storage (see the class docstring).

        :param context: the task context.
        """
        from airflow_provider_ocp.operators import extraction_run as run

        # Rendering output_path resolved them (a window ending "now" must name the same instant in the path and in
        # the request); without one, or when called directly, they are resolved here.
        target, self._target = self._target, None
        window, cluster_id = target or self._resolve_target(context)
        output = None
        if self.output_path is not None:  # rendered with the window and the cluster (render_template_fields)
            output = run.FileOutput.checked(
                self.output_path, self.output_conn_id, window, self.output_format, self.overwrite
            )
        pages = run.record_pages(self.hook, self.mode, cluster_id, window, self.page_size, self.log)
        if output is None:
            return run.records_for_xcom(pages, cluster_id, window, self.max_xcom_records, self.log)
        summary = output.write(pages, window, cluster_id, self.mode == "snapshot", self.log)
        self._written_path = output.path
        run.annotate_asset_events(self.outlets, context, summary)
        return summary

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Report the written file as OpenLineage output (None when OpenLineage is not installed).

        :param task_instance: the finished task instance (unused; the path comes from this run's execute).
        """
        from airflow_provider_ocp.operators.lineage import written_file_lineage

        return written_file_lineage(self._written_path)
