"""The hook's public task lists (log backup, data backup and restore tasks), written once.

The three lists take the same parameters, check them by the same rules and walk pages the same way; only the
endpoint and the records' identity differ (a :class:`~airflow_provider_ocp.log_backup.records.TaskKind`). So their
signature, docstring and body are :func:`walk_task_list`'s, once, and each public method is that walk bound to its
kind (:func:`task_list`); :func:`listed` gives each its ``get_`` twin returning a list. Both keep the parameters
visible at run time (``__signature__``, ``__annotations__``): ``help()``, IDEs and Sphinx list them, and mypy checks
calls against them (``ParamSpec``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from airflow_provider_ocp.log_backup.records import TaskKind
from airflow_provider_ocp.log_backup.task_pages import TaskInput

P = ParamSpec("P")
T = TypeVar("T")
H = TypeVar("H")


class TaskWalker(Protocol):
    """What a task list needs of its hook: the one walk behind every list (``OCPHook.iter_tasks``)."""

    def iter_tasks(
        self, kind: TaskKind, task_input: TaskInput, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]: ...


def walk_task_list(
    self: TaskWalker,
    kind: TaskKind,
    cluster_id: int | str | None = None,
    start_time: datetime | str | None = None,
    end_time: datetime | str | None = None,
    page_size: int | None = None,
    tenant_id: int | str | None = None,
    *,
    cluster_name: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Input is checked before any request: a positive cluster id (or a name, looked up in OCP's list), aware times,
    both or neither, start not after end, a page size from 1 (above 2000 lowered with a warning). Records come
    normalised, across all pages, each task once (as first seen, even if it moves between pages).

    :param cluster_id: OCP cluster id (or give ``cluster_name``).
    :param start_time: window start (aware datetime or ISO text with offset); both bounds or neither.
    :param end_time: window end.
    :param page_size: records per page; default the connection's page size (2000, OCP's maximum).
    :param tenant_id: restrict to one tenant (OCP 4.x tenant endpoint).
    :param cluster_name: the cluster's name as OCP shows it, instead of ``cluster_id``.
    """
    task_input = TaskInput.check(cluster_id, cluster_name, start_time, end_time, tenant_id)
    yield from self.iter_tasks(kind, task_input, page_size)


def task_list(
    walk: Callable[Concatenate[H, TaskKind, P], Iterator[T]], kind: TaskKind, name: str, summary: str
) -> Callable[Concatenate[H, P], Iterator[T]]:
    """A public method: ``walk`` (:func:`walk_task_list`) bound to ``kind``, named ``name``, its docstring
    ``summary`` followed by the walk's rules and parameters. It is a generator function, as the walk is, so that
    :func:`~airflow_provider_ocp.hooks.public_methods.hook_errors` also handles what it raises while the caller
    iterates.

    :param walk: the walk, taking the kind after the hook.
    :param kind: the task list it walks.
    :param name: the method's name on the hook, e.g. ``iter_restore_tasks``.
    :param summary: the docstring's first paragraph: what the list is and how a task is told apart.
    """

    @functools.wraps(walk)
    def method(self: H, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        yield from walk(self, kind, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    hook, _kind, *shown = inspect.signature(walk).parameters.values()  # self as on any method: not annotated
    parameters = [hook.replace(annotation=inspect.Parameter.empty), *shown]
    method.__signature__ = inspect.signature(walk).replace(parameters=parameters)  # type: ignore[attr-defined]
    method.__annotations__ = {k: v for k, v in walk.__annotations__.items() if k not in ("self", "kind")}
    method.__doc__ = f"{summary}\n\n{inspect.getdoc(walk)}"
    del method.__wrapped__  # what help() and Sphinx show is __signature__, never the walk with its kind
    return method


def listed(walk: Callable[P, Iterator[T]]) -> Callable[P, list[T]]:
    """A method returning as a list what ``walk`` yields, with ``walk``'s parameters, written once: mypy checks
    calls against them, and ``help()`` and Sphinx show them (``__wrapped__`` and ``__signature__``).

    :param walk: a generator method, e.g. ``OCPHook.iter_log_backup_tasks``.
    """

    @functools.wraps(walk)
    def as_list(*args: P.args, **kwargs: P.kwargs) -> list[T]:
        return list(walk(*args, **kwargs))

    name = walk.__name__.replace("iter_", "get_", 1)
    as_list.__name__, as_list.__qualname__ = name, walk.__qualname__.replace(walk.__name__, name)
    returns = str(walk.__annotations__.get("return", "Iterator")).replace("Iterator", "list", 1)
    as_list.__annotations__ = {**walk.__annotations__, "return": returns}  # a new dict: walk's stays as it is
    as_list.__signature__ = inspect.signature(walk).replace(return_annotation=returns)  # type: ignore[attr-defined]
    as_list.__doc__ = (
        f"What :meth:`{walk.__name__}` yields, as a list (for what memory holds).\n\n{inspect.getdoc(walk)}"
    )
    return as_list
