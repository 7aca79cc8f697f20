"""History, sync and read cursors. Sends are stored by ``syncserver.writer``."""

import logging
from collections import deque
from collections.abc import Iterator

from shared import limits, protocol
from shared.errors import ErrorCode
from shared.protocol import (
    MAX_ID,
    ChannelInfo,
    Event,
    History,
    HistoryPage,
    MarkRead,
    Ok,
    ReadCursor,
    ReadPush,
    Sync,
    SyncPage,
)
from syncserver import views
from syncserver.handlers.base import Call, Context, Refusal, handles
from syncserver.handlers.channels import member_channel
from syncserver.pages import FrameBudget, next_chunk, size_of
from syncserver.sessions import Session
from syncserver.store import accounts, changes, channels, events, mentions, receipts
from syncserver.store.changes import Reactions
from syncserver.store.events import EventRow, ReadRow

log = logging.getLogger(__name__)


# A stored event row, encoded, is its wire event less the field names and the user names in
# place of their ids: this many bytes more at most (10 field names, two names of up to 32
# four-byte characters), so a sync page is measured without building its events twice.
EVENT_EXTRA_BYTES = 80 + 2 * (2 + 4 * limits.MAX_USER_NAME_CHARS)
EVENT_ROW_BYTES = 100  # the rest of an encoded row at most, besides its strings
SHORT_TEXT = 1000  # characters; shorter text is counted at 4 bytes each, without encoding
# What a reply, a change or a changed message adds at most besides its mentions and
# reactions: the names of those fields and their numbers; or the text a first-release app
# is shown instead of a change or a deleted message.
CHANGE_EXTRA_BYTES = 200
MENTION_BYTES = 30 + 2 + 4 * limits.MAX_USER_NAME_CHARS  # one mention at most
REACTIONS_BYTES = 20 + 4 * limits.MAX_EMOJI_CHARS  # one emoji and its list, users aside
ATTACHMENTS_EXTRA_BYTES = 20  # the field's name; or the lines a first-release app gets
MEMBERSHIP_KINDS = protocol.FIRST_KINDS - {"message"}  # events that change a channel


def _event_bytes(row: EventRow) -> int:
    """At least the bytes of ``row`` as a wire event, reactions aside: counted for short
    text, measured for long text (where counting 4 bytes a character would halve pages of
    plain text)."""
    strings = len(row.client_id or "") + len(row.name or "") + len(row.kind)
    strings += len(row.emoji or "")
    size = EVENT_EXTRA_BYTES
    if row.mentions:
        size += mentions.count(row.mentions) * MENTION_BYTES
    if row.reply_to is not None or row.target is not None or row.changed is not None:
        size += CHANGE_EXTRA_BYTES
    if row.attachments is not None:  # encoded as they go on the wire, field names and all
        size += ATTACHMENTS_EXTRA_BYTES + len(row.attachments)
    if len(row.text) < SHORT_TEXT:
        return size + EVENT_ROW_BYTES + 4 * (strings + len(row.text))
    return size + size_of(row)


def _reactions_bytes(reactions: Reactions, names: dict[int, str]) -> int:
    """At least the bytes of a message's reactions on the wire."""
    return sum(
        REACTIONS_BYTES + sum(3 + 4 * len(names.get(u, "")) for u in users)
        for _, users in reactions
    )


@handles(History)
def history(ctx: Context, call: Call, req: History) -> HistoryPage:
    member_channel(ctx, req.channel, call.me.user_id)
    newest_first, more = _history_page(ctx, call, req)
    return HistoryPage(
        rid=req.rid, channel=req.channel, events=list(reversed(newest_first)), more=more
    )


def _history_page(ctx: Context, call: Call, req: History) -> tuple[list[Event], bool]:
    """The page's events, newest first, as many as fit one frame; and whether older ones
    exist. At least one event always goes (a single event always fits)."""
    budget = FrameBudget(HistoryPage(rid=req.rid, channel=req.channel, events=[], more=True), 1)
    page: list[Event] = []
    want = next_chunk(req.limit, 0, 0, budget.left)
    rows = events.history(ctx.store, req.channel, req.before, want)
    while True:
        wire = views.event_rows_to_wire(ctx, rows, tolerant=call.me.tolerant, in_stream=False)
        size = size_of(wire)
        if len(page) + len(wire) <= req.limit and budget.fits(size):
            page += wire  # the common case: the whole chunk fits, measured at once
            budget.take(size)
        else:
            for event in wire:
                size = size_of(event)
                if len(page) == req.limit or (page and not budget.fits(size)):
                    return page, True
                budget.take(size)
                page.append(event)
        if len(rows) < want:
            return page, False
        want = next_chunk(req.limit, len(page), budget.taken, budget.left)
        rows = events.history_below(ctx.store, req.channel, rows[-1].pos, want)


@handles(Sync)
def sync(ctx: Context, call: Call, req: Sync) -> SyncPage:
    me = call.me
    after = me.sync_cursor if req.after is None else req.after
    confirm_cursor(ctx, me, after if req.confirm is None else min(req.confirm, after))
    page = _SyncPage(ctx, me, req)
    more = page.fill(_stream(ctx, after, me.user_id, page))
    wire = views.event_rows_to_wire(
        ctx, page.events, tolerant=me.tolerant, reactions=page.reactions
    )
    return SyncPage(
        rid=req.rid,
        events=wire,
        reads=page.reads,
        channels=[page.snapshots[channel_id] for channel_id in sorted(page.snapshots)],
        next=page.last_pos if more else _caught_up_to(ctx, me, after, page.last_pos),
        more=more,
    )


def _stream(
    ctx: Context, after: int, user_id: int, page: "_SyncPage"
) -> Iterator[EventRow | ReadRow]:
    """Events and read positions of the user's stream past ``after``, in order, at most the
    page's limit and one more (which says that more exist), read from storage a chunk at a
    time as the page takes them (see ``next_chunk``)."""
    limit = page.limit
    reads = deque(events.user_reads_after(ctx.store, user_id, after, limit + 1))
    given, cursor = 0, after
    while True:
        want = next_chunk(limit, given, page.budget.taken, page.budget.left)
        rows = events.stream_after(ctx.store, user_id, cursor, want)
        page.read_reactions(rows)
        for row in rows:
            while reads and reads[0].pos < row.pos:
                given += 1
                yield reads.popleft()
            given += 1
            yield row
        if len(rows) < want or given > limit:
            break
        cursor = rows[-1].pos
    yield from reads


class _SyncPage:
    """A sync page being filled, in stream order, until it holds ``limit`` rows or its frame
    is full; a channel changed within it brings its fresh snapshot, which counts too."""

    def __init__(self, ctx: Context, me: Session, req: Sync) -> None:
        self._ctx, self._me, self.limit = ctx, me, req.limit
        envelope = SyncPage(rid=req.rid, events=[], reads=[], channels=[], next=MAX_ID, more=True)
        self.budget = FrameBudget(envelope, 3)
        self.events: list[EventRow] = []
        self.reads: list[ReadCursor] = []
        self.snapshots: dict[int, ChannelInfo] = {}
        self.reactions: dict[tuple[int, int], Reactions] = {}
        self.rows = 0
        self.last_pos = 0

    def read_reactions(self, rows: list[EventRow]) -> None:
        """Look up the reactions of the messages among ``rows`` that may have some, in one
        query: before the rows are measured, as reactions take room in the frame."""
        wanted = views.reacted(rows)
        if wanted:
            self.reactions.update(changes.reactions_of(self._ctx.store, wanted))

    def fill(self, stream: Iterator[EventRow | ReadRow]) -> bool:
        """Take rows from ``stream``; whether rows are left over for the next page."""
        # Stops at the first row that does not go in: the stream is read no further.
        return any(self.rows == self.limit or not self._add(row) for row in stream)

    def _add(self, row: EventRow | ReadRow) -> bool:
        """Add one row if it fits (the first always does); False if the frame is full."""
        read: ReadCursor | None = None
        event: EventRow | None = None
        snapshot: ChannelInfo | None = None
        size = 0
        if isinstance(row, ReadRow):
            read = ReadCursor(channel=row.channel_id, seq=row.seq)
            size = size_of(read)
        else:
            event = row
            size = _event_bytes(row)
            reactions = self.reactions.get((row.channel_id, row.seq))
            if reactions:
                users = {u for _, who in reactions for u in who}
                size += _reactions_bytes(reactions, self._ctx.names.of(users))
            if row.kind in MEMBERSHIP_KINDS and row.channel_id not in self.snapshots:
                snapshot = _snapshot(self._ctx, row.channel_id, self._me)
                size += size_of(snapshot)
        if self.rows and not self.budget.fits(size):
            return False
        self.budget.take(size)
        self.rows += 1
        self.last_pos = row.pos
        if read is not None:
            self.reads.append(read)
        if event is not None:
            self.events.append(event)
        if snapshot is not None:
            self.snapshots[row.channel_id] = snapshot
        return True


def _caught_up_to(ctx: Context, me: Session, after: int, last_pos: int) -> int:
    """Where a device that has the last page stands: the head of its user's stream, never
    behind where it asked from (a cursor from an older server may be further)."""
    return max(after, ctx.sequencer.user_head(me.user_id), last_pos)


def confirm_cursor(ctx: Context, me: Session, cursor: int) -> None:
    """Record that the device stored everything up to ``cursor``."""
    head = ctx.sequencer.user_head(me.user_id)
    if cursor > head:
        raise Refusal(
            ErrorCode.BAD_CURSOR,
            f"cursor {cursor} is beyond anything this server has stored for you (was it "
            "restored from a backup?); start again from list_channels",
        )
    if cursor > me.sync_cursor:
        with ctx.write():
            accounts.advance_sync_cursor(ctx.store, me.device_id, cursor)
            rises = receipts.deliver(ctx.store, me.user_id, me.sync_cursor, cursor)
        me.sync_cursor = cursor
        for rise in rises:
            ctx.receipts.rose(rise.channel_id, me.user_id, rise.before)


def _snapshot(ctx: Context, channel_id: int, me: Session) -> ChannelInfo:
    channel = channels.get_channel(ctx.store, channel_id)
    if channel is None:
        raise LookupError(f"channel {channel_id} has a membership but no row")
    left_pos = channels.last_left_pos(ctx.store, channel_id, me.user_id)
    active = left_pos is None
    if left_pos is not None and channel.kind == "group":
        # A former member sees the group as it was when they left, not renamed since.
        name = events.group_name_at(ctx.store, channel_id, left_pos)
        channel = channel._replace(name=name or channel.name)
    return views.channel_info(
        ctx, channel, me.user_id, active=active, with_receipts=me.tolerant, with_names=me.tolerant
    )


@handles(MarkRead)
def mark_read(ctx: Context, call: Call, req: MarkRead) -> Ok:
    me = call.me
    member_channel(ctx, req.channel, me.user_id)
    last = ctx.sequencer.last_seq(req.channel)
    if req.seq > last:
        raise Refusal(ErrorCode.BAD_CURSOR, f"channel {req.channel} has no event {req.seq} yet")
    before = events.user_read_seq(ctx.store, me.user_id, req.channel)
    if req.seq <= before:
        with ctx.write():
            events.set_device_read(ctx.store, me.device_id, req.channel, req.seq)
        return Ok(rid=req.rid)
    with ctx.write():
        events.set_device_read(ctx.store, me.device_id, req.channel, req.seq)
        pos = ctx.sequencer.next_user_pos(me.user_id)
        events.set_user_read(ctx.store, me.user_id, req.channel, req.seq, pos)
        delivered_before = receipts.raise_delivered(ctx.store, req.channel, me.user_id, req.seq)
    push = ReadPush(read=ReadCursor(channel=req.channel, seq=req.seq), pos=pos)
    ctx.delivery.to_users([me.user_id], push, skip_device=me.device_id)
    _receipt_rose(ctx, me, req.channel, before, delivered_before)
    return Ok(rid=req.rid)


def _receipt_rose(
    ctx: Context, me: Session, channel_id: int, read_before: int, delivered_before: int | None
) -> None:
    """Reading raised the user's read position, and maybe their delivered one: what a
    device read, it stored, even before its cursor said so. Others see the read position
    only if the user lets them."""
    passed = [] if delivered_before is None else [delivered_before]
    if receipts.read_receipts_on(ctx.store, me.user_id):
        passed.append(read_before)
    if passed:
        ctx.receipts.rose(channel_id, me.user_id, min(passed))
