"""``hook_errors``: a hook's public methods, of every kind, log and raise nothing of the connection's secrets; the
worker's hook fails at once on final errors, the triggerer's does not; generators stay generators and close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from airflow_provider_ocp.client.errors import OCPAPIError, OCPInputError
from airflow_provider_ocp.hooks.failures import OCPInputFailure
from airflow_provider_ocp.hooks.public_methods import hook_errors

SECRET = "hunter2-secret"
log = logging.getLogger("tests.public_methods")


class Hook:
    """What the wrappers need of a hook: its secrets, here known at once."""

    def __init__(self) -> None:
        self.closed: list[str] = []

    def _known_secrets(self) -> tuple[str, ...]:
        return (SECRET,)

    async def pages(self, fail_at: int | None = None) -> AsyncIterator[int]:
        try:
            for number in range(3):
                log.warning("page %s of %s", number, SECRET)
                if number == fail_at:
                    raise OCPAPIError(f"page {number} quoted {SECRET}", path="/p")
                yield number
        finally:
            self.closed.append("pages")

    async def envelope(self) -> str:
        log.warning("envelope of %s", SECRET)
        raise OCPAPIError(f"OCP answered {SECRET}")

    def records(self) -> Iterator[int]:
        log.warning("records of %s", SECRET)
        yield 1
        raise OCPInputError(f"cluster_name {SECRET!r} is ambiguous")

    def check(self) -> None:
        log.warning("check of %s", SECRET)
        raise OCPInputError(f"bad {SECRET}")


TriggererHook = hook_errors(fail_at_once=False)(
    type("TriggererHook", (Hook,), {k: v for k, v in vars(Hook).items() if callable(v)})
)
WorkerHook = hook_errors(fail_at_once=True)(
    type("WorkerHook", (Hook,), {k: v for k, v in vars(Hook).items() if callable(v)})
)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == log.name]


def test_async_generator_steps_are_scrubbed_the_callers_code_is_not_and_an_early_stop_closes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook = TriggererHook()

    async def first() -> int:
        pages = hook.pages()
        async for number in pages:
            log.warning("caller got %s with %s", number, SECRET)
            await pages.aclose()
            return number
        raise AssertionError("no page")

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(first()) == 0
    assert messages(caplog) == ["page 0 of ***", f"caller got 0 with {SECRET}"]
    assert hook.closed == ["pages"]


def test_an_error_inside_an_async_walk_or_coroutine_is_scrubbed_and_not_failed_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook = TriggererHook()

    async def walk() -> list[int]:
        return [number async for number in hook.pages(fail_at=1)]

    with caplog.at_level(logging.WARNING):
        with pytest.raises(OCPAPIError) as walked:
            asyncio.run(walk())
        with pytest.raises(OCPAPIError) as awaited:
            asyncio.run(hook.envelope())
    assert (walked.value.message, awaited.value.message) == ("page 1 quoted ***", "OCP answered ***")
    assert hook.closed == ["pages"]
    assert messages(caplog) == ["page 0 of ***", "page 1 of ***", "envelope of ***"]


def test_the_worker_hooks_methods_scrub_and_fail_at_once(caplog: pytest.LogCaptureFixture) -> None:
    hook = WorkerHook()
    with caplog.at_level(logging.WARNING):
        with pytest.raises(OCPInputFailure, match=r"cluster_name '\*\*\*' is ambiguous"):
            list(hook.records())
        with pytest.raises(OCPInputFailure, match=r"^bad \*\*\*$"):
            hook.check()
    assert messages(caplog) == ["records of ***", "check of ***"]
