"""Reading and writing the local cache. Every method is one short transaction at most, so the
GUI thread may call the reading ones for a page of data."""

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from peewee import Field, fn

from desktop.cache.attachments import AttachmentBook
from desktop.cache.changes import ChangeApplier, encode_mentions, names
from desktop.cache.clearing import clear_all_but_outbox, files_size
from desktop.cache.drafts import DraftBook
from desktop.cache.holes import Hole, HoleFinder
from desktop.cache.local_files import LocalFiles, files_folder
from desktop.cache.models import BoundModels
from desktop.cache.people import PeopleBook
from desktop.cache.reading import MESSAGE_COLUMNS, Decorator, view_of
from desktop.cache.receipts import ReceiptBook
from desktop.cache.schema import UNREAD_COUNT, open_cache_db
from desktop.cache.views import (
    AttachmentView,
    ChannelView,
    MentionView,
    MessageView,
    PresenceView,
    ReactionView,
    SearchHit,
)
from shared.ids import new_client_id
from shared.protocol import (
    CHANGE_KINDS,
    Attachment,
    ChannelInfo,
    Event,
    PresenceInfo,
    Sent,
    SyncPage,
)

_START, _END = "\x01", "\x02"  # highlight markers; control characters never stored in text


@dataclass
class Applied:
    """What a write changed, for the engine to announce: new timeline entries (change
    events are not entries: the messages they changed are in ``changed``, by channel and
    seq), channels, read positions. ``purged``: a deletion left text to purge from the
    files (``Cache.finish_purge``)."""

    messages: list[MessageView] = field(default_factory=list)
    channels: set[int] = field(default_factory=set)
    reads: set[int] = field(default_factory=set)
    changed: set[tuple[int, int]] = field(default_factory=set)
    purged: bool = False  # also: files no message carries any more may be held here
    settled: list[tuple[int, int]] = field(default_factory=list)  # outbox changes stored
    discarded: list[MessageView] = field(default_factory=list)  # changes of deleted messages
    receipts: set[int] = field(default_factory=set)  # channels whose receipts came anew
    people: set[str] = field(default_factory=set)  # users whose display name changed
    files_gone: set[str] = field(default_factory=set)  # files no longer held (SHA-256)


class Cache:
    """One account's cache on one device profile."""

    def __init__(self, models: BoundModels, me: str) -> None:
        self._m = models
        self.me = me
        folder = files_folder(Path(models.db.database))
        self.files = LocalFiles(models.db, folder)
        self.attachments = AttachmentBook(models.db, folder)
        self._holes = HoleFinder(models.db)
        self._changes = ChangeApplier(models.db, me)
        self._reader = Decorator(models.db, me, self.attachments)
        self.receipts = ReceiptBook(models.db, me)
        self.drafts = DraftBook(models.db)
        self.people = PeopleBook(models.db)

    @classmethod
    def open(cls, path: Path, me: str) -> "Cache":
        return cls(open_cache_db(path, me), me)

    @property
    def path(self) -> Path:
        """The cache's database file."""
        return Path(self._m.db.database)

    def clear(self) -> set[str]:
        """Empty the cache but for the outbox, the chats and the server's settings
        (``desktop.cache.clearing``); sync then starts again from a snapshot. The files
        held here go too, but those waiting to be uploaded; returns their SHA-256."""
        clear_all_but_outbox(self._m.db)
        return self.files.drop_unreferenced()

    def files_size(self) -> int:
        """Bytes the cache's files take on disk."""
        return files_size(self.path)

    def close(self) -> None:
        if not self._m.db.is_closed():
            self._m.db.close()

    # --- settings -----------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        # Plain SQL: settings are read several times for every message pushed or sent (the
        # server's epoch, the search index's progress), and peewee took a millisecond to
        # build this query each time.
        row = self._m.db.execute_sql("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

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
            applied.changed, applied.purged = more.changed, more.purged
            applied.settled, applied.discarded = more.settled, more.discarded
            for read in page.reads:
                if self._raise_read(read.channel, read.seq):
                    applied.reads.add(read.channel)
            self.set_setting("sync_cursor", str(page.next))
        return self._after(applied)

    def apply_events(self, events: list[Event]) -> Applied:
        """Pushed or paged-in events; ones already stored are skipped."""
        with self._m.db.atomic():
            applied = self._apply_events(events)
        return self._after(applied)

    def _after(self, applied: Applied) -> Applied:
        """Once a write is committed: a deletion's text leaves the files, and the files
        it carried leave this device."""
        if applied.purged:
            self.finish_purge()
            applied.files_gone = self.files.drop_unreferenced()
        return applied

    def finish_purge(self) -> bool:
        """Make deleted text leave the cache files, as far as a deletion left any: merge the
        search index (without FTS5's 'secure-delete', which this SQLite may lack, a deleted
        entry stays in the index's segments until they are merged; ``secure_delete``
        zeroes what the merge frees) and checkpoint the write-ahead log into the database,
        truncating it. False if a reader kept the log from being truncated: it is tried
        again after the next write, or the next call."""
        db = self._m.db
        pending = self.setting("purge")
        if pending is None:
            return True
        with db.atomic():
            if pending == "index":
                db.execute_sql("INSERT INTO message_fts (message_fts) VALUES ('optimize')")
            self._m.Setting.delete().where(self._m.Setting.key == "purge").execute()
        busy = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            self.set_setting("purge", "log")
        return not busy

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
            if info.active:  # a chat the user left says nothing of its members
                applied.people |= self.people.take(info.members, info.display_names)
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

    def _apply_events(self, events: list[Event], provisional: bool = False) -> Applied:
        # Plain SQL: building these statements through peewee cost more than running them.
        # Not indexed for search here: ``index_pending`` does that apart, in bigger batches.
        # ``provisional``: made here from an acknowledgement, so whom the text names is not
        # known until the server's copy comes (``ChangeApplier.mentions_known``).
        applied = Applied()
        db = self._m.db
        replies = False
        with_files: list[tuple[int, int]] = []
        by_channel: dict[int, list[Event]] = {}
        for e in events:
            by_channel.setdefault(e.channel, []).append(e)
        for channel_id in sorted(by_channel):
            mine = by_channel[channel_id]
            seqs = [e.seq for e in mine]
            span = (min(seqs), max(seqs))
            have = {
                seq
                for (seq,) in db.execute_sql(
                    "SELECT seq FROM message WHERE channel = ? AND seq BETWEEN ? AND ?",
                    (channel_id, *span),
                )
            }
            new = [e for e in mine if e.seq not in have]
            ours = [e for e in mine if e.seq in have and e.sender == self.me] if have else []
            if ours:
                known = self._changes.mentions_known(channel_id, ours, self.me)
                applied.changed |= {(channel_id, seq) for seq in known}
            if not new:
                continue
            # Most events carry none of what messages that change added: stored and shown
            # the way they were before those, which costs a third less.
            # (Any change a copy reflects sets its ``changed``; a change event has a target.)
            plain = not provisional and not any(
                e.changed or e.target or e.reply_to or e.mentions for e in new
            )
            self._store_new(channel_id, new, span, plain, provisional, applied)
            with_files += [(channel_id, e.seq) for e in new if e.attachments]
            here = self._settle_outbox(channel_id, mine, applied)
            self._count_new(channel_id, new, plain, applied.purged)
            view = MessageView.stored  # not through a helper: this runs for every row
            if plain:
                applied.messages.extend(
                    [
                        view(e.channel, e.seq, e.kind, e.sender, e.text, e.ts, e.client_id,
                             e.subject, e.name,
                             e.written if e.written is not None else here.get(e.client_id or ""))
                        for e in new
                    ]
                )  # fmt: skip
            else:
                shown = [e for e in new if e.kind not in CHANGE_KINDS]
                applied.messages.extend(self._views_of_new(shown, here, provisional))
                replies |= any(e.reply_to for e in shown)
            applied.channels.add(channel_id)
        if applied.changed or replies:
            applied.messages = self._completed(applied)
        if with_files:
            applied.messages = self._with_files(applied.messages, with_files)
        return applied

    def _with_files(
        self, views: list[MessageView], pairs: list[tuple[int, int]]
    ) -> list[MessageView]:
        """New entries with the files they carry, as stored."""
        found = self.attachments.of_pairs(pairs)
        shown = []
        for view in views:
            files = found.get((view.channel, view.seq or 0))
            shown.append(replace(view, attachments=files) if files else view)
        return shown

    def _views_of_new(
        self, events: list[Event], here: dict[str, int], provisional: bool
    ) -> list[MessageView]:
        """New entries as they are stored, but for what other rows say of them."""
        me = self.me
        return [
            MessageView.stored(
                e.channel, e.seq, e.kind, e.sender, e.text, e.ts, e.client_id, e.subject, e.name,
                e.written if e.written is not None else here.get(e.client_id or ""),
            ).with_state(
                e.reply_to, _mention_views(e), names(e, me),
                e.edited is not None and not e.deleted, e.deleted,
                reactions=_reaction_views(e), mentions_known=not provisional,
            )
            for e in events
        ]  # fmt: skip

    def _store_new(
        self,
        channel_id: int,
        new: list[Event],
        span: tuple[int, int],
        plain: bool,
        provisional: bool,
        applied: Applied,
    ) -> None:
        """Insert events new to the cache (their seqs within ``span``), then apply the
        changes among them (and those stored before that target messages among them).
        ``plain``: none of them carries anything of messages that change."""
        me = self.me
        earlier = self._changes.earlier(channel_id, span)
        doomed = self._changes.doomed(channel_id, new, earlier, plain)
        if plain and not doomed:
            self._m.db.cursor().executemany(
                _INSERT_PLAIN,
                [
                    (e.channel, e.seq, e.pos, e.kind, e.sender, e.ts, e.text, e.client_id,
                     e.subject, e.name, e.written)
                    for e in new
                ],
            )  # fmt: skip
        else:
            self._m.db.cursor().executemany(
                _INSERT_EVENT,
                [
                    (e.channel, e.seq, e.pos, e.kind, e.sender, e.ts,
                     "" if (e.seq if e.kind == "message" else e.target) in doomed else e.text,
                     e.client_id, e.subject, e.name, e.written, e.reply_to,
                     None if provisional else encode_mentions(e.mentions) if e.mentions else "",
                     e.kind == "message" and names(e, me), e.target, e.emoji, e.removed,
                     e.edited, e.deleted, e.changed or 0)
                    for e in new
                ],
            )  # fmt: skip
        if not plain:
            self._changes.store_reactions([e for e in new if e.reactions])
        # A deleted message carries no files (the server empties them with its text).
        self.attachments.store(
            [e for e in new if e.attachments and e.kind == "message" and e.seq not in doomed]
        )
        changed = self._changes.apply_new(channel_id, new, earlier, doomed, provisional, plain)
        applied.changed |= {(channel_id, seq) for seq in changed.targets}
        if changed.purged:
            applied.purged = True
            self.set_setting("purge", "index")
            stored = {e.client_id for e in new if e.client_id and e.sender == me}
            applied.discarded += self._drop_changes_of(channel_id, changed.deleted, stored)

    def _drop_changes_of(
        self, channel_id: int, deleted: set[int], stored: set[str]
    ) -> list[MessageView]:
        """This device's changes to messages now deleted will not be taken, and an edit's
        text is the deleted message's: they leave the outbox (but those just ``stored``,
        whose ids came with the events, which settle as sent)."""
        Outbox = self._m.Outbox
        doomed = (
            (Outbox.channel == channel_id)
            & Outbox.target.in_(list(deleted))
            & (Outbox.kind != "message")
            & Outbox.client_id.not_in(list(stored))
        )
        dropped = [self._outbox_view(row) for row in Outbox.select().where(doomed)]
        Outbox.delete().where(doomed).execute()
        return dropped

    def _count_new(self, channel_id: int, new: list[Event], plain: bool, purged: bool) -> None:
        """Keep the channel's newest seq, time and unread count up to date with ``new``
        (``plain``: none of them was deleted)."""
        db = self._m.db
        read = db.execute_sql("SELECT read_seq FROM channel WHERE id = ?", (channel_id,))
        read_seq = (read.fetchone() or (0,))[0]
        me = self.me
        unread = [e for e in new if e.kind == "message" and e.sender != me and e.seq > read_seq]
        count = len(unread) if plain else sum(1 for e in unread if not e.deleted)
        newest = max(new, key=lambda e: e.seq)
        db.execute_sql(
            "UPDATE channel SET last_seq = MAX(last_seq, ?), last_ts = MAX(last_ts, ?), "
            "unread = unread + ? WHERE id = ?",
            (newest.seq, newest.ts, count, channel_id),
        )
        if purged:  # a deletion may have taken an unread message
            self._recount_unread(channel_id)

    def _completed(self, applied: Applied) -> list[MessageView]:
        """New entries whose state needs other rows (reactions, the quote of a reply, or
        changes applied with them), read again whole."""
        redo = {(m.channel, m.seq) for m in applied.messages if m.reply_to} | applied.changed
        fresh = [m for m in applied.messages if (m.channel, m.seq) in redo]
        whole: dict[tuple[int, int | None], MessageView] = {}
        for channel_id in {m.channel for m in fresh}:
            seqs = [m.seq for m in fresh if m.channel == channel_id and m.seq is not None]
            for view in self._views(channel_id, seqs):
                whole[(view.channel, view.seq)] = view
        applied.changed -= set(whole)  # announced as new, in their latest state
        return [whole.get((m.channel, m.seq), m) for m in applied.messages]

    def _settle_outbox(
        self, channel_id: int, events: list[Event], applied: Applied
    ) -> dict[str, int]:
        """Our own messages and changes the server already stored leave the outbox, even
        when the acknowledgement was lost and they came back through sync instead. Each
        message keeps the time it was written here, returned by client id, unless the
        server gave it one (a server that predates times of writing does not); each change
        is named in ``applied.settled``."""
        seqs = {e.client_id: e.seq for e in events if e.client_id and e.sender == self.me}
        if not seqs:
            return {}
        Outbox = self._m.Outbox
        ids = list(seqs)
        rows = Outbox.select(Outbox.client_id, Outbox.created, Outbox.kind).where(
            Outbox.client_id.in_(ids)
        )
        written, changes = {}, []
        for row in rows:
            if row.kind == "message":
                written[row.client_id] = row.created
            else:
                changes.append((channel_id, seqs[row.client_id]))
        self._m.db.cursor().executemany(
            "UPDATE message SET written = COALESCE(written, ?) WHERE channel = ? AND seq = ?",
            [(ts, channel_id, seqs[client_id]) for client_id, ts in written.items()],
        )
        Outbox.delete().where(Outbox.client_id.in_(ids)).execute()
        applied.settled.extend(changes)
        return written

    def _raise_read(self, channel_id: int, seq: int) -> bool:
        moved = self.mark_read(channel_id, seq)
        self.read_sent(channel_id, seq)  # what another device read needs no telling from here
        return moved

    # --- reading ------------------------------------------------------------------------

    def channels(self) -> list[ChannelView]:
        """Every channel, the most recently active first."""
        return list(self._channel_views("", ()).values())

    def channel(self, channel_id: int) -> ChannelView | None:
        return self.channels_by_id([channel_id]).get(channel_id)

    def channels_by_id(self, ids: Iterable[int]) -> dict[int, ChannelView]:
        """The channels with these ids that exist, in one plain query (the engine reads the
        ones each sync page touched)."""
        ids = list(ids)
        if not ids:
            return {}
        return self._channel_views(f"WHERE c.id IN ({', '.join('?' * len(ids))})", ids)

    def _channel_views(self, where: str, params: Iterable[object]) -> dict[int, ChannelView]:
        """Channels with their newest message (found by walking its index back from the
        end) and their unread mentions, the most recently active first."""
        columns = ", ".join(f"m.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))
        cursor = self._m.db.execute_sql(
            f"SELECT {_CHANNEL_COLUMNS}, {_UNREAD_MENTIONS}, {columns} FROM channel AS c "
            "LEFT JOIN message AS m ON m.id = (SELECT id FROM message WHERE "
            f"message.channel = c.id AND kind = 'message' ORDER BY seq DESC LIMIT 1) {where} "
            "ORDER BY c.last_ts DESC, c.id DESC",
            list(params),
        )
        views = {}
        names = self.people.all()  # one read for every direct chat's title
        rows = cursor.fetchall()
        previews = [view_of(row[13:]) for row in rows if row[13] is not None]
        shown = {p.channel: p for p in self._with_files(previews, _keys(previews))}
        for row in rows:
            channel = _ChannelRow(*row[:12])
            views[channel.id] = self._channel_view(channel, shown.get(channel.id), row[12], names)
        return views

    def info_view(self, info: ChannelInfo) -> ChannelView:
        """A channel as the server described it, for one not stored here."""
        row = _ChannelRow(
            info.id, info.kind, info.name, info.owner, json.dumps(info.members), info.active,
            info.last_seq, info.read_seq, info.read_seq, 0, 0, False,
        )  # fmt: skip
        return self._channel_view(row, None, 0, dict(info.display_names))

    def _channel_view(
        self,
        row: "_ChannelRow",
        preview: MessageView | None,
        mentions: int,
        names: dict[str, str],
    ) -> ChannelView:
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
            display_name=names.get(title, "") if row.kind == "direct" else "",
            members=members,
            owner=row.owner,
            active=bool(row.active),
            last_seq=row.last_seq,
            read_seq=row.read_seq,
            unread=row.unread,
            last_ts=row.last_ts,
            muted=row.muted_until > _now_ms(),
            preview=preview,
            unread_mentions=mentions,
            muted_until=row.muted_until,
        )

    def unread(self, channel_id: int) -> int:
        row = self._m.Channel.get_or_none(self._m.Channel.id == channel_id)
        return row.unread if row else 0

    def messages(
        self, channel_id: int, before: int | None = None, limit: int = 50
    ) -> list[MessageView]:
        """A page of the timeline in ascending order: the newest ``limit`` entries older
        than ``before``; the newest page (``before`` None) ends with messages still in the
        outbox. Change events are not entries: their messages show what they did."""
        sql = f"SELECT {MESSAGE_COLUMNS} FROM message WHERE channel = ? AND kind NOT IN {_CHANGES}"
        params: list[object] = [channel_id]
        if before is not None:
            sql += " AND seq < ?"
            params.append(before)
        rows = self._m.db.execute_sql(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit))
        page = [view_of(row) for row in reversed(rows.fetchall())]
        outbox = self.outbox(channel_id)
        if before is None:
            page.extend(m for m in outbox if not m.is_change)
        return self._reader.decorate(channel_id, page, outbox)

    def messages_after(
        self, channel_id: int, after: int, limit: int = 50
    ) -> tuple[list[MessageView], bool]:
        """A page of the timeline in ascending order: the oldest ``limit`` entries newer than
        ``after`` (to read on from a message far back), and whether it reached the newest;
        a page that did ends with the messages still in the outbox, as the newest does."""
        rows = self._m.db.execute_sql(
            f"SELECT {MESSAGE_COLUMNS} FROM message WHERE channel = ? AND seq > ? "
            f"AND kind NOT IN {_CHANGES} ORDER BY seq LIMIT ?",
            (channel_id, after, limit + 1),
        ).fetchall()
        newest = len(rows) <= limit
        page = [view_of(row) for row in rows[:limit]]
        outbox = self.outbox(channel_id)
        if newest:
            page.extend(m for m in outbox if not m.is_change)
        return self._reader.decorate(channel_id, page, outbox), newest

    def attachment(self, channel_id: int, seq: int, index: int) -> AttachmentView | None:
        """File ``index`` of the stored message ``seq``; None if it has no such file (or
        is not stored here)."""
        files = self.attachments.of_messages(channel_id, [seq]).get(seq, ())
        return files[index] if 0 <= index < len(files) else None

    def message(self, channel_id: int, seq: int) -> MessageView | None:
        """The stored event ``seq`` of a channel as it shows now (a message with this
        device's changes still in the outbox applied); None if not stored here."""
        found = self._views(channel_id, [seq])
        return found[0] if found else None

    def _views(self, channel_id: int, seqs: list[int]) -> list[MessageView]:
        marks = ", ".join("?" * len(seqs))
        rows = self._m.db.execute_sql(
            f"SELECT {MESSAGE_COLUMNS} FROM message WHERE channel = ? AND seq IN ({marks}) "
            "ORDER BY seq",
            (channel_id, *seqs),
        )
        views = [view_of(row) for row in rows]
        return self._reader.decorate(channel_id, views, self.outbox(channel_id))

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
        rows = self._m.db.execute_sql(
            f"SELECT {MESSAGE_COLUMNS} FROM message WHERE channel = ? AND seq BETWEEN ? AND ?",
            (channel_id, low, high),
        )
        return {row[1]: view_of(row) for row in rows}

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
        Channel, db = self._m.Channel, self._m.db
        with db.atomic():
            # Messages kept whose state came from changes that go are stored again from
            # the server's copy: they go too, leaving holes to fill.
            changed = db.execute_sql(
                "SELECT DISTINCT target FROM message WHERE channel = ? AND seq > ? AND target <= ?",
                (channel_id, seq, seq),
            )
            stale = [target for (target,) in changed]
            dropped = 0
            for where, params in (
                ("seq > ?", [seq]),
                (f"seq IN ({', '.join('?' * len(stale))})", stale),
            ):
                if params:
                    for table in ("message", "reaction", "attachment"):
                        gone = db.execute_sql(
                            f"DELETE FROM {table} WHERE channel = ? AND {where}",
                            (channel_id, *params),
                        )
                        if table == "message" and where == "seq > ?":
                            dropped = gone.rowcount
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
                "SELECT id, text FROM message WHERE id > ? AND id <= ? AND kind = 'message'",
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
        db = self._m.db
        cursor = db.execute_sql(
            "SELECT rowid, highlight(message_fts, 0, ?, ?), bm25(message_fts) FROM message_fts "
            "WHERE message_fts MATCH ? ORDER BY bm25(message_fts) LIMIT ?",
            (_START, _END, match, limit),
        )
        found = cursor.fetchall()
        marks = ", ".join("?" * len(found))
        rows = db.execute_sql(
            f"SELECT id, {MESSAGE_COLUMNS} FROM message WHERE id IN ({marks})",
            [f[0] for f in found],
        )
        views = {row[0]: view_of(row[1:]) for row in rows}
        return [
            SearchHit(message=views[rowid], spans=_spans(marked), rank=rank)
            for rowid, marked, rank in found
            if rowid in views and views[rowid].kind == "message"
        ]

    # --- outbox -------------------------------------------------------------------------

    def queue(
        self,
        channel_id: int,
        text: str,
        to_user: str | None = None,
        reply_to: int | None = None,
        files: Sequence[Attachment] = (),
    ) -> MessageView:
        """Write a message to the outbox before anything is sent, so nothing is lost. With
        ``to_user`` (and channel 0) it waits for the direct chat with that user to open;
        with ``reply_to`` it answers that message of the channel; with ``files`` (held
        here already, ``LocalFiles.place``) it carries them, sent once they are uploaded."""
        with self._m.db.atomic():
            row = self._m.Outbox.create(
                client_id=new_client_id(),
                channel=channel_id,
                to_user=to_user,
                text=text,
                created=_now_ms(),
                reply_to=reply_to,
            )
            self.attachments.queue(row.client_id, files)
        return self._outbox_view(row)

    def queue_change(
        self,
        channel_id: int,
        kind: str,
        target: int,
        text: str = "",
        emoji: str | None = None,
        removed: bool = False,
    ) -> MessageView:
        """Write a change of the message ``target`` (``reaction``, ``edit`` or ``delete``)
        to the outbox, in order with the messages; the message shows it at once."""
        row = self._m.Outbox.create(
            client_id=new_client_id(),
            channel=channel_id,
            kind=kind,
            target=target,
            text=text,
            emoji=emoji,
            removed=removed,
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
            return self._outbox_views(rows.order_by(Outbox.id))

    def fail_chat_for(self, user: str, error: str) -> list[MessageView]:
        """The direct chat with ``user`` cannot be opened: its waiting messages failed."""
        Outbox = self._m.Outbox
        waiting = (Outbox.channel == 0) & (Outbox.to_user == user) & (Outbox.state == "pending")
        with self._m.db.atomic():
            ids = [r.client_id for r in Outbox.select(Outbox.client_id).where(waiting)]
            Outbox.update(state="failed", error=error).where(Outbox.client_id.in_(ids)).execute()
            rows = Outbox.select().where(Outbox.client_id.in_(ids)).order_by(Outbox.id)
            return self._outbox_views(rows)

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
        return self._outbox_views(query)

    def next_pending(self) -> MessageView | None:
        Outbox = self._m.Outbox
        row = Outbox.select().where(Outbox.state == "pending").order_by(Outbox.id).first()
        return self._outbox_view(row) if row else None

    def mark_sent(self, client_id: str, sent: Sent) -> tuple[MessageView, Applied]:
        """The server stored it: it moves from the outbox into the timeline (a change is
        applied to its message). Returns it as stored, and what storing it changed."""
        Outbox = self._m.Outbox
        applied = Applied()
        with self._m.db.atomic():
            row = Outbox.get_or_none(Outbox.client_id == client_id)
            if row is not None:
                files = self.attachments.outgoing(client_id)
                event = _sent_event(row, sent, self.me, files)
                applied = self._apply_events([event], provisional=True)
        self._after(applied)
        stored = self.message(sent.channel, sent.seq)
        assert stored is not None, "an acknowledged event is stored"
        return stored, applied

    def mark_failed(self, client_id: str, error: str) -> MessageView | None:
        """None if the message already left the outbox (sync brought it back as stored)."""
        return self._set_outbox_state(client_id, "failed", error)

    def retry(self, client_id: str) -> MessageView | None:
        """A failed message waits to be sent again; None if it is not in the outbox."""
        return self._set_outbox_state(client_id, "pending", None)

    def discard(self, client_id: str, waiting_too: bool = False) -> MessageView | None:
        """Remove a failed message from the outbox; returns it, or None if there is no failed
        message with this id (a message waiting to send may be on its way, so it stays).
        ``waiting_too``: one waiting to be sent goes as well (the engine knows it is not on
        its way: its files are still going up)."""
        Outbox = self._m.Outbox
        states = ["failed", "pending"] if waiting_too else ["failed"]
        with self._m.db.atomic():
            row = Outbox.get_or_none((Outbox.client_id == client_id) & Outbox.state.in_(states))
            if row is None:
                return None
            dropped = self._outbox_view(row)  # with its files, which go with it
            row.delete_instance()
        return dropped

    def _set_outbox_state(
        self, client_id: str, state: str, error: str | None
    ) -> MessageView | None:
        Outbox = self._m.Outbox
        Outbox.update(state=state, error=error).where(Outbox.client_id == client_id).execute()
        row = Outbox.get_or_none(Outbox.client_id == client_id)
        return self._outbox_view(row) if row else None

    def _outbox_view(self, row) -> MessageView:
        return self._outbox_views([row])[0]

    def _outbox_views(self, rows: Iterable) -> list[MessageView]:
        """Outbox rows as views, with the files they carry (one query for all)."""
        rows = list(rows)
        files = self.attachments.of_outbox([r.client_id for r in rows])
        return [self._plain_outbox_view(r, files.get(r.client_id, ())) for r in rows]

    def _plain_outbox_view(self, row, files: tuple[AttachmentView, ...]) -> MessageView:
        return MessageView(
            channel=row.channel,
            seq=None,
            kind=row.kind,
            sender=self.me,
            text=row.text,
            ts=row.created,
            state=row.state,
            client_id=row.client_id,
            error=row.error,
            written=row.created,
            to_user=row.to_user if row.channel == 0 else None,
            reply_to=row.reply_to,
            target=row.target,
            emoji=row.emoji,
            removed=bool(row.removed),
            attachments=files,
        )

    def set_muted_until(self, channel_id: int, until: int) -> bool:
        """Mute the chat until ``until`` (0: unmute); True if that changed anything."""
        Channel = self._m.Channel
        changed = (
            Channel.update(muted_until=until, muted=until != 0)
            .where((Channel.id == channel_id) & (Channel.muted_until != until))
            .execute()
        )
        return bool(changed)

    def mutes(self) -> dict[int, int]:
        """Until when each muted chat is muted (including mutes whose time has passed)."""
        Channel = self._m.Channel
        query = Channel.select(Channel.id, Channel.muted_until).where(Channel.muted_until != 0)
        return {row.id: row.muted_until for row in query}

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


def _keys(views: list[MessageView]) -> list[tuple[int, int]]:
    """(channel, seq) of stored views."""
    return [(v.channel, v.seq) for v in views if v.seq is not None]


_CHANNEL_COLUMNS = (
    "c.id, c.kind, c.name, c.owner, c.members, c.active, c.last_seq, c.read_seq, "
    "c.read_sent_seq, c.unread, c.last_ts, c.muted_until"
)
_UNREAD_MENTIONS = (
    "(SELECT COUNT(*) FROM message WHERE message.channel = c.id AND message.mentions_me = 1 "
    "AND message.seq > c.read_seq)"
)
_CHANGES = "('reaction', 'edit', 'delete')"  # the kinds in CHANGE_KINDS, for SQL


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
    muted_until: int


_INSERT_PLAIN = (
    "INSERT INTO message (channel, seq, pos, kind, sender, ts, text, client_id, subject, name, "
    "written) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_EVENT = (
    "INSERT INTO message (channel, seq, pos, kind, sender, ts, text, client_id, subject, name, "
    "written, reply_to, mentions, mentions_me, target, emoji, removed, edited, deleted, "
    "changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _sent_event(row, sent: Sent, me: str, files: list[Attachment]) -> Event:
    """The event the server stored for an outbox entry, as its acknowledgement tells (a
    change carries its id too, as the server's copy does; a message its files)."""
    change = row.kind != "message"
    return Event(
        channel=sent.channel,
        seq=sent.seq,
        pos=sent.pos,
        kind=row.kind,
        sender=me,
        ts=sent.ts,
        text=row.text,
        client_id=row.client_id,
        written=None if change else sent.written,
        reply_to=row.reply_to,
        target=row.target,
        emoji=row.emoji,
        removed=bool(row.removed),
        attachments=tuple(files),
    )


def _mention_views(e: Event) -> tuple[MentionView, ...]:
    return tuple(MentionView(m.user, m.start, m.end) for m in e.mentions) if e.mentions else ()


def _reaction_views(e: Event) -> tuple[ReactionView, ...]:
    if not e.reactions or e.deleted:
        return ()
    return tuple(ReactionView(r.emoji, tuple(r.users)) for r in e.reactions if r.users)


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
