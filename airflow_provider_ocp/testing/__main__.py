"""``python -m airflow_provider_ocp.testing``: serve an OCP emulator (see :mod:`airflow_provider_ocp.testing.cli`)."""

from __future__ import annotations

import sys

from airflow_provider_ocp.testing.cli import main

if __name__ == "__main__":
    sys.exit(main())
