"""Direct chats and groups: create, rename, change members, leave, list."""

import logging

import msgspec

from shared import limits
from shared.errors import ErrorCode
from shared.names import clean_label, normalize_user_name
from shared.protocol import (
    AddMembers,
    ChannelInfo,
    ChannelList,
    ChannelPush,
    ChannelReply,
    CreateGroup,
    LeaveChannel,
    ListChannels,
    Ok,
    OpenDirect,
    RemoveMember,
    RenameGroup,
)
from syncserver import views
from syncserver.handlers.base import Call, Context, Refusal, handles, now_ms
from syncserver.pages import FrameBudget, size_of
from syncserver.sessions import Session
from syncserver.store import accounts, channels, events
from syncserver.store.accounts import UserRow
from syncserver.store.channels import ChannelRow

log = logging.getLogger(__name__)


def member_channel(ctx: Context, channel_id: int, user_id: int) -> ChannelRow:
    """The channel if the user is in it; otherwise the same refusal whether or not it exists."""
    channel = channels.get_channel(ctx.store, channel_id)
    if channel is None or not channels.is_member(ctx.store, channel_id, user_id):
        raise Refusal(ErrorCode.NO_SUCH_CHANNEL, f"you are not in channel {channel_id}")
    return channel


def member_group(ctx: Context, channel_id: int, user_id: int) -> ChannelRow:
    channel = member_channel(ctx, channel_id, user_id)
    if channel.kind != "group":
        raise Refusal(ErrorCode.NOT_A_GROUP, f"channel {channel_id} is a direct chat")
    return channel


def append_event(
    ctx: Context, channel_id: int, kind: str, sender_id: int, audience: set[int], **fields
) -> dict:
    """Store one timeline event with the next sequence number and position, in the streams
    of the users of ``audience`` (those who may see it)."""
    row = ctx.new_event(channel_id, kind, sender_id, audience, **fields)
    events.append(ctx.store, [row])
    return row


def announce(ctx: Context, channel: ChannelRow, rows: list[dict]) -> None:
    """After commit: push the new events to those who may see them, and to each of those
    their fresh view of the channel."""
    ctx.members.forget(channel.id)
    audience: set[int] = set()
    for row in rows:
        event = views.event_dict_to_wire(ctx, row)
        ctx.delivery.event_to_streams(event, row["stream"])
        audience |= row["stream"].keys()
    current = set(channels.member_ids(ctx.store, channel.id))
    shown = views.display_names_in(ctx, channel.id)
    for user_id in audience:
        sessions = ctx.sessions.of_user(user_id)
        if sessions:
            info = views.channel_info(ctx, channel, user_id, active=user_id in current)
            named = msgspec.structs.replace(info, display_names=shown) if info.active else info
            for session in sessions:  # an app of the first release reads no display names
                push = ChannelPush(channel=named if session.tolerant else info)
                ctx.delivery.to_session(session, push)


def _reply(ctx: Context, rid: int, channel: ChannelRow, me: Session) -> ChannelReply:
    """The channel as the caller now sees it."""
    info = views.channel_info(ctx, channel, me.user_id, with_names=me.tolerant)
    return ChannelReply(rid=rid, channel=info)


def _user_named(ctx: Context, raw: str) -> UserRow:
    try:
        name = normalize_user_name(raw)
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, str(e)) from None
    user = accounts.find_user(ctx.store, name)
    if user is None:
        raise Refusal(ErrorCode.NO_SUCH_USER, f"there is no user {name!r}")
    return user


def _users_named(ctx: Context, raws: list[str]) -> dict[str, int]:
    try:
        names = sorted({normalize_user_name(r) for r in raws})
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, str(e)) from None
    found = accounts.users_named(ctx.store, names)
    missing = [n for n in names if n not in found]
    if missing:
        raise Refusal(ErrorCode.NO_SUCH_USER, "no such user: " + ", ".join(missing))
    return {name: user.id for name, user in found.items()}


def _group_name(raw: str) -> str:
    try:
        return clean_label(raw, "group name", limits.MAX_GROUP_NAME_CHARS)
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, str(e)) from None


@handles(OpenDirect)
def open_direct(ctx: Context, call: Call, req: OpenDirect) -> ChannelReply:
    me = call.me
    other = _user_named(ctx, req.user)
    low, high = sorted((me.user_id, other.id))
    key = f"{low}:{high}"
    channel = channels.find_direct(ctx.store, key)
    if channel is None:
        with ctx.write():
            channel = channels.create_channel(ctx.store, "direct", "", None, key, now_ms())
            both = {me.user_id, other.id}
            row = append_event(ctx, channel.id, "created", me.user_id, both)
            for user_id in both:
                channels.join(ctx.store, channel.id, user_id, row["pos"])
        log.info("direct channel %d created", channel.id)
        announce(ctx, channel, [row])
    return _reply(ctx, req.rid, channel, me)


@handles(CreateGroup)
def create_group(ctx: Context, call: Call, req: CreateGroup) -> ChannelReply:
    me = call.me
    name = _group_name(req.name)
    members = set(_users_named(ctx, req.members).values()) | {me.user_id}
    _check_size(ctx, len(members))
    with ctx.write():
        channel = channels.create_channel(ctx.store, "group", name, me.user_id, None, now_ms())
        row = append_event(ctx, channel.id, "created", me.user_id, members, name=name)
        for user_id in members:
            channels.join(ctx.store, channel.id, user_id, row["pos"])
    log.info("group %d created with %d members", channel.id, len(members))
    announce(ctx, channel, [row])
    return _reply(ctx, req.rid, channel, me)


def _check_size(ctx: Context, size: int) -> None:
    limit = ctx.config.max_group_members
    if size > limit:
        raise Refusal(ErrorCode.GROUP_FULL, f"a group holds at most {limit} members")


@handles(RenameGroup)
def rename_group(ctx: Context, call: Call, req: RenameGroup) -> ChannelReply:
    me = call.me
    channel = member_group(ctx, req.channel, me.user_id)
    name = _group_name(req.name)
    with ctx.write(numbered=True):
        channels.rename(ctx.store, channel.id, name)
        members = set(channels.member_ids(ctx.store, channel.id))
        row = append_event(ctx, channel.id, "renamed", me.user_id, members, name=name)
    channel = channel._replace(name=name)
    announce(ctx, channel, [row])
    return _reply(ctx, req.rid, channel, me)


@handles(AddMembers)
def add_members(ctx: Context, call: Call, req: AddMembers) -> ChannelReply:
    me = call.me
    channel = member_group(ctx, req.channel, me.user_id)
    named = _users_named(ctx, req.users).values()
    rows = []
    with ctx.write(numbered=True):  # no other server adds members meanwhile
        current = set(channels.member_ids(ctx.store, channel.id))
        new = [uid for uid in named if uid not in current]
        _check_size(ctx, len(current) + len(new))
        for user_id in new:
            current.add(user_id)  # who is added sees their own arrival, not earlier ones
            row = append_event(
                ctx, channel.id, "member_added", me.user_id, set(current), subject=user_id
            )
            channels.join(ctx.store, channel.id, user_id, row["pos"])
            rows.append(row)
    announce(ctx, channel, rows)
    return _reply(ctx, req.rid, channel, me)


@handles(RemoveMember)
def remove_member(ctx: Context, call: Call, req: RemoveMember) -> ChannelReply:
    me = call.me
    channel = member_group(ctx, req.channel, me.user_id)
    target = _user_named(ctx, req.user)
    if target.id == me.user_id:
        raise Refusal(ErrorCode.INVALID, "to remove yourself, leave the group")
    if channel.owner_id != me.user_id:
        raise Refusal(ErrorCode.FORBIDDEN, "only the group's owner can remove members")
    with ctx.write(numbered=True):
        audience = set(channels.member_ids(ctx.store, channel.id))
        if target.id not in audience:
            raise Refusal(ErrorCode.INVALID, f"{target.name!r} is not a member of this group")
        row = append_event(
            ctx, channel.id, "member_removed", me.user_id, audience, subject=target.id
        )
        channels.end_membership(ctx.store, channel.id, target.id, row["pos"])
    announce(ctx, channel, [row])
    return _reply(ctx, req.rid, channel, me)


@handles(LeaveChannel)
def leave_channel(ctx: Context, call: Call, req: LeaveChannel) -> Ok:
    me = call.me
    channel = member_group(ctx, req.channel, me.user_id)
    with ctx.write(numbered=True):
        audience = set(channels.member_ids(ctx.store, channel.id))
        row = append_event(ctx, channel.id, "member_left", me.user_id, audience, subject=me.user_id)
        channels.end_membership(ctx.store, channel.id, me.user_id, row["pos"])
        if channel.owner_id == me.user_id:
            # Ownership passes to the longest-standing member, so a group is never stuck.
            remaining = channels.member_ids(ctx.store, channel.id)
            channel = channel._replace(owner_id=remaining[0] if remaining else None)
            channels.set_owner(ctx.store, channel.id, channel.owner_id)
    announce(ctx, channel, [row])
    return Ok(rid=req.rid)


@handles(ListChannels)
def list_channels(ctx: Context, call: Call, req: ListChannels) -> ChannelList:
    me = call.me
    head = ctx.sequencer.user_head(me.user_id)
    budget = FrameBudget(ChannelList(rid=req.rid, channels=[], head=head, more=True), 1)
    infos: list[ChannelInfo] = []
    after = req.after or 0
    for channel in channels.active_channels(ctx.store, me.user_id):
        if channel.id <= after:
            continue
        info = views.channel_info(
            ctx,
            channel,
            me.user_id,
            with_receipts=me.tolerant,
            with_mute=me.tolerant,
            with_names=me.tolerant,
        )
        size = size_of(info)
        if infos and not budget.fits(size):  # the rest in the next page
            return ChannelList(rid=req.rid, channels=infos, head=head, more=True)
        budget.take(size)
        infos.append(info)
    return ChannelList(rid=req.rid, channels=infos, head=head)
