"""Downloading a message's file into the files this device holds (docs/protocol.md,
"Attachments"): in chunks, a few in flight for all downloads together, into a partial file
that a later try goes on from; checked against its SHA-256 before it is used.
"""

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop.cache.local_files import LocalFiles
from desktop.cache.views import AttachmentView
from desktop.core.link import Ask
from desktop.core.pipeline import pipelined
from shared import limits
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import Download, FileChunk

log = logging.getLogger(__name__)

CHUNK_TRIES = 5  # asks of one chunk the server put off (busy, or this device over budget)
PUT_OFF = {ErrorCode.RATE_LIMITED, ErrorCode.BACKLOG_FULL}
PAUSE = 0.5  # secs before asking a put-off chunk again when the server does not say
HASH_BLOCK = 1 << 20  # bytes of a partial file hashed at a time when a download goes on


class FileDamaged(ValueError):
    """What the server sent is not the file the message names (its hash or size differ)."""


class Downloader:
    """Fetches files into ``files`` with ``ask``; several downloads may run at once, one per
    file, together keeping ``MAX_CHUNKS_IN_FLIGHT`` chunk requests unanswered."""

    def __init__(self, ask: Ask, files: LocalFiles) -> None:
        self._ask = ask
        self._files = files
        self._slots = asyncio.Semaphore(limits.MAX_CHUNKS_IN_FLIGHT)
        self._running: dict[str, asyncio.Task[Path]] = {}

    async def fetch(self, file: AttachmentView, progress: Callable[[int], None]) -> Path:
        """The file's bytes, downloaded and held here; a download of the same file under
        way already is joined (``progress`` then hears nothing of it)."""
        running = self._running.get(file.sha256)
        if running is None:
            running = asyncio.ensure_future(self._fetch(file, progress))
            self._running[file.sha256] = running
            running.add_done_callback(lambda task: self._forget(file.sha256, task))
        return await asyncio.shield(running)

    def _forget(self, sha256: str, task: "asyncio.Task[Path]") -> None:
        """A download ended; its failure is its askers' news, told to them already (or to
        nobody, when they all stopped waiting)."""
        self._running.pop(sha256, None)
        if not task.cancelled():
            task.exception()

    async def _fetch(self, file: AttachmentView, progress: Callable[[int], None]) -> Path:
        partial = self._files.partial(file.sha256)
        digest = hashlib.sha256()
        start = await asyncio.to_thread(_resume, partial, file.size, digest.update)
        progress(start)
        with partial.open("ab") as out:

            def take(chunk: FileChunk) -> None:
                _check(file, chunk, out.tell())
                out.write(chunk.data)
                digest.update(chunk.data)
                progress(out.tell())

            await pipelined(self._chunks(file, start), take)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != file.sha256:
            partial.unlink(missing_ok=True)
            raise FileDamaged(f"{file.name} came down damaged (its SHA-256 differs); try again")
        return self._files.place(file.sha256, file.size, partial, file.name)

    def _chunks(self, file: AttachmentView, start: int) -> Iterator:
        for offset in range(start, file.size, limits.MAX_CHUNK_BYTES):
            yield self._chunk(file.sha256, offset)

    async def _chunk(self, sha256: str, offset: int) -> FileChunk:
        """One chunk, asked again (after a pause) while the server puts it off."""
        for tries in range(1, CHUNK_TRIES + 1):
            try:
                async with self._slots:
                    return await self._ask(Download(sha256=sha256, offset=offset))
            except ProtocolError as e:
                if e.code not in PUT_OFF or tries == CHUNK_TRIES:
                    raise
                await asyncio.sleep(e.retry_after or PAUSE)
        raise AssertionError("unreachable: the last try raises")


def _resume(partial: Path, size: int, feed: Callable[[bytes], None]) -> int:
    """How much of the file an earlier download left (its bytes fed to ``feed``); a
    partial file longer than the file is started over."""
    have = partial.stat().st_size if partial.exists() else 0
    if have > size:
        partial.unlink()
        return 0
    with partial.open("ab+") as f:
        f.seek(0)
        while block := f.read(HASH_BLOCK):
            feed(block)
    return have


def _check(file: AttachmentView, chunk: FileChunk, offset: int) -> None:
    """A chunk must be the next part of the file the message names."""
    if chunk.size != file.size:
        raise FileDamaged(
            f"the server holds {file.name} with {chunk.size:,} bytes, not the {file.size:,} "
            "its message says"
        )
    if chunk.offset != offset or not chunk.data:
        raise FileDamaged(f"the server sent {file.name} out of order; try again")
