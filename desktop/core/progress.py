"""How far a catch-up got, and when the device last was up to date, for the status bar."""

import time
from collections.abc import Callable

from desktop.cache.store import Cache
from desktop.core.events import AppEvent, Synced, SyncProgress

LAST_SYNCED = "last_synced"  # the cache setting: ms since the epoch, this device's clock


class CatchUpProgress:
    """Counts the entries fetched while catching up against the head of the user's stream.
    Positions count only the user's own stream (``docs/protocol.md``, "Sync"), so the head
    minus the cursor is the number of entries still to fetch."""

    def __init__(self, cache: Cache, emit: Callable[[AppEvent], None]) -> None:
        self._cache = cache
        self._emit = emit
        self._head = 0
        self._start = 0

    def seen_head(self, head: int) -> None:
        """The server said where the user's stream ends (``welcome``, a heartbeat)."""
        self._head = max(self._head, head)

    def begin(self, cursor: int) -> None:
        """A catch-up starts from ``cursor``."""
        self._start = cursor
        self._emit(SyncProgress(0, max(0, self._head - cursor)))

    def page(self, next_cursor: int) -> None:
        """A page was stored; the cursor is ``next_cursor`` now."""
        self.seen_head(next_cursor)  # the head may have moved on while catching up
        self._emit(SyncProgress(next_cursor - self._start, self._head - self._start))

    def synced(self) -> None:
        """Caught up: remember when, here and across restarts."""
        now = int(time.time() * 1000)
        self._cache.set_setting(LAST_SYNCED, str(now))
        self._emit(Synced(now))


def last_synced(cache: Cache) -> int | None:
    """When the device last was up to date (ms since the epoch); None if never."""
    value = cache.setting(LAST_SYNCED)
    return int(value) if value is not None else None
