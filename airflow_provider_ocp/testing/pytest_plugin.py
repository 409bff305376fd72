"""Pytest plugin: the ``ocp_emulator`` fixture, a started :class:`OCPEmulator` stopped after the test, configured by
the ``ocp_emulator`` marker's keyword arguments (``@pytest.mark.ocp_emulator(clusters=2, delay=120.0)``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_ocp.testing.emulator import OCPEmulator


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``ocp_emulator`` marker."""
    config.addinivalue_line(
        "markers", "ocp_emulator(**kwargs): keyword arguments for the ocp_emulator fixture's OCPEmulator"
    )


@pytest.fixture
def ocp_emulator(request: pytest.FixtureRequest) -> Iterator[OCPEmulator]:
    """A started OCP emulator on 127.0.0.1 and a free port (configured by the marker), stopped after the test."""
    marker = request.node.get_closest_marker("ocp_emulator")
    with OCPEmulator(**(marker.kwargs if marker is not None else {})) as emulator:
        yield emulator
