"""Index arithmetic for one cluster's task history, so a million tasks cost nothing until a page is rendered.

Tasks are numbered 0, 1, 2... in creation order. The first ``base_count`` are synthetic: task ``i`` was created
at ``base_start + i * step`` and belongs to unit ``i % units`` (a unit is a tenant, or the whole cluster for OCP
3.x cluster-level backup). Appended tasks follow with explicit creation times (never earlier than the task before).
Deleted tasks are remembered as sorted index lists. A :class:`TimelineView` (all tasks, or one unit's) maps a
``createTime`` window and a page to index ranges with bisection and division, never by materializing records.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

_MILLISECOND_US = 1000


class Timeline:
    """The ordered task indices of one cluster.

    :param base_count: how many synthetic history tasks exist at start.
    :param units: how many units (tenants, or 1 for a cluster-level cluster) the tasks rotate over.
    :param base_start_us: ``createTime`` of task 0, in microseconds since the epoch.
    :param step_us: the time between consecutive synthetic tasks, in microseconds (at least 1 ms).
    """

    def __init__(self, *, base_count: int, units: int, base_start_us: int, step_us: int) -> None:
        if units < 1 or base_count < 0 or step_us < _MILLISECOND_US:
            raise ValueError("a timeline needs units >= 1, base_count >= 0 and a step of at least 1 ms")
        self.base_count = base_count
        self.units = units
        self.base_start_us = base_start_us
        self.step_us = step_us
        self.app_us: list[int] = []
        self.app_unit: list[int] = []
        self.unit_app_idx: list[list[int]] = [[] for _ in range(units)]
        self.unit_app_us: list[list[int]] = [[] for _ in range(units)]
        self.deleted: list[int] = []
        self.deleted_set: set[int] = set()
        self.unit_deleted: list[list[int]] = [[] for _ in range(units)]

    @property
    def total(self) -> int:
        """Every task ever created, deleted ones included."""
        return self.base_count + len(self.app_us)

    @property
    def live_total(self) -> int:
        """Tasks that still exist."""
        return self.total - len(self.deleted)

    def unit_of(self, index: int) -> int:
        """The unit a task belongs to.

        :param index: a task index.
        """
        if index < self.base_count:
            return index % self.units
        return self.app_unit[index - self.base_count]

    def create_us(self, index: int) -> int:
        """A task's ``createTime`` in microseconds since the epoch.

        :param index: a task index.
        """
        if index < self.base_count:
            return self.base_start_us + index * self.step_us
        return self.app_us[index - self.base_count]

    def is_base(self, index: int) -> bool:
        """Whether a task is one of the synthetic history tasks.

        :param index: a task index.
        """
        return index < self.base_count

    def append(self, unit: int, create_us: int) -> int:
        """Add the newest task; its time is moved to 1 ms after the previous newest task if not later already.

        :param unit: the unit the task belongs to.
        :param create_us: the wanted ``createTime``, microseconds since the epoch.
        :returns: the new task's index.
        """
        if not 0 <= unit < self.units:
            raise ValueError(f"unit {unit} out of range")
        if self.total:
            create_us = max(create_us, self.create_us(self.total - 1) + _MILLISECOND_US)
        index = self.total
        self.app_us.append(create_us)
        self.app_unit.append(unit)
        self.unit_app_idx[unit].append(index)
        self.unit_app_us[unit].append(create_us)
        return index

    def delete(self, indices: Iterable[int]) -> int:
        """Mark tasks deleted; paging skips them from now on.

        :param indices: task indices; unknown or already deleted ones are ignored.
        :returns: how many tasks were newly deleted.
        """
        fresh = sorted({i for i in indices if 0 <= i < self.total and i not in self.deleted_set})
        if not fresh:
            return 0
        self.deleted_set.update(fresh)
        self.deleted = sorted(self.deleted + fresh)
        by_unit: dict[int, list[int]] = {}
        for index in fresh:
            by_unit.setdefault(self.unit_of(index), []).append(index)
        for unit, added in by_unit.items():
            self.unit_deleted[unit] = sorted(self.unit_deleted[unit] + added)
        return len(fresh)

    def view(self, unit: int | None = None) -> TimelineView:
        """A view over all tasks (``unit`` None) or over one unit's tasks.

        :param unit: a unit number, or None for the whole cluster.
        """
        return TimelineView(self, unit)


class TimelineView:
    """Positions 0..size-1 over a subset of a timeline's tasks, in creation order.

    :param timeline: the timeline.
    :param unit: the unit to restrict to, or None for every task.
    """

    def __init__(self, timeline: Timeline, unit: int | None) -> None:
        self._tl = timeline
        if unit is None:
            self._offset, self._stride = 0, 1
            self._base_count = timeline.base_count
            self._app_idx: Sequence[int] = range(timeline.base_count, timeline.total)
            self._app_us = timeline.app_us
            self._deleted = timeline.deleted
        else:
            self._offset, self._stride = unit, timeline.units
            self._base_count = max(0, -(-(timeline.base_count - unit) // timeline.units))
            self._app_idx = timeline.unit_app_idx[unit]
            self._app_us = timeline.unit_app_us[unit]
            self._deleted = timeline.unit_deleted[unit]

    @property
    def size(self) -> int:
        """Positions in the view, deleted tasks included."""
        return self._base_count + len(self._app_idx)

    def index(self, position: int) -> int:
        """The task index at a position.

        :param position: 0 <= position < size.
        """
        if position < self._base_count:
            return self._offset + position * self._stride
        return self._app_idx[position - self._base_count]

    def _base_numerator(self, t_us: int) -> tuple[int, int]:
        tl = self._tl
        return t_us - tl.base_start_us - self._offset * tl.step_us, self._stride * tl.step_us

    def first_at_or_after(self, t_us: int) -> int:
        """The first position whose ``createTime`` is >= ``t_us`` (``size`` when none).

        :param t_us: microseconds since the epoch.
        """
        if self._base_count:
            numerator, denominator = self._base_numerator(t_us)
            position = max(0, -(-numerator // denominator))
            if position < self._base_count:
                return position
        return self._base_count + bisect_left(self._app_us, t_us)

    def last_at_or_before(self, t_us: int) -> int:
        """The last position whose ``createTime`` is <= ``t_us`` (-1 when none).

        :param t_us: microseconds since the epoch.
        """
        if self._app_us and self._app_us[0] <= t_us:
            return self._base_count + bisect_right(self._app_us, t_us) - 1
        if self._base_count:
            numerator, denominator = self._base_numerator(t_us)
            return min(self._base_count - 1, max(-1, numerator // denominator))
        return -1

    def live_between(self, first: int, last: int) -> int:
        """How many live tasks sit at positions ``first..last`` (inclusive).

        :param first: the first position.
        :param last: the last position.
        """
        if first > last:
            return 0
        low, high = self.index(first), self.index(last)
        removed = bisect_right(self._deleted, high) - bisect_left(self._deleted, low)
        return last - first + 1 - removed

    def page(self, start_us: int | None, end_us: int | None, skip: int, limit: int) -> tuple[list[int], int]:
        """Task indices, newest first, for a ``createTime`` window (inclusive bounds) after skipping ``skip``.

        :param start_us: the window start, or None for no lower bound.
        :param end_us: the window end, or None for no upper bound.
        :param skip: how many live tasks to skip from the newest.
        :param limit: the most indices to return.
        :returns: the indices and the number of live tasks in the window.
        """
        first = 0 if start_us is None else self.first_at_or_after(start_us)
        last = self.size - 1 if end_us is None else self.last_at_or_before(end_us)
        total = self.live_between(first, last)
        if skip >= total or limit <= 0:
            return [], total
        low, high = first, last  # the largest position with at least skip + 1 live tasks from it up to `last`
        while low < high:
            middle = (low + high + 1) // 2
            if self.live_between(middle, last) >= skip + 1:
                low = middle
            else:
                high = middle - 1
        found: list[int] = []
        position = low
        while position >= first and len(found) < limit:
            index = self.index(position)
            if index not in self._tl.deleted_set:
                found.append(index)
            position -= 1
        return found, total

    def newest(self, limit: int) -> list[int]:
        """The newest live task indices, newest first.

        :param limit: how many at most.
        """
        return self.page(None, None, 0, limit)[0]

    def oldest(self, limit: int) -> list[int]:
        """The oldest live task indices, oldest first.

        :param limit: how many at most.
        """
        found: list[int] = []
        position = 0
        while position < self.size and len(found) < limit:
            index = self.index(position)
            if index not in self._tl.deleted_set:
                found.append(index)
            position += 1
        return found
