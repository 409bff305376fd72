"""The provider metadata Airflow reads through the ``apache_airflow_provider`` entry point.

The connection form is declared here (``conn-fields`` and ``ui-field-behaviour``, Airflow 3.2+), so the UI can
render it without importing the hook.
"""

from __future__ import annotations

from typing import Any

INTEGRATION = "OceanBase Cloud Platform (OCP)"

CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "auth_type": {
        "label": "Auth type",
        "description": "basic (console user and password) or access_key (OCP 4.x AccessKey signature).",
        "schema": {"type": ["string", "null"], "enum": ["basic", "access_key", None], "default": "basic"},
    },
    "verify": {
        "label": "Verify TLS certificate",
        "description": "Leave on. Turn off only for a throw-away test server.",
        "schema": {"type": ["boolean", "null"], "default": True},
    },
    "ca_bundle": {
        "label": "CA bundle path",
        "description": (
            "PEM file of the CA that signed OCP's certificate, for private CAs, e.g. /etc/ssl/certs/ocp-ca.pem"
        ),
        "schema": {"type": ["string", "null"]},
    },
    "timeout": {
        "label": "Read timeout (seconds)",
        "description": "How long to wait for OCP to answer one request.",
        "schema": {"type": ["number", "null"], "default": 60},
    },
    "connect_timeout": {
        "label": "Connect timeout (seconds)",
        "schema": {"type": ["number", "null"], "default": 10},
    },
    "proxy": {
        "label": "Proxy URL",
        "description": "HTTP(S) proxy for requests to OCP, e.g. http://proxy.example:3128",
        "schema": {"type": ["string", "null"]},
    },
    "max_retries": {
        "label": "Max retries",
        "description": "Retries per request on connection errors, timeouts, 429 and 5xx.",
        "schema": {"type": ["integer", "null"], "default": 5},
    },
    "retry_backoff": {
        "label": "Retry backoff base (seconds)",
        "description": "First retry waits about this long; each further retry doubles it, with jitter.",
        "schema": {"type": ["number", "null"], "default": 1},
    },
    "retry_max_wait": {
        "label": "Max wait between retries (seconds)",
        "description": "Caps both the backoff and a server's Retry-After.",
        "schema": {"type": ["number", "null"], "default": 60},
    },
    "concurrency": {
        "label": "Parallel page fetches",
        "description": "Pages fetched at once after the first; 1 fetches strictly one after another.",
        "schema": {"type": ["integer", "null"], "default": 4},
    },
    "page_size": {
        "label": "Page size",
        "description": "Records per page; OCP allows at most 2000.",
        "schema": {"type": ["integer", "null"], "default": 2000},
    },
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
            {"integration-name": INTEGRATION, "python-modules": ["airflow_provider_ocp.operators.log_backup"]}
        ],
        "sensors": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider_ocp.sensors.log_backup"]}],
        "triggers": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider_ocp.triggers.log_backup"]}],
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
