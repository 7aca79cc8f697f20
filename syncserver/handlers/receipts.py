"""Receipts and the account's settings: what others see of how far a user got."""

from shared.protocol import (
    AccountSettings,
    GetReceipts,
    ReceiptList,
    SettingsPush,
    SettingsReply,
    UpdateSettings,
)
from syncserver import views
from syncserver.handlers.base import Call, Context, handles
from syncserver.store import channels, receipts


@handles(GetReceipts)
def get_receipts(ctx: Context, call: Call, req: GetReceipts) -> ReceiptList:
    """The other members' receipts in those of the channels the caller is in; the others
    are left out, whether or not they exist."""
    me = call.me
    mine = receipts.member_of(req.channels, me.user_id)
    return ReceiptList(rid=req.rid, receipts=views.receipts_in(ctx, mine, me.user_id))


@handles(UpdateSettings)
def update_settings(ctx: Context, call: Call, req: UpdateSettings) -> SettingsReply:
    """Change what was asked; the account's other devices hear of a change, and so do the
    members of the user's channels when what they see of the user's reading changes."""
    me = call.me
    was = receipts.read_receipts_on(me.user_id)
    settings = AccountSettings(
        read_receipts=was if req.read_receipts is None else req.read_receipts
    )
    if settings.read_receipts != was:
        with ctx.write():
            receipts.set_read_receipts(me.user_id, settings.read_receipts)
        for channel in channels.active_channels(me.user_id):
            ctx.receipts.changed(channel.id, me.user_id)
        others = [
            s
            for s in ctx.sessions.of_user(me.user_id)
            if s.tolerant and s.device_id != me.device_id
        ]
        ctx.delivery.to_sessions(others, SettingsPush(settings=settings))
    return SettingsReply(rid=req.rid, settings=settings)
