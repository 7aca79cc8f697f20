"""History, sync and read cursors. Sends are stored by ``syncserver.writer``."""

import logging
from typing import TypeVar

from shared import limits
from shared.errors import ErrorCode
from shared.protocol import (
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
from syncserver.sessions import Session
from syncserver.store import accounts, channels, events
from syncserver.store.events import EventRow
from syncserver.store.models import UserRead

log = logging.getLogger(__name__)

# Bytes one sync or history reply may carry, well under the limit clients accept in a frame
# (4 x MAX_FRAME_BYTES): 4 bytes per character at worst, plus the fields around the text.
PAGE_BYTES = 2 * limits.MAX_FRAME_BYTES
ROW_OVERHEAD = 200


@handles(History)
def history(ctx: Context, call: Call, req: History) -> HistoryPage:
    member_channel(req.channel, call.me.user_id)
    rows = events.history(req.channel, req.before, req.limit + 1)
    newest_first = _within_page_bytes(rows[: req.limit])
    return HistoryPage(
        rid=req.rid,
        channel=req.channel,
        events=views.event_rows_to_wire(ctx, list(reversed(newest_first))),
        more=len(rows) > len(newest_first),
    )


_Row = TypeVar("_Row", EventRow, EventRow | UserRead)


def _within_page_bytes(rows: list[_Row]) -> list[_Row]:
    """The leading rows that fit one reply: a page of long messages could otherwise exceed
    what a client accepts in one frame. At least one row always goes."""
    kept: list[_Row] = []
    size = 0
    for row in rows:
        size += 4 * len(row.text if isinstance(row, EventRow) else "") + ROW_OVERHEAD
        if kept and size > PAGE_BYTES:
            break
        kept.append(row)
    return kept


@handles(Sync)
def sync(ctx: Context, call: Call, req: Sync) -> SyncPage:
    me = call.me
    head = ctx.sequencer.head
    after = me.sync_cursor if req.after is None else req.after
    confirm_cursor(ctx, me, after if req.confirm is None else min(req.confirm, after))
    windows = channels.windows_since(me.user_id, after)
    found = events.events_after(list(windows), after, req.limit + 1)
    reads = events.user_reads_after(me.user_id, after, req.limit + 1)
    merged: list[EventRow | UserRead] = sorted([*found, *reads], key=lambda row: row.pos)
    page = _within_page_bytes(merged[: req.limit])
    more = len(merged) > len(page)
    merged = page
    page_events = [r for r in merged if isinstance(r, EventRow) and _visible(r, windows)]
    page_reads = [
        ReadCursor(channel=r.channel_id, seq=r.seq) for r in merged if isinstance(r, UserRead)
    ]
    changed = {r.channel_id for r in page_events if r.kind != "message"}
    return SyncPage(
        rid=req.rid,
        events=views.event_rows_to_wire(ctx, page_events),
        reads=page_reads,
        channels=[
            _snapshot(ctx, channel_id, me.user_id, windows[channel_id][-1][1])
            for channel_id in sorted(changed)
        ],
        next=merged[-1].pos if more else head,
        more=more,
    )


def confirm_cursor(ctx: Context, me: Session, cursor: int) -> None:
    """Record that the device stored everything up to ``cursor``."""
    head = ctx.sequencer.head
    if cursor > head:
        raise Refusal(ErrorCode.BAD_CURSOR, f"cursor {cursor} is beyond the server's {head}")
    if cursor > me.sync_cursor:
        with ctx.write():
            accounts.advance_sync_cursor(me.device_id, cursor)
        me.sync_cursor = cursor


def _visible(row: EventRow, windows: dict[int, list[tuple[int, int | None]]]) -> bool:
    return any(
        joined <= row.pos and (left is None or row.pos <= left)
        for joined, left in windows[row.channel_id]
    )


def _snapshot(ctx: Context, channel_id: int, user_id: int, left_pos: int | None):
    channel = channels.get_channel(channel_id)
    if channel is None:
        raise LookupError(f"channel {channel_id} has a membership but no row")
    active = channels.active_membership(channel_id, user_id) is not None
    if not active and left_pos is not None and channel.kind == "group":
        # A former member sees the group as it was when they left, not renamed since.
        channel.name = events.group_name_at(channel_id, left_pos) or channel.name
    return views.channel_info(ctx, channel, user_id, active=active)


@handles(MarkRead)
def mark_read(ctx: Context, call: Call, req: MarkRead) -> Ok:
    me = call.me
    member_channel(req.channel, me.user_id)
    last = ctx.sequencer.last_seq(req.channel)
    if req.seq > last:
        raise Refusal(ErrorCode.BAD_CURSOR, f"channel {req.channel} has no event {req.seq} yet")
    if req.seq <= events.user_read_seq(me.user_id, req.channel):
        with ctx.write():
            events.set_device_read(me.device_id, req.channel, req.seq)
        return Ok(rid=req.rid)
    with ctx.write():
        events.set_device_read(me.device_id, req.channel, req.seq)
        pos = ctx.sequencer.next_pos()
        events.set_user_read(me.user_id, req.channel, req.seq, pos)
    push = ReadPush(read=ReadCursor(channel=req.channel, seq=req.seq), pos=pos)
    ctx.delivery.to_users([me.user_id], push, pos=pos, skip_device=me.device_id)
    return Ok(rid=req.rid)
