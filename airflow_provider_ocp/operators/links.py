"""The "OCP task" extra link: OCP's task page for the task an operator or sensor waits on.

The URL is the connection's OCP URL (scheme, host, port and path prefix; the connection refuses credentials in it, and
login and password are never part of it) followed by ``/task/{id}``, the console's task page **[uncertain]**: OCP's
documentation describes the Task Center and its task details page but not the route; adjust :data:`TASK_PAGE` if
your OCP routes it differently. The URL is pushed to XCom (key ``ocp_task_url``) as soon as the task id is known, so
the link works while the task runs and after the worker is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow.sdk.types import TaskInstanceKey

TASK_PAGE = "/task/{task_id}"
TASK_URL_KEY = "ocp_task_url"
TASK_ID_KEY = "ocp_task_id"


def task_page_url(base_url: str, task_id: int) -> str:
    """OCP's task page for a task id.

    :param base_url: the connection's OCP URL as the hook's settings hold it (no credentials, no trailing slash).
    :param task_id: OCP's task instance id.
    """
    return base_url.rstrip("/") + TASK_PAGE.format(task_id=int(task_id))


def push_task(context: Any, base_url: str, task_id: int | list[int]) -> str:
    """Push ``ocp_task_id`` and ``ocp_task_url`` (the first task's page) to XCom; return the URL.

    :param context: the task's context.
    :param base_url: the connection's OCP URL.
    :param task_id: one OCP task id, or several (a cluster backup): the link opens the first.
    """
    first = task_id[0] if isinstance(task_id, list) else task_id
    url = task_page_url(base_url, first)
    context["ti"].xcom_push(key=TASK_ID_KEY, value=task_id)
    context["ti"].xcom_push(key=TASK_URL_KEY, value=url)
    return url


class OCPTaskLink(BaseOperatorLink):
    """Opens OCP's page of the task the operator or sensor started or waits on (see the module docstring)."""

    name = "OCP task"

    def get_link(self, operator: Any, *, ti_key: TaskInstanceKey) -> str:
        """The URL pushed under ``ocp_task_url``; empty before the task id is known.

        :param operator: the operator (unused: the URL was built from its connection when it ran).
        :param ti_key: the task instance.
        """
        url = XCom.get_value(ti_key=ti_key, key=TASK_URL_KEY)
        return url if isinstance(url, str) else ""
