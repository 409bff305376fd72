"""The ``hook`` of every OCP operator and sensor: the :class:`~airflow_provider_ocp.hooks.ocp.OCPHook` of its
``ocp_conn_id``, built on first use.

Never at DAG parse time: a DAG file that uses an operator is parsed again and again, and building the hook would
import the HTTP client and read the connection each time. ``__init__`` only stores ``ocp_conn_id``; the hook (and the
connection read it does) comes when a running task first asks for ``hook``.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_ocp.hooks.ocp import OCPHook


class LazyOCPHookMixin:
    """Gives an operator or sensor with an ``ocp_conn_id`` attribute its ``hook`` property, built on first use."""

    ocp_conn_id: str

    @cached_property
    def hook(self) -> OCPHook:
        """The OCP hook of ``ocp_conn_id``, built on first use (never at DAG parse time)."""
        from airflow_provider_ocp.hooks.ocp import OCPHook  # lazy: DAG parsing need not import the HTTP client

        return OCPHook(ocp_conn_id=self.ocp_conn_id)
