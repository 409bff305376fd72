"""What every public method of a hook raises and logs: nothing of the connection's secrets, and, on the worker,
final errors that fail the task at once (:mod:`~airflow_provider_ocp.hooks.failures`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from airflow_provider_ocp.client.errors import OCPError
from airflow_provider_ocp.client.log_secrets import hide, scrub_error, secrets_hidden, steps_hidden, unhide
from airflow_provider_ocp.hooks.failures import failing_at_once

T = TypeVar("T")


def hook_errors(*, fail_at_once: bool) -> Callable[[type[T]], type[T]]:
    """Class decorator: what every public method of a hook class raises and logs.

    - Every error of the provider has the connection's secrets replaced by ``***`` (:func:`scrub_error`), also in
      the errors it was raised from, and so has every log record made while the method works
      (:func:`secrets_hidden`). Messages quote what OCP sent (a record, a page member, a cluster name), mostly after
      the response is read, outside the request's own scrubbing: a server or proxy that echoes the password or the
      Authorization header into its data would otherwise put it in the task log or a trigger event. Before the
      hook has read its connection, nothing can quote it, and nothing is scrubbed.
    - With ``fail_at_once`` (the worker's hook), final errors are raised through :func:`failing_at_once`; never from
      coroutines and async generators (the async hook's, which runs in the triggerer).

    Generators and async generators stay so; what they raise or log while the caller iterates is handled too (the
    log scope is opened for each step, so the caller's code between steps runs outside it).

    :param fail_at_once: whether final errors fail the Airflow task at once (not in the triggerer).
    """

    def decorate(cls: type[T]) -> type[T]:
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(member):
                setattr(cls, name, _handled(member, fail_at_once))
        return cls

    return decorate


@contextmanager
def _errors_of(hook: Any, fail_at_once: bool) -> Iterator[None]:
    with failing_at_once() if fail_at_once else contextlib.nullcontext():
        try:
            yield
        except OCPError as error:
            scrub_error(error, hook._known_secrets())
            raise


def _handled(method: Callable[..., Any], fail_at_once: bool) -> Callable[..., Any]:
    # The async forms, which every poll of every deferred gate goes through, are written in one layer, without
    # contextlib's generator-based managers (whether those cost the triggerer anything measurable is not settled:
    # benchmarks/README.md). They never fail at once: the async hook runs in the triggerer.
    if inspect.isasyncgenfunction(method):

        @functools.wraps(method)
        async def async_generator(self: Any, *args: Any, **kwargs: Any) -> Any:
            items = method(self, *args, **kwargs)
            try:
                while True:
                    token = hide(self._known_secrets)
                    try:
                        item = await anext(items)
                    except StopAsyncIteration:
                        return
                    finally:
                        unhide(token)
                    yield item
            except OCPError as error:
                scrub_error(error, self._known_secrets())
                raise
            finally:
                await items.aclose()

        return async_generator
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def coroutine(self: Any, *args: Any, **kwargs: Any) -> Any:
            token = hide(self._known_secrets)
            try:
                return await method(self, *args, **kwargs)
            except OCPError as error:
                scrub_error(error, self._known_secrets())
                raise
            finally:
                unhide(token)

        return coroutine
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _errors_of(self, fail_at_once):
                yield from steps_hidden(method(self, *args, **kwargs), self._known_secrets)

        return generator

    @functools.wraps(method)
    def function(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _errors_of(self, fail_at_once), secrets_hidden(self._known_secrets):
            return method(self, *args, **kwargs)

    return function
