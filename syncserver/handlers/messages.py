"""Sending (with group commit), history, sync and read cursors."""

import logging
from collections.abc import Callable
from typing import Any

from shared import limits
from shared.errors import ErrorCode
from shared.protocol import (
    Error,
    EventPush,
    History,
    HistoryPage,
    MarkRead,
    Ok,
    ReadCursor,
    ReadPush,
    Reply,
    Send,
    Sent,
    Sync,
    SyncPage,
)
from syncserver import views
from syncserver.handlers.base import Call, Context, Refusal, handles, now_ms
from syncserver.handlers.channels import member_channel
from syncserver.sessions import Session
from syncserver.store import StorageError, accounts, channels, events
from syncserver.store.models import Event, UserRead

log = logging.getLogger(__name__)

ReplyFn = Callable[[bytes, Reply], None]
# Bytes one sync or history reply may carry, well under the limit clients accept in a frame
# (4 x MAX_FRAME_BYTES): 4 bytes per character at worst, plus the fields around the text.
PAGE_BYTES = 2 * limits.MAX_FRAME_BYTES
ROW_OVERHEAD = 200


class MessageWriter:
    """Group commit: sends that arrive together are stored in one transaction and each is
    acknowledged only after that transaction committed."""

    def __init__(self, ctx: Context, reply: ReplyFn) -> None:
        self._ctx = ctx
        self._reply = reply
        self._pending: list[tuple[Call, Send]] = []

    def add(self, call: Call, req: Send) -> None:
        self._pending.append((call, req))

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        outcomes: list[tuple[Call, Send, dict | Reply]] = []
        rows: list[dict] = []
        try:
            with self._ctx.write():
                batch = _Batch(self._ctx, pending)
                for call, req in pending:
                    try:
                        outcomes.append((call, req, batch.prepare(call, req, rows)))
                    except Refusal as r:
                        outcomes.append(
                            (call, req, Error(rid=req.rid, code=r.code, message=r.message))
                        )
                events.insert_events(rows)
        except Exception as e:
            # No send may go unanswered: storage trouble is "unavailable", anything else a bug.
            if isinstance(e, StorageError):
                log.error("storing %d messages failed: %s", len(rows), e)
                code, why = ErrorCode.UNAVAILABLE, f"the server could not store the message: {e}"
            else:
                log.exception("storing %d messages failed", len(rows))
                code, why = ErrorCode.INTERNAL, "internal server error"
            outcomes = [
                (call, req, Error(rid=req.rid, code=code, message=why))
                if isinstance(out, dict)
                else (call, req, out)
                for call, req, out in outcomes
            ]
            answered = {id(call) for call, _, _ in outcomes}
            outcomes += [
                (call, req, Error(rid=req.rid, code=code, message=why))
                for call, req in pending
                if id(call) not in answered
            ]
            rows = []
        for call, req, out in outcomes:
            self._reply(call.routing_id, _sent(req.rid, out) if isinstance(out, dict) else out)
        try:
            self._push(rows)
        except StorageError as e:  # pushes are hints; sync delivers what they would have
            log.error("pushing %d messages failed: %s", len(rows), e)

    def _push(self, rows: list[dict]) -> None:
        for row in rows:
            event = views.event_dict_to_wire(self._ctx, row)
            self._ctx.delivery.to_users(
                self._ctx.members.of(row["channel"]),
                EventPush(event=event),
                pos=row["pos"],
                skip_device=row["device"],
            )


def _sent(rid: int, row: dict[str, Any]) -> Sent:
    return Sent(
        rid=rid,
        channel=row["channel"],
        seq=row["seq"],
        pos=row["pos"],
        ts=row["ts"],
        client_id=row["client_id"],
    )


class _Batch:
    """Checks of one group commit, remembering what earlier sends in the batch did."""

    def __init__(self, ctx: Context, pending: list[tuple[Call, Send]]) -> None:
        self._ctx = ctx
        self._by_client_id: dict[tuple[int, str], dict] = {}
        # Earlier sends of these ids, looked up once for the whole batch.
        keys = {(call.me.user_id, req.client_id) for call, req in pending if call.session}
        self._stored = {key: _as_row(e) for key, e in events.by_client_ids(keys).items()}

    def prepare(self, call: Call, req: Send, rows: list[dict]) -> dict | Reply:
        """The new (or earlier) row for this send, or a reply if it was stored before."""
        me = call.me
        _check_text(req.text)
        self._check_member(req.channel, me.user_id)
        key = (me.user_id, req.client_id)
        earlier = self._by_client_id.get(key) or self._stored.get(key)
        if earlier is not None:
            if earlier["channel"] != req.channel or earlier["text"] != req.text:
                raise Refusal(
                    ErrorCode.ID_REUSED,
                    f"message id {req.client_id!r} was already used for another message",
                )
            return earlier
        row = {
            "pos": self._ctx.sequencer.next_pos(),
            "channel": req.channel,
            "seq": self._ctx.sequencer.next_seq(req.channel),
            "kind": "message",
            "sender": me.user_id,
            "device": me.device_id,
            "client_id": req.client_id,
            "text": req.text,
            "ts": now_ms(),
        }
        rows.append(row)
        self._by_client_id[key] = row
        return row

    def _check_member(self, channel_id: int, user_id: int) -> None:
        if user_id not in self._ctx.members.of(channel_id):
            raise Refusal(ErrorCode.NO_SUCH_CHANNEL, f"you are not in a channel {channel_id}")


def _as_row(event: Event) -> dict:
    return {
        "channel": event.channel_id,
        "seq": event.seq,
        "pos": event.pos,
        "ts": event.ts,
        "client_id": event.client_id,
        "text": event.text,
    }


def _check_text(text: str) -> None:
    if len(text) > limits.MAX_TEXT_CHARS:
        raise Refusal(
            ErrorCode.MESSAGE_TOO_LONG,
            f"a message holds at most {limits.MAX_TEXT_CHARS:,} characters; this one has "
            f"{len(text):,}",
        )
    if not text.strip():
        raise Refusal(ErrorCode.INVALID, "a message needs some text")


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


def _within_page_bytes(rows: list) -> list:
    """The leading rows that fit one reply: a page of long messages could otherwise exceed
    what a client accepts in one frame. At least one row always goes."""
    kept, size = [], 0
    for row in rows:
        size += 4 * len(getattr(row, "text", "")) + ROW_OVERHEAD
        if kept and size > PAGE_BYTES:
            break
        kept.append(row)
    return kept


@handles(Sync)
def sync(ctx: Context, call: Call, req: Sync) -> SyncPage:
    me = call.me
    head = ctx.sequencer.head
    after = me.sync_cursor if req.after is None else req.after
    confirm_cursor(ctx, me, after)
    windows = channels.windows_since(me.user_id, after)
    found = events.events_after(list(windows), after, req.limit + 1)
    reads = events.user_reads_after(me.user_id, after, req.limit + 1)
    merged: list[Event | UserRead] = sorted([*found, *reads], key=lambda row: row.pos)
    page = _within_page_bytes(merged[: req.limit])
    more = len(merged) > len(page)
    merged = page
    page_events = [r for r in merged if isinstance(r, Event) and _visible(r, windows)]
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


def _visible(row: Event, windows: dict[int, list[tuple[int, int | None]]]) -> bool:
    return any(
        joined <= row.pos and (left is None or row.pos <= left)
        for joined, left in windows[row.channel_id]
    )


def _snapshot(ctx: Context, channel_id: int, user_id: int, left_pos: int | None):
    channel = channels.get_channel(channel_id)
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
