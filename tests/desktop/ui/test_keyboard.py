"""The main window from the keyboard: Tab leaves the composer, keys move between chats, the
lists show when they have the keyboard, the welcome dialog starts in its first field."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QHBoxLayout, QListView, QWidget

from desktop.ui.composer import MAX_LINES, MIN_LINES, Composer
from desktop.ui.first_run import FirstRunDialog
from desktop.ui.keyboard import FOCUS_COLOR, focus_ring
from shared.protocol import OpenDirect
from tests.desktop.ui.test_window import send_as, until
from tests.support import WAIT

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def show_active(qtbot, widget: QWidget) -> None:
    """Show ``widget``'s window in front, with the keyboard."""
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)


def test_tab_leaves_the_composer_and_enter_still_sends(qtbot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    show_active(qtbot, composer)
    sent: list[str] = []
    composer.send_text.connect(sent.append)
    composer.edit.setFocus()
    qtbot.keyClicks(composer.edit, "hello")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Tab)
    assert composer.edit.toPlainText() == "hello"  # no tab character went in
    assert QApplication.focusWidget() is composer.button  # the focus moved on
    composer.edit.setFocus()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(composer.edit, "again")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, CTRL)
    assert sent == ["hello", "again"]


def test_composer_grows_with_its_text_then_scrolls(qtbot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.resize(400, 300)
    show_active(qtbot, composer)
    edit = composer.edit
    empty = edit.height()
    assert edit.lines_shown() == MIN_LINES
    heights = []
    for lines in range(1, MAX_LINES + 3):
        edit.setPlainText("\n".join(["line"] * lines))
        scrolls = lines > MAX_LINES  # all lines shown up to the limit

        def laid_out(scrolls: bool = scrolls) -> bool:
            return edit.verticalScrollBar().isVisible() == scrolls

        qtbot.waitUntil(laid_out)
        heights.append(edit.height())
    assert heights[0] == empty and heights[MAX_LINES - 1] > 2 * empty
    assert heights[MAX_LINES - 1] == heights[-1]  # no taller past the limit
    edit.setPlainText("word " * 40)  # one paragraph: grows as it wraps
    assert edit.lines_shown() > MIN_LINES
    composer.resize(1600, 300)
    qtbot.waitUntil(lambda: edit.height() == empty)  # wide enough for it on one line
    edit.clear()
    assert edit.height() == empty


def test_welcome_dialog_starts_in_its_first_field(qtbot) -> None:
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    assert QApplication.focusWidget() is dialog.user
    qtbot.keyClicks(dialog.user, "alice")
    assert dialog.user.text() == "alice"
    dialog.connect_to.setChecked(True)  # to connect, the server's address comes first
    assert dialog.focusWidget() is dialog.address


def ring_color(view: QListView) -> QColor:
    """The colour at the middle of the view's left edge."""
    return view.grab().toImage().pixelColor(QPoint(0, view.height() // 2))


def test_lists_show_a_ring_while_they_have_the_keyboard(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    chats, other = QListView(), QListView()
    layout = QHBoxLayout(window)
    for view in (chats, other):
        view.setStyleSheet(focus_ring("QListView", "white"))
        layout.addWidget(view)
    show_active(qtbot, window)
    chats.setFocus()
    assert ring_color(chats) == QColor(FOCUS_COLOR)
    qtbot.keyClick(chats, Qt.Key.Key_Tab)  # on to the other list
    assert other.hasFocus()
    assert ring_color(chats) == QColor("white")  # the border stays, transparent


def test_keys_move_to_the_next_and_previous_chat(qtbot, qloop, net, profiles, people, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        window = alice.window
        ids = []
        for name in ("bob", "carol", "dave"):
            conn = people(name)
            channel = net.submit(conn.request(OpenDirect(user="alice"))).result(WAIT).channel
            send_as(net, conn, channel.id, f"hi from {name}")
            ids.append(channel.id)
        await until(lambda: window.channels.rowCount() == 3)
        newest_first = list(reversed(ids))
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)

        def shown() -> int | None:
            return window.pane.channel.id if window.pane.channel else None

        def press(key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
            qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)

        press(Qt.Key.Key_Tab, CTRL)  # none open yet: the first chat
        assert shown() == newest_first[0]
        assert QApplication.focusWidget() is window.pane.composer.edit
        press(Qt.Key.Key_Tab, CTRL)  # from the composer, which has the keyboard now
        assert shown() == newest_first[1]
        press(Qt.Key.Key_Down, ALT)
        assert shown() == newest_first[2]
        press(Qt.Key.Key_Down, ALT)  # round the end
        assert shown() == newest_first[0]
        press(Qt.Key.Key_Backtab, CTRL | SHIFT)
        assert shown() == newest_first[2]
        press(Qt.Key.Key_Up, ALT)
        assert shown() == newest_first[1]
        assert window.channel_list.currentIndex().row() == 1  # the list follows

    qloop.run_until_complete(scenario())
