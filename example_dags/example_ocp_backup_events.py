"""Backup alerts on Airflow 3's event-driven scheduling: an Asset watched by ``OCPLogBackupEventTrigger``, and a DAG
scheduled on it that alerts once per event.

The triggerer runs the trigger while the DAG is unpaused (from the dag-processor's next parse of this file after
unpausing; DAGs are paused at creation by default): it polls OCP and, when a watched tenant's log backup falls behind
``max_delay``, stops (STOPPED, FAILED, INTERRUPTED), runs again or recovers, and optionally when a data backup
finishes, it records an event on the Asset ``ocp_log_backup_events``. Each event runs
``example_ocp_backup_events`` once; its task reads the events that triggered the run (``triggering_asset_events``:
each event's ``extra["payload"]`` is the trigger's JSON: ``kind``, ``cluster_id``, ``tenant_name``, ``delay``,
``event_key``...) and hands each to ``alert``: it logs the event and, with ``OCP_EVENTS_ALERT_EMAIL`` set, mails it
through Airflow's ``SmtpNotifier`` (the ``smtp_default`` connection: your mail relay). Any Airflow notifier works
the same way, e.g. Slack (``apache-airflow-providers-slack``)::

    from airflow.providers.slack.notifications.slack import SlackNotifier

    SlackNotifier(slack_conn_id="slack_ops", channel="#dba", text=payload["message"]).notify(context)

A run without events (a manual run, ``airflow dags test``) alerts nothing and says so.

Configuration (environment variables, read when the file is parsed): ``OCP_EVENTS_CLUSTER_PATTERN`` (a glob over
OCP's cluster names, default ``*``: every cluster), ``OCP_EVENTS_TENANTS`` (comma-separated tenant names; empty:
every tenant), ``OCP_EVENTS_MAX_DELAY_SECONDS`` (default 600), ``OCP_EVENTS_DATA_BACKUPS`` (``1``: also alert when a
data backup finishes), ``OCP_EVENTS_POLL_SECONDS`` (default 60: how often the triggerer asks OCP; demos and tests use
a few seconds), ``OCP_EVENTS_ALERT_EMAIL`` (comma-separated addresses; empty: log only). The OCP connection is
``ocp_default``.

What the trigger has reported is kept in the Asset's state store on Airflow 3.3, so restarting the triggerer does not
alert again; on Airflow 3.0 to 3.2 a restart alerts again about conditions still current (twice rather than never).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pendulum
from airflow.sdk import Asset, AssetWatcher, dag, task

from airflow_provider_ocp.triggers.events import OCPLogBackupEventTrigger

PATTERN = os.environ.get("OCP_EVENTS_CLUSTER_PATTERN", "*")
TENANTS = [name.strip() for name in os.environ.get("OCP_EVENTS_TENANTS", "").split(",") if name.strip()] or None
MAX_DELAY = float(os.environ.get("OCP_EVENTS_MAX_DELAY_SECONDS", "600"))
DATA_BACKUPS = os.environ.get("OCP_EVENTS_DATA_BACKUPS", "") == "1"
POLL_SECONDS = float(os.environ.get("OCP_EVENTS_POLL_SECONDS", "60"))
ALERT_EMAIL = [mail for mail in os.environ.get("OCP_EVENTS_ALERT_EMAIL", "").replace(" ", "").split(",") if mail]

log = logging.getLogger(__name__)

BACKUP_EVENTS = Asset(
    "ocp_log_backup_events",
    watchers=[
        AssetWatcher(
            name="ocp_log_backup_watcher",
            trigger=OCPLogBackupEventTrigger(
                cluster_name_pattern=PATTERN,
                tenant_names=TENANTS,
                max_delay=MAX_DELAY,
                watch_data_backups=DATA_BACKUPS,
                ocp_conn_id="ocp_default",
                poll_interval=POLL_SECONDS,
            ),
        )
    ],
)


def alert(payload: dict[str, Any], context: Any) -> None:
    """One alert per backup event: a log line, and a mail when ``OCP_EVENTS_ALERT_EMAIL`` is set."""
    log.warning("OCP backup alert [%s] %s (event_key %s)", payload["kind"], payload["message"], payload["event_key"])
    if ALERT_EMAIL:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        SmtpNotifier(
            to=ALERT_EMAIL,
            subject=f"OCP log backup: {payload['kind']} on {payload['cluster_name']}",
            html_content=payload["message"],
        ).notify(context)


@dag(
    schedule=[BACKUP_EVENTS],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["ocp", "example", "events"],
    doc_md=__doc__,
)
def example_ocp_backup_events() -> None:
    @task
    def notify(**context: Any) -> list[dict[str, Any]]:
        """Alert once per triggering event; return the payloads (XCom) for the record."""
        payloads = [
            event.extra["payload"]
            for events in context["triggering_asset_events"].values()
            for event in events
            if isinstance(event.extra, dict) and isinstance(event.extra.get("payload"), dict)
        ]
        if not payloads:
            log.info("No backup event triggered this run (a manual run or `airflow dags test`): nothing to alert")
        for payload in payloads:
            alert(payload, context)
        return payloads

    notify()


example_ocp_backup_events()
