"""Airflow's meaning of the provider's final errors: bad input, or a request OCP rejected, fails the task at once.

The client and the domain raise plain errors (:mod:`airflow_provider_ocp.client.errors`). Airflow retries a task that
raises one unless it is an ``AirflowFailException``, and a sensor's ``soft_fail`` only skips on that class. No retry
fixes a typo or makes OCP accept a request it rejected, so the adapters (the sync hook, the operator, the sensor)
re-raise those two as the subclasses below: still the public class users catch, now also an ``AirflowFailException``.
The async hook does not: it runs in the triggerer, where the trigger turns errors into events.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_ocp.client.errors import OCPInputError, OCPRequestRejectedError

T = TypeVar("T")


class OCPInputFailure(OCPInputError, AirflowFailException):
    """An :class:`~airflow_provider_ocp.exceptions.OCPInputError` that fails the Airflow task without retries."""


class OCPRequestRejectedFailure(OCPRequestRejectedError, AirflowFailException):
    """An :class:`~airflow_provider_ocp.exceptions.OCPRequestRejectedError` that fails the task without retries."""


@contextmanager
def failing_at_once() -> Iterator[None]:
    """Re-raise a final error as its ``AirflowFailException`` subclass (its traceback, unchained); let the rest pass.

    Usable as a decorator (``@failing_at_once()``) on methods that return; generators need :func:`fails_at_once`.
    """
    try:
        yield
    except AirflowFailException:
        raise  # mapped already (by a nested adapter call), or Airflow's own
    # The same error under its failing class, with the original's traceback and without chaining: chained, the task
    # log would print the message twice, once per exception.
    except OCPRequestRejectedError as error:
        raise OCPRequestRejectedFailure(error.message, **error.keywords()).with_traceback(error.__traceback__) from None
    except OCPInputError as error:
        raise OCPInputFailure(*error.args).with_traceback(error.__traceback__) from None


def fails_at_once(cls: type[T]) -> type[T]:
    """Class decorator: every public method of ``cls`` raises final errors through :func:`failing_at_once`.

    Generator methods stay generators, so an error raised while the caller iterates is mapped too.

    :param cls: the hook class.
    """
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, _mapped(member))
    return cls


def _mapped(method: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(*args: Any, **kwargs: Any) -> Any:
            with failing_at_once():
                return (yield from method(*args, **kwargs))

        return generator
    return failing_at_once()(method)
