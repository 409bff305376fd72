"""``steps_hidden``: a generator's own steps log without the secrets; its caller's code between steps is untouched.

The async hook's forms are tested with the wrappers (tests/hooks/test_public_methods.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from airflow_provider_ocp.client.log_secrets import steps_hidden

SECRET = "hunter2-secret"
log = logging.getLogger("tests.log_steps")


def walk(closed: list[bool]) -> Iterator[int]:
    try:
        for number in range(3):
            log.warning("step %s saw %s", number, SECRET)
            yield number
    finally:
        closed.append(True)


def test_each_step_is_scrubbed_and_the_callers_code_is_not(caplog: pytest.LogCaptureFixture) -> None:
    closed: list[bool] = []
    with caplog.at_level(logging.WARNING, logger="tests.log_steps"):
        for number in steps_hidden(walk(closed), (SECRET,)):
            log.warning("caller got %s with %s", number, SECRET)
    assert [r.getMessage() for r in caplog.records] == [
        "step 0 saw ***",
        f"caller got 0 with {SECRET}",
        "step 1 saw ***",
        f"caller got 1 with {SECRET}",
        "step 2 saw ***",
        f"caller got 2 with {SECRET}",
    ]
    assert closed == [True]


def test_a_walk_inside_another_is_scrubbed_in_both() -> None:
    def inner() -> Iterator[int]:
        log.warning("inner saw %s", SECRET)
        yield 1

    def outer() -> Iterator[int]:
        yield from steps_hidden(inner(), (SECRET,))
        log.warning("outer saw %s", SECRET)

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    log.addHandler(handler)
    try:
        assert list(steps_hidden(outer(), lambda: (SECRET,))) == [1]
    finally:
        log.removeHandler(handler)
    assert records == ["inner saw ***", "outer saw ***"]
