"""Stored rows turned into protocol data, as one user sees them."""

from collections.abc import Mapping
from typing import cast

import msgspec

from shared import protocol
from syncserver.first_release import first_release
from syncserver.handlers.base import Context, now_ms
from syncserver.receipts import to_wire
from syncserver.store import channels, events, files, quiet, receipts
from syncserver.store import mentions as stored_mentions
from syncserver.store.changes import Reactions, reactions_of
from syncserver.store.channels import ChannelRow
from syncserver.store.events import EventRow

ReactionMap = Mapping[tuple[int, int], Reactions]


def reacted(rows: list[EventRow]) -> list[tuple[int, int]]:
    """The (channel, seq) of the rows that may have reactions: messages changed since they
    were sent and not deleted. Plain messages need no query."""
    return [
        (r.channel_id, r.seq)
        for r in rows
        if r.changed is not None and not r.deleted and r.kind == "message"
    ]


def event_rows_to_wire(
    ctx: Context,
    rows: list[EventRow],
    *,
    tolerant: bool = True,
    reactions: ReactionMap | None = None,
    in_stream: bool = True,
) -> list[protocol.Event]:
    """Stored events as one user's device gets them: with their reactions (looked up in
    one query unless given), or as first-release apps read them if not ``tolerant``. Rows
    read from the user's stream carry their position in it; others (``in_stream`` False,
    a history page) carry none (0): their server-wide position is not the user's to see."""
    if reactions is None:
        wanted = reacted(rows)
        reactions = reactions_of(ctx.store, wanted) if wanted else {}
    ids = {r.sender_id for r in rows} | {r.subject_id for r in rows if r.subject_id}
    ids |= {user for r in rows if r.mentions for user, _, _ in stored_mentions.decode(r.mentions)}
    ids |= {user for value in reactions.values() for _, users in value for user in users}
    names = ctx.names.of(ids)
    # Every row as protocol 1 first had it, made inline (a call per row was a fifth of a
    # sync page's time); then the few that carry later fields get them.
    wire = [
        protocol.Event(
            channel=r.channel_id,
            seq=r.seq,
            pos=r.pos if in_stream else 0,
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
    for i, r in enumerate(rows):
        if (
            r.changed is not None
            or r.mentions is not None
            or r.reply_to is not None
            or r.target is not None
            or r.deleted
            or r.attachments is not None
        ):
            later = _later_fields(r, names, reactions.get((r.channel_id, r.seq), []))
            wire[i] = msgspec.structs.replace(wire[i], **later)
    return wire if tolerant else [first_release(event) for event in wire]


def _later_fields(r: EventRow, names: Mapping[int, str], reactions: Reactions) -> dict:
    """The fields protocol 1 added since its first release, for one stored event."""
    return {
        "reply_to": r.reply_to,
        "mentions": _mentions(r.mentions, names),
        "target": r.target,
        "emoji": r.emoji,
        "removed": bool(r.removed),
        "edited": r.edited,
        "deleted": bool(r.deleted),
        "reactions": tuple(
            protocol.Reactions(emoji=emoji, users=[names[u] for u in users])
            for emoji, users in reactions
        ),
        "changed": r.changed,
        "attachments": files.decode_attachments(r.attachments),
    }


def _mentions(stored: str | None, names: Mapping[int, str]) -> tuple[protocol.Mention, ...]:
    return tuple(
        protocol.Mention(user=names[user], start=start, end=end)
        for user, start, end in stored_mentions.decode(stored)
    )


def event_dict_to_wire(ctx: Context, row: dict) -> protocol.Event:
    """A freshly inserted event (still a dict of column values) as wire data, with no
    position yet: each member's copy takes theirs (``Delivery.event_to_streams``). A message
    new in its batch has no reactions yet: a reaction in the same batch comes as its own
    event."""
    subject = row.get("subject")
    stored = stored_mentions.decode(row.get("mentions"))
    names = ctx.names.of({row["sender"]} | {user for user, _, _ in stored})
    return protocol.Event(
        channel=row["channel"],
        seq=row["seq"],
        pos=0,
        kind=row["kind"],
        sender=names[row["sender"]],
        ts=row["ts"],
        text=row.get("text", ""),
        client_id=row.get("client_id"),
        subject=ctx.names.one(subject) if subject else None,
        name=row.get("name"),
        written=row.get("written"),
        reply_to=row.get("reply_to"),
        mentions=_mentions(row.get("mentions"), names),
        target=row.get("target"),
        emoji=row.get("emoji"),
        removed=bool(row.get("removed")),
        deleted=bool(row.get("deleted")),
        changed=row.get("changed"),
        attachments=files.decode_attachments(row.get("attachments")),
    )


def channel_info(
    ctx: Context,
    channel: ChannelRow,
    user_id: int,
    *,
    active: bool = True,
    with_receipts: bool = False,
    with_mute: bool = False,
    with_names: bool = False,
) -> protocol.ChannelInfo:
    """The channel as ``user_id`` sees it; a former member sees no members. The other
    members' receipts ``with_receipts``, the user's mute of it ``with_mute`` and the
    members' display names ``with_names`` (for an app that reads tolerantly)."""
    owner = ctx.names.one(channel.owner_id) if channel.owner_id and active else None
    return protocol.ChannelInfo(
        id=channel.id,
        kind=cast(protocol.ChannelKind, channel.kind),  # the server stores no other kinds
        name=channel.name,
        members=channels.member_names(ctx.store, channel.id) if active else [],
        owner=owner,
        # A former member learns nothing about the channel's progress after leaving.
        last_seq=ctx.sequencer.last_seq(channel.id) if active else 0,
        read_seq=events.user_read_seq(ctx.store, user_id, channel.id) if active else 0,
        active=active,
        receipts=receipts_in(ctx, [channel.id], user_id) if active and with_receipts else [],
        muted_until=quiet.muted_until(ctx.store, channel.id, user_id, now_ms()) if with_mute else 0,
        display_names=display_names_in(ctx, channel.id) if active and with_names else {},
    )


def display_names_in(ctx: Context, channel_id: int) -> dict[str, str]:
    """The display names of the channel's members who set one, by user name: only members
    learn them (docs/protocol.md, "Display names")."""
    shown = ctx.names.display_of(set(ctx.members.of(channel_id)))
    names = ctx.names.of(set(shown))
    return {names[user]: display for user, display in shown.items()}


def receipts_in(ctx: Context, channel_ids: list[int], user_id: int) -> list[protocol.Receipt]:
    """The receipts of the members of these channels other than ``user_id``."""
    return [
        to_wire(ctx.names, row) for row in receipts.receipts_of(ctx.store, channel_ids, user_id)
    ]
