"""Receipts in the cache: how far each other member of a chat got, as the server last said,
and what that makes of each of the user's own messages."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from peewee import Database

from desktop.cache.views import MessageView
from shared.protocol import Receipt

# The table, made with the cache and by the upgrade to schema 4.1 (desktop/cache/schema.py).
RECEIPT_TABLE = (
    "CREATE TABLE IF NOT EXISTS receipt (channel INTEGER NOT NULL, user VARCHAR(255) NOT NULL, "
    "delivered INTEGER NOT NULL, read INTEGER NOT NULL, PRIMARY KEY (channel, user))"
)
# Own messages further back than this many events are not looked at when choosing the
# chats to ask about: their receipts are old news.
RECENT_EVENTS = 200

ReceiptState = Literal["sending", "failed", "sent", "delivered", "read"]


@dataclass(frozen=True)
class MessageReceipt:
    """How far one of the user's own messages got. ``sending`` (in the outbox), ``failed``
    (refused), ``sent`` (stored by the server), ``delivered`` (stored on a device of every
    other member), ``read`` (read by every other member: in a direct chat, the other
    person). ``read_by`` names the other members who read it, in the order they joined,
    of ``others`` (so a group shows "read by 2 of 5")."""

    state: ReceiptState
    read_by: tuple[str, ...] = ()
    others: int = 0


@dataclass(frozen=True)
class Progress:
    """A member's receipt as stored: the highest seq stored on one of their devices, and
    the highest they read (0 while they keep that to themselves)."""

    delivered: int
    read: int


class ReceiptBook:
    """The receipts of one cache. Each method is one short statement or transaction."""

    def __init__(self, db: Database, me: str) -> None:
        self._db = db
        self.me = me

    def replace(self, channel_ids: Iterable[int], receipts: Iterable[Receipt]) -> None:
        """The server's whole account of these channels (a snapshot, or ``get_receipts``):
        members it leaves out are no longer there to count."""
        ids = list(channel_ids)
        with self._db.atomic():
            self._db.cursor().executemany(
                "DELETE FROM receipt WHERE channel = ?", [(c,) for c in ids]
            )
            self._put([r for r in receipts if r.channel in ids])

    def put(self, receipts: Iterable[Receipt]) -> None:
        """Receipts as they are now (pushed): each replaces what was stored for its member,
        lower or not, since a member may turn read receipts off."""
        with self._db.atomic():
            self._put(list(receipts))

    def _put(self, receipts: list[Receipt]) -> None:
        self._db.cursor().executemany(
            "INSERT OR REPLACE INTO receipt (channel, user, delivered, read) VALUES (?, ?, ?, ?)",
            [(r.channel, r.user, r.delivered, r.read) for r in receipts],
        )

    def of_channel(self, channel_id: int) -> dict[str, Progress]:
        """The stored receipts of a channel, by member."""
        rows = self._db.execute_sql(
            "SELECT user, delivered, read FROM receipt WHERE channel = ?", (channel_id,)
        )
        return {user: Progress(delivered, read) for user, delivered, read in rows}

    def for_messages(
        self, channel_id: int, messages: Iterable[MessageView]
    ) -> list[MessageReceipt | None]:
        """The receipt of each of the user's own messages in a page of the channel's
        timeline, in order; None for everything else (others' messages, membership
        changes). A page read on the GUI thread asks this once for all its messages."""
        others = [m for m in self._members(channel_id) if m != self.me]
        progress = self.of_channel(channel_id)
        return [self._receipt(m, others, progress) for m in messages]

    def _receipt(
        self, message: MessageView, others: list[str], progress: dict[str, Progress]
    ) -> MessageReceipt | None:
        if message.sender != self.me or message.kind != "message":
            return None
        if message.seq is None:
            return MessageReceipt("failed" if message.state == "failed" else "sending")
        seq, nobody = message.seq, Progress(0, 0)
        got = [progress.get(o, nobody) for o in others]
        read_by = tuple(o for o, p in zip(others, got, strict=True) if p.read >= seq)
        if not others:
            state: ReceiptState = "sent"  # notes to oneself: nobody to deliver to
        elif len(read_by) == len(others):
            state = "read"
        elif all(max(p.delivered, p.read) >= seq for p in got):
            state = "delivered"
        else:
            state = "sent"
        return MessageReceipt(state, read_by, len(others))

    def _members(self, channel_id: int) -> list[str]:
        row = self._db.execute_sql(
            "SELECT members FROM channel WHERE id = ? AND active", (channel_id,)
        ).fetchone()
        members: list[str] = json.loads(row[0]) if row else []
        return members

    def unsettled_channels(self) -> list[int]:
        """The active chats where one of the user's recent messages is not read by every
        other member as far as this cache knows, the most recently active first: those
        whose receipts are worth asking for after being away."""
        rows = self._db.execute_sql(
            "SELECT id, members FROM channel WHERE active ORDER BY last_ts DESC, id DESC"
        ).fetchall()
        found = []
        for channel_id, members in rows:
            others = [m for m in json.loads(members) if m != self.me]
            mine = self._newest_own(channel_id)
            if others and mine:
                progress = self.of_channel(channel_id)
                if any(progress.get(o, Progress(0, 0)).read < mine for o in others):
                    found.append(channel_id)
        return found

    def _newest_own(self, channel_id: int) -> int:
        """The seq of the user's newest message among the channel's recent events; 0 if
        none."""
        row = self._db.execute_sql(
            "SELECT MAX(seq) FROM (SELECT seq, sender, kind FROM message WHERE channel = ? "
            "ORDER BY seq DESC LIMIT ?) WHERE sender = ? AND kind = 'message'",
            (channel_id, RECENT_EVENTS, self.me),
        ).fetchone()
        return int(row[0] or 0)
