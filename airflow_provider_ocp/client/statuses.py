"""What OCP's HTTP statuses and error codes mean for a request: whether a retry may help, whether the request itself
was wrong (so a task retry cannot help either), and what to check.

:mod:`~airflow_provider_ocp.client.response` reads the envelope and builds the error; the rules and the texts it
applies are here, in one place.
"""

from __future__ import annotations

from airflow_provider_ocp.client.hints import auth_hint

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

STATUS_HINTS = {
    400: (
        "OCP rejected the request parameters: check cluster id, times and page size. If OCP found no handler for "
        "the path, the connection's OCP URL has a wrong path prefix (requests go to <OCP URL>/api/v2/...)."
    ),
    401: (
        "OCP did not accept the credentials: check the connection's login and password, and its auth_type "
        "(basic or access_key). With access_key, also check the worker's clock: OCP refuses a Date more than "
        "15 minutes away from its own (clock skew)."
    ),
    403: (
        "The OCP user lacks permission: grant it 'Read-only permission on cluster backup and recovery' "
        "(and access to the cluster)."
    ),
    404: "OCP found no such resource: check that the cluster (and tenant) id exists in this OCP.",
    429: "OCP is rate limiting requests.",
}
CODE_HINTS = {
    10006: "OCP needs both startTime and endTime or neither.",
    10007: "OCP refuses a time range this long: split the window (the operator does so by itself).",
    30014: "The OCP user lacks the permission 'Read-only permission on cluster backup and recovery'.",
}
# Time-range rules OCP reports as HTTP 500 (its "unexpected" error kind): the same request always fails again.
FINAL_CODES = frozenset({10005, 10006, 10007})
# Statuses where the request itself is wrong: a task retry would send it again, so the task fails at once.
REJECTED_STATUSES = frozenset({400, 404})


def status_hint(status: int, auth_type: str | None) -> str:
    """What to check for an HTTP status; a 401's hint is that of the connection's auth type.

    :param status: the HTTP status (or the envelope's own).
    :param auth_type: ``basic``, ``access_key``, or None when unknown.
    """
    generic = STATUS_HINTS.get(status, "")
    return auth_hint(auth_type, generic) if status == 401 else generic
