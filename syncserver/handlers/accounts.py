"""Register, log in, say hello as a device, and manage devices."""

import asyncio
import logging
import time

import msgspec

from shared import limits
from shared.errors import ErrorCode
from shared.names import check_password, clean_label, new_user_name, normalize_user_name
from shared.protocol import (
    FEATURE_ATTACHMENTS,
    FEATURE_BUNDLES,
    FEATURE_DEVICE_ALERTS,
    FEATURE_DISPLAY_NAMES,
    FEATURE_LIFECYCLE,
    FEATURE_MUTE,
    FEATURE_PASSWORD,
    FEATURE_QUIET_HOURS,
    FEATURE_RECEIPTS,
    FEATURE_TOLERANT,
    DeviceInfo,
    DeviceList,
    Hello,
    ListDevices,
    Login,
    Logout,
    Ok,
    Register,
    RevokeDevice,
    RevokedPush,
    Welcome,
)
from syncserver import passwords
from syncserver.handlers import account_settings
from syncserver.handlers.base import Call, Context, Refusal, handles, now_ms, throttle
from syncserver.handlers.presence import publish_presence
from syncserver.handlers.security import tell_of_new_device
from syncserver.names import why_taken
from syncserver.sessions import Session
from syncserver.store import accounts

log = logging.getLogger(__name__)

# What this server offers beyond the first release, named in the welcome of every app that
# reads tolerantly (docs/protocol.md, "Growing the protocol").
OFFERED_FEATURES: tuple[str, ...] = (
    FEATURE_LIFECYCLE,
    FEATURE_RECEIPTS,
    FEATURE_PASSWORD,
    FEATURE_DEVICE_ALERTS,
    FEATURE_MUTE,
    FEATURE_DISPLAY_NAMES,
    FEATURE_QUIET_HOURS,
    FEATURE_ATTACHMENTS,
    FEATURE_BUNDLES,
)


def _valid(fn, *args):
    try:
        return fn(*args)
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, str(e)) from None


@handles(Register, authenticated=False, slow=True)
async def register(ctx: Context, call: Call, req: Register) -> Welcome:
    if not ctx.config.open_registration:
        raise Refusal(ErrorCode.REGISTRATION_CLOSED, "this server does not take new accounts")
    name = _valid(new_user_name, req.user)
    _valid(check_password, req.password)
    device_name = _valid(clean_label, req.device, "device name", limits.MAX_DEVICE_NAME_CHARS)
    throttle(ctx.throttles.address.take(call.address or ""), "new accounts from this address")
    _check_free(ctx, name)
    password_hash = await asyncio.to_thread(passwords.hash_password, req.password)
    await ctx.settle()
    with ctx.write():
        user = accounts.create_user(ctx.store, name, password_hash, now_ms())
        if user is None:
            _check_free(ctx, name)
            raise Refusal(ErrorCode.USER_EXISTS, f"the user name {name!r} is taken")
        welcome = _new_device(ctx, call, req, user.id, name, device_name)
    log.info("registered user %s, device %d", name, welcome.device_id)
    _bind(ctx, call, req, user.id, welcome.device_id, welcome.sync_cursor, device_name)
    return welcome


def _check_free(ctx: Context, name: str) -> None:
    existing = accounts.name_in_the_way(ctx.store, name)
    if existing is not None:
        raise Refusal(ErrorCode.USER_EXISTS, why_taken(name, existing))


@handles(Login, authenticated=False, slow=True)
async def login(ctx: Context, call: Call, req: Login) -> Welcome:
    device_name = _valid(clean_label, req.device, "device name", limits.MAX_DEVICE_NAME_CHARS)
    try:
        name = normalize_user_name(req.user)
    except ValueError:
        name = ""
    # Every attempt takes a token before the password is checked (so attempts sent at once
    # cannot slip past), and a successful one gives it back.
    throttles, address = ctx.throttles, call.address or ""
    throttle(throttles.account.take(name), "login attempts for this account")
    wait = throttles.address.take(address)
    if wait is not None:
        throttles.account.give_back(name)
        throttle(wait, "login attempts from this address")
    user = accounts.find_user(ctx.store, name) if name else None
    stored = user.password_hash if user else None
    verified = await asyncio.to_thread(passwords.verify_password, stored, req.password)
    if user is None or not verified:
        log.info("failed login for %r", name or "<invalid name>")
        raise Refusal(ErrorCode.AUTH_FAILED, "wrong user name or password")
    throttles.account.give_back(name)
    await ctx.settle()
    throttles.address.give_back(address)
    _check_device_count(ctx, user.id)
    with ctx.write():
        welcome = _new_device(ctx, call, req, user.id, name, device_name)
    log.info("user %s logged in as new device %d", name, welcome.device_id)
    _bind(ctx, call, req, user.id, welcome.device_id, welcome.sync_cursor, device_name)
    tell_of_new_device(ctx, user.id, welcome.device_id)
    return welcome


def _check_device_count(ctx: Context, user_id: int) -> None:
    """Refuse a device more than an account may have: each brings its own connection and
    its share of the account's request budget."""
    limit = ctx.config.max_devices
    if len(accounts.active_devices(ctx.store, user_id)) >= limit:
        raise Refusal(
            ErrorCode.TOO_MANY_DEVICES,
            f"this account already has {limit} devices, as many as this server allows; "
            "log out on one of them or revoke one (list_devices, revoke_device) first",
        )


def _new_device(
    ctx: Context, call: Call, req: Register | Login, user_id: int, name: str, device_name: str
) -> Welcome:
    token = passwords.new_device_token()
    # A new device starts from a snapshot, not from history: from the head of its user's
    # stream (nothing after it is theirs yet).
    cursor = ctx.sequencer.user_head(user_id)
    device = accounts.create_device(
        ctx.store,
        user_id,
        device_name,
        passwords.token_hash(token),
        call.curve_key,
        now_ms(),
        cursor,
    )
    ctx.names.remember(user_id, name)
    return _welcome(ctx, req, user_id, name, device.id, cursor, cursor, token)


@handles(Hello, authenticated=False)
def hello(ctx: Context, call: Call, req: Hello) -> Welcome:
    throttle(
        ctx.throttles.address.wait_needed(call.address or ""), "failed logins from this address"
    )
    device = accounts.device_by_token(ctx.store, passwords.token_hash(req.token))
    if device is None or device.id != req.device_id:
        ctx.throttles.address.take(call.address or "")
        raise Refusal(ErrorCode.AUTH_FAILED, "unknown device credential")
    if device.revoked_at is not None:
        raise Refusal(ErrorCode.DEVICE_REVOKED, "this device was revoked; log in again")
    if device.curve_key is not None and device.curve_key != call.curve_key:
        raise Refusal(
            ErrorCode.KEY_MISMATCH, "this device credential belongs to another transport key"
        )
    name = ctx.names.one(device.user_id)
    accounts.touch_device(ctx.store, device.id, now_ms())
    _bind(ctx, call, req, device.user_id, device.id, device.sync_cursor, device.name)
    log.info("device %d of %s connected", device.id, name)
    head = ctx.sequencer.user_head(device.user_id)
    return _welcome(ctx, req, device.user_id, name, device.id, device.sync_cursor, head)


def _welcome(
    ctx: Context,
    req: Register | Login | Hello,
    user_id: int,
    name: str,
    device_id: int,
    cursor: int,
    head: int,
    token: str | None = None,
) -> Welcome:
    """The welcome a device gets. What protocol 1 has since added goes only to apps that
    said they read replies tolerantly: an older app would refuse the whole welcome."""
    plain = Welcome(
        rid=req.rid, user=name, device_id=device_id, token=token, sync_cursor=cursor, head=head
    )
    if FEATURE_TOLERANT not in req.features:
        return plain
    return msgspec.structs.replace(
        plain,
        heartbeat_interval=ctx.config.heartbeat_interval,
        bye=True,
        epoch=ctx.epoch,
        written=True,
        features=list(OFFERED_FEATURES),
        settings=account_settings.current(ctx, user_id, now_ms()),
        mutes=account_settings.current_mutes(ctx, user_id, now_ms()),
        max_file_bytes=ctx.config.max_file_bytes,
        nodes=list(ctx.config.nodes),
    )


def _bind(
    ctx: Context,
    call: Call,
    req: Register | Login | Hello,
    user_id: int,
    device_id: int,
    cursor: int,
    device_name: str,
) -> None:
    session = Session(
        call.routing_id,
        device_id,
        user_id,
        ctx.names.one(user_id),
        time.monotonic(),
        cursor,
        tolerant=FEATURE_TOLERANT in req.features,
        bundles=FEATURE_BUNDLES in req.features,
        device_name=device_name,
    )
    ctx.sessions.bind(session)
    call.session = session
    publish_presence(ctx, user_id)


@handles(ListDevices)
def list_devices(ctx: Context, call: Call, req: ListDevices) -> DeviceList:
    me = call.me
    devices = [
        DeviceInfo(
            id=d.id,
            name=d.name,
            created=d.created_at,
            last_seen=d.last_seen,
            current=d.id == me.device_id,
        )
        for d in accounts.active_devices(ctx.store, me.user_id)
    ]
    return DeviceList(rid=req.rid, devices=devices)


@handles(RevokeDevice)
def revoke_device(ctx: Context, call: Call, req: RevokeDevice) -> Ok:
    _revoke(ctx, call.me.user_id, req.device_id)
    return Ok(rid=req.rid)


@handles(Logout)
def logout(ctx: Context, call: Call, req: Logout) -> Ok:
    _revoke(ctx, call.me.user_id, call.me.device_id)
    return Ok(rid=req.rid)


def _revoke(ctx: Context, user_id: int, device_id: int) -> None:
    with ctx.write():
        if not accounts.revoke_device(ctx.store, device_id, user_id, now_ms()):
            raise Refusal(ErrorCode.NO_SUCH_DEVICE, f"you have no active device {device_id}")
        if ctx.shared:  # the device may be connected to another node, which looks at this
            accounts.mark_revocation(ctx.store)
    log.info("device %d revoked", device_id)
    session = ctx.sessions.of_device(user_id, device_id)
    if session is not None:
        sign_out(ctx, session)


def sign_out(ctx: Context, session: Session) -> None:
    """End a revoked device's session: tell it, forget it, and update its user's presence."""
    ctx.delivery.to_session(session, RevokedPush())
    ctx.sessions.drop(session.routing_id)
    publish_presence(ctx, session.user_id)
