"""In Korean, no window or dialog shows English: every visible string of every top-level
widget (labels, buttons, menus, titles, placeholders, tooltips, list items, headers) is
checked, so windows added later are covered once they can be opened from the window.

A word of two or more Latin letters counts as English unless it is a name the test made
(users, the group, devices), the product's name or part of the example server address."""

import asyncio
import re
from collections.abc import Iterator

from PySide6.QtCore import QLocale
from PySide6.QtGui import QAction
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

from desktop.ui.dialogs import MembersDialog
from desktop.ui.first_run import FirstRunDialog
from desktop.ui.languages import install_translations
from tests.desktop.ui.test_window import until

NAMES = {"alice", "bob", "club", "laptop", "phone", "Tidings", "chat", "example", "org"}
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
    found = []
    for where, text in strings_of(widget):
        plain = re.sub(r"<[^>]+>|&", "", text)  # rich text's tags, a mnemonic's marker
        # A file's path, an address or a key's fingerprint is no sentence.
        plain = re.sub(r"(?<!\S)(?:[~/]|\w+://|SHA256:)\S*", "", plain)
        words = [w for w in WORD.findall(plain) if w not in NAMES]
        if words:
            found.append(f"{where}: {text!r}")
    return found


def _opens_something(action: QAction) -> bool:
    """A command that opens a window or dialog: named with "…", as every desktop's
    guidelines ask (not a separator, an on/off setting, a submenu, whose own strings the
    menu's walk reads, or a command such as "Next chat")."""
    return action.text().endswith("…") and action.menu() is None


def open_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_every_window_and_dialog_is_korean(qapp, qtbot, qloop, people, profiles, windows):
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
        return problems

    async def qloop_turns() -> None:
        for _ in range(5):  # a dialog that loads (the devices) fills in meanwhile
            await asyncio.sleep(0)

    try:
        problems = qloop.run_until_complete(scenario())
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
    assert not problems, "English left in the Korean interface:\n" + "\n".join(problems)
