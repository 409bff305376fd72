"""An OCP REST API emulator for tests, demos and users' own DAG tests (no public OCP exists).

Start one from Python::

    from airflow_provider_ocp.testing import OCPEmulator

    with OCPEmulator(clusters=2, tenants=3) as emu:
        os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = emu.airflow_connection_json()
        ...

or from a shell with ``python -m airflow_provider_ocp.testing --port 8777``, or use the ``ocp_emulator`` pytest
fixture. It needs only the standard library and never imports Airflow; :func:`register_dag` (for ``dag.test()``
of a DAG built inside a test) imports it when called.

What it serves (under ``/api/v2``, after an optional path prefix), with OCP's envelope (null fields omitted):

- ``GET /ob/clusters`` (``page``, ``size``, ``name``: case-insensitive substring);
- ``GET /ob/clusters/{id}/backup/task/logBackupTasks`` and its tenant variant
  ``GET /ob/clusters/{id}/tenants/{tenantId}/backup/task/logBackupTasks``: ``page`` (1-based) and ``size``
  required, ``size`` silently clamped to 2000; optional ``startTime``/``endTime`` (ISO-8601 with a colon offset or
  ``Z``) filter on ``createTime``, **inclusive at both ends**; newest ``createTime`` first. Time-range rules as
  OCP: one bound only is HTTP 500 code 10006, start after end HTTP 400 code 10005, a range longer than
  ``max_time_range`` (no limit by default) HTTP 500 code 10007.

The server clock is frozen when the emulator is created and moves only when a test moves it
(``emu.clock.advance(seconds)``, ``emu.clock.freeze(at)``); the command line runs it with the real clock.

Errors as OCP reports them (``error.code`` always an integer, see :mod:`airflow_provider_ocp.testing.envelope`):
401 code 0 (no or wrong credentials, AccessKey signature over every ``x-ocp-*`` header, ``Date`` skew over 15
minutes), 403 code 30014 (a ``restricted_users`` user on backup endpoints), 404 code 10002 (unknown cluster or
tenant), 400 (bad parameters; an unknown path under ``/api``: "No handler found"). A path outside ``/api`` is
redirected (302) to ``<prefix>/login``, the console's login page (200, HTML). The ``traceId`` echoes the request's
``x-trace-id``.

Credentials by default: Basic ``admin`` / :data:`DEFAULT_PASSWORD`, AccessKey :data:`DEFAULT_ACCESS_KEY_ID` /
:data:`DEFAULT_ACCESS_KEY_SECRET`. Faults: see :mod:`airflow_provider_ocp.testing.faults`.
"""

from __future__ import annotations

from airflow_provider_ocp.testing.api import MAX_PAGE_SIZE
from airflow_provider_ocp.testing.clock import DelayProfile, ServerClock
from airflow_provider_ocp.testing.credentials import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Authenticator,
)
from airflow_provider_ocp.testing.dag_test import register_dag
from airflow_provider_ocp.testing.data import ClusterSpec, TenantSpec, UnknownClusterError, UnknownTenantError
from airflow_provider_ocp.testing.faults import FAULT_KINDS, Fault, FaultKind, FaultSet
from airflow_provider_ocp.testing.rendering import RenderOptions
from airflow_provider_ocp.testing.server import OCPEmulator
from airflow_provider_ocp.testing.wire import RecordedRequest

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "FAULT_KINDS",
    "MAX_PAGE_SIZE",
    "Authenticator",
    "ClusterSpec",
    "DelayProfile",
    "Fault",
    "FaultKind",
    "FaultSet",
    "OCPEmulator",
    "RecordedRequest",
    "RenderOptions",
    "ServerClock",
    "TenantSpec",
    "UnknownClusterError",
    "UnknownTenantError",
    "register_dag",
]
