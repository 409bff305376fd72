"""Restore drills: OCP's recoverable windows, restore and back-up-now requests, and OCP task instances.

Plain Python, like :mod:`airflow_provider_ocp.log_backup`: the hooks send what these modules build and hand back
what OCP answered; the operators, sensor and trigger decide what Airflow does with it.
"""
