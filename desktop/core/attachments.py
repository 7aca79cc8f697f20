"""Files attached to messages, for one engine (docs/protocol.md, "Attachments"; the cache's
side is ``desktop/cache/attachments.py`` and ``desktop/cache/local_files.py``).

Sending: the user's files are copied into the profile and described (type, image size,
thumbnail) when the message is queued, so the message depends on nothing outside the
profile; the worker uploads them when the message's turn comes, resuming from what the
server stored, and sends the message once all are stored whole. Receiving: thumbnails come
with the message; a file comes down when asked for (``download``), and stays, within the
space the user gives files here, for reading offline.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path

from desktop.cache.local_files import FilesUsage
from desktop.cache.store import Cache
from desktop.cache.views import MessageView
from desktop.core.downloads import Downloader
from desktop.core.events import (
    DownloadProgress,
    FilesChanged,
    MessageChanged,
    MessageDiscarded,
    UploadProgress,
)
from desktop.core.file_intake import TakenFile, take_in
from desktop.core.lifecycle import NotOffered, check_text
from desktop.core.link import EngineLink
from desktop.core.uploads import UploadCancelled, Uploader
from shared import limits
from shared.client import ConnectionClosed, ConnectionState
from shared.names import normalize_user_name
from shared.protocol import FEATURE_ATTACHMENTS, Attachment
from shared.text import is_blank

MAX_FILE_BYTES = "max_file_bytes"  # cache setting: the largest file the server takes


class OnItsWay(ValueError):
    """A message whose files are all uploaded is being sent: it can no longer be cancelled."""


def files_not_offered(cache: Cache) -> str:
    """Why a message with files cannot be sent now."""
    if cache.setting("server_features") is None:
        return (
            "this device has not reached its server yet, so it does not know whether the "
            "server takes files; connect once first"
        )
    return "the server does not take files: it is older than this app"


def caption(text: str) -> str:
    """A message's text beside its files: blank is none (files need no text), longer than
    a message may be raises ``ValueError``."""
    if is_blank(text):
        return ""
    check_text(text)
    return text


class FileKeeper:
    """Takes files in, uploads them for the worker, downloads them on demand, and keeps
    what is held within its space."""

    def __init__(self, link: EngineLink) -> None:
        self._cache, self._conn, self._emit = link.cache, link.conn, link.emit
        self._features = link.features
        self._uploads = Uploader(link.conn.request)
        self._downloads = Downloader(link.conn.request, link.cache.files)
        self._cancelled: set[str] = set()  # outbox messages cancelled while their files went up
        self._progress: dict[str, UploadProgress] = {}
        # The outbox entry whose request is on its way (it can no longer be cancelled).
        self.sending: str | None = None

    @property
    def available(self) -> bool:
        """Whether the server takes files (as it last said)."""
        return FEATURE_ATTACHMENTS in self._features()

    def online(self) -> None:
        """A new session: the welcome says how large a file the server takes."""
        welcome = self._conn.welcome
        if welcome is not None and self.available:
            limit = welcome.max_file_bytes
            self._cache.set_setting(MAX_FILE_BYTES, "" if limit is None else str(limit))

    def max_file_bytes(self) -> int | None:
        """The largest file the server takes, as it last said; None when it set no limit
        or this device does not know."""
        value = self._cache.setting(MAX_FILE_BYTES)
        return int(value) if value else None

    # --- sending --------------------------------------------------------------------------

    async def queue(
        self,
        channel_id: int,
        text: str,
        files: Sequence[Path],
        to_user: str | None = None,
        reply_to: int | None = None,
    ) -> MessageView:
        """Take ``files`` in (off the loop) and queue a message carrying them (answering
        the message ``reply_to``, if given)."""
        text = caption(text)
        if not self.available:
            raise NotOffered(files_not_offered(self._cache))
        if not files:
            raise ValueError("a message with files needs at least one file")
        if len(files) > limits.MAX_ATTACHMENTS_PER_MESSAGE:
            raise ValueError(
                f"a message carries at most {limits.MAX_ATTACHMENTS_PER_MESSAGE} files"
            )
        taken = await asyncio.to_thread(
            _take_all, list(files), self._cache.files.incoming(), self.max_file_bytes()
        )
        attachments = [self._place(t) for t in taken]
        return self._cache.queue(channel_id, text, to_user, reply_to, files=attachments)

    def _place(self, taken: TakenFile) -> Attachment:
        a = taken.attachment
        self._cache.files.place(a.sha256, a.size, taken.copy, a.name)
        return a

    async def upload(self, item: MessageView) -> None:
        """Store an outbox message's files on the server (the worker's, before its send).
        Raises ``UploadCancelled`` when the user cancelled it meanwhile, ``FileGone`` when a
        copy kept for it is gone, and what the server says."""
        client_id = item.client_id or ""

        def progress(index: int, stored: int) -> None:
            size = item.attachments[index].size
            event = UploadProgress(client_id, item.channel, index, stored, size)
            self._progress[client_id] = event
            self._emit(event)

        def cancelled() -> bool:
            return client_id in self._cancelled

        try:
            await self._uploads.upload(item.attachments, progress, cancelled)
            if cancelled():  # while the last answer was on its way: the message stays unsent
                raise UploadCancelled(f"message {client_id} was cancelled")
        finally:
            self._progress.pop(client_id, None)
            self._cancelled.discard(client_id)

    def uploading(self, client_id: str) -> UploadProgress | None:
        """How far the files of an outbox message got, while they are going up."""
        return self._progress.get(client_id)

    def cancel(self, client_id: str) -> MessageView | None:
        """Take a message out of the outbox, waiting or failed, stopping the upload of its
        files; its copies of files go. None if it is not in the outbox. Raises ``OnItsWay``
        when its files are all up and the message is being sent."""
        if self.sending == client_id:
            raise OnItsWay(f"message {client_id} is being sent; it can no longer be cancelled")
        dropped = self._cache.discard(client_id, waiting_too=True)
        if dropped is None:
            return None
        self._cancelled.add(client_id)
        self._emit(MessageDiscarded(dropped))
        self.forget_unsent()
        return dropped

    def forget_unsent(self) -> None:
        """Copies of files no message here carries any more (their message was cancelled
        or discarded) go."""
        gone = self._cache.files.drop_unreferenced()
        if gone:
            self._emit(FilesChanged(removed=frozenset(gone)))

    # --- receiving ------------------------------------------------------------------------

    async def download(self, channel_id: int, seq: int, index: int) -> Path:
        """File ``index`` of the stored message ``seq``, from the files held here or
        downloaded now."""
        file = self._cache.attachment(channel_id, seq, index)
        if file is None:
            if self._cache.message(channel_id, seq) is None:
                raise ValueError(f"message {seq} of this chat is not stored here; fetch it first")
            raise ValueError(f"message {seq} of this chat has no file {index}")
        held = self._cache.files.held(file.sha256)
        if held is not None:
            return held
        if self._conn.state != ConnectionState.ONLINE:
            raise ConnectionClosed(
                f"{file.name} is not on this device, and the server cannot be reached"
            )

        def progress(received: int) -> None:
            self._emit(DownloadProgress(channel_id, seq, index, received, file.size))

        path = await self._downloads.fetch(file, progress)
        gone = self._cache.files.evict(keep=[file.sha256])
        self._emit(FilesChanged(frozenset({file.sha256}), frozenset(gone)))
        message = self._cache.message(channel_id, seq)
        if message is not None:
            self._emit(MessageChanged(message))
        return path

    # --- the space for files --------------------------------------------------------------

    def set_budget(self, budget: int) -> FilesUsage:
        """Keep at most ``budget`` bytes of files here, evicting the least recently used
        now if they take more."""
        self._cache.files.set_budget(budget)
        gone = self._cache.files.evict()
        if gone:
            self._emit(FilesChanged(removed=frozenset(gone)))
        return self._cache.files.usage()

    def clear(self) -> FilesUsage:
        """Remove every file held here but those waiting to go up."""
        gone = self._cache.files.clear()
        if gone:
            self._emit(FilesChanged(removed=frozenset(gone)))
        return self._cache.files.usage()


def _take_all(files: list[Path], incoming: Path, max_bytes: int | None) -> list[TakenFile]:
    """Take each file in; if one cannot be, the copies of the others go too."""
    taken: list[TakenFile] = []
    try:
        for path in files:
            taken.append(take_in(path, incoming, max_bytes))
    except BaseException:
        for t in taken:
            with contextlib.suppress(OSError):
                t.copy.unlink()
        raise
    return taken


class FileOperations:
    """The engine's operations on files (``SyncEngine`` supplies the keeper, the cache and
    ``_queued``)."""

    _files: FileKeeper
    cache: Cache

    def _queued(self, queued: MessageView) -> MessageView:
        raise NotImplementedError  # SyncEngine's

    def _message(self, channel_id: int, seq: int) -> MessageView:
        raise NotImplementedError  # MessageLifecycle's: a message a reply may answer

    @property
    def files_available(self) -> bool:
        """Whether the server takes files, so the user can attach some."""
        return self._files.available

    @property
    def max_file_bytes(self) -> int | None:
        """The largest file the server takes, as it last said (None: no limit said)."""
        return self._files.max_file_bytes()

    async def send_files(
        self, channel_id: int, text: str, files: Sequence[Path], reply_to: int | None = None
    ) -> MessageView:
        """Queue a message carrying ``files`` (1 to 10), ``text`` their caption (blank for
        none), answering the message ``reply_to`` if given (as ``reply``). Each file is
        copied into the profile first, so the original may move or change; the message goes
        once they are all uploaded. Raises ``ValueError`` saying what is wrong with a file
        (not a file, unreadable, larger than the server takes), the text or the message
        answered, ``NotOffered`` when the server takes no files (or no replies)."""
        if reply_to is not None:
            self._message(channel_id, reply_to)
        return self._queued(await self._files.queue(channel_id, text, files, reply_to=reply_to))

    async def send_files_to_user(self, user: str, text: str, files: Sequence[Path]) -> MessageView:
        """``send_files`` to the direct chat with ``user``, which is opened when the message
        goes if this device does not know it (as ``send_to_user``)."""
        name = normalize_user_name(user.removeprefix("@"))
        channel = self.cache.direct_with(name)
        if channel is not None:
            return await self.send_files(channel.id, text, files)
        return self._queued(await self._files.queue(0, text, files, to_user=name))

    def uploading(self, client_id: str) -> UploadProgress | None:
        """How far the files of an outbox message got while they go up (the latest
        ``UploadProgress``); None when they are not going up now."""
        return self._files.uploading(client_id)

    async def download(self, channel_id: int, seq: int, index: int = 0) -> Path:
        """The bytes of file ``index`` of the message ``seq``, as a file on this device:
        the one held here, or downloaded now (``DownloadProgress`` says how far it got;
        ``MessageChanged`` brings the message with the file's path). Raises ``ValueError``
        for a message not stored here or without such a file, ``ConnectionClosed`` when the
        file is not here and the server cannot be reached, ``ProtocolError`` when the
        server refuses it (``no_such_file``: one the user may not read), ``FileDamaged``
        when what came is not the file, ``OSError`` when it cannot be written here."""
        return await self._files.download(channel_id, seq, index)

    def files_usage(self) -> FilesUsage:
        """How much space the files held here take, of the space they may."""
        return self.cache.files.usage()

    def clear_files(self) -> FilesUsage:
        """Remove the files held here (downloads, and the user's files sent from here), as
        the Storage settings' "Clear downloads" does; those still to be uploaded stay.
        Messages keep their thumbnails, and a file comes down again when asked for."""
        return self._files.clear()

    def set_files_budget(self, budget: int) -> FilesUsage:
        """Let the files held here take ``budget`` bytes (1 GB unless set); the least
        recently used go first, never those still to be uploaded. Raises ``ValueError``
        for a negative number."""
        return self._files.set_budget(budget)
