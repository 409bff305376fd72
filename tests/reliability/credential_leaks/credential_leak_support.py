"""Helpers of the credential leak tests (tests/reliability/credential_leaks/): distinctive credentials, the forms
in which a secret could slip into text, the secrets the emulator received, and the evidence searched for them.
The ``emu`` fixture is in conftest.py.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import quote

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME, compute_signature
from airflow_provider_ocp.testing import Authenticator, OCPEmulator

PASSWORD = "Pw/0f+Sekr1t=Basic%Auth"  # URL syntax inside, so encoded forms are searched as well
ACCESS_KEY_ID = "AKID-public-part"
ACCESS_KEY_SECRET = "AK+s3cret/Only=Here_987"
FAST = {"max_retries": 3, "retry_backoff": 0.01, "retry_max_wait": 0.05}


def forms(secret: str) -> set[str]:
    """A secret and the encodings in which it could slip into text."""
    return {secret, quote(secret, safe=""), quote(secret), base64.b64encode(secret.encode()).decode()}


def sent_secrets(emu: OCPEmulator, auth_type: str) -> set[str]:
    """Every Authorization value the emulator received, and for AccessKey each signature, recomputed and checked."""
    found: set[str] = set()
    for recorded in emu.requests:
        header = recorded.header("Authorization")
        assert header, "every request carries credentials"
        found.add(header)
        scheme, _, credentials = header.partition(" ")
        found.add(credentials)
        if auth_type == "access_key":
            assert scheme == ACCESS_KEY_SCHEME
            signature = credentials.split(":", 1)[1]
            secret = emu.auth.access_keys.get(ACCESS_KEY_ID, "")
            if recorded.status != 401:  # accepted: the provider computed exactly this signature
                assert compute_signature(secret, Authenticator.string_to_sign(recorded)) == signature
            found.add(signature)
    return found


@dataclass
class Evidence:
    """Text from every place a secret could surface."""

    parts: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, text: object) -> None:
        self.parts[where] = self.parts.get(where, "") + "\n" + str(text)

    def assert_clean(self, secrets: set[str]) -> None:
        for secret in secrets:
            assert len(secret) >= 8, secret  # long enough that a hit is a leak, not a coincidence
            for where, text in self.parts.items():
                assert secret not in text, f"secret {secret[:4]}... found in {where}"
