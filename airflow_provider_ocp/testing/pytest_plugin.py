"""Pytest plugin: the ``ocp_emulator`` fixture, a started :class:`OCPEmulator` stopped after the test.

Configure it per test with the ``ocp_emulator`` marker, whose keyword arguments go to :class:`OCPEmulator`::

    @pytest.mark.ocp_emulator(clusters=2, tenants=3, delay=120.0)
    def test_gate(ocp_emulator):
        ...

This module never imports Airflow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_ocp.testing.server import OCPEmulator


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``ocp_emulator`` marker.

    :param config: pytest's configuration.
    """
    config.addinivalue_line(
        "markers", "ocp_emulator(**kwargs): keyword arguments for the ocp_emulator fixture's OCPEmulator"
    )


@pytest.fixture
def ocp_emulator(request: pytest.FixtureRequest) -> Iterator[OCPEmulator]:
    """A started OCP emulator on 127.0.0.1 and a free port, stopped after the test.

    :param request: pytest's fixture request (reads the ``ocp_emulator`` marker).
    """
    marker = request.node.get_closest_marker("ocp_emulator")
    kwargs = dict(marker.kwargs) if marker is not None else {}
    with OCPEmulator(**kwargs) as emulator:
        yield emulator
