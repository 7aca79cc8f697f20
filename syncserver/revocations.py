"""Devices revoked from outside a running server (``tidings-server revoke-device``).

The admin command marks the database when it revokes a device; the server looks at that mark
once a second (one primary-key read) and, when it changed, signs out every connected device
that is now revoked. Reconnecting is refused anyway, since ``hello`` reads the device's row.
"""

import asyncio
import logging

from syncserver.handlers.accounts import sign_out
from syncserver.handlers.base import Context
from syncserver.store import StorageError
from syncserver.store.accounts import revocation_mark, revoked_among

log = logging.getLogger(__name__)

CHECK_INTERVAL = 1.0  # secs between looks at the revocation mark
_UNSEEN = object()  # before the first look, which no session predates


async def watch_revocations(ctx: Context, interval: float = CHECK_INTERVAL) -> None:
    """Sign out connected devices revoked by another process, until cancelled."""
    seen: str | object | None = _UNSEEN
    while True:
        try:
            mark = revocation_mark(ctx.store)
            if seen is not _UNSEEN and mark != seen:
                sign_out_revoked(ctx)
            seen = mark
        except StorageError as e:  # the next look tries again
            log.warning("could not check for revoked devices: %s", e)
        await asyncio.sleep(interval)


def sign_out_revoked(ctx: Context) -> None:
    """Sign out every connected device whose row says it is revoked."""
    sessions = list(ctx.sessions.of_users(ctx.sessions.online_users()))
    revoked = revoked_among(ctx.store, [s.device_id for s in sessions])
    for session in sessions:
        if session.device_id in revoked:
            log.info("device %d was revoked by an admin; signing it out", session.device_id)
            sign_out(ctx, session)
