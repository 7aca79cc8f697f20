"""Replies, reactions, edits and deletions done through the window (its context menu, the
emoji picker, the chips, the composer's keys), seen in the other person's window."""

from typing import Protocol

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from desktop.cache.views import MessageView, QuoteView
from desktop.ui.bubble import RowLayout
from desktop.ui.delegates import MessageDelegate, option_in
from desktop.ui.main_window import MainWindow
from desktop.ui.message_menu import EmojiPicker
from desktop.ui.text_overlay import row_layout
from tests.desktop.ui.test_window import direct_chat_open, type_and_send, until


class Running(Protocol):
    """A window under test (``desktop.app.Running``, or one made by hand)."""

    @property
    def window(self) -> MainWindow: ...


def shown(running: Running) -> list[MessageView]:
    model = running.window.pane.model
    assert model is not None, "no chat is open"
    return [m for m in model.messages() if m.kind == "message"]


def message(running: Running, text: str) -> MessageView:
    """The message shown whose text is (or, deleted, was sent as) ``text``."""
    [found] = [m for m in shown(running) if m.text == text]
    return found


def by_seq(running: Running, seq: int | None) -> MessageView:
    [found] = [m for m in shown(running) if m.seq == seq]
    return found


def index_of(running: Running, seq: int | None) -> QModelIndex:
    """The row of the message ``seq``, scrolled into view."""
    pane = running.window.pane

    def row() -> int:
        assert pane.model is not None and seq is not None
        found = pane.model.row_of_seq(seq)
        assert found is not None
        return found

    assert pane.model is not None
    pane.view.scrollTo(pane.model.index(row()))
    return pane.model.index(row())  # scrolling up may have read older rows in above it


def layout_of(running: Running, seq: int | None) -> RowLayout:
    layout = row_layout(running.window.pane.view, index_of(running, seq))
    assert layout is not None
    return layout


def delegate_of(running: Running) -> MessageDelegate:
    delegate = running.window.pane.view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    return delegate


def quote_of(running: Running, seq: int | None) -> QuoteView:
    quote = by_seq(running, seq).quote
    assert quote is not None
    return quote


def bubble_point(running: Running, seq: int | None) -> QPoint:
    """A point on the bubble of the message ``seq``, in the conversation's viewport."""
    bubble = layout_of(running, seq).bubble
    assert bubble is not None
    return bubble.center()


def right_click(running: Running, seq: int | None) -> dict[str, QAction]:
    """Right-click the message ``seq``: the menu's actions by name (empty if no menu)."""
    pane = running.window.pane
    before = set(pane.findChildren(QMenu))
    pane.view.customContextMenuRequested.emit(bubble_point(running, seq))
    menus = [m for m in pane.findChildren(QMenu) if m not in before and m.isVisible()]
    if not menus:
        return {}
    [menu] = menus
    menu.hide()
    return {a.objectName(): a for a in menu.actions() if a.objectName()}


def chip_point(running: Running, seq: int | None, emoji: str) -> QPoint:
    [chip] = [c for c in layout_of(running, seq).chips if c.emoji == emoji]
    return chip.rect.center()


def reactions(running: Running, seq: int | None) -> dict[str, tuple[str, ...]]:
    return {r.emoji: r.users for r in by_seq(running, seq).reactions}


def test_reply_react_edit_and_delete_through_the_window(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        alice, bob = await direct_chat_open(profiles, windows)
        type_and_send(qtbot, alice, "lunch at noon?")
        await until(lambda: [m.text for m in shown(bob)] == ["lunch at noon?"])
        original = message(bob, "lunch at noon?")

        # Someone else's message: answer and react, not edit or delete.
        actions = right_click(bob, original.seq)
        assert list(actions) == ["reply", "react", "copy", "select"]
        actions["reply"].trigger()
        bar = bob.window.pane.composer.bar
        assert bar.isVisible() and bar.title.text() == "Replying to alice"
        assert bar.preview.text() == "lunch at noon?"
        type_and_send(qtbot, bob, "yes, the usual place")
        assert not bar.isVisible()
        await until(lambda: len(shown(alice)) == 2 and shown(alice)[-1].seq is not None)
        reply = shown(alice)[-1]
        assert (reply.text, reply.reply_to) == ("yes, the usual place", original.seq)
        assert reply.quote is not None and reply.quote.text == "lunch at noon?"

        right_click(bob, original.seq)["react"].trigger()
        picker = bob.window.pane.message_actions.picker
        assert isinstance(picker, EmojiPicker) and picker.isVisible()
        qtbot.mouseClick(picker.buttons["👍"], Qt.MouseButton.LeftButton)
        assert not picker.isVisible()
        await until(lambda: reactions(alice, original.seq) == {"👍": ("bob",)})

        # Alice's chip click adds hers; a second click takes it back, in both windows.
        viewport = alice.window.pane.view.viewport()
        point = chip_point(alice, original.seq, "👍")
        index = index_of(alice, original.seq)
        option = option_in(alice.window.pane.view, index)
        tip = delegate_of(alice).tooltip(option, index, point)
        assert tip == "👍 bob"
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
        await until(lambda: reactions(bob, original.seq) == {"👍": ("bob", "alice")})
        qtbot.mouseClick(
            viewport, Qt.MouseButton.LeftButton, pos=chip_point(alice, original.seq, "👍")
        )
        await until(lambda: reactions(bob, original.seq) == {"👍": ("bob",)})

        # Her own message: edit with Up in the empty composer, then delete after asking.
        assert list(right_click(alice, original.seq)) == [
            "reply", "react", "edit", "delete", "copy", "select"
        ]  # fmt: skip
        edit = alice.window.pane.composer.edit
        qtbot.keyClick(edit, Qt.Key.Key_Up)
        assert alice.window.pane.composer.bar.title.text() == "Editing your message"
        assert edit.toPlainText() == "lunch at noon?"
        assert alice.window.pane.composer.button.text() == "Save"
        edit.selectAll()
        type_and_send(qtbot, alice, "lunch at one?")
        await until(lambda: by_seq(bob, original.seq).text == "lunch at one?")
        assert by_seq(bob, original.seq).edited
        assert delegate_of(bob).bubbles.footer(by_seq(bob, original.seq)).startswith("edited")
        await until(lambda: quote_of(bob, reply.seq).text == "lunch at one?")
        assert len(shown(alice)) == 2  # edited in place, no new message

        right_click(alice, original.seq)["delete"].trigger()
        box = alice.window.pane.message_actions.delete_box
        assert isinstance(box, QMessageBox) and box.isVisible()
        [confirm] = [b for b in box.buttons() if b.text() == "Delete for everyone"]
        confirm.click()
        await until(lambda: by_seq(bob, original.seq).deleted)
        gone = by_seq(bob, original.seq)
        assert gone.text == "" and gone.reactions == ()
        await until(lambda: quote_of(bob, reply.seq).deleted)
        assert right_click(bob, original.seq) == {}  # nothing to do with a deleted message
        assert delegate_of(bob).bubbles.quote_lines(by_seq(bob, reply.seq)) == (
            "alice",
            "deleted message",
        )

        # Copy text puts the plain text on the clipboard.
        right_click(alice, reply.seq)["copy"].trigger()
        assert QApplication.clipboard().text() == "yes, the usual place"

    qloop.run_until_complete(scenario())


def test_escape_stops_a_reply_or_an_edit_and_up_edits_only_from_an_empty_box(
    qtbot, qloop, profiles, windows
):
    async def scenario() -> None:
        alice, bob = await direct_chat_open(profiles, windows)
        type_and_send(qtbot, bob, "are you coming?")
        type_and_send(qtbot, alice, "first")
        type_and_send(qtbot, alice, "second")
        await until(lambda: all(m.seq is not None for m in shown(alice)) and len(shown(alice)) == 3)
        pane = alice.window.pane
        edit, bar = pane.composer.edit, pane.composer.bar

        qtbot.keyClick(edit, Qt.Key.Key_Up)  # the newest of hers, not bob's
        assert bar.isVisible() and edit.toPlainText() == "second"
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
        assert not bar.isVisible() and edit.toPlainText() == ""  # the edit's text goes
        assert pane.composer.button.text() == "Send"

        question = message(alice, "are you coming?")
        right_click(alice, question.seq)["reply"].trigger()
        qtbot.keyClicks(edit, "yes")
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
        assert not bar.isVisible() and edit.toPlainText() == "yes"  # a reply's text stays
        qtbot.keyClick(edit, Qt.Key.Key_Up)  # not empty: Up moves the cursor, edits nothing
        assert not bar.isVisible() and pane.target is None

        right_click(alice, question.seq)["reply"].trigger()
        qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
        assert not bar.isVisible() and pane.target is None
        qtbot.keyClick(edit, Qt.Key.Key_Return)  # sent as a plain message
        await until(lambda: shown(bob)[-1].text == "yes" and shown(bob)[-1].seq is not None)
        assert shown(bob)[-1].reply_to is None

    qloop.run_until_complete(scenario())
