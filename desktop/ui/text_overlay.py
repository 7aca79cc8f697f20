"""Selectable text over painted bubbles.

The conversation is painted by a delegate, which is fast for long chats but draws text that
cannot be selected. So while the pointer is over a message's text, the delegate's editor (a
transparent, read-only ``SelectableText``) is laid exactly over it, drawn the same: to the
user the bubble's text simply is selectable (drag, double-click a word, Ctrl+C) and its links
clickable, with no mode to enter. One with a selection stays until the user presses elsewhere,
so what was selected can still be copied after moving on."""

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QListView

from desktop.cache.views import MessageView
from desktop.ui.bubble import RowLayout
from desktop.ui.delegates import MessageDelegate, SelectableText
from desktop.ui.models import MessageRole


def selectable(m: MessageView) -> bool:
    """A stored message with text to select (an unsent one is clicked to retry instead)."""
    return m.kind == "message" and m.seq is not None and not m.deleted and bool(m.text)


def row_layout(view: QListView, index: QModelIndex | QPersistentModelIndex) -> RowLayout | None:
    """Where the parts of the row at ``index`` are in ``view``'s viewport."""
    delegate = view.itemDelegate()
    if not index.isValid() or not isinstance(delegate, MessageDelegate):
        return None
    return delegate.layout_in(view, index)


class TextOverlay(QObject):
    """Lays selectable text over the bubble under the pointer in ``view``. Right-clicks on it
    come out as ``context_menu`` (a point in the viewport), like those on the bubble."""

    context_menu = Signal(QPoint)

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view
        self._hover: QPersistentModelIndex | None = None  # the text under the pointer
        self._kept: QPersistentModelIndex | None = None  # a text with a selection
        view.setMouseTracking(True)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QMouseEvent):
            at = event.position().toPoint()
            if event.type() == QEvent.Type.MouseMove:
                self._hovered(at)
            elif event.type() == QEvent.Type.MouseButtonPress:
                self._pressed()
        return False

    def _pressed(self) -> None:
        """A press outside the texts laid over bubbles ends any selection in them."""
        self._close(self._kept)
        self._kept = None
        hover = self.editor(self._hover) if self._hover is not None else None
        if hover is not None and hover.has_selection():
            self._close(self._hover)
            self._hover = None

    def _hovered(self, at: QPoint) -> None:
        index = self.view.indexAt(at)
        layout = row_layout(self.view, index)
        if layout is None or layout.document is None or not layout.text.contains(at):
            return
        if selectable(index.data(MessageRole)):
            self.show(index)

    def show(self, index: QModelIndex | QPersistentModelIndex) -> SelectableText | None:
        """Lay the selectable text over the message at ``index``; returns it."""
        if self._hover is not None and self._hover == index:
            return self.editor(self._hover)
        previous = self.editor(self._hover) if self._hover is not None else None
        if previous is not None and previous.has_selection():
            self._close(self._kept)
            self._kept = self._hover
        else:
            self._close(self._hover)
        self.view.openPersistentEditor(index)
        self._hover = QPersistentModelIndex(index)
        editor = self.editor(self._hover)
        if editor is not None:
            editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            editor.customContextMenuRequested.connect(
                lambda at, e=editor: self.context_menu.emit(e.mapTo(self.view.viewport(), at))
            )
        return editor

    def select_all(self, index: QModelIndex | QPersistentModelIndex) -> SelectableText | None:
        """The whole text of the message at ``index`` selected, with the keyboard's focus
        (Ctrl+C copies it)."""
        editor = self.show(index)
        if editor is not None:
            editor.selectAll()
            editor.setFocus()
        return editor

    def editor(self, index: QPersistentModelIndex) -> SelectableText | None:
        widget = self.view.indexWidget(index) if index.isValid() else None
        return widget if isinstance(widget, SelectableText) else None

    def reset(self) -> None:
        """Another chat is shown: its rows have no texts laid over them."""
        self._hover = self._kept = None

    def _close(self, index: QPersistentModelIndex | None) -> None:
        if index is not None and index.isValid():
            self.view.closePersistentEditor(index)
