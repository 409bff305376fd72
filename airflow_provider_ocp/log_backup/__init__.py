"""The log-backup domain: the task query, record normalisation, the delay gate, the extraction window and outputs.

Pure logic on records and times; the Airflow adapters (operators, sensors, triggers) drive it, and it reaches OCP only
through the hooks.
"""
