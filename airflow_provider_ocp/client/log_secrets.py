"""Keeping a request's secrets out of every log record created while it is sent, whichever library logs it.

HTTP libraries log what a server sends them: httpcore's DEBUG records hold the response headers, urllib3 warns with
the header lines it could not parse, and exceptions quote raw bytes. A server or proxy that echoes the
``Authorization`` header, the signature or the password would put them in the task's log through those records,
and no filter or handler of ours sees another library's records before they are written. So the records are
cleaned where they are made: inside :func:`secrets_hidden`, every log record that the thread (or asyncio task)
creates, at any level and from any logger, has the request's secrets replaced by ``***``, in its message and in its
traceback. Elsewhere records are left untouched, at the cost of one context variable look-up each.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from airflow_provider_ocp.client.response import redact

_SECRETS: ContextVar[tuple[str, ...]] = ContextVar("ocp_request_secrets", default=())
_MARK = "_hides_ocp_request_secrets"
_install_lock = threading.Lock()


@contextlib.contextmanager
def secrets_hidden(secrets: tuple[str, ...]) -> Iterator[None]:
    """Scrub ``secrets`` from every log record created in this thread or task until the block ends.

    :param secrets: the request's secret values in every form a server could echo them (``OCPRequest.secrets``).
    """
    _install()
    token = _SECRETS.set(secrets)
    try:
        yield
    finally:
        _SECRETS.reset(token)


def _install() -> None:
    """Wrap the process's log record factory once (again if someone replaced it since)."""
    with _install_lock:
        factory = logging.getLogRecordFactory()
        if getattr(factory, _MARK, False):
            return
        logging.setLogRecordFactory(_scrubbing(factory))


def _scrubbing(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        secrets = _SECRETS.get()
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
