"""OCP's wire protocol, transport-free: settings, signing, the envelope, retries, pagination and timestamps.

Nothing here sends a byte or knows about log backup: the hooks (:mod:`airflow_provider_ocp.hooks`) bring the
transport (requests, httpx) and the log-backup domain (:mod:`airflow_provider_ocp.log_backup`) brings the endpoint.
"""
