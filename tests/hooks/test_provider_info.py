"""The provider dict is what every `airflow providers` command loads: a bad one breaks them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path

import jsonschema

from airflow_provider_ocp.provider_info import get_provider_info


def test_provider_info_matches_airflow_schema() -> None:
    schema = json.loads(resources.files("airflow").joinpath("provider_info.schema.json").read_text())
    info = get_provider_info()
    jsonschema.validate(info, schema)
    assert info["package-name"] == "airflow-provider-ocp"


def test_entry_point_is_registered() -> None:
    found = [ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith("airflow_provider_ocp")]
    assert found and found[0].load() is get_provider_info


def test_listed_modules_and_hook_class_import() -> None:
    import importlib

    info = get_provider_info()
    for kind in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[kind]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for conn in info["connection-types"]:
        module, _, name = conn["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module), name)
        assert hook.conn_type == conn["connection-type"]


def test_conn_fields_are_what_the_form_shows() -> None:
    (conn,) = get_provider_info()["connection-types"]
    fields = conn["conn-fields"]
    assert {"auth_type", "verify", "ca_bundle", "timeout", "proxy", "max_retries", "page_size"} <= set(fields)
    behaviour = conn["ui-field-behaviour"]
    assert behaviour["relabeling"] == {
        "host": "OCP URL",
        "login": "Username or AccessKey ID",
        "password": "Password or AccessKey secret",
    }


SEPARATOR = "--- next command ---"
TWO_COMMANDS = f"""
import sys
from airflow.__main__ import main
sys.argv = ["airflow", "providers", "list", "--output", "json"]
main()
print({SEPARATOR!r}, flush=True)
sys.argv = ["airflow", "providers", "hooks", "--output", "json"]
main()
"""


def test_airflow_cli_lists_provider_and_hook(tmp_path: Path) -> None:
    """``airflow providers list`` and ``airflow providers hooks``, through Airflow's own CLI entry point (what
    ``python -m airflow`` runs), one after the other in one fresh interpreter: one Airflow start-up, not two."""
    # Airflow 3.0 logs INFO lines (alembic plugins) to stdout ahead of the JSON; warnings and errors still show.
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-c", TWO_COMMANDS], capture_output=True, text=True, env=env, timeout=180, check=True
    )
    providers, hooks = result.stdout.split(SEPARATOR + "\n")
    assert "airflow-provider-ocp" in {p["package_name"] for p in json.loads(providers)}
    ocp = [h for h in json.loads(hooks) if h["connection_type"] == "ocp"]
    assert ocp and ocp[0]["class"] == "airflow_provider_ocp.hooks.ocp.OCPHook"


def test_the_named_hook_class_defines_the_form_methods_itself() -> None:
    """Airflow 3.0/3.1 build the connection form from the named hook class's own ``get_connection_form_widgets`` and
    ``get_ui_field_behaviour``, looked up in its ``__dict__``: inherited ones are silently ignored and the form shows
    "Host" instead of "OCP URL" (the browser test on 3.1 caught it once; this catches it in a second)."""
    import importlib

    (conn,) = get_provider_info()["connection-types"]
    module, _, name = conn["hook-class-name"].rpartition(".")
    hook = getattr(importlib.import_module(module), name)
    assert {"get_connection_form_widgets", "get_ui_field_behaviour"} <= set(vars(hook))
    assert hook.get_ui_field_behaviour()["relabeling"]["host"] == "OCP URL"
