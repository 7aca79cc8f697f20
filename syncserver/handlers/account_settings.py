"""The account's settings (read receipts, do not disturb, quiet hours, display name) and the
user's mutes of chats: kept here, the same on all of the user's devices, and pushed to the
others on a change."""

from typing import TypeVar

import msgspec

from shared.errors import ErrorCode
from shared.protocol import (
    UNTIL_TURNED_OFF,
    AccountSettings,
    ChatMute,
    MuteChat,
    Muted,
    MutedPush,
    Push,
    QuietHours,
    SettingsPush,
    SettingsReply,
    UpdateSettings,
)
from syncserver.handlers.base import Call, Context, Refusal, handles, now_ms
from syncserver.handlers.channels import member_channel
from syncserver.handlers.profiles import checked_display_name, tell_those_who_share
from syncserver.store import accounts, channels, quiet, receipts

T = TypeVar("T")


def current(ctx: Context, user_id: int, now: int) -> AccountSettings:
    """The account's settings as its devices see them: a do-not-disturb time that has
    passed is off."""
    (read_receipts, dnd_until, mentions), hours = quiet.settings_row(ctx.store, user_id)
    on, start, end, days = hours
    return AccountSettings(
        read_receipts=read_receipts,
        dnd_until=quiet.still_ahead(dnd_until, now),
        mentions_when_muted=mentions,
        display_name=accounts.display_names(ctx.store, {user_id}).get(user_id, ""),
        quiet_hours=_sent(QuietHours(on=on, start=start, end=end, days=days)),
    )


def _sent(hours: QuietHours | None) -> QuietHours | None:
    """Quiet hours as settings carry them: None for the defaults (off, as never set), so
    that an account that has none sends no more than before."""
    return None if hours == QuietHours() else hours


def current_mutes(ctx: Context, user_id: int, now: int) -> list[ChatMute]:
    """The chats the user has muted now (for ``welcome.mutes``)."""
    mutes = quiet.mutes_of(ctx.store, user_id, now)
    return [ChatMute(channel=c, until=u) for c, u in mutes.items()]


def _check_until(until: int, now: int, what: str) -> None:
    """A time to stay quiet until is 0 (off), ``UNTIL_TURNED_OFF`` or in the future."""
    if until not in (0, UNTIL_TURNED_OFF) and until <= now:
        raise Refusal(
            ErrorCode.INVALID,
            f"{what} until a time that has passed ({until} ms since the epoch; "
            f"the server's time is {now}); give a later time, {UNTIL_TURNED_OFF} for "
            "until turned off, or 0 for off",
        )


@handles(UpdateSettings)
def update_settings(ctx: Context, call: Call, req: UpdateSettings) -> SettingsReply:
    """Change what was asked; the account's other devices hear of a change, and so do the
    members of the user's channels when what they see of the user's reading or name
    changes."""
    me, now = call.me, now_ms()
    if req.dnd_until is not None:
        _check_until(req.dnd_until, now, "do not disturb")
    was = current(ctx, me.user_id, now)
    settings = AccountSettings(
        read_receipts=_given(req.read_receipts, was.read_receipts),
        dnd_until=_given(req.dnd_until, was.dnd_until),
        mentions_when_muted=_given(req.mentions_when_muted, was.mentions_when_muted),
        display_name=was.display_name
        if req.display_name is None
        else checked_display_name(req.display_name),
        quiet_hours=_given(req.quiet_hours, was.quiet_hours),
    )
    settings = msgspec.structs.replace(settings, quiet_hours=_sent(settings.quiet_hours))
    if settings == was:
        return SettingsReply(rid=req.rid, settings=settings)
    with ctx.write():
        if settings.read_receipts != was.read_receipts:
            receipts.set_read_receipts(ctx.store, me.user_id, settings.read_receipts)
        if (settings.dnd_until, settings.mentions_when_muted) != (
            was.dnd_until,
            was.mentions_when_muted,
        ):
            quiet.set_quiet(ctx.store, me.user_id, settings.dnd_until, settings.mentions_when_muted)
        if settings.display_name != was.display_name:
            accounts.set_display_name(ctx.store, me.user_id, settings.display_name)
        if settings.quiet_hours != was.quiet_hours:
            hours = settings.quiet_hours or QuietHours()
            quiet.set_quiet_hours(
                ctx.store, me.user_id, (hours.on, hours.start, hours.end, hours.days)
            )
    if settings.display_name != was.display_name:
        tell_those_who_share(ctx, call, settings.display_name)
    if settings.read_receipts != was.read_receipts:
        for channel in channels.active_channels(ctx.store, me.user_id):
            ctx.receipts.changed(channel.id, me.user_id)
    _to_other_devices(ctx, call, SettingsPush(settings=settings))
    return SettingsReply(rid=req.rid, settings=settings)


def _given(value: T | None, was: T) -> T:
    """A request's field: what it gives, or (left out) what it was."""
    return was if value is None else value


@handles(MuteChat)
def mute_chat(ctx: Context, call: Call, req: MuteChat) -> Muted:
    """Mute or unmute a chat the caller is in; the user's other devices hear of it."""
    me, now = call.me, now_ms()
    member_channel(ctx, req.channel, me.user_id)  # refuses a chat the caller is not in
    _check_until(req.until, now, "a chat can only be muted")
    mute = ChatMute(channel=req.channel, until=req.until)
    was = quiet.muted_until(ctx.store, req.channel, me.user_id, now)
    if was != req.until:
        with ctx.write():
            quiet.set_muted_until(ctx.store, req.channel, me.user_id, req.until)
        _to_other_devices(ctx, call, MutedPush(mute=mute))
    return Muted(rid=req.rid, mute=mute)


def _to_other_devices(ctx: Context, call: Call, push: Push) -> None:
    """Push to the user's other connected devices that read tolerantly (an app of the first
    release would refuse a push type it does not know)."""
    me = call.me
    others = [
        s for s in ctx.sessions.of_user(me.user_id) if s.tolerant and s.device_id != me.device_id
    ]
    ctx.delivery.to_sessions(others, push)
