"""The account's own security: changing its password, and telling its devices when a new
one signs in."""

import asyncio
import logging

from shared.errors import ErrorCode
from shared.names import check_password
from shared.protocol import ChangePassword, DeviceInfo, NewDevicePush, Ok
from syncserver import passwords
from syncserver.handlers.base import Call, Context, Refusal, handles, throttle
from syncserver.store import accounts

log = logging.getLogger(__name__)


@handles(ChangePassword, slow=True)
async def change_password(ctx: Context, call: Call, req: ChangePassword) -> Ok:
    """Set a new password once the current one is proven. Each attempt counts against the
    same throttles as logins (the account's and the address's), so a device left signed in
    cannot be used to guess the password faster than a login could; one that succeeds
    gives its tokens back. Device credentials do not depend on the password: every device
    stays signed in."""
    me = call.me
    try:
        check_password(req.new)
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, f"the new password: {e}") from None
    throttles, address = ctx.throttles, call.address or ""
    throttle(throttles.account.take(me.user_name), "password attempts for this account")
    wait = throttles.address.take(address)
    if wait is not None:
        throttles.account.give_back(me.user_name)
        throttle(wait, "password attempts from this address")
    user = accounts.find_user(ctx.store, me.user_name)
    stored = user.password_hash if user is not None else None
    if not await asyncio.to_thread(passwords.verify_password, stored, req.current):
        log.info("wrong current password for %s on device %d", me.user_name, me.device_id)
        raise Refusal(ErrorCode.AUTH_FAILED, "the current password is wrong")
    throttles.account.give_back(me.user_name)
    throttles.address.give_back(address)
    if req.new == req.current:
        raise Refusal(ErrorCode.INVALID, "the new password is the same as the current one")
    new_hash = await asyncio.to_thread(passwords.hash_password, req.new)
    await ctx.settle()
    with ctx.write():
        accounts.set_password(ctx.store, me.user_id, new_hash)
    log.info("user %s changed their password on device %d", me.user_name, me.device_id)
    return Ok(rid=req.rid)


def tell_of_new_device(ctx: Context, user_id: int, device_id: int) -> None:
    """Push ``new_device`` to the account's other connected devices that read pushes this
    version added (apps of the first release would refuse an unknown push)."""
    [device] = [d for d in accounts.active_devices(ctx.store, user_id) if d.id == device_id]
    info = DeviceInfo(
        id=device.id,
        name=device.name,
        created=device.created_at,
        last_seen=device.last_seen,
        current=False,
    )
    others = [s for s in ctx.sessions.of_user(user_id) if s.tolerant and s.device_id != device_id]
    ctx.delivery.to_sessions(others, NewDevicePush(device=info))
