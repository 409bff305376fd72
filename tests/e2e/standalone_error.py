"""The one error of the end-to-end harness (``airflow_standalone``, ``airflow_rest_client`` and the scenarios)."""

from __future__ import annotations


class StandaloneError(RuntimeError):
    """Airflow did not start, a DAG did not load, or a run did not end as expected (with the log tail)."""
