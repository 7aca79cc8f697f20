"""What the user does with the files in the open chat: a click opens one (an image in the
viewer, anything else with the system's application for it), downloading it first when
this device does not hold it, with the progress in its bubble; **Save as…** copies it where
the user says; the round button of the user's own message still going up cancels it. Every
download and cancellation goes through the engine's typed operations; a refusal is shown in
words, not raised."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMenu

from desktop.cache.views import MessageView
from desktop.core.attachments import OnItsWay
from desktop.core.downloads import FileDamaged
from desktop.core.engine import OutboxError
from desktop.ui.bubble_files import shows_picture
from desktop.ui.dialogs import confirmed
from desktop.ui.file_paint import cancellable
from desktop.ui.i18n import tr
from desktop.ui.image_viewer import ImageViewer
from desktop.ui.tasks import spawn
from shared.client import ConnectionClosed
from shared.errors import ErrorCode, ProtocolError

if TYPE_CHECKING:
    from desktop.ui.conversation import ConversationPane

log = logging.getLogger(__name__)

# Kinds of file that run a program when the system opens them: asked about first, as a
# browser does with a download.
RUNS_PROGRAMS = frozenset(
    {
        *("exe", "msi", "bat", "cmd", "com", "scr", "pif", "cpl", "msc", "hta", "reg", "lnk"),
        *("vbs", "vbe", "js", "jse", "wsf", "wsh", "ps1", "psm1", "jar", "app", "command"),
        *("sh", "bash", "csh", "run", "bin", "appimage", "desktop", "deb", "rpm", "pkg", "dmg"),
        "apk",
    }
)


def runs_programs(name: str) -> bool:
    return PurePath(name).suffix.removeprefix(".").lower() in RUNS_PROGRAMS


def download_refusal(name: str, error: Exception) -> str:
    """Why a file could not be fetched, in words."""
    if isinstance(error, ConnectionClosed | TimeoutError):
        return tr("{name} is not on this device, and the server cannot be reached now.").format(
            name=name
        )
    if isinstance(error, ProtocolError) and error.code == ErrorCode.NO_SUCH_FILE:
        return tr("The server no longer has {name}, or you may not read it.").format(name=name)
    if isinstance(error, FileDamaged):
        return tr("{name} came down damaged. Try again.").format(name=name)
    return tr("{name} could not be downloaded.").format(name=name)


class FileActions(QObject):
    """The actions on the files of ``pane``'s chat."""

    def __init__(self, pane: ConversationPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.viewers: list[ImageViewer] = []
        self.save_dialog: QFileDialog | None = None
        self._fetching: set[tuple[int, int, int]] = set()  # (channel, seq, index)

    # --- clicks and the menu ----------------------------------------------------------------

    def clicked(self, m: MessageView, index: int, button: bool) -> None:
        """A click on file ``index`` of ``m``: on the round button of a message still going
        up it cancels the message; anywhere else it opens the file."""
        if button and cancellable(m):
            spawn(self.cancel(m))
        else:
            spawn(self.open(m, index))

    def add_to(self, menu: QMenu, m: MessageView, index: int | None) -> None:
        """Put the file's actions (and cancelling a message going up) first in ``menu``."""
        first = menu.actions()[0] if menu.actions() else None
        entries: list[tuple[str, str, Callable[[], object]]] = []
        if index is not None:
            entries += [
                ("open", tr("Open"), lambda: spawn(self.open(m, index))),
                ("saveAs", tr("Save as…"), lambda: self.save_as(m, index)),
            ]
        if cancellable(m):
            entries.append(("cancelSending", tr("Cancel sending"), lambda: spawn(self.cancel(m))))
        for name, text, handler in entries:
            action = menu.addAction(text)
            action.setObjectName(name)
            action.triggered.connect(handler)
            if first is not None:
                menu.insertAction(first, action)
        if entries and first is not None:
            menu.insertSeparator(first)

    # --- opening ----------------------------------------------------------------------------

    async def open(self, m: MessageView, index: int) -> None:
        """Show an image in the viewer (one the bubble shows as a picture, which Qt reads),
        or open any other file with the system's application for its kind (asking first
        for one that runs a program)."""
        path = await self.fetch(m, index)
        if path is None:
            return
        a = m.attachments[index]
        if shows_picture(a):
            self.show_image(path, a.name)
            return
        if runs_programs(a.name):
            question = tr(
                "{name} may run a program on this computer. Open it only if you trust it."
            )
            text = question.format(name=a.name)
            if not await confirmed(self.pane, tr("Open this file?"), text, tr("Open")):
                return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.pane.message_actions.refused(
                tr("No application on this computer opens {name}.").format(name=a.name)
            )

    def show_image(self, path: Path, name: str) -> ImageViewer:
        viewer = ImageViewer(self.pane.window(), name)
        viewer.destroyed.connect(lambda: self.viewers.remove(viewer))
        self.viewers.append(viewer)
        viewer.show()
        viewer.activateWindow()
        spawn(viewer.load(path))
        return viewer

    async def fetch(self, m: MessageView, index: int) -> Path | None:
        """The file on this device: the user's own copy of a message not sent yet, else
        what the engine holds or downloads now (its progress in the bubble). None when it
        cannot be had (the user is told why) or is being fetched already."""
        a = m.attachments[index]
        if m.seq is None:
            return a.path
        key = (m.channel, m.seq, index)
        if key in self._fetching:
            return None  # a second click while it comes down
        self._fetching.add(key)
        self._moved(m, index, a.size, started=True)
        try:
            return await self.pane.bridge.ask(
                self.pane.bridge.engine.download, m.channel, m.seq, index
            )
        except (ValueError, ProtocolError, ConnectionClosed, TimeoutError, OSError) as e:
            log.info("file %s of message %s not fetched: %s", index, m.seq, e)
            self.pane.message_actions.refused(download_refusal(a.name, e))
            return None
        finally:
            self._fetching.discard(key)
            self._moved(m, index, a.size, started=False)

    def _moved(self, m: MessageView, index: int, size: int, started: bool) -> None:
        """A download began or ended: the bubble's button shows it at once."""
        if m.seq is None:
            return
        transfers = self.pane.transfers
        if started:
            transfers.downloading(m.channel, m.seq, index, size)
        else:
            transfers.downloaded(m.channel, m.seq, index)
        if self.pane.model is not None:
            self.pane.model.transfer_moved(seq=m.seq)

    # --- saving -----------------------------------------------------------------------------

    def save_as(self, m: MessageView, index: int) -> None:
        """Ask where to save the file (a dialog without a nested event loop), then copy it
        there, downloading it first if need be."""
        a = m.attachments[index]
        dialog = QFileDialog(self.pane, tr("Save as"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(a.name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda target: spawn(self.save(m, index, Path(target))))
        self.save_dialog = dialog
        dialog.open()

    async def save(self, m: MessageView, index: int, target: Path) -> bool:
        """Copy the file to ``target`` (off the GUI thread); returns whether it was."""
        path = await self.fetch(m, index)
        if path is None:
            return False
        try:
            await asyncio.to_thread(shutil.copyfile, path, target)
        except OSError as e:
            log.info("saving %s to %s failed: %s", path, target, e)
            self.pane.message_actions.refused(
                tr("{name} could not be saved there.").format(name=m.attachments[index].name)
            )
            return False
        return True

    # --- cancelling -------------------------------------------------------------------------

    async def cancel(self, m: MessageView) -> None:
        """Take the user's message out of the outbox while its files go up."""
        if m.client_id is None:
            return
        try:
            await self.pane.bridge.call(self.pane.bridge.engine.cancel_upload, m.client_id)
        except OnItsWay:
            self.pane.message_actions.refused(
                tr(
                    "Its files are all uploaded and the message is being sent: it can no longer "
                    "be cancelled."
                )
            )
        except OutboxError:
            log.info("message %s left the outbox before it could be cancelled", m.client_id)
