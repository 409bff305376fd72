"""The emulator's fast rendering (issue 14) renders what the per-record path renders, and the API's store of
history records never serves a record the clock, the options or a mutation has changed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_ocp.testing import ClusterSpec, DelayProfile
from airflow_provider_ocp.testing.clock import ServerClock, from_epoch_us
from airflow_provider_ocp.testing.dataset import Dataset
from airflow_provider_ocp.testing.history import HistoryRecords
from airflow_provider_ocp.testing.rendering import RenderOptions, render_task, render_tasks
from airflow_provider_ocp.testing.stamps import epoch_us_formatter, iso_timestamp, java_timestamp

ZONES: list[tzinfo] = [
    timezone(timedelta(hours=8)),
    timezone.utc,
    timezone(-timedelta(hours=5, minutes=30)),
    ZoneInfo("America/New_York"),  # not a fixed offset: the general path
]


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_times_printed_from_epoch_microseconds_match_the_datetime_formatters(tz: tzinfo) -> None:
    java, iso = epoch_us_formatter(tz, "java"), epoch_us_formatter(tz, "iso")
    rng = random.Random(14)
    values = [rng.randrange(-6 * 10**16, 2 * 10**17) for _ in range(3000)]
    values += [rng.randrange(1_600_000_000, 1_800_000_000) * 10**6 for _ in range(300)]  # whole seconds: no millis
    values += [0, -1, 999, 1000, -86_400_000_000]
    for micros in values:
        moment = from_epoch_us(micros)
        assert java(micros) == java_timestamp(moment, tz) and iso(micros) == iso_timestamp(moment, tz)


def dataset(tz: tzinfo, options: RenderOptions, *, cluster_level: bool = False) -> Dataset:
    clock = ServerClock(tz=tz)
    clock.freeze(datetime(2024, 8, 6, 12, 0, 0, 123456, tzinfo=timezone.utc))
    spec = ClusterSpec.synthetic(
        1, tenants=3, tasks_per_tenant=40, cluster_level=cluster_level, delay=DelayProfile.linear(100, 5, 60)
    )
    return Dataset([spec], clock, options, seed=7)


OPTIONS = [
    {},
    {"checkpoint_format": "iso"},
    {"delay_format": "string", "ids_as_strings": True},
    {"delay_format": "omit", "include_agent_ip": False},
]


@pytest.mark.parametrize("cluster_level", [False, True])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_a_page_renders_as_its_records_one_by_one_and_the_store_serves_the_same(
    options: dict[str, object], cluster_level: bool
) -> None:
    data = dataset(ZONES[0], RenderOptions(**options), cluster_level=cluster_level)  # type: ignore[arg-type]
    cluster_id = data.cluster_specs[0].cluster_id
    store = HistoryRecords()

    def check() -> None:
        cluster = data.cluster(cluster_id)
        indices, total = cluster.view(None).page(None, None, 0, 10_000)
        page = render_tasks(cluster, indices, data._context())
        one_by_one = [render_task(cluster, index, data._context()) for index in indices]
        assert [list(record.items()) for record in page] == [list(record.items()) for record in one_by_one]
        for _ in range(2):  # rendered, then served from the store
            served, served_total = data.query_tasks(cluster_id, None, None, None, 1, 10_000, store.render)
            assert (served, served_total) == (page, total)

    check()
    data.clock.advance(30)  # current tasks' delay and checkpoint move with the clock
    data.add_tasks(cluster_id, 4)  # the previous current tasks become history
    data.set_current_task(cluster_id, status="FAILED", error_msg="boom", delay=12.5)
    check()
    data.remove_tasks(cluster_id, 2)  # older tasks become current again
    data.set_current_task(cluster_id, omit_delay=True)
    check()
    data.options.delay_format = "string" if data.options.delay_format != "string" else "number"  # options change
    data.options.checkpoint_format = "iso"
    check()
    data.clock.tz = ZONES[2]
    check()
