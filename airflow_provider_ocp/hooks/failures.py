"""Airflow's meaning of the provider's final errors: bad input, or a request OCP rejected, fails the task at once.

The client and the domain raise plain errors (:mod:`airflow_provider_ocp.client.errors`). Airflow retries a task that
raises one unless it is an ``AirflowFailException``, and a sensor's ``soft_fail`` only skips on that class. No retry
fixes a typo or makes OCP accept a request it rejected, so the adapters (the sync hook, the operator, the sensor)
re-raise those two as the subclasses below: still the public class users catch, now also an ``AirflowFailException``.
The async hook does not: it runs in the triggerer, where the trigger turns errors into events.

Operators import this module while a DAG file is parsed: it imports nothing of the provider's but its errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_ocp.client.errors import OCPInputError, OCPRequestRejectedError


class OCPInputFailure(OCPInputError, AirflowFailException):
    """An :class:`~airflow_provider_ocp.exceptions.OCPInputError` that fails the Airflow task without retries."""


class OCPRequestRejectedFailure(OCPRequestRejectedError, AirflowFailException):
    """An :class:`~airflow_provider_ocp.exceptions.OCPRequestRejectedError` that fails the task without retries."""


@contextmanager
def failing_at_once() -> Iterator[None]:
    """Re-raise a final error as its ``AirflowFailException`` subclass (its traceback, unchained); let the rest pass.

    Usable as a decorator (``@failing_at_once()``) on methods that return; a hook's generators have
    :func:`~airflow_provider_ocp.hooks.public_methods.hook_errors`.
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
