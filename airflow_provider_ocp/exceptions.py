"""The OCP provider's public exceptions: ``from airflow_provider_ocp.exceptions import OCPAPIError``.

The classes live in :mod:`airflow_provider_ocp.client.errors`, plain Python, so the client and the log-backup domain
raise them without importing Airflow; this module is the name users import them by. What Airflow must make of them
(a bad input or a rejected request fails the task without retries) is added by the adapters, which raise subclasses
that are also ``AirflowFailException`` (:mod:`airflow_provider_ocp.hooks.failures`): ``except OCPInputError`` still
catches what the hooks, the operator and the sensor raise.

Every message is safe to log: none carries a password, an AccessKey secret, a signature or an Authorization header.
"""

from __future__ import annotations

from airflow_provider_ocp.client.errors import OCPAPIError, OCPError, OCPInputError, OCPRequestRejectedError
from airflow_provider_ocp.restores.errors import (
    OCPSubmissionUnknownError,
    OCPTaskFailedError,
    OCPTaskPollError,
    RestoreConflict,
)

__all__ = [
    "OCPAPIError",
    "OCPError",
    "OCPInputError",
    "OCPLogBackupPollError",
    "OCPRequestRejectedError",
    "OCPSubmissionUnknownError",
    "OCPTaskFailedError",
    "OCPTaskPollError",
    "RestoreConflict",
]


class OCPLogBackupPollError(OCPError, RuntimeError):
    """The deferred log backup check gave up after consecutive OCP API failures (or a failure no retry can fix).

    Not an ``AirflowException`` on purpose: like an API error in poke mode it fails the task (task retries apply)
    and is not turned into a skip by ``soft_fail``, which only covers the gate failing and the sensor timing out.
    """
