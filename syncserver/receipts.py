"""Receipt pushes: when a member's delivered or read position in a channel rises, the other
members' connected devices are told, at most about twice a second per channel and member
(``WINDOW``), a burst merged into its newest value.

A push goes to whom it concerns: the senders of the messages the receipt passed since it was
last pushed, since only a sender shows receipts, on their own messages. A change that spans
too many messages to look through, or one that lowers what others see (read receipts turned
off), goes to every member. Pushes are hints, as ever: a device that was away asks
``get_receipts`` for the chats it shows receipts in.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.protocol import Receipt, ReceiptPush
from syncserver.delivery import Delivery
from syncserver.members import MemberCache
from syncserver.names import NameCache
from syncserver.sessions import SessionTable
from syncserver.store import StorageError, Store
from syncserver.store import receipts as stored
from syncserver.store.receipts import ReceiptRow

log = logging.getLogger(__name__)

WINDOW = 0.5  # secs between two pushes of one member's receipt in one channel, at least

Key = tuple[int, int]  # (channel id, user id)


def to_wire(names: NameCache, row: ReceiptRow) -> Receipt:
    """A stored receipt as the other members see it."""
    return Receipt(
        channel=row.channel_id,
        user=names.one(row.user_id),
        delivered=row.shown_delivered,
        read=row.shown_read,
    )


@dataclass
class _Change:
    """What a push due for one member in one channel must cover."""

    since: int  # the lowest seq the member's receipt may have passed since the last push
    everyone: bool  # it may have gone down: every member is told


class ReceiptBoard:
    """Coalesces receipt changes into pushes, with a timer on the server's loop."""

    def __init__(
        self,
        store: Store,
        sessions: SessionTable,
        delivery: Delivery,
        members: MemberCache,
        names: NameCache,
        last_seq: Callable[[int], int],
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._delivery = delivery
        self._members = members
        self._names = names
        self._last_seq = last_seq
        self._due: dict[Key, _Change] = {}
        self._timers: dict[Key, asyncio.TimerHandle] = {}
        self._pushed: dict[Key, float] = {}  # monotonic secs of the last push

    def rose(self, channel_id: int, user_id: int, since: int) -> None:
        """The member's receipt in the channel rose above ``since``."""
        self._note((channel_id, user_id), since, everyone=False)

    def changed(self, channel_id: int, user_id: int) -> None:
        """The member's receipt in the channel may have gone either way (a setting changed)."""
        self._note((channel_id, user_id), 0, everyone=True)

    def _note(self, key: Key, since: int, everyone: bool) -> None:
        due = self._due.get(key)
        if due is not None:
            due.since = min(due.since, since)
            due.everyone = due.everyone or everyone
            return
        self._due[key] = _Change(since, everyone)
        wait = self._pushed.get(key, -WINDOW) + WINDOW - time.monotonic()
        # Even with nothing to wait for, not now: changes made in this turn of the loop
        # (delivered and read together) go out as one push.
        self._timers[key] = asyncio.get_running_loop().call_later(max(wait, 0), self._push, key)

    def _push(self, key: Key) -> None:
        self._timers.pop(key, None)
        due = self._due.pop(key)
        self._pushed[key] = time.monotonic()
        try:
            self._send(key, due)
        except StorageError as e:  # pushes are hints; get_receipts tells the same
            log.error("pushing a receipt failed: %s", e)

    def _send(self, key: Key, due: _Change) -> None:
        channel_id, user_id = key
        members = self._members.of(channel_id)
        row = stored.receipt_of(self._store, channel_id, user_id) if user_id in members else None
        if row is None:
            return
        audience = members - {user_id}
        if not due.everyone:
            high = row.shown_delivered
            senders = stored.senders_between(
                self._store, channel_id, self._last_seq(channel_id), due.since, high
            )
            if senders is not None:
                audience &= senders
        sessions = [s for s in self._sessions.of_users(audience) if s.tolerant]
        if sessions:
            self._delivery.to_sessions(sessions, ReceiptPush(receipt=to_wire(self._names, row)))

    def forget_old(self) -> None:
        """Drop what no longer holds a push back (called now and then)."""
        limit = time.monotonic() - WINDOW
        for key in [k for k, at in self._pushed.items() if at < limit]:
            del self._pushed[key]

    def close(self) -> None:
        """Drop the pushes still due (the server is stopping)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._due.clear()
