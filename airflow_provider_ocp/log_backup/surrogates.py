"""Lone surrogates: text that UTF-8 cannot encode, replaced before it reaches a file or XCom.

A Java server that cuts a string inside a UTF-16 surrogate pair (an ``errorMsg`` truncated in the middle of an emoji)
sends JSON such as ``"\\ud83d"``. ``json.loads`` reads it as a lone surrogate, a character that JSON lines, Parquet
and XCom all refuse to encode (``UnicodeEncodeError``), so every rerun of that window would fail. Such characters
become U+FFFD (the replacement character), with a warning naming the fields: the rest of the text is kept.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def replace_lone_surrogates(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with every surrogate character in their text (keys and nested values too) replaced by U+FFFD, and
    one warning naming the fields that had one; records without any are returned as they are.

    Callers run it when encoding failed (the files), or on records bounded in number (XCom): it looks at every string.

    :param records: a page of records.
    """
    fields: set[str] = set()
    cleaned = []
    for record in records:
        copy, changed = {}, False
        for key, value in record.items():
            new_key, new_value = _clean(key), _clean(value)
            if new_key is not key or new_value is not value:
                fields.add(new_key)
                changed = True
            copy[new_key] = new_value
        cleaned.append(copy if changed else record)
    if fields:
        log.warning(
            "Replaced lone surrogates (text cut inside a UTF-16 pair, which UTF-8 cannot encode) with U+FFFD in "
            "the field(s) %s.",
            ", ".join(sorted(fields)),
        )
    return cleaned


def _clean(value: Any) -> Any:
    """``value`` itself when it holds no surrogate, else a copy with them replaced."""
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        items = [(_clean(k), _clean(v)) for k, v in value.items()]
        if all(new_k is k and new_v is v for (new_k, new_v), (k, v) in zip(items, value.items(), strict=True)):
            return value
        return dict(items)
    if isinstance(value, list | tuple):
        values = [_clean(item) for item in value]
        if all(new is old for new, old in zip(values, value, strict=True)):
            return value
        return values
    return value
