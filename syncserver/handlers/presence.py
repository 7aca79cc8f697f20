"""Heartbeats, presence and typing indicators. Nothing here is stored except last-seen times."""

import logging
import time

from shared.errors import ErrorCode
from shared.names import normalize_user_name
from shared.protocol import (
    Bye,
    GetPresence,
    Heartbeat,
    HeartbeatAck,
    Ok,
    PresenceInfo,
    PresenceList,
    PresencePush,
    PresenceState,
    Typing,
    TypingPush,
)
from syncserver.handlers.base import Call, Context, Refusal, handles, now_ms
from syncserver.handlers.messages import confirm_cursor
from syncserver.store import accounts, channels

log = logging.getLogger(__name__)


def publish_presence(ctx: Context, user_id: int) -> None:
    """A device of the user came, went or changed here: tell the other nodes what this
    node's devices now say, and everyone who shares a channel with the user if the user's
    state changed."""
    if ctx.relay is not None:
        ctx.relay.presence({user_id: ctx.presence.here(user_id)})
    _announce(ctx, user_id)


def presence_elsewhere(ctx: Context, node: str, states: dict[int, PresenceState]) -> None:
    """Another node said what its devices say of these users."""
    for user_id in ctx.presence.node_said(node, states, time.monotonic()):
        _announce(ctx, user_id)


def sweep_presence(ctx: Context) -> None:
    """Drop devices silent for longer than the presence timeout; where other nodes share
    the database, say again what this node's devices say of their users, and let lapse
    what other nodes did not say again in time."""
    expire_sessions(ctx)
    if ctx.relay is None:
        return
    ctx.relay.presence(ctx.presence.everyone_here())
    for user_id in ctx.presence.lapse(time.monotonic(), ctx.config.presence_timeout):
        _announce(ctx, user_id)


def _announce(ctx: Context, user_id: int) -> None:
    """Tell everyone here who shares a channel with the user if the user's state changed
    (each node tells its own devices: nothing of this is relayed)."""
    change = ctx.presence.refresh(user_id)
    if change is None:
        return
    _, state = change
    now = now_ms()
    if state == "offline":
        accounts.set_last_seen(ctx.store, user_id, now)
    info = PresenceInfo(user=ctx.names.one(user_id), state=state, last_seen=now)
    push = PresencePush(presence=info)
    ctx.delivery.to_users(channels.shares_channel_with(ctx.store, user_id), push, relay=False)


def expire_sessions(ctx: Context) -> None:
    """Drop devices silent for longer than the presence timeout."""
    for session in ctx.sessions.expired(time.monotonic(), ctx.config.presence_timeout):
        log.info("device %d of %s timed out", session.device_id, session.user_name)
        ctx.sessions.drop(session.routing_id)
        publish_presence(ctx, session.user_id)


@handles(Heartbeat)
def heartbeat(ctx: Context, call: Call, req: Heartbeat) -> HeartbeatAck:
    me = call.me
    if req.cursor is not None:
        confirm_cursor(ctx, me, req.cursor)
    if me.idle != req.idle:
        me.idle = req.idle
        publish_presence(ctx, me.user_id)
    return HeartbeatAck(rid=req.rid, head=ctx.sequencer.user_head(me.user_id))


@handles(Bye, authenticated=False)
def bye(ctx: Context, call: Call, req: Bye) -> Ok:
    """The device leaves on purpose: end its session now rather than at the presence
    timeout. Nothing to do for a connection that is not (or no longer) a device."""
    session = call.session
    if session is not None:
        log.info("device %d of %s said goodbye", session.device_id, session.user_name)
        ctx.sessions.drop(session.routing_id)
        accounts.touch_device(ctx.store, session.device_id, now_ms())
        publish_presence(ctx, session.user_id)
    return Ok(rid=req.rid)


@handles(Typing)
def typing(ctx: Context, call: Call, req: Typing) -> Ok:
    me = call.me
    if not channels.is_member(ctx.store, req.channel, me.user_id):
        raise Refusal(ErrorCode.NO_SUCH_CHANNEL, f"you are not in channel {req.channel}")
    others = [u for u in channels.member_ids(ctx.store, req.channel) if u != me.user_id]
    ctx.delivery.to_users(others, TypingPush(channel=req.channel, user=me.user_name))
    return Ok(rid=req.rid)


@handles(GetPresence)
def get_presence(ctx: Context, call: Call, req: GetPresence) -> PresenceList:
    """Presence of the asked users who share a channel with the caller; others are left out
    so presence cannot be used to probe for accounts."""
    me = call.me
    visible = channels.shares_channel_with(ctx.store, me.user_id)
    wanted: dict[int, str] = {}
    for raw in req.users:
        try:
            name = normalize_user_name(raw)
        except ValueError:
            continue
        user = accounts.find_user(ctx.store, name)
        if user is not None and user.id in visible:
            wanted[user.id] = name
    seen = accounts.last_seen(ctx.store, list(wanted))
    now = now_ms()
    result = []
    for user_id, name in wanted.items():
        state = ctx.presence.state_of(user_id)
        last = now if state != "offline" else seen.get(user_id)
        result.append(PresenceInfo(user=name, state=state, last_seen=last))
    return PresenceList(rid=req.rid, presence=result)
