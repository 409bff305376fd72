"""Reading OCP's response envelope. A response counts only when it is JSON with ``"successful": true``.

Shared by the synchronous and asynchronous clients: they hand over status, headers and body bytes, this module
decides between data and :class:`OCPAPIError` (and whether a retry may help, by the rules of
:mod:`~airflow_provider_ocp.client.statuses`). Bodies are decoded by msgspec, at C speed; what it refuses goes to
``json.loads``, which decides as it always did (it also takes the ``NaN`` and ``Infinity`` some servers write, and
numbers beyond a double's range).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import msgspec

from airflow_provider_ocp.client.errors import OCPAPIError, OCPRequestRejectedError
from airflow_provider_ocp.client.statuses import (
    CODE_HINTS,
    FINAL_CODES,
    REJECTED_STATUSES,
    RETRYABLE_STATUSES,
    status_hint,
)

MAX_MESSAGE_CHARS = 500
MAX_TRACE_CHARS = 64

_fast_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True)
class Envelope:
    """The useful parts of a successful OCP response.

    :param data: the ``data`` member.
    :param timestamp: the server's ``timestamp`` (its clock), as text, if sent.
    :param trace_id: the ``traceId``.
    """

    data: Any
    timestamp: str | None
    trace_id: str | None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent or unreadable.

    :param value: the header value.
    :param now: the instant an HTTP date counts from: the response's own ``Date`` when readable (the clock that
        wrote ``Retry-After``, so a skewed server clock neither stretches nor cancels the wait), else ours.
    """
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    when = _http_date(text)
    return None if when is None else max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _http_date(text: str | None) -> datetime | None:
    """An HTTP date (``Retry-After``, ``Date``) as an aware instant (UTC when it names no zone); None when absent or
    unreadable."""
    try:
        when = parsedate_to_datetime(text or "")
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: a year no datetime holds
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text`` by ``***``, ignoring case (a proxy may lower-case what it echoes).

    :param text: a message that may echo request details.
    :param secrets: values that must not appear; longer ones are replaced first.
    """
    forms = sorted({secret for secret in secrets if secret and len(secret) >= 3}, key=len, reverse=True)
    if not forms:
        return text
    return re.sub("|".join(map(re.escape, forms)), "***", text, flags=re.IGNORECASE)


def parse_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    target: str,
    sent_trace_id: str | None = None,
    secrets: Iterable[str] = (),
    auth_type: str | None = None,
) -> Envelope:
    """Return the envelope of a successful response, or raise :class:`OCPAPIError`.

    :param status: the HTTP status code.
    :param headers: response headers (case-insensitive mapping preferred).
    :param body: the raw body.
    :param target: the request path and query, for the error.
    :param sent_trace_id: the ``x-trace-id`` we sent, reported when OCP's body has none.
    :param secrets: values to scrub from any message.
    :param auth_type: the connection's auth type (``basic`` or ``access_key``): a 401's hint says what to check for it.
    """
    retry_after = parse_retry_after(
        headers.get("Retry-After") or headers.get("retry-after"), _http_date(headers.get("Date") or headers.get("date"))
    )
    secrets = tuple(secrets)

    def fail(message: str, *, code: int | None = None, trace: str | None = None, retryable: bool) -> OCPAPIError:
        rejected = not retryable and (status in REJECTED_STATUSES or code in FINAL_CODES)
        return (OCPRequestRejectedError if rejected else OCPAPIError)(
            redact(message, secrets),
            status=status,
            code=code,
            trace_id=redact(trace or sent_trace_id or "", secrets)[:MAX_TRACE_CHARS] or None,
            path=target,
            retryable=retryable,
            retry_after=retry_after,
        )

    try:
        document = decode_json(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nesting deeper than the decoder's limit
        location = headers.get("Location") or headers.get("location")
        raise _non_json_error(status, body, location, fail, auth_type) from None
    if not isinstance(document, dict):  # a gateway's 429/5xx may carry any JSON: its status still says "transient"
        raise fail("OCP answered with JSON that is not its response envelope", retryable=status in RETRYABLE_STATUSES)
    raw_trace = document.get("traceId")
    trace_id = redact(raw_trace, secrets)[:MAX_TRACE_CHARS] if isinstance(raw_trace, str) else None
    if document.get("successful") is True and 200 <= status < 300:
        timestamp = document.get("timestamp")
        return Envelope(document.get("data"), timestamp if isinstance(timestamp, str) else None, trace_id)
    raw_error = document.get("error")
    error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    code = _strict_int(error.get("code"))
    declared = _strict_int(document.get("status"))
    effective = status if status >= 300 or declared is None else declared
    if "successful" not in document and 200 <= status < 300:
        raise fail("OCP answered with JSON that is not its response envelope (no 'successful')", retryable=False)
    # Scrub before cutting: a secret straddling the cut would otherwise leave its first half behind.
    detail = redact(_error_text(error), secrets)[:MAX_MESSAGE_CHARS]
    hint = CODE_HINTS.get(code or -1) or status_hint(effective, auth_type)
    summary = f"OCP request failed: {detail}" if detail else f"OCP request failed with status {effective}"
    retryable = effective in RETRYABLE_STATUSES and code not in FINAL_CODES
    raise fail(f"{summary}. {hint}".strip(), code=code, trace=trace_id, retryable=retryable)


def decode_json(body: bytes) -> Any:
    """Decode a JSON body: msgspec first, ``json.loads`` for what msgspec refuses; the result is what ``json.loads``
    gives, and so are the errors.

    msgspec refuses ``NaN``/``Infinity``, numbers past a double's range and lone surrogate escapes, which
    ``json.loads`` reads; whatever it accepts, it decodes to the values ``json.loads`` gives (big integers and
    floats included), so it is only a faster way to the same document.

    :param body: the raw body (UTF-8).
    :raises ValueError: the body is not JSON (``UnicodeDecodeError`` when not UTF-8).
    :raises RecursionError: nesting deeper than the decoder's limit.
    """
    try:
        return _fast_decode(body)
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        return json.loads(body.decode("utf-8"))


def _error_text(error: dict[str, Any]) -> str:
    """OCP's ``error.message``, with ``target`` and the messages of ``subErrors`` when it sends them."""
    parts = [str(error.get("message") or "").strip()]
    if error.get("target"):
        parts.append(f"target: {error['target']}")
    sub_errors = error.get("subErrors")
    if isinstance(sub_errors, list) and sub_errors:
        texts = [str(sub.get("message") if isinstance(sub, dict) else sub) for sub in sub_errors[:3]]
        parts.append("details: " + "; ".join(texts))
    return " | ".join(part for part in parts if part)


def _strict_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _non_json_error(
    status: int, body: bytes, location: str | None, fail: Callable[..., OCPAPIError], auth_type: str | None
) -> OCPAPIError:
    if 300 <= status < 400:
        if location and "login" in location.lower():
            return fail(
                f"OCP redirected the request to its login page (HTTP {status} to {location}): the request did not "
                "reach OCP's API. Check the path prefix in the connection's OCP URL (requests go to "
                "<OCP URL>/api/v2/...).",
                retryable=False,
            )
        return fail(
            f"OCP redirected the request (HTTP {status} to {location or 'an unknown location'}): point the "
            "connection's host at OCP's final base URL (check http vs https and the path prefix).",
            retryable=False,
        )
    head = body[:512].lstrip().lower()
    looks_html = head.startswith(b"<")  # <!doctype, <html, or any markup a proxy sends
    if status in RETRYABLE_STATUSES:
        kind = "an HTML page" if looks_html else "a non-JSON body"
        return fail(f"OCP or a proxy in front of it answered HTTP {status} with {kind}", retryable=True)
    if 200 <= status < 300 and looks_html:
        return fail(
            "OCP answered with an HTML page instead of JSON: the OCP URL (host or path prefix) is probably wrong, "
            "or this OCP version lacks the endpoint. Point the connection's host at OCP's base URL.",
            retryable=False,
        )
    if 200 <= status < 300 and _holds_overlong_integer(body):
        return fail(
            "OCP's response holds an integer of thousands of digits, which no OCP field can hold (ids and counts are "
            "Java longs, 19 digits at most): the server at this URL is not answering as OCP does.",
            retryable=False,
        )
    if 200 <= status < 300:
        return fail("OCP's response body was cut short or is not valid JSON", retryable=True)
    hint = status_hint(status, auth_type)
    return fail(f"OCP answered HTTP {status} without its JSON envelope. {hint}".strip(), retryable=False)


def _holds_overlong_integer(body: bytes) -> bool:
    """Whether a body ``json.loads`` refused is JSON after all, refused only for an integer Python will not convert
    (more digits than ``sys.get_int_max_str_digits()``): not a body cut short, so a retry cannot help."""
    try:
        json.loads(body.decode("utf-8"), parse_int=str)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return False
    return True
