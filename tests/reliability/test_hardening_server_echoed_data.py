"""Hostile servers (issue 12), 2: a secret a server echoes into its *data* reaches no error or log of either hook.

Errors about OCP's data quote what OCP sent (a record, a page member, a cluster name, a time), and are built after the
response is read, outside the request's own scrubbing. The rule (``hooks/public_methods.py`` ``hook_errors``): every
error a hook's public method raises, or any log record made meanwhile, has the connection's secrets replaced by
``***``, and a quoted text is shown whole or not at all (``validation.short_repr``), so no part of a secret shows
either.

The secrets are drawn from Greek and Cyrillic letters, which no message of the provider holds: any such letter in an
error is part of the secret, whatever the cut.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from hostile_server import Seen, envelope, hostile_server, send
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_ocp.exceptions import OCPError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook

CLUSTER = 1000001
SECRET_LETTERS = "αβγδεζηθικλμνξοπρστυφχψω" + "абвгдежзийклмнопрстуфхцчшщъыьэюя"
PAGE = {"number": 1, "size": 10, "totalElements": 1, "totalPages": 1}


def recoverable_info(start: str) -> dict[str, Any]:
    interval = {"startTime": start, "endTime": "2024-08-06T00:00:00Z"}
    item = {"obRecoverableSectionItemType": "RECOVERABLE", "realRecoverableTimeInterval": interval}
    aggregation = {"latestSevenDaysAggregation": {"obRecoverableSectionItems": [item]}}
    return {"tenantBackupInfos": [{"tenantId": 2001, "obRecoverableInfoAggregation": aggregation}]}


# Each site: the data OCP answers, holding the echoed text, and the same call through either hook.
SITES: dict[str, tuple[Callable[[str], Any], Callable[[Any], Any]]] = {
    "record that is not an object": (
        lambda echo: {"contents": [echo], "page": PAGE},
        lambda hook: hook.get_log_backup_snapshot(CLUSTER),
    ),
    "page member that is not an object": (
        lambda echo: {"contents": [], "page": echo},
        lambda hook: hook.get_log_backup_snapshot(CLUSTER),
    ),
    "page count that is text": (
        lambda echo: {"contents": [], "page": {**PAGE, "totalPages": echo}},
        lambda hook: hook.get_log_backup_snapshot(CLUSTER),
    ),
    "cluster names listed for a name OCP lacks": (
        lambda echo: {"contents": [{"id": 7, "name": echo}], "page": PAGE},
        lambda hook: hook.resolve_cluster_id(cluster_name="no-such-cluster"),
    ),
    "recoverable window bound": (
        recoverable_info,
        lambda hook: hook.get_recoverable_windows(CLUSTER),
    ),
}


def run_site(site: str, client: str, url: str, auth_type: str, secret: str) -> OCPError:
    """The error the call of ``site`` raises through ``client``'s hook, against the server at ``url``."""
    call = SITES[site][1]
    extra = {"auth_type": auth_type, "max_retries": 0}
    conn = {"conn_type": "ocp", "host": url, "login": "reader", "password": secret, "extra": extra}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
        with pytest.raises(OCPError) as raised:
            if client == "sync":
                call(OCPHook())
            else:

                async def go() -> Any:
                    async with OCPAsyncHook() as hook:
                        return await call(hook)

                asyncio.run(go())
    return raised.value


@contextmanager
def recorded_logs() -> Iterator[list[str]]:
    """Every log record's text (message and traceback) made in the block, by any logger, as a handler gets it."""
    texts: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            texts.append(record.getMessage() + (record.exc_text or ""))

    handler, root = Keep(logging.DEBUG), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield texts
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_secret_echoed_into_the_data_reaches_no_error_or_log_of_either_hook() -> None:
    answer: dict[str, bytes] = {}

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        send(handler, 200, answer["body"])

    with hostile_server(respond) as server:

        @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            secret=st.text(SECRET_LETTERS, min_size=3, max_size=40),
            padding=st.integers(0, 90),
            tail=st.integers(0, 40),
            echo_case=st.sampled_from([str, str.upper]),
            site=st.sampled_from(sorted(SITES)),
            client=st.sampled_from(["sync", "async"]),
            auth_type=st.sampled_from(["basic", "access_key"]),
        )
        def check(
            secret: str,
            padding: int,
            tail: int,
            echo_case: Callable[[str], str],
            site: str,
            client: str,
            auth_type: str,
        ) -> None:
            echo = "x" * padding + echo_case(secret) + "y" * tail
            answer["body"] = envelope(SITES[site][0](echo))
            with recorded_logs() as records:
                error = run_site(site, client, server.url, auth_type, secret)
            texts = [str(error), repr(error), *map(str, error.args), getattr(error, "message", ""), *records]
            leaked = [text for text in texts if any(letter in text.lower() for letter in SECRET_LETTERS)]
            assert not leaked, leaked
            # The value was quoted (scrubbed) or described by its length: the site did reach the echoed text.
            assert "***" in str(error) or f"<a text of {len(echo)} characters>" in str(error), str(error)

        check()


@pytest.mark.parametrize("client", ["sync", "async"])
def test_the_echoed_secret_is_replaced_where_it_stood(client: str) -> None:
    """A hand-written case: the record quoted whole, the secret in it replaced by ``***``."""
    body = envelope({"contents": ["pw=σεκρετ!"], "page": PAGE})
    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        error = run_site("record that is not an object", client, server.url, "basic", "σεκρετ")
    assert "(the first: 'pw=***!')" in str(error)
