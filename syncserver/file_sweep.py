"""Removing what uploads leave behind: an unfinished upload that lay idle for the upload
expiry (``upload_expiry``), a finished one that waited that long without a message carrying
it, and their bytes once nothing refers to them. The first sweep, at start, also settles what
a server killed in the middle of an upload left: a partial file without its row (removed),
and a file put in place whose upload was not yet recorded as finished (recorded).
"""

import asyncio
import logging
import time

from syncserver.handlers.base import Context, now_ms
from syncserver.store import files

log = logging.getLogger(__name__)

MAX_INTERVAL = 60.0  # secs between sweeps at most


async def sweep_files(ctx: Context) -> None:
    """Sweep now, then a few times per expiry period, for as long as the server runs."""
    interval = min(MAX_INTERVAL, ctx.config.upload_expiry / 4)
    while True:
        try:
            await ctx.settle()  # then nothing awaits until the sweep is done
            sweep_once(ctx)
        except Exception:
            log.exception("sweeping uploads failed")
        await asyncio.sleep(interval)


def sweep_once(ctx: Context) -> None:
    """One sweep. Call it on the loop after ``ctx.settle()``, without awaiting in between:
    a send checked in the meantime could attach a file this removes."""
    disk, expiry = ctx.files.disk, ctx.config.upload_expiry
    idle_before = time.time() - expiry
    gone: list[str] = []
    stale: list[tuple[int, str]] = []
    with ctx.write():
        for user_id, sha256, size in files.unfinished(ctx.store):
            if (user_id, sha256) in ctx.files.finishing:
                continue
            idle = disk.idle_since(user_id, sha256)
            if idle is None and disk.exists(sha256):
                files.complete_upload(ctx.store, user_id, sha256, size, now_ms())
            elif idle is None or idle < idle_before:
                gone += files.remove_upload(ctx.store, user_id, sha256)
                stale.append((user_id, sha256))
        for user_id, sha256 in files.unattached_before(ctx.store, now_ms() - round(expiry * 1000)):
            gone += files.remove_upload(ctx.store, user_id, sha256)
    for user_id, sha256 in stale + _orphans(ctx):
        disk.discard(user_id, sha256)
    for sha256 in gone:
        disk.remove(sha256)
    if stale or gone:
        log.info("removed %d idle uploads and %d files nothing refers to", len(stale), len(gone))


def _orphans(ctx: Context) -> list[tuple[int, str]]:
    """Partial files without an upload: the server stopped between making one and
    recording its upload."""
    return [
        (user_id, sha256)
        for user_id, sha256 in ctx.files.disk.partials()
        if (user_id, sha256) not in ctx.files.finishing
        and files.upload_of(ctx.store, user_id, sha256) is None
    ]
