"""Uploading a message's files before the message goes (docs/protocol.md, "Attachments").

An upload is the user's, keyed by the file's SHA-256, and the server keeps what it stored:
``upload_begin`` says how much that is, so an upload cut short (a dropped connection, a
restart of this app or of the server) goes on from there, never from zero. Chunks go in
order, a few in flight; one the server did not expect (``upload_offset``: a chunk sent again
after a reconnect, one overtaken) or an upload it no longer has (``no_such_upload``: it lay
idle too long) makes the upload ask where it stands and go on from that.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import BinaryIO

from desktop.cache.views import AttachmentView
from desktop.core.link import Ask
from desktop.core.pipeline import pipelined
from shared import limits
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import UploadBegin, UploadChunk, UploadState

log = logging.getLogger(__name__)

# Times in a row an upload may start over without the server storing a byte more.
FRUITLESS_RESTARTS = 3
RESTARTING = {ErrorCode.UPLOAD_OFFSET, ErrorCode.NO_SUCH_UPLOAD}


class UploadCancelled(Exception):
    """The user cancelled the message while its files were going up."""


class FileGone(Exception):
    """The copy of a file kept here for sending is missing, unreadable or shorter than it
    was: the message cannot go as it is."""


class Uploader:
    """Uploads files with ``ask``; ``progress(index, stored)`` hears how far each got, and
    ``cancelled()`` is asked before each chunk leaves."""

    def __init__(self, ask: Ask) -> None:
        self._ask = ask

    async def upload(
        self,
        files: Sequence[AttachmentView],
        progress: Callable[[int, int], None],
        cancelled: Callable[[], bool],
    ) -> None:
        """Make sure the server stores each of ``files`` whole (those it has already,
        from any device of the user's, cost one request each)."""
        for file in files:
            await _Upload(self._ask, file, partial(progress, file.index), cancelled).run()


class _Upload:
    """One file going up."""

    def __init__(
        self,
        ask: Ask,
        file: AttachmentView,
        progress: Callable[[int], None],
        cancelled: Callable[[], bool],
    ) -> None:
        self._ask = ask
        self._file = file
        self._progress = progress
        self._cancelled = cancelled
        self._stored = 0
        self._complete = False

    async def run(self) -> None:
        fruitless = 0
        while True:
            self._check()
            file = self._file
            state = await self._ask(UploadBegin(sha256=file.sha256, size=file.size, name=file.name))
            self._stored = state.stored
            self._progress(state.stored)
            if state.complete:
                return
            begun_at = state.stored
            try:
                await self._send_from(state.stored)
                if self._complete:
                    return
            except ProtocolError as e:
                if e.code not in RESTARTING or fruitless >= FRUITLESS_RESTARTS:
                    raise
                log.info("upload of %s goes on from where the server stands: %s", file.name, e)
            fruitless = fruitless + 1 if self._stored <= begun_at else 0

    async def _send_from(self, offset: int) -> None:
        """Send the file from ``offset`` to its end (it is then asked how it stands)."""
        path = self._file.path
        if path is None or not path.is_file():
            raise FileGone(f"the copy of {self._file.name} kept for sending is gone")
        try:
            source = path.open("rb")
        except OSError as e:
            raise self._unreadable(e) from e
        with source:
            await pipelined(self._chunks(source, offset), self._took)

    def _chunks(self, source: BinaryIO, offset: int) -> Iterator:
        file = self._file
        while offset < file.size:
            self._check()
            try:
                source.seek(offset)
                data = source.read(limits.MAX_CHUNK_BYTES)
            except OSError as e:  # reading only: a request's TimeoutError (an OSError) goes on
                raise self._unreadable(e) from e
            if not data:
                raise FileGone(f"the copy of {file.name} kept for sending is shorter than it was")
            yield self._ask(UploadChunk(sha256=file.sha256, offset=offset, data=data))
            offset += len(data)

    def _unreadable(self, error: OSError) -> FileGone:
        return FileGone(
            f"the copy of {self._file.name} kept for sending cannot be read: {error.strerror}"
        )

    def _took(self, state: UploadState) -> None:
        self._complete = state.complete
        if state.stored > self._stored:
            self._stored = state.stored
            self._progress(state.stored)

    def _check(self) -> None:
        if self._cancelled():
            raise UploadCancelled(f"sending {self._file.name} was cancelled")
