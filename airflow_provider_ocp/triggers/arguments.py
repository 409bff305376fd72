"""A trigger's ``serialize()``: its class path and the keyword arguments that rebuild it.

Every trigger of this package keeps each ``__init__`` argument, as validated, in the attribute of the same name, so
the arguments are read off the signature: there is no second list of names to keep in step with ``__init__``.
"""

from __future__ import annotations

import inspect
from typing import Any


def rebuild_arguments(trigger: object) -> tuple[str, dict[str, Any]]:
    """``(class path, {argument: value})`` for ``serialize()``: every ``__init__`` argument, from its attribute.

    :param trigger: the trigger; its attributes must be JSON-serialisable, as the triggerer stores them.
    """
    cls = type(trigger)
    return f"{cls.__module__}.{cls.__qualname__}", {
        name: getattr(trigger, name) for name in inspect.signature(cls).parameters
    }
