"""Receipts: what others see of how far a user got. (The read-receipts setting is changed
with the account's other settings, in ``handlers.account_settings``.)"""

from shared.protocol import GetReceipts, ReceiptList
from syncserver import views
from syncserver.handlers.base import Call, Context, handles
from syncserver.store import receipts


@handles(GetReceipts)
def get_receipts(ctx: Context, call: Call, req: GetReceipts) -> ReceiptList:
    """The other members' receipts in those of the channels the caller is in; the others
    are left out, whether or not they exist."""
    me = call.me
    mine = receipts.member_of(ctx.store, req.channels, me.user_id)
    return ReceiptList(rid=req.rid, receipts=views.receipts_in(ctx, mine, me.user_id))
