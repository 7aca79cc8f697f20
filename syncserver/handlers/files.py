"""Attachments: uploading and downloading files (docs/protocol.md, "Attachments").

An upload is keyed by (user, SHA-256). Its bytes so far are a partial file on disk
(``syncserver.blobs``), whose length is what is stored, so any device of the user resumes it
from there after a reconnect or a restart of the server. The chunk that completes a file has
it checked against its hash on a worker thread and put in place before it is answered.
"""

import asyncio
import hashlib
import logging

from shared.errors import ErrorCode
from shared.files import check_file_name
from shared.protocol import Download, FileChunk, UploadBegin, UploadChunk, UploadState
from syncserver.handlers.base import Call, Context, Refusal, handles, now_ms, throttle
from syncserver.store import files

log = logging.getLogger(__name__)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
DISK_MARGIN = 64 << 20  # bytes left free on the files' disk beyond any upload


# --- upload_begin ---------------------------------------------------------------------------


@handles(UploadBegin, slow=True)
async def upload_begin(ctx: Context, call: Call, req: UploadBegin) -> UploadState:
    me = call.me
    try:
        check_file_name(req.name)
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, str(e)) from None
    key = (me.user_id, req.sha256)
    await _quiet(ctx, key)  # from here on nothing awaits: no send or deletion comes between
    size = files.stored_size(ctx.store, req.sha256)
    if size is not None and files.may_read(ctx.store, me.user_id, req.sha256):
        return _state(req, size, complete=True)
    upload = files.upload_of(ctx.store, me.user_id, req.sha256)
    if upload is not None and upload.completed_at is None and upload.size == req.size:
        resumed = _resume(ctx, me.user_id, req)
        if resumed is not None and resumed.stored == req.size and not resumed.complete:
            # Every byte came, and the server stopped before it checked them.
            return await _finish(ctx, key, req, req.size)
        if resumed is not None:
            return resumed
    _check_room(ctx, me.user_id, req, replacing=upload.size if upload is not None else 0)
    throttle(ctx.files.begun.take(me.device_id), "new uploads from this device")
    if req.size == 0:
        return _store_empty(ctx, me.user_id, req)
    ctx.files.disk.start(me.user_id, req.sha256)  # before its row: a row always has its file
    with ctx.write():
        files.begin_upload(ctx.store, me.user_id, req.sha256, req.size, req.name, now_ms())
    return _state(req, 0, complete=False)


async def _quiet(ctx: Context, key: tuple[int, str]) -> None:
    """Return once every send received so far is stored and the upload is not being
    finished, both at once."""
    while True:
        await ctx.files.settled(key)
        await ctx.settle()
        if key not in ctx.files.finishing:
            return


def _resume(ctx: Context, user_id: int, req: UploadBegin) -> UploadState | None:
    """The state of an unfinished upload of the user's; None if it must start over."""
    stored = ctx.files.disk.stored_bytes(user_id, req.sha256)
    if stored is not None and stored <= req.size:
        return _state(req, stored, complete=False)
    if stored is None and ctx.files.disk.exists(req.sha256):
        # Its partial file was checked and put in place, and the server stopped before it
        # recorded that: only this upload's own bytes, checked, are ever put in place.
        with ctx.write():
            files.complete_upload(ctx.store, user_id, req.sha256, req.size, now_ms())
        return _state(req, req.size, complete=True)
    return None


def _check_room(ctx: Context, user_id: int, req: UploadBegin, replacing: int) -> None:
    """Refuse an upload the limits have no room for, before a byte of it is stored."""
    cfg = ctx.config
    if req.size > cfg.max_file_bytes:
        raise Refusal(
            ErrorCode.FILE_TOO_LARGE,
            f"this server stores files of up to {cfg.max_file_bytes:,} bytes; this one has "
            f"{req.size:,}",
        )
    used = files.user_usage(ctx.store, user_id) - replacing
    if cfg.user_quota_bytes and used + req.size > cfg.user_quota_bytes:
        raise Refusal(
            ErrorCode.QUOTA_EXCEEDED,
            f"your files take {used:,} of your {cfg.user_quota_bytes:,} bytes on this server; "
            f"this one needs {req.size:,} more",
        )
    # Summing every stored file is skipped unless there is a total to keep to.
    total = files.total_usage(ctx.store) if cfg.max_storage_bytes else 0
    if cfg.max_storage_bytes and total + req.size > cfg.max_storage_bytes:
        raise Refusal(
            ErrorCode.STORAGE_FULL,
            f"this server's storage for files is full ({total:,} of "
            f"{cfg.max_storage_bytes:,} bytes used); this file needs {req.size:,}",
        )
    if ctx.files.disk.free_bytes() < req.size + DISK_MARGIN:
        raise Refusal(
            ErrorCode.STORAGE_FULL,
            f"the server's disk has no room for a file of {req.size:,} bytes",
        )


def _store_empty(ctx: Context, user_id: int, req: UploadBegin) -> UploadState:
    """A zero-byte file needs no chunk: it is whole once begun, if its hash is right."""
    if req.sha256 != EMPTY_SHA256:
        raise Refusal(
            ErrorCode.HASH_MISMATCH,
            f"a file of 0 bytes has the SHA-256 {EMPTY_SHA256}, not {req.sha256}",
        )
    disk = ctx.files.disk
    disk.start(user_id, req.sha256)
    disk.finish(user_id, req.sha256)  # hashing nothing does not block
    with ctx.write():
        files.begin_upload(ctx.store, user_id, req.sha256, 0, req.name, now_ms())
        files.complete_upload(ctx.store, user_id, req.sha256, 0, now_ms())
    return _state(req, 0, complete=True)


def _state(req: UploadBegin | UploadChunk, stored: int, complete: bool) -> UploadState:
    return UploadState(rid=req.rid, sha256=req.sha256, stored=stored, complete=complete)


# --- upload_chunk ---------------------------------------------------------------------------


@handles(UploadChunk, slow=True)
async def upload_chunk(ctx: Context, call: Call, req: UploadChunk) -> UploadState:
    me = call.me
    key = (me.user_id, req.sha256)
    await ctx.files.settled(key)
    upload = files.upload_of(ctx.store, me.user_id, req.sha256)
    if upload is None:
        raise Refusal(
            ErrorCode.NO_SUCH_UPLOAD,
            f"you have no upload of {req.sha256} under way (never begun, or removed after "
            "lying idle); begin it with upload_begin",
        )
    if upload.completed_at is not None:  # a repeated last chunk: the file is in place
        return _state(req, upload.size, complete=True)
    disk = ctx.files.disk
    stored = disk.stored_bytes(me.user_id, req.sha256)
    if stored is None:
        raise Refusal(
            ErrorCode.NO_SUCH_UPLOAD,
            f"the upload of {req.sha256} has lost its bytes; begin it again with upload_begin",
        )
    if req.offset != stored:
        raise Refusal(
            ErrorCode.UPLOAD_OFFSET,
            f"this upload has {stored:,} bytes stored; the next chunk goes at offset {stored:,}, "
            f"not {req.offset:,}",
            offset=stored,
        )
    if stored + len(req.data) > upload.size:
        raise Refusal(
            ErrorCode.UPLOAD_TOO_LONG,
            f"this upload was begun for {upload.size:,} bytes; {stored:,} are stored, and "
            f"{len(req.data):,} more would pass that",
        )
    stored = disk.append(me.user_id, req.sha256, req.data) if req.data else stored
    if stored < upload.size:
        return _state(req, stored, complete=False)
    return await _finish(ctx, key, req, stored)


async def _finish(
    ctx: Context, key: tuple[int, str], req: UploadBegin | UploadChunk, size: int
) -> UploadState:
    """Check the whole file against its hash and put it in place, off the loop; then
    record it. Requests for the same upload wait meanwhile."""
    user_id, sha256 = key
    done = ctx.files.finishing[key] = asyncio.Event()
    try:
        whole = await asyncio.to_thread(ctx.files.disk.finish, user_id, sha256)
        await ctx.settle()
        if not whole:
            with ctx.write():
                dropped = files.remove_upload(ctx.store, user_id, sha256)
            _remove(ctx, dropped)
            raise Refusal(
                ErrorCode.HASH_MISMATCH,
                f"the bytes uploaded do not have the SHA-256 {sha256}; the upload was removed, "
                "begin it again",
            )
        with ctx.write():
            files.complete_upload(ctx.store, user_id, sha256, size, now_ms())
        return _state(req, size, complete=True)
    finally:
        del ctx.files.finishing[key]
        done.set()


def _remove(ctx: Context, dropped: list[str]) -> None:
    """Remove the bytes of files whose rows went in a committed transaction."""
    for sha256 in dropped:
        ctx.files.disk.remove(sha256)


# --- download -------------------------------------------------------------------------------


@handles(Download)
def download(ctx: Context, call: Call, req: Download) -> FileChunk:
    size = files.stored_size(ctx.store, req.sha256)
    if size is None or not files.may_read(ctx.store, call.me.user_id, req.sha256):
        raise _no_such_file(req.sha256)
    if req.offset > size:
        raise Refusal(
            ErrorCode.INVALID, f"offset {req.offset:,} is past the end of a file of {size:,} bytes"
        )
    try:
        data = ctx.files.disk.read(req.sha256, req.offset, min(req.length, size - req.offset))
    except FileNotFoundError:  # deleted since its row was read, or lost from the disk
        log.warning("the stored file %s is missing from the files directory", req.sha256)
        raise _no_such_file(req.sha256) from None
    return FileChunk(rid=req.rid, sha256=req.sha256, offset=req.offset, size=size, data=data)


def _no_such_file(sha256: str) -> Refusal:
    # The same words whether the file does not exist or is not the caller's to read.
    return Refusal(ErrorCode.NO_SUCH_FILE, f"there is no file {sha256} you may read")
