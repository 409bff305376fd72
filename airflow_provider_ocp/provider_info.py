"""The provider metadata Airflow reads through the ``apache_airflow_provider`` entry point.

The connection form is declared here (``conn-fields`` and ``ui-field-behaviour``, Airflow 3.2+), so the UI can
render it without importing the hook.
"""

from __future__ import annotations

from typing import Any

INTEGRATION = "OceanBase Cloud Platform (OCP)"


def _field(label: str, description: str, kind: str, default: Any = None, **schema: Any) -> dict[str, Any]:
    """One extra field of the connection form: a label, a hint, and a JSON schema that also accepts null (unset).

    :param label: the form label.
    :param description: the hint under the field; says what the value does and when to change it.
    :param kind: the JSON schema type (string, number, integer, boolean).
    :param default: the value the provider uses when the field is empty.
    :param schema: more JSON schema keywords (``enum``).
    """
    field_schema = {"type": [kind, "null"], **schema}
    if default is not None:
        field_schema["default"] = default
    return {"label": label, "description": description, "schema": field_schema}


CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "auth_type": _field(
        "Auth type",
        "basic (console user and password) or access_key (OCP 4.x AccessKey signature).",
        "string",
        "basic",
        enum=["basic", "access_key", None],
    ),
    "verify": _field(
        "Verify TLS certificate", "Leave on. Turn off only for a throw-away test server.", "boolean", True
    ),
    "ca_bundle": _field(
        "CA bundle path",
        "PEM file of the CA that signed OCP's certificate, for private CAs, e.g. /etc/ssl/certs/ocp-ca.pem",
        "string",
    ),
    "timeout": _field("Read timeout (seconds)", "How long to wait for OCP to answer one request.", "number", 60),
    "connect_timeout": _field(
        "Connect timeout (seconds)", "How long to wait for a TCP and TLS connection to OCP.", "number", 10
    ),
    "proxy": _field("Proxy URL", "HTTP(S) proxy for requests to OCP, e.g. http://proxy.example:3128", "string"),
    "trust_env": _field(
        "Use environment proxies and CA bundle",
        "Without a Proxy URL, OCP requests go through the worker's HTTPS_PROXY/HTTP_PROXY (except NO_PROXY hosts), "
        "and trust its CA bundle variables. Turn off to ignore the environment.",
        "boolean",
        True,
    ),
    "max_retries": _field(
        "Max retries", "Retries per request on connection errors, timeouts, 429 and 5xx.", "integer", 5
    ),
    "retry_backoff": _field(
        "Retry backoff base (seconds)",
        "First retry waits about this long; each further retry doubles it, with jitter.",
        "number",
        1,
    ),
    "retry_max_wait": _field(
        "Max wait between retries (seconds)", "Caps both the backoff and a server's Retry-After.", "number", 60
    ),
    "concurrency": _field(
        "Parallel page fetches",
        "Pages fetched at once after the first; 1 fetches strictly one after another.",
        "integer",
        4,
    ),
    "page_size": _field("Page size", "Records per page; OCP allows at most 2000.", "integer", 2000),
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port"],
    "relabeling": {
        "host": "OCP URL",
        "login": "Username or AccessKey ID",
        "password": "Password or AccessKey secret",
    },
    "placeholders": {
        "host": "https://ocp.example.com:8080",
        "login": "admin, or the AccessKey ID",
        "password": "password, or the AccessKey secret",
        "auth_type": "basic",
        "ca_bundle": "/etc/ssl/certs/ocp-ca.pem",
        "proxy": "http://proxy.example:3128",
    },
}


def ui_field_behaviour() -> dict[str, Any]:
    """:data:`UI_FIELD_BEHAVIOUR` as Airflow 3.0 and 3.1 read it from the hook (underscored keys)."""
    return {key.replace("-", "_"): UI_FIELD_BEHAVIOUR[key] for key in ("hidden-fields", "relabeling", "placeholders")}


def connection_form_widgets() -> dict[str, Any]:
    """:data:`CONNECTION_FIELDS` as the wtforms fields Airflow 3.0 and 3.1 build the connection form from.

    Numbers are text fields (those lines accept only string, integer, password and boolean fields); the provider
    validates them when it reads the connection, naming the field.
    """
    from wtforms import BooleanField, IntegerField, StringField
    from wtforms.validators import Optional, any_of

    field_classes = {"boolean": BooleanField, "integer": IntegerField}
    widgets = {}
    for name, spec in CONNECTION_FIELDS.items():
        schema = spec["schema"]
        kind = schema["type"][0]
        validators: list[Any] = [Optional()]
        if "enum" in schema:
            validators.append(any_of([value for value in schema["enum"] if value is not None]))
        field_class = field_classes.get(kind, StringField)
        default = schema.get("default")
        if field_class is StringField and default is not None:
            default = str(default)  # a text field holding 60 must say "60", or the form flags its own default
        widgets[name] = field_class(
            spec["label"], validators=validators, description=spec["description"], default=default
        )
    return widgets


def get_provider_info() -> dict[str, Any]:
    """Return the provider description Airflow's ProvidersManager validates and loads."""
    return {
        "package-name": "airflow-provider-ocp",
        "name": "OceanBase Cloud Platform (OCP)",
        "description": "Extract OCP log backup tasks and gate DAGs on log backup delay.",
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://en.oceanbase.com/docs/ocp",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider_ocp.hooks.ocp"]}],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider_ocp.operators.log_backup",
                    "airflow_provider_ocp.operators.restore",
                    "airflow_provider_ocp.operators.backup",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_provider_ocp.sensors.log_backup", "airflow_provider_ocp.sensors.task"],
            }
        ],
        "triggers": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider_ocp.triggers.log_backup",
                    "airflow_provider_ocp.triggers.task",
                    "airflow_provider_ocp.triggers.events",
                ],
            }
        ],
        "extra-links": ["airflow_provider_ocp.operators.links.OCPTaskLink"],
        "connection-types": [
            {
                "connection-type": "ocp",
                "hook-class-name": "airflow_provider_ocp.hooks.ocp.OCPHook",
                "hook-name": "OceanBase Cloud Platform",
                "conn-fields": CONNECTION_FIELDS,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
    }
