"""Where the backup event trigger remembers what it has reported: Airflow's asset state store, when there is one.

Airflow 3.3 gives an event trigger running in an ``AssetWatcher`` ``self.asset_state_store``, the watched asset's
small JSON key-value store in the metadata database; Airflow's own event triggers (Amazon's Kinesis trigger) keep
their checkpoint there, with ``aget``/``aset`` (3.3.2 on) or the blocking ``get``/``set`` in a thread (3.3.0 and
3.3.1). This does the same, under a key derived from what the trigger watches.

Without a store (Airflow 3.0 to 3.2; a trigger run outside a watcher; an asset whose store refuses, e.g. several
watched assets) the memory lives in the trigger only, and a warning says so once: a triggerer restart then fires
again the conditions current at start (a tenant still stopped, a breach still open): an alert twice rather than none.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

STATE_VERSION = 1
KEY_PREFIX = "ocp_log_backup_events"
NO_STORE = (
    "No asset state store (Airflow 3.3+ gives one to triggers in an AssetWatcher): the backup events' memory is kept "
    "in memory only, so a triggerer restart fires again the conditions current at start (an alert twice, not none)"
)


def memory_key(identity: Mapping[str, Any]) -> str:
    """The store key of one trigger's memory: the prefix and a hash of what it watches.

    :param identity: the trigger arguments that define what it watches (JSON-serialisable).
    """
    text = json.dumps(identity, sort_keys=True, separators=(",", ":")).encode()
    return f"{KEY_PREFIX}:{hashlib.sha256(text).hexdigest()[:32]}"


class EventMemory:
    """Load and save a trigger's event state (``{"version": 1, "clusters": {"<id>": {...}}}``).

    :param owner: the trigger (its ``asset_state_store`` is read at each call: the triggerer injects it after
        building the trigger).
    :param key: :func:`memory_key`.
    :param log: the trigger's logger.
    """

    def __init__(self, owner: Any, key: str, log: logging.Logger | Any) -> None:
        self.owner, self.key, self.log = owner, key, log
        self.persistent = False
        self._warned = False

    def _warn_once(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            self.log.warning("%s", message)

    def _store(self) -> Any:
        store = getattr(self.owner, "asset_state_store", None)
        if store is None:
            self._warn_once(NO_STORE)
        return store

    async def load(self) -> dict[str, Any]:
        """The stored state, or an empty one (nothing stored, no store, or unreadable data: with a warning)."""
        store = self._store()
        if store is None:
            return _empty()
        try:
            if hasattr(store, "aget"):
                stored = await store.aget(self.key, default=None)
            else:
                stored = await asyncio.to_thread(store.get, self.key, default=None)
        except ValueError as error:  # more than one watched asset: the store needs to be told which
            self._warn_once(f"{NO_STORE}. The asset state store refused: {error}")
            return _empty()
        except Exception as error:  # the store is Airflow's; its failure must not stop the watcher
            self.log.warning("Cannot read the backup events' memory (%s); starting from none", type(error).__name__)
            return _empty()
        self.persistent = True
        if stored is None:
            return _empty()
        if not isinstance(stored, dict) or stored.get("version") != STATE_VERSION:
            self.log.warning("The stored backup events' memory is not one this provider wrote; starting from none")
            return _empty()
        clusters = stored.get("clusters")
        return {"version": STATE_VERSION, "clusters": dict(clusters) if isinstance(clusters, dict) else {}}

    async def save(self, state: dict[str, Any]) -> None:
        """Store ``state``; a failure is logged (and the memory stays in the trigger), never raised."""
        store = self._store()
        if store is None:
            return
        try:
            if hasattr(store, "aset"):
                await store.aset(self.key, state)
            else:
                await asyncio.to_thread(store.set, self.key, state)
        except ValueError as error:
            self._warn_once(f"{NO_STORE}. The asset state store refused: {error}")
        except Exception as error:
            self.log.warning("Cannot store the backup events' memory (%s); kept in memory", type(error).__name__)


def _empty() -> dict[str, Any]:
    return {"version": STATE_VERSION, "clusters": {}}
