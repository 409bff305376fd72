"""What the TLS tests of the clients and of the trigger share: fast retries for the connection, and the hint a failed
verification of OCP's certificate gives."""

from __future__ import annotations

FAST = {"max_retries": 3, "retry_backoff": 0.01, "retry_max_wait": 0.05}
CA_HINT = "set the connection extra 'ca_bundle' to that CA's PEM file"
