"""In Korean, no window or dialog shows English: every visible string of every top-level
widget (labels, buttons, menus, titles, placeholders, tooltips, list items, headers) is
checked, so windows added later are covered once they can be opened from the window.

A word of two or more Latin letters counts as English unless it is a name the test made
(users, the group, devices, files), the product's name, part of the example server address,
a unit of size or a kind of file, which Korean writes in Latin letters too ("12 MB", "PDF
파일"). What the bubbles paint (a file's size and kind, a transfer's progress, what hovering
a file says) is checked as the words the delegate draws."""

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtGui import QAction, QColor, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from desktop.cache.views import AttachmentView, MessageView
from desktop.ui.bubble_files import details
from desktop.ui.delegates import file_tooltip
from desktop.ui.dialogs import MembersDialog
from desktop.ui.file_words import summary
from desktop.ui.first_run import FirstRunDialog
from desktop.ui.i18n import tr
from desktop.ui.languages import install_translations
from desktop.ui.settings.downloads import DownloadsBox
from desktop.ui.sizes import kind_text, progress_text
from tests.desktop.ui.test_window import until

NAMES = {"alice", "bob", "club", "laptop", "phone", "Tidings", "chat", "example", "org"}
NAMES |= {"KB", "MB", "GB", "TB", "png", "PNG", "pdf", "PDF"}
WORD = re.compile(r"[A-Za-z]{2,}")


def strings_of(widget: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for what ``widget`` and its visible children show."""
    for w in [widget, *widget.findChildren(QWidget)]:
        if w is not widget and not w.isVisibleTo(widget):
            continue
        where = f"{type(widget).__name__} > {type(w).__name__}"
        if w.isWindow():
            yield where + " title", w.windowTitle()
        yield where + " tooltip", w.toolTip()
        if isinstance(w, (QLabel, QAbstractButton)):
            yield where, w.text()
        if isinstance(w, (QLineEdit, QPlainTextEdit)):
            yield where + " placeholder", w.placeholderText()
        if isinstance(w, QListWidget):
            yield from ((where + " item", w.item(i).text()) for i in range(w.count()))
        if isinstance(w, QHeaderView) and w.model() is not None:
            model = w.model()
            for i in range(model.columnCount()):
                yield where + " header", str(model.headerData(i, w.orientation()) or "")
        for action in w.actions():
            if action.isVisible():
                yield where + " action", action.text()
                yield where + " action tooltip", action.toolTip()


def english(widget: QWidget) -> list[str]:
    return english_in(strings_of(widget))


def english_in(strings: Iterator[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in strings:
        plain = re.sub(r"<[^>]+>|&", "", text)  # rich text's tags, a mnemonic's marker
        # A file's path, an address or a key's fingerprint is no sentence.
        plain = re.sub(r"(?<!\S)(?:[~/]|\w+://|SHA256:)\S*", "", plain)
        words = [w for w in WORD.findall(plain) if w not in NAMES]
        if words:
            found.append(f"{where}: {text!r}")
    return found


def bubble_words() -> Iterator[tuple[str, str]]:
    """What a bubble with files draws, and what hovering its files says."""
    photo = AttachmentView(0, "a" * 64, 2_400_000, "바다.png", "image/png", 640, 480, b"x")
    pdf = AttachmentView(1, "b" * 64, 38_000, "메모.pdf", "application/pdf", None, None, b"")
    other = AttachmentView(2, "c" * 64, 12, "메모", "application/octet-stream", None, None, b"")
    files = (photo, pdf, other)
    stored = MessageView(1, 5, "message", "bob", "", 1, attachments=files)
    going = MessageView(1, None, "message", "alice", "", 1, "pending", "c1", attachments=files)
    for a in files:
        yield "file details", details(a)
        yield "file kind", kind_text(a.name, a.mime)
        yield "progress", progress_text(a.size // 3, a.size)
        yield "file tooltip", file_tooltip(stored, a.index, button=False)
    yield "cancel tooltip", file_tooltip(going, 0, button=True)
    yield "files in one line", summary(stored)


def _opens_something(action: QAction) -> bool:
    """A command that opens a window or dialog: named with "…", as every desktop's
    guidelines ask (not a separator, an on/off setting, a submenu, whose own strings the
    menu's walk reads, or a command such as "Next chat")."""
    return action.text().endswith("…") and action.menu() is None


def open_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_every_window_and_dialog_is_korean(
    qapp, qtbot, qloop, people, profiles, windows, tmp_path: Path
):
    installed = install_translations(qapp, QLocale(QLocale.Language.Korean))

    async def scenario() -> list[str]:
        people("bob")
        profiles("alice", "phone", create=True)
        alice = await windows(profiles("alice", "laptop"))
        window = alice.window
        group = await alice.bridge.ask(alice.bridge.engine.create_group, "club", ["bob"])
        window.open_channel(group.id)
        problems = english(window)
        first_run = FirstRunDialog()
        first_run.show()
        problems += english(first_run)
        first_run.close()
        # Every command of the menus that opens something (not the on/off settings).
        menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
        for menu in menus:
            problems += english(menu)
            for action in menu.actions():
                if _opens_something(action):
                    shown = set(open_windows())
                    action.trigger()
                    if window.finder.isVisible():  # search opens in the window: read there
                        await qloop_turns()
                        problems += english(window.finder)
                        window.finder.close_panel()
                        continue
                    await until(lambda: set(open_windows()) != shown)  # noqa: B023 (awaited here)
                    for opened in set(open_windows()) - shown:
                        await qloop_turns()
                        problems += english(opened)
                        opened.close()
        # A confirmation: removing a member.
        members = MembersDialog(window, alice.bridge, alice.bridge.cache.channel(group.id))
        members.open()
        members.list.setCurrentRow(1)
        members.remove_button.click()
        await until(lambda: any(b.isVisible() for b in members.findChildren(QMessageBox)))
        [box] = [b for b in members.findChildren(QMessageBox) if b.isVisible()]
        problems += english(box)
        box.reject()
        members.close()
        problems += await files_in_korean(alice, tmp_path)
        return problems

    async def files_in_korean(alice, tmp_path: Path) -> list[str]:
        """A file attached in the composer, the image viewer, the Storage page's files and
        what the bubbles say of files."""
        window = alice.window
        photo = tmp_path / "바다.png"
        image = QImage(64, 48, QImage.Format.Format_RGB32)
        image.fill(QColor("teal"))
        image.save(str(photo))
        await window.pane.composer.files.add_paths([photo])
        assert window.pane.composer.files.cards
        problems = english(window)
        problems += english_in(iter([("drop hint", window.pane.drop_hint.text())]))
        viewer = window.pane.file_actions.show_image(photo, photo.name)
        await until(lambda: viewer.pixmap is not None)
        problems += english(viewer)
        viewer.close()
        alice.settings.show_page(tr("Storage"))
        box = alice.settings.findChild(DownloadsBox)
        await until(lambda: box.usage_label.text() != "…")
        problems += english(alice.settings)
        alice.settings.close()
        return problems + english_in(bubble_words())

    async def qloop_turns() -> None:
        for _ in range(5):  # a dialog that loads (the devices) fills in meanwhile
            await asyncio.sleep(0)

    try:
        problems = qloop.run_until_complete(scenario())
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
    assert not problems, "English left in the Korean interface:\n" + "\n".join(problems)
