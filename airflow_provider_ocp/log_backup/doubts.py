"""Doubts about a unit's latest log backup task: why the latest task seen may not be the current one.

A doubt is a reason plus the ``createTime`` of the task that raised it (None when unreadable), so the rules of
:mod:`~airflow_provider_ocp.log_backup.units` can tell a doubt that could change the answer (a task at or after the
unit's latest one, or one without a readable time) from one that cannot (a task created strictly before).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Doubt:
    """A reason a unit's latest task may not be the one seen.

    :param reason: in words, naming the tenant's field (e.g. ``createTime missing``).
    :param created: the doubtful task's ``createTime``; None when unreadable (it might be the newest of all).
    """

    reason: str
    created: datetime | None

    def could_be_after(self, latest: datetime | None) -> bool:
        """Whether the doubtful task could be at or after ``latest``, a unit's latest ``createTime``.

        :param latest: the unit's latest ``createTime``, None when it has none.
        """
        return self.created is None or latest is None or self.created >= latest


def stronger_doubt(old: Doubt | None, new: Doubt) -> Doubt:
    """Of two doubts about a unit, the one that applies more widely (an unreadable time first, else the newer): a unit
    keeps only that one: whatever latest task the other could be after, it could be too.

    :param old: the unit's doubt so far, None when it had none.
    :param new: a doubt just found.
    """
    if old is None or old.created is None:
        return old or new
    return new if new.created is None or new.created > old.created else old
