"""The demo's DAG-run trigger: a 5xx from Airflow's API is tried again without ever making a second run."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest
from airflow_rest_client import AirflowClient, StandaloneError
from hostile_server import Seen, hostile_server, send

RUN = {"dag_run_id": "demo_drill", "state": "queued"}


def scripted(statuses: list[int]) -> tuple[list[str], Callable[[BaseHTTPRequestHandler, Seen], None]]:
    """A fake API server: the token, then ``statuses`` for the POSTs of dagRuns in turn, and the run on a GET."""
    calls: list[str] = []

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        calls.append(f"{seen.method} {seen.path}")
        if seen.path == "/auth/token":
            send(handler, 201, json.dumps({"access_token": "t"}).encode())
        elif seen.method == "POST":
            status = statuses.pop(0)
            body = RUN if status == 200 else {"detail": "Database error" if status >= 500 else "Unique constraint"}
            send(handler, status, json.dumps(body).encode())
        else:
            send(handler, 200, json.dumps(RUN).encode())

    return calls, respond


@pytest.mark.parametrize(
    ("statuses", "posts", "gets"),
    [([200], 1, 0), ([500, 200], 2, 0), ([503, 409], 2, 1), ([500, 500, 200], 3, 0)],
    ids=["at-once", "after-a-500", "the-500-had-made-it", "third-attempt"],
)
def test_a_5xx_is_tried_again_and_a_409_after_it_means_the_run_exists(
    statuses: list[int], posts: int, gets: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("airflow_rest_client.time.sleep", lambda seconds: None)
    calls, respond = scripted(statuses)
    with hostile_server(respond) as server:
        run = AirflowClient(server.url, "admin", "pw").trigger("drill", "demo_drill", None)
    assert run == RUN
    assert sum(call.startswith("POST /api/v2/dags/drill/dagRuns") for call in calls) == posts
    assert calls.count("GET /api/v2/dags/drill/dagRuns/demo_drill") == gets


@pytest.mark.parametrize("statuses", [[409], [400], [500, 500, 500]], ids=["409-at-once", "400", "three-500s"])
def test_a_first_409_a_4xx_or_three_5xx_fail_naming_the_status(
    statuses: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("airflow_rest_client.time.sleep", lambda seconds: None)
    calls, respond = scripted(list(statuses))
    with hostile_server(respond) as server, pytest.raises(StandaloneError) as raised:
        AirflowClient(server.url, "admin", "pw").trigger("drill", "demo_drill", None)
    assert f"HTTP {statuses[-1]}" in str(raised.value)
    assert sum(call.startswith("POST /api/v2/dags/") for call in calls) == len(statuses)
