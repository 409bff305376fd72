"""Restore POSTs on the wire: AccessKey-signed with either MD5 case and a checked Content-MD5, and a POST whose
connection dropped after the restore had started."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timezone
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest
import requests
from emulator_restore_support import C1, C2, INFO, body, error, get, post

from airflow_provider_ocp.testing import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, OCPEmulator


def _signed_post(emu: OCPEmulator, raw: bytes, md5: str, content_md5: str | None = None) -> requests.Response:
    split = urlsplit(emu.api_url)
    path = f"{split.path}/ob/clusters/{C1}/backup/restore"
    date = format_datetime(emu.clock.now().astimezone(timezone.utc), usegmt=True)
    host = split.netloc
    to_sign = "\n".join(["POST", md5, "application/json", date, host, "x-ocp-origin:drill-test", path])
    digest = hmac.new(DEFAULT_ACCESS_KEY_SECRET.encode(), to_sign.encode(), hashlib.sha1).digest()
    headers = {
        "Authorization": f"OCP-ACCESS-KEY-HMACSHA1 {DEFAULT_ACCESS_KEY_ID}:{base64.b64encode(digest).decode()}",
        "Date": date,
        "Host": host,
        "Content-Type": "application/json",
        "x-ocp-origin": "drill-test",
    }
    if content_md5 is not None:
        headers["Content-MD5"] = content_md5
    return requests.post(f"{split.scheme}://{host}{path}", data=raw, headers=headers, timeout=10)


def test_access_key_post_accepts_either_md5_case_and_checks_content_md5(emu: OCPEmulator) -> None:
    raw = json.dumps(body("signed_upper")).encode()
    md5 = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    assert _signed_post(emu, raw, md5.upper(), content_md5=md5.upper()).status_code == 200
    raw = json.dumps(body("signed_lower")).encode()
    md5 = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    assert _signed_post(emu, raw, md5).status_code == 200
    raw = json.dumps(body("wrong_md5")).encode()
    md5 = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    error(
        _signed_post(emu, raw, md5, content_md5=hashlib.md5(b"other", usedforsecurity=False).hexdigest()),
        400,
        0,
        "Content-MD5",
    )
    error(_signed_post(emu, raw, hashlib.md5(b"other", usedforsecurity=False).hexdigest()), 401, 0)
    assert [
        r["restoreTenantName"]
        for r in get(emu, f"/ob/clusters/{C2}/backup/task/restoreTasks", page=1, size=9)["contents"]
    ] == ["signed_lower", "signed_upper"]


def test_a_dropped_post_still_started_the_restore(emu: OCPEmulator) -> None:
    emu.faults.add("drop_connection", path_contains="/backup/restore", fraction=0)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        post(emu, body("dropped"))  # the status line and headers went out, none of the body
    assert [(r.method, r.status, r.fault) for r in emu.requests] == [("POST", 200, "drop_connection")]
    (record,) = get(emu, f"/ob/clusters/{C2}/backup/task/restoreTasks", page=1, size=9)["contents"]
    assert (record["restoreTenantName"], record["status"]) == ("dropped", "RESTORE_DOING")
    # the client's retry is refused: the name is the target of the running restore
    error(post(emu, body("dropped")), 400, 10001, f"{INFO}.name")
