"""Reconciling the cache with a server whose database was restored from a backup.

The server tells its database's epoch in ``welcome``; a new one means the database went back
in time, and stream positions and sequence numbers this device saw may since have been given
to other events. Each chat still on the server is compared from its newest events down with
what is stored: below the newest event both agree on, the restored database holds the same
history (it is an earlier copy of it), and everything stored above it goes. The outbox is
kept, and sync starts again from a snapshot; the worker then refetches what is missing.
Chats the server no longer lists for the user are kept as they are, marked inactive.
"""

import asyncio
from dataclasses import dataclass

from desktop.cache.store import Cache
from desktop.cache.views import MessageView
from desktop.core.listing import list_channels
from shared import limits
from shared.client import Connection
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import Event, History, ReplyT, Request

COMPARE_PAGE = limits.MAX_HISTORY_PAGE  # events compared per request


class StaleEpoch(Exception):
    """An answer came from a server restored since the cache was last in step with it."""


@dataclass(frozen=True)
class Reconciled:
    """What reconciling with a restored server changed."""

    dropped: int  # stored events the server no longer has (or has others in their place)
    chats: int  # chats that lost some


async def reconcile(cache: Cache, conn: Connection, epoch: str) -> Reconciled:
    """Bring the cache in line with a server of a new epoch; see the module's docstring.
    Interrupted, it starts over at the next connection (the epoch is stored last)."""
    _, infos = await list_channels(lambda req: _patiently(conn, req))
    on_server = {info.id: info for info in infos}
    dropped = chats = 0
    for channel in cache.channels():
        info = on_server.get(channel.id)
        if info is None:
            cache.set_inactive(channel.id)
            continue
        agreed = await _agreed_up_to(cache, conn, channel.id, info.last_seq)
        gone = cache.drop_after(channel.id, agreed)
        dropped += gone
        chats += 1 if gone else 0
    cache.restart_sync(epoch)
    return Reconciled(dropped, chats)


async def _agreed_up_to(cache: Cache, conn: Connection, channel_id: int, last_seq: int) -> int:
    """The newest sequence number whose stored event is the server's too; 0 if none is.
    Only numbers stored here are compared, so holes cost no requests."""
    top = cache.highest_stored_below(channel_id, last_seq + 1)
    while top > 0:
        low = max(1, top - COMPARE_PAGE + 1)
        req = History(channel=channel_id, before=top + 1, limit=top - low + 1)
        page = await _patiently(conn, req)
        if not page.events:
            return 0
        low = page.events[0].seq
        stored = cache.stored_between(channel_id, low, top)
        for event in reversed(page.events):
            mine = stored.get(event.seq)
            if mine is not None and _same(mine, event):
                return event.seq
        top = cache.highest_stored_below(channel_id, low)
    return 0


async def _patiently(conn: Connection, req: Request[ReplyT]) -> ReplyT:
    """Ask, waiting out the server's rate limit rather than giving up: reconciling an account
    in many chats can cost more than a device may spend in a row, and starting over would
    cost as much again."""
    while True:
        try:
            return await conn.request(req)
        except ProtocolError as e:
            if e.code != ErrorCode.RATE_LIMITED or e.retry_after is None:
                raise
            await asyncio.sleep(e.retry_after)


def _same(stored: MessageView, event: Event) -> bool:
    return (stored.kind, stored.sender, stored.ts, stored.client_id, stored.text) == (
        event.kind,
        event.sender,
        event.ts,
        event.client_id,
        event.text,
    ) and (stored.subject, stored.name) == (event.subject, event.name)
