"""Stored rows turned into protocol data, as one user sees them."""

from typing import cast

from shared import protocol
from syncserver.handlers.base import Context
from syncserver.receipts import to_wire
from syncserver.store import channels, events, receipts
from syncserver.store.events import EventRow
from syncserver.store.models import Channel


def event_rows_to_wire(ctx: Context, rows: list[EventRow]) -> list[protocol.Event]:
    ids = {r.sender_id for r in rows} | {r.subject_id for r in rows if r.subject_id}
    names = ctx.names.of(ids)
    return [
        protocol.Event(
            channel=r.channel_id,
            seq=r.seq,
            pos=r.pos,
            kind=r.kind,
            sender=names[r.sender_id],
            ts=r.ts,
            text=r.text,
            client_id=r.client_id,
            subject=names[r.subject_id] if r.subject_id else None,
            name=r.name,
            written=r.written,
        )
        for r in rows
    ]


def event_dict_to_wire(ctx: Context, row: dict) -> protocol.Event:
    """A freshly inserted event (still a dict of column values) as wire data."""
    subject = row.get("subject")
    return protocol.Event(
        channel=row["channel"],
        seq=row["seq"],
        pos=row["pos"],
        kind=row["kind"],
        sender=ctx.names.one(row["sender"]),
        ts=row["ts"],
        text=row.get("text", ""),
        client_id=row.get("client_id"),
        subject=ctx.names.one(subject) if subject else None,
        name=row.get("name"),
        written=row.get("written"),
    )


def channel_info(
    ctx: Context,
    channel: Channel,
    user_id: int,
    *,
    active: bool = True,
    with_receipts: bool = False,
) -> protocol.ChannelInfo:
    """The channel as ``user_id`` sees it; a former member sees no members. The other
    members' receipts ``with_receipts`` (for an app that reads tolerantly)."""
    owner = ctx.names.one(channel.owner_id) if channel.owner_id and active else None
    return protocol.ChannelInfo(
        id=channel.id,
        kind=cast(protocol.ChannelKind, channel.kind),  # the server stores no other kinds
        name=channel.name,
        members=channels.member_names(channel.id) if active else [],
        owner=owner,
        # A former member learns nothing about the channel's progress after leaving.
        last_seq=ctx.sequencer.last_seq(channel.id) if active else 0,
        read_seq=events.user_read_seq(user_id, channel.id) if active else 0,
        active=active,
        receipts=receipts_in(ctx, [channel.id], user_id) if active and with_receipts else [],
    )


def receipts_in(ctx: Context, channel_ids: list[int], user_id: int) -> list[protocol.Receipt]:
    """The receipts of the members of these channels other than ``user_id``."""
    return [to_wire(ctx.names, row) for row in receipts.receipts_of(channel_ids, user_id)]
