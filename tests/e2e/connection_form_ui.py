"""Driving the ``ocp`` connection form in Airflow's real UI (Playwright): log in, open Admin -> Connections, fill and
save a new ``ocp`` connection, find its extra fields, and press a row's Test Connection button, working around
Airflow 3.3.2's Test button for connections without a port. Used by ``test_connection_form.py``.
"""

from __future__ import annotations

import json
from typing import Any

from airflow_rest_client import AirflowClient
from airflow_standalone import AirflowStandalone
from playwright.sync_api import Locator, Page, Route, expect

from airflow_provider_ocp.provider_info import UI_FIELD_BEHAVIOUR

TYPE_NAME = "OceanBase Cloud Platform"
PORT_BUG = "The host or port to test differs from the stored connection"


class PortlessTestShim:
    """Work around Airflow 3.3.2's Test button for connections without a port (apache/airflow#73298).

    The list's Test button posts ``port: Number(null)``, i.e. ``0``; the API then sees a port "different from the
    stored connection" and answers 400 without testing. Only once that exact answer has been seen, this rewrites the
    UI's request to ``port: null`` (what the upstream fix makes the API accept), so the provider still gets tested.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.active = False

    def activate(self) -> None:
        if not self.active:
            self.page.route("**/api/v2/connections/test", self._rewrite)
            self.active = True

    @staticmethod
    def _rewrite(route: Route) -> None:
        body = route.request.post_data_json
        if isinstance(body, dict) and body.get("port") == 0:
            body["port"] = None
        route.continue_(post_data=json.dumps(body))


def login(page: Page, airflow: AirflowStandalone) -> None:
    page.goto(f"{airflow.base_url}/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(airflow.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Admin").wait_for()


def open_connections(page: Page) -> None:
    page.get_by_role("button", name="Admin").click()
    page.get_by_role("menuitem", name="Connections").click()
    page.wait_for_url("**/connections")
    page.get_by_role("button", name="Add Connection").wait_for()


def open_new_ocp_form(page: Page, conn_id: str) -> Locator:
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Connection ID").fill(conn_id)
    combo = dialog.get_by_role("combobox", name="Connection Type")
    combo.fill("OceanBase")
    page.get_by_role("option", name=TYPE_NAME, exact=True).click()
    dialog.get_by_role("button", name="Standard Fields", exact=True).wait_for()
    return dialog


def open_section(dialog: Locator, name: str) -> None:
    """Expand an accordion section of the form (they are exclusive: opening one closes the others)."""
    button = dialog.get_by_role("button", name=name, exact=True)
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    expect(button).to_have_attribute("aria-expanded", "true")


def fill_standard(dialog: Locator, host: str, login_: str, password: str) -> None:
    labels = UI_FIELD_BEHAVIOUR["relabeling"]
    open_section(dialog, "Standard Fields")
    dialog.get_by_label(labels["host"], exact=True).fill(host)
    dialog.get_by_label(labels["login"], exact=True).fill(login_)
    dialog.get_by_label(labels["password"], exact=True).fill(password)


def extra_field(dialog: Locator, key: str) -> Locator:
    """The control of the extra field ``key``: named ``element_<key>``, except Airflow 3.1's select (an enum field),
    which has no name, only the id ``select:element_<key>`` on its root."""
    named = dialog.locator(f"[name='element_{key}']")
    select = dialog.locator(f"[id='select:element_{key}']")
    expect(named.or_(select).first, f"extra field {key!r} is not in the form").to_be_attached()
    return named if named.count() else select


def field_value(box: Locator) -> str:
    """What an extra field's control shows: its value, the chosen option of a 3.1 select, or "checkbox"."""
    if box.get_attribute("type") == "checkbox":
        return "checkbox"
    if box.get_attribute("data-scope") == "select" and box.get_attribute("data-part") == "root":
        return box.locator("[data-part='value-text']").inner_text()
    return box.input_value()


def save(page: Page, dialog: Locator, conn_id: str) -> None:
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="hidden")
    connection_row(page, conn_id).wait_for()


def connection_row(page: Page, conn_id: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=conn_id, exact=True))


def press_test(page: Page, conn_id: str, shim: PortlessTestShim) -> tuple[dict[str, Any], str, str]:
    """Click the row's Test Connection button; return the API's answer and the toast's outcome and text."""
    toasts = page.get_by_role("status").filter(has_text="Test Connection")
    for _ in range(2):
        page.mouse.move(1, 1)  # a toast under the pointer never times out
        expect(toasts).to_have_count(0, timeout=60_000)  # earlier toasts gone: the next one is this click's
        with page.expect_response("**/api/v2/connections/test", timeout=90_000) as answer:
            connection_row(page, conn_id).get_by_role("button", name="Test Connection").click()
        response = answer.value
        body = response.json()
        if response.status == 400 and PORT_BUG in str(body.get("detail")) and not shim.active:
            shim.activate()
            continue
        break
    toasts.first.wait_for()
    text = toasts.first.inner_text()
    outcomes = {"Test Connection Successful": "success", "Test Connection Failed": "failed"}
    outcome = next((word for title, word in outcomes.items() if title in text), "")
    return body, outcome, text


def stored_connection(airflow: AirflowStandalone, conn_id: str) -> dict[str, Any]:
    client: AirflowClient = airflow.client()
    return dict(client.request("GET", f"/connections/{conn_id}"))
