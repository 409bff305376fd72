"""Airflow stays in the adapters (issue 22): the client, the domain and the public exceptions import no Airflow.

Each layer is imported in a fresh interpreter, so a module another test imported first cannot hide a regression.
The domain's storage code reaches Airflow's ObjectStoragePath and Asset only inside the functions that need them.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import airflow_provider_ocp.client
import airflow_provider_ocp.log_backup
import airflow_provider_ocp.restores

PLAIN = {
    "client": [
        f"airflow_provider_ocp.client.{m.name}" for m in pkgutil.iter_modules(airflow_provider_ocp.client.__path__)
    ],
    "log_backup": [
        f"airflow_provider_ocp.log_backup.{m.name}"
        for m in pkgutil.iter_modules(airflow_provider_ocp.log_backup.__path__)
    ],
    "restores": [
        f"airflow_provider_ocp.restores.{m.name}" for m in pkgutil.iter_modules(airflow_provider_ocp.restores.__path__)
    ],
    "face": ["airflow_provider_ocp.exceptions", "airflow_provider_ocp.validation"],
}

IMPORT_ALL = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in sys.modules if m == "airflow" or m.startswith("airflow."))))
"""


@pytest.mark.parametrize("layer", sorted(PLAIN))
def test_layer_imports_no_airflow(layer: str) -> None:
    assert "airflow_provider_ocp.client.errors" in PLAIN["client"]  # the listing found the modules
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, *PLAIN[layer]], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout.splitlines()[-1]) == [], f"{layer} imports Airflow"


def test_hooks_raise_the_public_classes_as_airflow_failures() -> None:
    """What the adapters raise is still caught by the public class, and Airflow fails the task without retries."""
    from airflow.providers.common.compat.sdk import AirflowFailException

    from airflow_provider_ocp.client.errors import OCPRequestRejectedError as Plain
    from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError, OCPRequestRejectedError
    from airflow_provider_ocp.hooks.failures import failing_at_once

    assert OCPRequestRejectedError is Plain
    for plain in (OCPInputError("bad"), OCPRequestRejectedError("no", status=404, path="/p", trace_id="t")):
        with pytest.raises(AirflowFailException) as raised, failing_at_once():
            raise plain
        assert isinstance(raised.value, type(plain)) and raised.value.__suppress_context__  # one message, not two
        assert raised.value.__traceback__ is not None and raised.value.__cause__ is None
        assert str(raised.value) == str(plain)
    assert isinstance(raised.value, OCPAPIError) and (raised.value.status, raised.value.trace_id) == (404, "t")
    with pytest.raises(OCPAPIError) as kept, failing_at_once():  # retryable, or 401/403: task retries apply
        raise OCPAPIError("later", status=503, retryable=True)
    assert not isinstance(kept.value, AirflowFailException)
