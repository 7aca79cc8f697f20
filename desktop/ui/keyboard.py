"""Using the main window from the keyboard: keys that move between chats, and the ring that
shows which list has the keyboard.

Ctrl+Tab and Ctrl+Shift+Tab (the platform's keys for the next and the previous tab) and
Alt+Down and Alt+Up (Slack's) open the next and the previous chat of the list as shown
(filtered too, most recent first), going round its ends like a browser's tabs."""

from functools import partial

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QWidget

from desktop.ui.i18n import tr

FOCUS_COLOR = "#1f6feb"
RING = 2  # px


def focus_ring(selector: str, background: str) -> str:
    """A style sheet for the item view ``selector`` that outlines it while it has the
    keyboard. The border is always there (transparent without the focus), so the view's
    contents do not move when the focus comes and goes."""
    return (
        f"{selector} {{ border: {RING}px solid transparent; background: {background}; }}"
        f"{selector}:focus {{ border-color: {FOCUS_COLOR}; }}"
    )


class ChatKeys(QObject):
    """The actions that open the next or the previous chat of ``chats``, with their keys,
    for the window's Chat menu (a shortcut works only on an action in the window)."""

    def __init__(self, window: QWidget, chats: QAbstractItemView) -> None:
        super().__init__(window)
        self.chats = chats
        self.next = self._action(
            window, tr("Next chat"), QKeySequence.StandardKey.NextChild, "Alt+Down", 1
        )
        self.previous = self._action(
            window, tr("Previous chat"), QKeySequence.StandardKey.PreviousChild, "Alt+Up", -1
        )
        self.actions = [self.next, self.previous]

    def _action(
        self, window: QWidget, text: str, key: QKeySequence.StandardKey, other: str, step: int
    ) -> QAction:
        action = QAction(text, window)
        action.setShortcuts([*QKeySequence.keyBindings(key), QKeySequence(other)])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(partial(self.move, step))
        return action

    def move(self, step: int) -> None:
        """Make the chat ``step`` rows away (round the ends) the current one, which opens it."""
        model = self.chats.model()
        rows = model.rowCount()
        if rows == 0:
            return
        current = self.chats.currentIndex()
        # With no chat open yet, start just outside the end the step goes from.
        start = current.row() if current.isValid() else (-1 if step > 0 else rows)
        self.chats.setCurrentIndex(model.index((start + step) % rows, 0))
