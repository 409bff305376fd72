"""The restore drill's own errors (the client's :mod:`~airflow_provider_ocp.client.errors` cover requests)."""

from __future__ import annotations

from airflow_provider_ocp.client.errors import OCPError, OCPInputError


class RestoreConflict(OCPInputError):
    """A different restore into the same tenant name is running: OCP would refuse ours, and no retry fixes that."""


class BackupConflict(OCPError, RuntimeError):
    """A data backup that is not the one asked for runs on a tenant to back up: OCP runs one data backup of a tenant
    at a time, so nothing was POSTed. Not final: an Airflow retry (after ``retry_delay``) looks again, and starts the
    backup once the other one has ended.
    """


class OCPTaskFailedError(OCPError, RuntimeError):
    """An OCP task (a restore, a backup) ended FAILED or CANCELED; the message names the subtask and its log tail.

    Not an ``AirflowFailException``: an operator's Airflow retry submits the work again (a failed restore is never
    re-attached to), which may succeed. The sensor, which only watches, fails at once instead.
    """


class OCPTaskPollError(OCPError, RuntimeError):
    """Waiting for an OCP task gave up: OCP kept failing, or failed in a way no retry fixes (the message says)."""


class OCPSubmissionUnknownError(OCPError, RuntimeError):
    """A POST that starts work may have reached OCP but its answer was lost, and OCP lists nothing it started yet."""
