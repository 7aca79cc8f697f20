"""Files in the window, against a real server: attached with the Attach button, by a drop
and by a paste, shown in the composer and removable; a message's upload shown going up and
cancelled from its bubble; the receiver's thumbnails drawn before any download; a click that
downloads (with progress in the bubble) and opens the viewer or the system's application;
Save as; and the downloaded files on the Storage page.

Qt's file dialogs are driven as a user would, through the dialog's own widget: offscreen
there is no native dialog, so Qt shows its own, which ``selectFile`` and ``accept`` work.
Opening a file with the system's application goes through ``QDesktopServices``, whose
``file:`` handler the tests set to a recorder (there is no desktop here to open it)."""

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from desktop.app import Running
from desktop.cache.views import MessageView
from desktop.core.engine import SyncEngine
from desktop.core.events import AppEvent, DownloadProgress, UploadProgress
from desktop.ui.bubble_files import FileSlot
from desktop.ui.delegates import ChannelDelegate, file_tooltip
from desktop.ui.models import TransferRole
from desktop.ui.settings.downloads import DownloadsBox
from desktop.ui.settings.storage import StoragePage
from desktop.ui.text_overlay import row_layout
from desktop.ui.transfers import Transfer
from tests.desktop.ui.test_message_actions import shown
from tests.desktop.ui.test_settings import answer, page
from tests.desktop.ui.test_window import direct_chat_open, texts, until
from tests.support import WAIT

MB = 1000 * 1000


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def picture(path: Path, size: tuple[int, int], color: tuple[int, int, int]) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


class Gate:
    """Holds the engine's thread at the first event that ``stops`` says, until ``open``: a
    transfer stays part way while the test looks at the window and acts on it (as on a slow
    network). The window heard the event before: the engine tells its subscribers in the
    order they came, the window first."""

    def __init__(self, engine: SyncEngine, stops: Callable[[AppEvent], bool]) -> None:
        self._stops = stops
        self.reached = threading.Event()
        self._opened = threading.Event()
        engine.subscribe(self._heard)

    def _heard(self, event: AppEvent) -> None:
        if not self.reached.is_set() and self._stops(event):
            self.reached.set()
            self._opened.wait(WAIT)

    def open(self) -> None:
        self._opened.set()


class Opened(QObject):
    """Where ``QDesktopServices.openUrl`` sends ``file:`` URLs while a test runs."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


async def file_from_alice(
    profiles: Callable, windows: Callable, path: Path, caption: str
) -> tuple[Running, Running, int]:
    """Alice's and Bob's windows on their direct chat, once Bob has Alice's ``path``."""
    alice, bob = await direct_chat_open(profiles, windows)
    channel = alice.window.pane.channel
    assert channel is not None
    await alice.bridge.ask(alice.bridge.engine.send_files, channel.id, caption, [path])
    await until(lambda: [m.text for m in shown(bob)] == [caption], timeout=60)
    return alice, bob, channel.id


def newest(running: Running) -> tuple[MessageView, int]:
    model = running.window.pane.model
    assert model is not None
    row = model.rowCount() - 1
    return model.message_at(row), row


def slot(running: Running, row: int, index: int = 0) -> FileSlot:
    """Where file ``index`` of the row is drawn in the conversation's viewport."""
    pane = running.window.pane
    assert pane.model is not None
    pane.view.scrollTo(pane.model.index(row))
    layout = row_layout(pane.view, pane.model.index(row))
    assert layout is not None
    [found] = [s for s in layout.files if s.index == index]
    return found


def transfer(running: Running, row: int, index: int = 0) -> Transfer | None:
    model = running.window.pane.model
    assert model is not None
    return (model.index(row).data(TransferRole) or {}).get(index)


def moved(running: Running, row: int) -> bool:
    """Whether the bubble shows its first file part way."""
    found = transfer(running, row)
    return found is not None and found.done > 0


def click(qtbot, running: Running, at: QPoint) -> None:
    qtbot.mouseClick(running.window.pane.view.viewport(), Qt.MouseButton.LeftButton, pos=at)


async def turns(count: int = 10) -> None:
    """Let the window's loop run ``count`` times (a spawned task reaches its first await)."""
    for _ in range(count):
        await asyncio.sleep(0)


def test_attached_with_the_button_the_upload_shows_and_is_cancelled_from_its_bubble(
    qtbot, qloop, profiles, windows, tmp_path: Path
):
    async def scenario() -> None:
        alice, bob = await direct_chat_open(profiles, windows)
        video = random_file(tmp_path / "holiday.mov", 24 * MB)
        composer = alice.window.pane.composer
        assert composer.attach_button.isEnabled()
        composer.attach_button.click()
        dialog = composer.file_dialog
        assert dialog is not None and dialog.isVisible()
        dialog.selectFile(str(video))
        dialog.accept()
        await until(lambda: len(composer.files.cards) == 1)
        [card] = composer.files.cards
        assert card.picked.path == video and composer.files.isVisible()
        assert composer.button.isEnabled()  # files need no text
        # They stay with their chat, as a draft does.
        chat = alice.window.pane.channel
        assert chat is not None
        group = await alice.bridge.ask(alice.bridge.engine.create_group, "trip", ["bob"])
        alice.window.open_channel(group.id)
        assert composer.files.cards == [] and not composer.files.isVisible()
        alice.window.open_channel(chat.id)
        assert [c.picked.path for c in composer.files.cards] == [video]

        gate = Gate(
            alice.bridge.engine, lambda e: isinstance(e, UploadProgress) and 0 < e.stored < e.size
        )
        try:
            composer.edit.setPlainText("our trip")
            composer.button.click()
            assert composer.files.cards == [] and composer.edit.toPlainText() == ""
            await until(gate.reached.is_set, timeout=60)
            m, row = newest(alice)
            await until(lambda: moved(alice, row))
            going = transfer(alice, row)
            assert going is not None and going.up and 0 < going.fraction < 1
            assert (m.text, m.state, m.attachments[0].name) == (
                "our trip",
                "pending",
                "holiday.mov",
            )
            assert file_tooltip(m, 0, button=True) == "Cancel sending"
            click(qtbot, alice, slot(alice, row).button.center())
            await turns()  # the cancellation is on its way to the engine's thread
        finally:
            gate.open()
        await until(lambda: texts(alice) == [])
        assert alice.bridge.cache.outbox() == []

        composer.edit.setPlainText("never mind, later")
        composer.button.click()
        await until(lambda: texts(bob) == ["never mind, later"])  # and nothing else came

    qloop.run_until_complete(scenario())


def test_dropped_and_pasted_files_arrive_as_thumbnails_and_open_in_the_viewer(
    qtbot, qloop, profiles, windows, tmp_path: Path
):
    async def scenario() -> None:
        alice, bob = await direct_chat_open(profiles, windows)
        beach = picture(tmp_path / "beach.png", (1200, 800), (30, 120, 220))
        composer = alice.window.pane.composer
        viewport = alice.window.pane.view.viewport()
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(beach))])
        enter = QDragEnterEvent(
            QPoint(60, 60), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(viewport, enter)
        assert enter.isAccepted() and alice.window.pane.drop_hint.isVisible()
        drop = QDropEvent(
            QPointF(60, 60), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(viewport, drop)
        assert drop.isAccepted() and not alice.window.pane.drop_hint.isVisible()
        await until(lambda: len(composer.files.cards) == 1)
        assert composer.files.cards[0].picked.preview is not None  # an image shows itself

        # A file gone before the message is queued: refused, and what was attached stays.
        gone = tmp_path / "gone.txt"
        gone.write_text("soon gone")
        await composer.files.add_paths([gone])
        gone.unlink()
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        pane = alice.window.pane
        await until(lambda: any(b.isVisible() for b in pane.findChildren(QMessageBox)))
        [box] = [b for b in pane.findChildren(QMessageBox) if b.isVisible()]
        assert "gone.txt" in box.text()
        box.close()
        assert [c.picked.path for c in composer.files.cards] == [beach, gone]
        composer.files.cards[1].remove_button.click()
        assert texts(alice) == []

        red = QImage(640, 480, QImage.Format.Format_RGB32)
        red.fill(QColor(220, 30, 30))
        QApplication.clipboard().setImage(red)
        composer.edit.setFocus()
        qtbot.keyClick(composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: len(composer.files.cards) == 2)
        pasted = composer.files.cards[1].picked
        assert pasted.temporary and pasted.path.name.startswith("image-")
        assert pasted.path.suffix == ".png" and composer.edit.toPlainText() == ""
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        await until(lambda: not pasted.path.exists())  # the engine took its own copy

        await until(lambda: bool(texts(bob)) and len(newest(bob)[0].attachments) == 2, timeout=60)
        m, row = newest(bob)
        assert [(a.width, a.height) for a in m.attachments] == [(1200, 800), (640, 480)]
        assert all(a.thumbnail and a.path is None for a in m.attachments)
        usage = await bob.bridge.call(bob.bridge.engine.files_usage)
        assert usage.used == 0  # nothing downloaded to show them
        shown = slot(bob, row, 1)
        assert shown.image and (shown.rect.width(), shown.rect.height()) == (280, 210)
        grabbed = bob.window.pane.view.viewport().grab().toImage()
        corner = grabbed.pixelColor(shown.rect.topLeft() + QPoint(shown.rect.width() // 4, 20))
        assert corner.red() > 180 and corner.green() < 80  # the thumbnail is drawn

        click(qtbot, bob, shown.rect.topLeft() + QPoint(30, 30))
        viewers = bob.window.pane.file_actions.viewers
        await until(lambda: len(viewers) == 1 and viewers[0].pixmap is not None, timeout=30)
        viewer = viewers[0]
        assert viewer.windowTitle() == pasted.path.name and viewer.isVisible()
        assert viewer.pixmap is not None
        assert (viewer.pixmap.width(), viewer.pixmap.height()) == (640, 480)  # full size
        viewer.resize(320, 400)
        assert viewer.shown_rect().size().toTuple() == (320, 240)  # scaled to the window
        qtbot.keyClick(viewer, Qt.Key.Key_Escape)
        await until(lambda: viewers == [])
        assert newest(bob)[0].attachments[1].path is not None  # kept for next time

    qloop.run_until_complete(scenario())


def test_a_file_downloads_with_progress_then_opens_and_saves(
    qtbot, qloop, profiles, windows, tmp_path: Path
):
    async def scenario() -> None:
        report = random_file(tmp_path / "report.pdf", 6 * MB)
        alice, bob, channel = await file_from_alice(profiles, windows, report, "")
        m, row = newest(bob)
        assert file_tooltip(m, 0, button=False) == "report.pdf — 6 MB\nClick to download and open"
        channels = bob.window.channels
        await until(lambda: channels.channel_at(0).preview is not None)
        assert ChannelDelegate("bob")._preview(channels.channel_at(0)) == "📎 report.pdf"

        gate = Gate(
            bob.bridge.engine,
            lambda e: isinstance(e, DownloadProgress) and 0 < e.received < e.size,
        )
        try:
            card = slot(bob, row)
            assert not card.image
            click(qtbot, bob, card.rect.center() + QPoint(40, 0))
            await until(gate.reached.is_set, timeout=30)
            await until(lambda: moved(bob, row))
            coming = transfer(bob, row)
            assert coming is not None and not coming.up and 0 < coming.fraction < 1
        finally:
            gate.open()
        await until(lambda: opened.urls != [], timeout=30)
        path = Path(opened.urls[0].toLocalFile())
        assert path.read_bytes() == report.read_bytes() and path.name == "report.pdf"
        assert transfer(bob, row) is None and newest(bob)[0].attachments[0].path == path

        menu = _menu_at(bob, slot(bob, row).rect.center())
        assert [a.objectName() for a in menu.actions()][:2] == ["open", "saveAs"]
        [save] = [a for a in menu.actions() if a.objectName() == "saveAs"]
        save.trigger()
        dialog = bob.window.pane.file_actions.save_dialog
        assert dialog is not None and dialog.isVisible()
        target = tmp_path / "saved.pdf"
        dialog.selectFile(str(target))
        dialog.accept()
        await until(target.exists)
        await until(lambda: target.stat().st_size == 6 * MB)
        assert target.read_bytes() == report.read_bytes()

        # A file that runs a program is asked about before it is opened.
        script = tmp_path / "install.sh"
        script.write_text("echo hi\n")
        await alice.bridge.ask(alice.bridge.engine.send_files, channel, "", [script])
        await until(lambda: newest(bob)[0].attachments[0].name == "install.sh", timeout=30)
        _, row = newest(bob)
        click(qtbot, bob, slot(bob, row).rect.center())
        await answer(bob.window.pane, "Open")
        await until(lambda: len(opened.urls) == 2)
        assert Path(opened.urls[1].toLocalFile()).read_text() == "echo hi\n"

    opened = Opened()
    # PySide6 takes the slot's name as a str, whatever its stubs say (bytes are refused).
    QDesktopServices.setUrlHandler("file", opened, "open")  # type: ignore[arg-type]
    try:
        qloop.run_until_complete(scenario())
    finally:
        QDesktopServices.unsetUrlHandler("file")


def _menu_at(running: Running, at: QPoint) -> QMenu:
    """The menu a right-click at ``at`` in the conversation opens."""
    pane = running.window.pane
    before = set(pane.findChildren(QMenu))
    pane.view.customContextMenuRequested.emit(at)
    [menu] = [m for m in pane.findChildren(QMenu) if m not in before and m.isVisible()]
    menu.hide()
    return menu


def test_the_storage_page_sets_the_space_for_files_and_clears_them(
    qtbot, qloop, profiles, windows, tmp_path: Path
):
    async def scenario() -> None:
        notes = random_file(tmp_path / "notes.bin", 3 * MB)
        _, bob, channel = await file_from_alice(profiles, windows, notes, "notes")
        m, _ = newest(bob)
        assert m.seq is not None
        await bob.bridge.ask(bob.bridge.engine.download, channel, m.seq, 0)
        await until(lambda: newest(bob)[0].attachments[0].path is not None)

        storage = page(bob, "Storage")
        assert isinstance(storage, StoragePage)
        box = storage.findChild(DownloadsBox)
        assert box is not None
        await until(lambda: box.usage_label.text() == "3 MB of 1 GB")
        assert box.budget.currentText() == "1 GB"
        box.budget.setCurrentIndex(box.budget.findText("100 MB"))
        box.budget.activated.emit(box.budget.currentIndex())
        await until(lambda: box.usage_label.text() == "3 MB of 100 MB")
        usage = await bob.bridge.call(bob.bridge.engine.files_usage)
        assert usage.budget == 100 * MB

        box.clear_button.click()
        await answer(box, "Clear downloads")
        await until(lambda: box.usage_label.text() == "0 bytes of 100 MB")
        await until(lambda: newest(bob)[0].attachments[0].path is None)  # the bubble follows
        assert newest(bob)[0].attachments[0].name == "notes.bin"

    qloop.run_until_complete(scenario())
