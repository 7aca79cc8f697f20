"""Filling holes in cached channels from the server's history.

Every device of a user should end up with the same whole chat: for a channel the user is a
member of, every event from 1 to its newest, which is what the server's ``history`` returns to
a member (events from before joining and from stretches away included). Sync brings only
what happened while the user was a member and a new device starts with the newest page, so
the cache can lack events anywhere. ``GapFiller`` brings them in pages: on demand for a range
someone wants to show, and in the background, paced, once the device is caught up. A channel
the user has left cannot be asked about and keeps what it has.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from desktop.cache.holes import Hole
from desktop.cache.store import Applied, Cache
from desktop.core.epoch import StaleEpoch
from shared import limits
from shared.client import ConnectionClosed
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import History, HistoryPage

log = logging.getLogger(__name__)

FILL_PAGE = limits.MAX_HISTORY_PAGE  # events asked for per request
# What a history request costs against the request budget (docs/protocol.md, "Request
# budgets"): a base, and a unit per UNIT_BYTES of reply. Background filling spends at most
# FILL_UNITS_PER_SEC, a fifth of a device's default budget.
HISTORY_UNITS = 10.0
UNIT_BYTES = 32768
EVENT_OVERHEAD = 100  # bytes an event takes in a reply besides its text, about
FILL_UNITS_PER_SEC = 100.0
RETRY_DELAY = 5.0  # secs before background filling tries again after a failure


@dataclass(frozen=True)
class Filled:
    """What filling a range left: the holes the server did not fill (none when whole)."""

    left: list[Hole]

    @property
    def whole(self) -> bool:
        """Whether every event of the range is stored now."""
        return not self.left

    @property
    def missing(self) -> int:
        """How many events are still not stored."""
        return sum(last - first + 1 for first, last in self.left)


class GapFiller:
    """Brings missing events of a cache's channels from the server."""

    def __init__(
        self,
        cache: Cache,
        ask: Callable[[History], Awaitable[HistoryPage]],
        announce: Callable[[Applied], None],
    ) -> None:
        self.cache = cache
        self._ask = ask  # the engine's way of asking the server
        self._announce = announce
        # Channels whose lowest hole the server would not fill (it is not a member now, or
        # it lacks those events): skipped in the background until the next catch-up.
        self._stuck: set[int] = set()

    def retry_all(self) -> None:
        """The device caught up: channels skipped so far are worth another try."""
        self._stuck.clear()

    async def fill(self, channel_id: int, low: int, high: int) -> Filled:
        """Store the channel's events ``low`` to ``high`` that the cache lacks, asking the
        server a page at a time; returns what it could not fill. Raises what asking
        raises (``ProtocolError``, ``TimeoutError``, ``ConnectionClosed``)."""
        while holes := self.cache.missing(channel_id, max(low, 1), high):
            progressed, _ = await self._fetch(channel_id, holes[0])
            if not progressed:
                break
        return Filled(self.cache.missing(channel_id, max(low, 1), high))

    async def run(
        self, ready: asyncio.Event, new_round: asyncio.Event, enabled: Callable[[], bool]
    ) -> None:
        """Fill holes a page at a time whenever ``ready`` is set (the device is caught up)
        and ``enabled()``, paced to a fraction of the request budget so that the user's own
        requests, and the account's other devices, always have room; when none are left,
        wait for ``new_round`` (a sync can open new ones). Runs until cancelled."""
        while True:
            await ready.wait()
            new_round.clear()
            if not enabled():
                await new_round.wait()
                continue
            try:
                spent = await self.fill_next()
            except (ProtocolError, TimeoutError, ConnectionClosed, StaleEpoch) as e:
                wait = getattr(e, "retry_after", None) or RETRY_DELAY
                log.info("filling holes paused for %.1f s: %s", wait, e)
                await asyncio.sleep(wait)
                continue
            except Exception:  # like the sync worker, filling must outlive any failed page
                log.exception("filling holes failed; trying again in %.1f s", RETRY_DELAY)
                await asyncio.sleep(RETRY_DELAY)
                continue
            if spent is None:
                await new_round.wait()
            else:
                await asyncio.sleep(spent / FILL_UNITS_PER_SEC)

    async def fill_next(self) -> float | None:
        """Fill one page of the lowest hole of some channel the user is in, the most
        recently active first; returns about what the request cost (in the server's units),
        or None when there is nothing left to fill."""
        for channel in self.cache.channels():
            if not channel.active or channel.id in self._stuck:
                continue
            hole = self.cache.first_hole(channel.id)
            if hole is None:
                continue
            try:
                progressed, spent = await self._fetch(channel.id, hole)
            except ProtocolError as e:
                if e.code not in (ErrorCode.NO_SUCH_CHANNEL, ErrorCode.FORBIDDEN):
                    raise
                log.info("channel %d: history not available (%s)", channel.id, e)
                progressed, spent = False, HISTORY_UNITS
            if not progressed:
                self._stuck.add(channel.id)
            return spent
        return None

    async def _fetch(self, channel_id: int, hole: Hole) -> tuple[bool, float]:
        """One page from the bottom of ``hole``: whether it stored any of the hole, and
        about what it cost."""
        first, last = hole
        top = min(last, first + FILL_PAGE - 1)
        req = History(channel=channel_id, before=top + 1, limit=top - first + 1)
        page = await self._ask(req)
        self._announce(self.cache.apply_events(page.events))
        size = sum(len(e.text.encode()) + EVENT_OVERHEAD for e in page.events)
        return any(first <= e.seq <= top for e in page.events), HISTORY_UNITS + size / UNIT_BYTES
