"""Keeping secrets out of log records, whichever library logs them, and out of the provider's errors.

HTTP libraries log what a server sends them: httpcore's DEBUG records hold the response headers, urllib3 warns with
the header lines it could not parse, and exceptions quote raw bytes. A server or proxy that echoes the
``Authorization`` header, the signature or the password would put them in the task's log through those records,
and no filter or handler of ours sees another library's records before they are written. So the records are
cleaned where they are made: inside :func:`secrets_hidden`, every log record that the thread (or asyncio task)
creates, at any level and from any logger, has the request's secrets replaced by ``***``, in its message and in its
traceback. The hooks also hide their connection's secrets around each public method's work, so a record about what
OCP sent cannot show one either. Elsewhere records are left untouched, at the cost of one context variable look-up
each.

Errors built from what OCP sent (a record, a page member, a name), after the response is read, are cleaned by
:func:`scrub_error`, which the hooks apply to every error their public methods raise.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, TypeVar

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.client.response import redact

Secrets = tuple[str, ...] | Callable[[], tuple[str, ...]]
"""Secret values, or what tells them when a record is made (a hook that may read its connection meanwhile)."""

T = TypeVar("T")

_SECRETS: contextvars.ContextVar[Secrets] = contextvars.ContextVar("ocp_request_secrets", default=())
_MARK = "_hides_ocp_request_secrets"
_install_lock = threading.Lock()


@contextlib.contextmanager
def secrets_hidden(secrets: Secrets) -> Iterator[None]:
    """Scrub ``secrets`` from every log record created in this thread or task until the block ends.

    :param secrets: the secret values in every form a server could echo them (``OCPRequest.secrets``), or a function
        returning them, called for each record (a hook's, whose connection is read during the block).
    """
    token = hide(secrets)
    try:
        yield
    finally:
        unhide(token)


def steps_hidden(items: Generator[T, Any, Any], secrets: Secrets) -> Iterator[T]:
    """Yield what ``items`` yields, each step (the generator's work up to its next item) inside
    :func:`secrets_hidden`; the caller's work between steps runs outside it.

    The steps run in a copy of the caller's context, taken at the first step, where the secrets are set once: each
    step is then one C-level call, 14 ms more over a walk of 100,000 records through two layers (a micro-benchmark:
    5 ms bare), where a ``with`` block per step and layer cost 360 ms. A context variable the caller sets after the
    first step is not seen by the generator; what the generator returns is dropped (no hook method returns one).

    :param items: the generator to step through; closed when this one is.
    :param secrets: as for :func:`secrets_hidden`.
    """
    _install()
    context = contextvars.copy_context()
    context.run(_SECRETS.set, secrets)
    with contextlib.closing(items):
        yield from map(context.run, itertools.repeat(next), itertools.repeat(items))


def hide(secrets: Secrets) -> contextvars.Token[Secrets]:
    """Start what :func:`secrets_hidden` does, without a ``with`` block; :func:`unhide` ends it. For the async hook's
    wrappers, which every poll of every deferred gate goes through.

    :param secrets: as for :func:`secrets_hidden`.
    """
    _install()
    return _SECRETS.set(secrets)


def unhide(token: contextvars.Token[Secrets]) -> None:
    """End what :func:`hide` started, in the same thread or task.

    :param token: what :func:`hide` returned.
    """
    _SECRETS.reset(token)


def _install() -> None:
    """Wrap the process's log record factory once (again if someone replaced it since)."""
    if getattr(logging.getLogRecordFactory(), _MARK, False):  # the usual case, without taking the lock
        return
    with _install_lock:
        factory = logging.getLogRecordFactory()
        if getattr(factory, _MARK, False):
            return
        logging.setLogRecordFactory(_scrubbing(factory))


def _scrubbing(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        secrets = _SECRETS.get()
        if callable(secrets):
            secrets = secrets()
        if secrets:
            _scrub(record, secrets)
        return record

    setattr(make_record, _MARK, True)
    return make_record


def _scrub(record: logging.LogRecord, secrets: tuple[str, ...]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging would print msg and args as they are
        message = f"{record.msg!s} {record.args!r}"
    clean = redact(message, secrets)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info:
        trace = logging.Formatter().formatException(record.exc_info)
        clean = redact(trace, secrets)
        if clean != trace:  # formatters print exc_text when exc_info is gone
            record.exc_info, record.exc_text = None, clean


def scrub_error(error: BaseException, secrets: Iterable[str]) -> None:
    """Replace ``secrets`` by ``***`` in the text of ``error`` and of the errors it was raised from, in place.

    In place, so the class, the attributes and the traceback stay. Only text arguments change: an error that prints
    what its arguments are not (a ``KeyError``'s quoting, an ``OSError``'s fields) keeps that part.

    :param error: the error about to reach the caller.
    :param secrets: the values to hide, in every form a server could echo them (``connection_secrets``).
    """
    secrets = tuple(secrets)
    seen: set[int] = set()
    current: BaseException | None = error
    while secrets and current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OCPAPIError):
            current.message = redact(current.message, secrets)
        current.args = tuple(redact(arg, secrets) if isinstance(arg, str) else arg for arg in current.args)
        current = current.__cause__ or current.__context__
