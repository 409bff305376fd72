"""The OCP emulator's clock: a delay profile falling as the test moves the clock, and one reading of a running clock
per response (and per thread)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from emulator_api_support import contents, get_tasks

from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
from airflow_provider_ocp.testing import DelayProfile, OCPEmulator, ServerClock

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


def test_delay_falls_over_time() -> None:
    with OCPEmulator(delay=DelayProfile.linear(600, 5, 1.5)) as emu:
        assert contents(get_tasks(emu))[0]["delay"] == 600.0  # the clock is frozen until the test moves it
        emu.clock.advance(0.75)
        assert contents(get_tasks(emu))[0]["delay"] == 302.5
        emu.clock.advance(1.0)
        body = get_tasks(emu).json()
        record = body["data"]["contents"][0]
        assert record["delay"] == 5.0
        lag = parse_ocp_timestamp(body["timestamp"]) - parse_ocp_timestamp(record["checkpoint"])
        assert lag == timedelta(seconds=5)
        emu.set_current_task(emu.cluster_ids[0], delay=DelayProfile.linear(100, 0, 60))
        assert contents(get_tasks(emu))[0]["delay"] == 100.0


def test_a_response_is_rendered_at_one_reading_of_a_running_clock() -> None:
    # a checkpoint is rendered as now minus the delay; the envelope's timestamp must be that same now, or a client
    # computing timestamp - checkpoint sees a delay longer than the record's by however long rendering took
    with OCPEmulator(frozen_clock=False, delay=600) as emu:
        for _ in range(40):
            body = get_tasks(emu).json()
            record = body["data"]["contents"][0]
            lag = parse_ocp_timestamp(body["timestamp"]) - parse_ocp_timestamp(record["checkpoint"])
            assert (record["delay"], lag) == (600.0, timedelta(seconds=600))


def test_one_reading_pins_a_running_clock_for_its_thread_only() -> None:
    clock = ServerClock(frozen=False)
    seen: list[datetime] = []
    with clock.one_reading() as moment:
        time.sleep(0.002)
        other = threading.Thread(target=lambda: seen.append(clock.now()))
        other.start()
        other.join()
        assert clock.now() == moment
        assert seen[0] > moment  # another thread (another request) reads the running clock
    time.sleep(0.002)
    assert clock.now() > moment
