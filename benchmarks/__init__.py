"""Benchmarks of airflow-provider-ocp against the OCP emulator (see benchmarks/README.md).

Run from the repository root: ``.venv/bin/python -m benchmarks`` (``--quick`` for a few-second smoke run).
"""
