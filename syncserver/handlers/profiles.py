"""Display names: the rules a new one must meet, and telling those who share a chat with
the user when it changes. Set with ``update_settings`` (``handlers.account_settings``)."""

from shared.errors import ErrorCode
from shared.names import clean_display_name
from shared.protocol import ProfilePush
from syncserver.handlers.base import Call, Context, Refusal
from syncserver.store import channels


def checked_display_name(typed: str) -> str:
    """The display name as it will be kept ("" for none), or a refusal saying which rule
    it breaks."""
    try:
        return clean_display_name(typed)
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, str(e)) from None


def tell_those_who_share(ctx: Context, call: Call, display_name: str) -> None:
    """After commit: remember the user's new display name and push it to every connected
    app that reads tolerantly of those who share a chat with the user (the user's own other
    devices too), and to no one else."""
    me = call.me
    ctx.names.set_display(me.user_id, display_name)
    push = ProfilePush(user=me.user_name, display_name=display_name)
    sessions = [
        s
        for s in ctx.sessions.of_users(channels.shares_channel_with(ctx.store, me.user_id))
        if s.tolerant and s.device_id != me.device_id
    ]
    ctx.delivery.to_sessions(sessions, push)
