"""Reading and writing the local cache. Every method is one short transaction at most, so the
GUI thread may call the reading ones for a page of data."""

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peewee import Field, fn

from desktop.cache.holes import Hole, HoleFinder
from desktop.cache.models import BoundModels
from desktop.cache.receipts import ReceiptBook
from desktop.cache.schema import UNREAD_COUNT, open_cache_db
from desktop.cache.views import ChannelView, MessageView, PresenceView, SearchHit
from shared.ids import new_client_id
from shared.protocol import ChannelInfo, Event, PresenceInfo, Sent, SyncPage

_START, _END = "\x01", "\x02"  # highlight markers; control characters never stored in text


@dataclass
class Applied:
    """What a write changed, for the engine to announce."""

    messages: list[MessageView] = field(default_factory=list)
    channels: set[int] = field(default_factory=set)
    reads: set[int] = field(default_factory=set)
    receipts: set[int] = field(default_factory=set)  # channels whose receipts came anew


class Cache:
    """One account's cache on one device profile."""

    def __init__(self, models: BoundModels, me: str) -> None:
        self._m = models
        self.me = me
        self._holes = HoleFinder(models.db)
        self.receipts = ReceiptBook(models.db, me)

    @classmethod
    def open(cls, path: Path, me: str) -> "Cache":
        return cls(open_cache_db(path, me), me)

    def close(self) -> None:
        if not self._m.db.is_closed():
            self._m.db.close()

    # --- settings -----------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        row = self._m.Setting.get_or_none(self._m.Setting.key == key)
        return row.value if row else None

    def set_setting(self, key: str, value: str) -> None:
        self._m.Setting.replace(key=key, value=value).execute()

    def sync_cursor(self) -> int | None:
        """The stream position this device has stored everything up to; None when new."""
        value = self.setting("sync_cursor")
        return int(value) if value is not None else None

    # --- applying what the server says --------------------------------------------------

    def apply_snapshot(self, channels: list[ChannelInfo]) -> Applied:
        """A new cache's channel list (the cursor is set once the whole start is stored)."""
        with self._m.db.atomic():
            return self._apply_channels(channels)

    def start_cursor(self, cursor: int) -> None:
        """The end of a new cache's start: from now on it syncs from ``cursor``."""
        self.set_setting("sync_cursor", str(cursor))

    def apply_page(self, page: SyncPage) -> Applied:
        """One sync page, all or nothing, advancing the sync cursor with it."""
        with self._m.db.atomic():
            applied = self._apply_channels(page.channels)
            more = self._apply_events(page.events)
            applied.messages, applied.channels = more.messages, applied.channels | more.channels
            for read in page.reads:
                if self._raise_read(read.channel, read.seq):
                    applied.reads.add(read.channel)
            self.set_setting("sync_cursor", str(page.next))
        return applied

    def apply_events(self, events: list[Event]) -> Applied:
        """Pushed or paged-in events; ones already stored are skipped."""
        with self._m.db.atomic():
            return self._apply_events(events)

    def apply_channel(self, info: ChannelInfo) -> Applied:
        with self._m.db.atomic():
            return self._apply_channels([info])

    def apply_read(self, channel_id: int, seq: int) -> bool:
        """The user's read position from another device; True if it moved forward."""
        with self._m.db.atomic():
            return self._raise_read(channel_id, seq)

    def _apply_channels(self, infos: Iterable[ChannelInfo]) -> Applied:
        applied = Applied()
        Channel = self._m.Channel
        for info in infos:
            values: dict[Field, Any] = {
                Channel.kind: info.kind,
                Channel.name: info.name,
                Channel.owner: info.owner,
                Channel.members: json.dumps(info.members),
                Channel.active: info.active,
            }
            existing = Channel.get_or_none(Channel.id == info.id)
            if existing is None:
                Channel.insert(
                    {
                        **values,
                        Channel.id: info.id,
                        Channel.last_seq: info.last_seq,
                        Channel.read_seq: info.read_seq,
                        Channel.read_sent_seq: info.read_seq,
                    }
                ).execute()
                # Pushes may have stored its first events (its creation, on the device that
                # created it) before the channel itself arrived.
                self._recount_unread(info.id)
                self._take_last_ts(info.id)
            else:
                values[Channel.last_seq] = max(existing.last_seq, info.last_seq)
                Channel.update(values).where(Channel.id == info.id).execute()
                if self._raise_read(info.id, info.read_seq):
                    applied.reads.add(info.id)  # read on another device
            if info.receipts:  # from a server that keeps receipts, which sends them all
                self.receipts.replace([info.id], info.receipts)
                applied.receipts.add(info.id)
            applied.channels.add(info.id)
        return applied

    def _take_last_ts(self, channel_id: int) -> None:
        """A channel's time for ordering is its newest stored event's, on every device."""
        self._m.db.execute_sql(
            "UPDATE channel SET last_ts = MAX(last_ts, "
            "COALESCE((SELECT MAX(ts) FROM message WHERE message.channel = channel.id), 0)) "
            "WHERE id = ?",
            (channel_id,),
        )

    def _apply_events(self, events: list[Event]) -> Applied:
        # Plain SQL: building these statements through peewee cost more than running them.
        # Not indexed for search here: ``index_pending`` does that apart, in bigger batches.
        applied = Applied()
        db = self._m.db
        by_channel: dict[int, list[Event]] = {}
        for e in events:
            by_channel.setdefault(e.channel, []).append(e)
        for channel_id in sorted(by_channel):
            mine = by_channel[channel_id]
            seqs = [e.seq for e in mine]
            have = {
                seq
                for (seq,) in db.execute_sql(
                    "SELECT seq FROM message WHERE channel = ? AND seq BETWEEN ? AND ?",
                    (channel_id, min(seqs), max(seqs)),
                )
            }
            new = [e for e in mine if e.seq not in have]
            if not new:
                continue
            db.cursor().executemany(
                _INSERT_EVENT,
                [
                    (e.channel, e.seq, e.pos, e.kind, e.sender, e.ts, e.text, e.client_id,
                     e.subject, e.name, e.written)
                    for e in new
                ],
            )  # fmt: skip
            here = self._settle_outbox(channel_id, mine)
            read = db.execute_sql("SELECT read_seq FROM channel WHERE id = ?", (channel_id,))
            read_seq = (read.fetchone() or (0,))[0]
            unread = sum(
                1 for e in new if e.kind == "message" and e.sender != self.me and e.seq > read_seq
            )
            newest = max(new, key=lambda e: e.seq)
            db.execute_sql(
                "UPDATE channel SET last_seq = MAX(last_seq, ?), last_ts = MAX(last_ts, ?), "
                "unread = unread + ? WHERE id = ?",
                (newest.seq, newest.ts, unread, channel_id),
            )
            view = MessageView.stored  # not through a helper: this runs for every row
            applied.messages.extend(
                [
                    view(e.channel, e.seq, e.kind, e.sender, e.text, e.ts, e.client_id,
                         e.subject, e.name,
                         e.written if e.written is not None else here.get(e.client_id or ""))
                    for e in new
                ]
            )  # fmt: skip
            applied.channels.add(channel_id)
        return applied

    def _settle_outbox(self, channel_id: int, events: list[Event]) -> dict[str, int]:
        """Our own messages the server already stored leave the outbox, even when the
        acknowledgement was lost and they came back through sync instead; each keeps the
        time it was written here, returned by client id, unless the server gave it one (a
        server that predates times of writing does not)."""
        seqs = {e.client_id: e.seq for e in events if e.client_id and e.sender == self.me}
        if not seqs:
            return {}
        Outbox = self._m.Outbox
        ids = list(seqs)
        rows = Outbox.select(Outbox.client_id, Outbox.created).where(Outbox.client_id.in_(ids))
        written = {r.client_id: r.created for r in rows}
        self._m.db.cursor().executemany(
            "UPDATE message SET written = COALESCE(written, ?) WHERE channel = ? AND seq = ?",
            [(ts, channel_id, seqs[client_id]) for client_id, ts in written.items()],
        )
        Outbox.delete().where(Outbox.client_id.in_(ids)).execute()
        return written

    def _raise_read(self, channel_id: int, seq: int) -> bool:
        moved = self.mark_read(channel_id, seq)
        self.read_sent(channel_id, seq)  # what another device read needs no telling from here
        return moved

    # --- reading ------------------------------------------------------------------------

    def channels(self) -> list[ChannelView]:
        """Every channel, the most recently active first."""
        Channel = self._m.Channel
        rows = list(Channel.select().order_by(Channel.last_ts.desc(), Channel.id.desc()))
        previews = self._previews()
        return [self._channel_view(r, previews.get(r.id)) for r in rows]

    def channel(self, channel_id: int) -> ChannelView | None:
        return self.channels_by_id([channel_id]).get(channel_id)

    def channels_by_id(self, ids: Iterable[int]) -> dict[int, ChannelView]:
        """The channels with these ids that exist, in one plain query (the engine reads the
        ones each sync page touched)."""
        ids = list(ids)
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        cursor = self._m.db.execute_sql(
            f"SELECT {_CHANNEL_COLUMNS}, {_PREVIEW_COLUMNS} FROM channel AS c LEFT JOIN message "
            "AS m ON m.id = (SELECT id FROM message WHERE message.channel = c.id "
            f"AND kind = 'message' ORDER BY seq DESC LIMIT 1) WHERE c.id IN ({marks})",
            ids,
        )
        views = {}
        for row in cursor:
            channel = _ChannelRow(*row[:12])
            preview = MessageView.stored(*row[12:]) if row[12] is not None else None
            views[channel.id] = self._channel_view(channel, preview)
        return views

    def _channel_view(self, row, preview: MessageView | None) -> ChannelView:
        members = tuple(json.loads(row.members))
        if row.kind == "direct":
            others = [m for m in members if m != self.me]
            title = others[0] if others else self.me
        else:
            title = row.name
        return ChannelView(
            id=row.id,
            kind=row.kind,
            name=row.name,
            title=title,
            members=members,
            owner=row.owner,
            active=bool(row.active),
            last_seq=row.last_seq,
            read_seq=row.read_seq,
            unread=row.unread,
            last_ts=row.last_ts,
            muted=bool(row.muted),
            preview=preview,
        )

    def _previews(self, channel_id: int | None = None) -> dict[int, MessageView]:
        """Each channel's newest message, found by walking its index back from the end."""
        sql = (
            "SELECT m.* FROM channel AS c JOIN message AS m ON m.id = ("
            "SELECT id FROM message WHERE message.channel = c.id AND kind = 'message' "
            "ORDER BY seq DESC LIMIT 1)"
        )
        params: tuple = ()
        if channel_id is not None:
            sql += " WHERE c.id = ?"
            params = (channel_id,)
        return {r.channel: _row_view(r) for r in self._m.Message.raw(sql, *params)}

    def unread(self, channel_id: int) -> int:
        row = self._m.Channel.get_or_none(self._m.Channel.id == channel_id)
        return row.unread if row else 0

    def messages(
        self, channel_id: int, before: int | None = None, limit: int = 50
    ) -> list[MessageView]:
        """A page of the timeline in ascending order: the newest ``limit`` events older than
        ``before``; the newest page (``before`` None) ends with messages still in the outbox."""
        Message = self._m.Message
        query = Message.select().where(Message.channel == channel_id)
        if before is not None:
            query = query.where(Message.seq < before)
        rows = list(query.order_by(Message.seq.desc()).limit(limit))
        page = [_row_view(r) for r in reversed(rows)]
        if before is None:
            page.extend(self.outbox(channel_id))
        return page

    def seq_bounds(self, channel_id: int) -> tuple[int, int]:
        """(lowest, highest) stored sequence numbers of a channel; (0, 0) when empty."""
        Message = self._m.Message
        low, high = (
            Message.select(fn.MIN(Message.seq), fn.MAX(Message.seq))
            .where(Message.channel == channel_id)
            .scalar(as_tuple=True)
        )
        return (low or 0, high or 0)

    def missing(self, channel_id: int, low: int, high: int) -> list[Hole]:
        """The stretches of sequence numbers from ``low`` to ``high`` not stored here,
        lowest first."""
        return self._holes.missing(channel_id, low, high)

    def first_hole(self, channel_id: int) -> Hole | None:
        """The lowest stretch of the channel's events (1 to its ``last_seq``) not stored
        here; None when the cache holds the whole channel."""
        row = self._m.Channel.get_or_none(self._m.Channel.id == channel_id)
        return self._holes.first(channel_id, row.last_seq) if row else None

    def stored_between(self, channel_id: int, low: int, high: int) -> dict[int, MessageView]:
        """The stored events numbered ``low`` to ``high``, by sequence number."""
        Message = self._m.Message
        query = Message.select().where(
            (Message.channel == channel_id) & (Message.seq >= low) & (Message.seq <= high)
        )
        return {r.seq: _row_view(r) for r in query}

    def highest_stored_below(self, channel_id: int, before: int) -> int:
        """The highest stored sequence number below ``before``; 0 if none."""
        Message = self._m.Message
        found = (
            Message.select(fn.MAX(Message.seq))
            .where((Message.channel == channel_id) & (Message.seq < before))
            .scalar()
        )
        return int(found or 0)

    # --- a server restored from a backup --------------------------------------------------

    def drop_after(self, channel_id: int, seq: int) -> int:
        """Remove the channel's stored events after ``seq`` (the server no longer has them,
        or has others under those numbers); returns how many went. Its read position comes
        down with them and is told to the server again."""
        Message, Channel = self._m.Message, self._m.Channel
        with self._m.db.atomic():
            dropped = (
                Message.delete()
                .where((Message.channel == channel_id) & (Message.seq > seq))
                .execute()
            )
            newest = self.highest_stored_below(channel_id, seq + 1)
            Channel.update(
                last_seq=newest,
                read_seq=fn.MIN(Channel.read_seq, seq),
                read_sent_seq=0,
            ).where(Channel.id == channel_id).execute()
            self._recount_unread(channel_id)
        self._holes.forget()
        return int(dropped)

    def set_inactive(self, channel_id: int) -> None:
        """The server no longer counts the user as a member of the channel."""
        Channel = self._m.Channel
        Channel.update(active=False).where(Channel.id == channel_id).execute()

    def server_epoch(self) -> str | None:
        """The epoch of the server database this cache was last reconciled with."""
        return self.setting("server_epoch")

    def set_server_epoch(self, epoch: str) -> None:
        """Remember the epoch of the server database this cache is in step with."""
        self.set_setting("server_epoch", epoch)

    def restart_sync(self, epoch: str) -> None:
        """After reconciling with a restored server: remember its epoch, and start sync
        again from a snapshot (the stored cursor counts positions the server reuses)."""
        Setting = self._m.Setting
        with self._m.db.atomic():
            Setting.delete().where(Setting.key == "sync_cursor").execute()
            self.set_server_epoch(epoch)

    # --- search ---------------------------------------------------------------------------

    def index_pending(self, limit: int | None = None) -> bool:
        """Index for search up to ``limit`` stored messages not indexed yet (all if None),
        oldest first, in one transaction with the ``indexed_up_to`` mark; True if some are
        left. Storing does not index, so catching up stays cheap; the engine calls this when
        it is idle, and ``search`` before it answers."""
        db = self._m.db
        with db.atomic():
            done = int(self.setting("indexed_up_to") or 0)
            bounds = "SELECT id FROM message WHERE id > ? ORDER BY id LIMIT ?"
            params = (done, -1 if limit is None else limit)
            last = db.execute_sql(f"SELECT MAX(id) FROM ({bounds})", params).fetchone()[0]
            if last is None:
                return False
            db.execute_sql(
                "INSERT INTO message_fts (rowid, text) "
                "SELECT id, text FROM message WHERE id > ? AND id <= ?",
                (done, last),
            )
            self.set_setting("indexed_up_to", str(last))
            more = db.execute_sql("SELECT 1 FROM message WHERE id > ? LIMIT 1", (last,))
            return more.fetchone() is not None

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages matching every word of ``query`` (each as a prefix), best first. Messages
        not indexed yet are indexed first, so search always covers every stored message."""
        match = _fts_query(query)
        if not match:
            return []
        self.index_pending()
        Message = self._m.Message
        cursor = self._m.db.execute_sql(
            "SELECT rowid, highlight(message_fts, 0, ?, ?), bm25(message_fts) FROM message_fts "
            "WHERE message_fts MATCH ? ORDER BY bm25(message_fts) LIMIT ?",
            (_START, _END, match, limit),
        )
        found = cursor.fetchall()
        rows = {r.id: r for r in Message.select().where(Message.id.in_([f[0] for f in found]))}
        return [
            SearchHit(message=_row_view(rows[rowid]), spans=_spans(marked), rank=rank)
            for rowid, marked, rank in found
            if rowid in rows and rows[rowid].kind == "message"
        ]

    # --- outbox -------------------------------------------------------------------------

    def queue(self, channel_id: int, text: str, to_user: str | None = None) -> MessageView:
        """Write a message to the outbox before anything is sent, so nothing is lost. With
        ``to_user`` (and channel 0) it waits for the direct chat with that user to open."""
        row = self._m.Outbox.create(
            client_id=new_client_id(),
            channel=channel_id,
            to_user=to_user,
            text=text,
            created=_now_ms(),
        )
        return self._outbox_view(row)

    def direct_with(self, user: str) -> ChannelView | None:
        """The direct chat with ``user`` (a normalised name), if this device knows it."""
        for channel in self.channels():
            if channel.kind == "direct" and channel.title.casefold() == user:
                return channel
        return None

    def open_chat_for(self, user: str, channel_id: int) -> list[MessageView]:
        """The direct chat with ``user`` is open: its waiting messages now go there."""
        Outbox = self._m.Outbox
        waiting = (Outbox.channel == 0) & (Outbox.to_user == user)
        with self._m.db.atomic():
            Outbox.update(channel=channel_id).where(waiting).execute()
            rows = Outbox.select().where((Outbox.channel == channel_id) & (Outbox.to_user == user))
            return [self._outbox_view(r) for r in rows.order_by(Outbox.id)]

    def fail_chat_for(self, user: str, error: str) -> list[MessageView]:
        """The direct chat with ``user`` cannot be opened: its waiting messages failed."""
        Outbox = self._m.Outbox
        waiting = (Outbox.channel == 0) & (Outbox.to_user == user) & (Outbox.state == "pending")
        with self._m.db.atomic():
            ids = [r.client_id for r in Outbox.select(Outbox.client_id).where(waiting)]
            Outbox.update(state="failed", error=error).where(Outbox.client_id.in_(ids)).execute()
            rows = Outbox.select().where(Outbox.client_id.in_(ids)).order_by(Outbox.id)
            return [self._outbox_view(r) for r in rows]

    def outbox_counts(self) -> tuple[int, int]:
        """(waiting to send, failed) messages in the outbox."""
        rows = self._m.db.execute_sql("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        counts: dict[str, int] = dict(rows.fetchall())
        return counts.get("pending", 0), counts.get("failed", 0)

    def outbox_message(self, client_id: str) -> MessageView | None:
        """The message with this client id in the outbox, or None if it is not there."""
        row = self._m.Outbox.get_or_none(self._m.Outbox.client_id == client_id)
        return self._outbox_view(row) if row else None

    def outbox(self, channel_id: int | None = None) -> list[MessageView]:
        Outbox = self._m.Outbox
        query = Outbox.select().order_by(Outbox.id)
        if channel_id is not None:
            query = query.where(Outbox.channel == channel_id)
        return [self._outbox_view(r) for r in query]

    def next_pending(self) -> MessageView | None:
        Outbox = self._m.Outbox
        row = Outbox.select().where(Outbox.state == "pending").order_by(Outbox.id).first()
        return self._outbox_view(row) if row else None

    def mark_sent(self, client_id: str, sent: Sent) -> MessageView:
        """The server stored it: it moves from the outbox into the timeline."""
        Outbox, Message = self._m.Outbox, self._m.Message
        with self._m.db.atomic():
            row = Outbox.get_or_none(Outbox.client_id == client_id)
            if row is not None:
                event = Event(
                    channel=sent.channel,
                    seq=sent.seq,
                    pos=sent.pos,
                    kind="message",
                    sender=self.me,
                    ts=sent.ts,
                    text=row.text,
                    client_id=client_id,
                    written=sent.written,
                )
                self._apply_events([event])
            stored = Message.get((Message.channel == sent.channel) & (Message.seq == sent.seq))
        return _row_view(stored)

    def mark_failed(self, client_id: str, error: str) -> MessageView | None:
        """None if the message already left the outbox (sync brought it back as stored)."""
        return self._set_outbox_state(client_id, "failed", error)

    def retry(self, client_id: str) -> MessageView | None:
        """A failed message waits to be sent again; None if it is not in the outbox."""
        return self._set_outbox_state(client_id, "pending", None)

    def discard(self, client_id: str) -> MessageView | None:
        """Remove a failed message from the outbox; returns it, or None if there is no failed
        message with this id (a message waiting to send may be on its way, so it stays)."""
        Outbox = self._m.Outbox
        with self._m.db.atomic():
            row = Outbox.get_or_none((Outbox.client_id == client_id) & (Outbox.state == "failed"))
            if row is None:
                return None
            row.delete_instance()
        return self._outbox_view(row)

    def _set_outbox_state(
        self, client_id: str, state: str, error: str | None
    ) -> MessageView | None:
        Outbox = self._m.Outbox
        Outbox.update(state=state, error=error).where(Outbox.client_id == client_id).execute()
        row = Outbox.get_or_none(Outbox.client_id == client_id)
        return self._outbox_view(row) if row else None

    def _outbox_view(self, row) -> MessageView:
        return MessageView(
            channel=row.channel,
            seq=None,
            kind="message",
            sender=self.me,
            text=row.text,
            ts=row.created,
            state=row.state,
            client_id=row.client_id,
            error=row.error,
            written=row.created,
            to_user=row.to_user if row.channel == 0 else None,
        )

    def set_muted(self, channel_id: int, muted: bool) -> None:
        self._m.Channel.update(muted=muted).where(self._m.Channel.id == channel_id).execute()

    # --- read positions -----------------------------------------------------------------

    def mark_read(self, channel_id: int, seq: int) -> bool:
        """The user read up to ``seq`` here; True if that is news."""
        Channel = self._m.Channel
        moved = (
            Channel.update(read_seq=seq)
            .where((Channel.id == channel_id) & (Channel.read_seq < seq))
            .execute()
        )
        if moved:
            self._recount_unread(channel_id)  # reads only what is still unread
        return bool(moved)

    def _recount_unread(self, channel_id: int) -> None:
        self._m.db.execute_sql(
            f"UPDATE channel SET unread = ({UNREAD_COUNT}) WHERE id = ?", (self.me, channel_id)
        )

    def reads_to_send(self) -> list[tuple[int, int]]:
        """(channel, seq) read here that the server has not been told."""
        Channel = self._m.Channel
        query = Channel.select(Channel.id, Channel.read_seq).where(
            Channel.read_seq > Channel.read_sent_seq
        )
        return [(r.id, r.read_seq) for r in query]

    def read_sent(self, channel_id: int, seq: int) -> None:
        Channel = self._m.Channel
        Channel.update(read_sent_seq=seq).where(
            (Channel.id == channel_id) & (Channel.read_sent_seq < seq)
        ).execute()

    # --- presence -----------------------------------------------------------------------

    def set_presence(self, info: PresenceInfo) -> None:
        self._m.Presence.replace(
            user=info.user, state=info.state, last_seen=info.last_seen
        ).execute()

    def presence(self, users: Iterable[str] | None = None) -> list[PresenceView]:
        Presence = self._m.Presence
        query = Presence.select().order_by(Presence.user)
        if users is not None:
            query = query.where(Presence.user.in_(list(users)))
        return [PresenceView(r.user, r.state, r.last_seen) for r in query]


def _now_ms() -> int:
    return int(time.time() * 1000)


_CHANNEL_COLUMNS = (
    "c.id, c.kind, c.name, c.owner, c.members, c.active, c.last_seq, c.read_seq, "
    "c.read_sent_seq, c.unread, c.last_ts, c.muted"
)
_PREVIEW_COLUMNS = (
    "m.channel, m.seq, m.kind, m.sender, m.text, m.ts, m.client_id, m.subject, m.name, m.written"
)


@dataclass
class _ChannelRow:
    """A channel row read with plain SQL, in ``_CHANNEL_COLUMNS`` order."""

    id: int
    kind: str
    name: str
    owner: str | None
    members: str
    active: int
    last_seq: int
    read_seq: int
    read_sent_seq: int
    unread: int
    last_ts: int
    muted: int


_INSERT_EVENT = (
    "INSERT INTO message (channel, seq, pos, kind, sender, ts, text, client_id, subject, name, "
    "written) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _row_view(r) -> MessageView:
    return MessageView.stored(
        r.channel, r.seq, r.kind, r.sender, r.text, r.ts, r.client_id, r.subject, r.name, r.written
    )


def _fts_query(text: str) -> str:
    """User words as an FTS5 query: every word must appear, as a word or a word's start.
    Quoting each word keeps FTS5 syntax characters in user input harmless."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"*' for w in words if w.strip('"'))


def _spans(marked: str) -> tuple[tuple[int, int], ...]:
    spans, offset, start = [], 0, 0
    for ch in marked:
        if ch == _START:
            start = offset
        elif ch == _END:
            spans.append((start, offset))
        else:
            offset += 1
    return tuple(spans)
