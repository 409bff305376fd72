"""Apache Airflow provider for OceanBase Cloud Platform (OCP).

Kept import-light on purpose: DAG files import the operator and sensor modules, and the emulator in
:mod:`airflow_provider_ocp.testing` must start without importing Airflow.
"""

from __future__ import annotations

__version__ = "0.1.0"
