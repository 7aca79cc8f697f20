"""The message box: Enter sends, Shift+Enter starts a new line, the limit shows before the
server would refuse. Files are attached with the Attach button (a file dialog), by dropping
them on the box or pasting them (an image, or files copied in a file manager); they show
above the box until sent, each with a button that takes it off, and the text becomes their
caption. Input methods (Korean, Japanese, Chinese) compose as usual: Qt delivers
their text through input-method events, not key presses, so Enter only sends finished text.
Up in an empty box asks to edit the user's last message, Escape to stop a reply or an edit;
the bar above the box says which one is being written. Tab moves on to the next control, as
in any form (a tab character is rarely meant in a chat message); the box grows with its text
up to a few lines, then scrolls."""

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QResizeEvent, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.attach_tray import AttachTray, FileRules, PickedFile
from desktop.ui.file_drop import brings_files, local_files, pasted_image
from desktop.ui.i18n import tr
from desktop.ui.reply_bar import ComposeTarget, ReplyBar
from shared import limits
from shared.text import is_blank

SHOW_COUNT_FROM = 0.9  # of the limit: the counter appears near it
MIN_LINES = 2  # the box's height when empty, in lines
MAX_LINES = 6  # it grows with its text up to this many lines, then scrolls
SLACK = 2  # px: without them the plain text view scrolls text that fits exactly


class MessageEdit(QPlainTextEdit):
    submit = Signal()
    up_in_empty = Signal()
    escape = Signal()
    files_given = Signal(list)  # paths dropped or pasted
    image_given = Signal(QImage)  # an image pasted

    def __init__(self) -> None:
        super().__init__()
        self.setTabChangesFocus(True)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def lines_shown(self) -> int:
        """How many lines of text the box is tall enough for now."""
        lines = self.document().documentLayout().documentSize().height()  # in lines here
        return max(MIN_LINES, min(MAX_LINES, int(lines)))

    def _fit(self) -> None:
        """As tall as its text (wrapped lines included), within MIN_LINES and MAX_LINES."""
        margins = self.contentsMargins()
        frame = margins.top() + margins.bottom() + 2 * int(self.document().documentMargin())
        height = self.lines_shown() * self.fontMetrics().lineSpacing() + frame + SLACK
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()  # wider or narrower, its text wraps into fewer or more lines

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return brings_files(source) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """A paste or a drop: files and images are attached, text goes in as text."""
        files = local_files(source)
        image = pasted_image(source)
        if files:
            self.files_given.emit(files)
        elif image is not None:
            self.image_given.emit(image)
        else:
            super().insertFromMimeData(source)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submit.emit()
            return
        plain = event.modifiers() == Qt.KeyboardModifier.NoModifier
        if event.key() == Qt.Key.Key_Up and plain and not self.toPlainText():
            self.up_in_empty.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Emits ``send_text`` with the text to send (``send_files`` with the caption and the
    files, when files are attached), and ``typing`` as the user writes; ``edit_last`` for Up
    in an empty box, ``cancel`` for Escape or the bar's close button."""

    send_text = Signal(str)
    send_files = Signal(str, list)  # the caption (blank for none), the PickedFile list
    typing = Signal()
    edit_last = Signal()
    cancel = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.loading = False  # a chat's draft is being put in: not the user typing
        self.editing = False  # the text is a message's new text: no files go with it
        self.bar = ReplyBar()
        self.bar.closed.connect(self.cancel)
        self.files = AttachTray()
        self.files.changed.connect(self._changed)
        self.attach_button = QPushButton(tr("Attach…"))
        self.attach_button.clicked.connect(self.choose_files)
        self.file_dialog: QFileDialog | None = None
        self.edit = MessageEdit()
        self.edit.setPlaceholderText(tr("Write a message…"))
        self.edit.setAccessibleName(tr("Message"))
        self.counter = QLabel()
        self.counter.setObjectName("counter")
        self.button = QPushButton(tr("Send"))
        self.button.setDefault(True)
        row = QHBoxLayout()
        row.addWidget(self.attach_button)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(self.bar)
        layout.addWidget(self.files)
        layout.addLayout(row)
        layout.addWidget(self.counter)
        self.edit.submit.connect(self._submit)
        self.edit.up_in_empty.connect(self.edit_last)
        self.edit.escape.connect(self.cancel)
        self.edit.files_given.connect(self.files.add_paths)
        self.edit.image_given.connect(self.files.add_image)
        self.button.clicked.connect(self._submit)
        QWidget.setTabOrder(self.bar.close_button, self.attach_button)
        QWidget.setTabOrder(self.attach_button, self.edit)
        QWidget.setTabOrder(self.edit, self.button)
        self.edit.textChanged.connect(self._changed)
        self._changed()

    def close_with(self, reason: str | None) -> None:
        """No more writing here, saying why in the box (the chat ended); None opens it."""
        self.edit.setEnabled(reason is None)
        self.edit.setPlaceholderText(reason or tr("Write a message…"))
        self._changed()

    def set_file_rules(self, rules: FileRules) -> None:
        """What the server takes: files at all (else Attach is greyed out), how large."""
        self.files.rules = rules
        self._changed()

    def _can_attach(self) -> bool:
        return self.files.rules.available and self.edit.isEnabled() and not self.editing

    def choose_files(self) -> None:
        """The Attach button: a file dialog, opened without a nested event loop."""
        dialog = QFileDialog(self, tr("Attach files"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(lambda chosen: self.files.add_paths(map(Path, chosen)))
        self.file_dialog = dialog
        dialog.open()

    def _changed(self) -> None:
        text = self.edit.toPlainText()
        length = len(text)
        over = length > limits.MAX_TEXT_CHARS
        self.counter.setVisible(length >= limits.MAX_TEXT_CHARS * SHOW_COUNT_FROM)
        self.counter.setText(
            tr("{count} / {limit} characters").format(
                count=f"{length:,}", limit=f"{limits.MAX_TEXT_CHARS:,}"
            )
        )
        style = "color: #c62828;" if over else "color: #6b7280;"
        if self.counter.styleSheet() != style:  # Qt styles the label anew even for the same
            self.counter.setStyleSheet(style)
        files = bool(self.files.cards)
        writable = self.edit.isEnabled()
        self.button.setEnabled(writable and (files or not is_blank(text)) and not over)
        self.attach_button.setEnabled(self._can_attach())
        self.attach_button.setToolTip(
            tr("Attach files (or drop them here, or paste an image)")
            if self.files.rules.available
            else tr("This server does not take files.")
        )
        if text and not self.loading:
            self.typing.emit()

    def _submit(self) -> None:
        text = self.edit.toPlainText()
        if len(text) > limits.MAX_TEXT_CHARS or not self.edit.isEnabled():
            return
        if self.files.cards and self._can_attach():
            self.edit.clear()
            self.send_files.emit("" if is_blank(text) else text, self.files.take())
        elif not is_blank(text):
            self.edit.clear()
            self.send_text.emit(text)

    def put_back(self, text: str, files: list[PickedFile]) -> None:
        """A message that could not be sent comes back: its text, if the box is empty, and
        its files."""
        if not self.edit.toPlainText():
            self.edit.setPlainText(text)
        self.files.put_back(files)

    def load(self, text: str) -> None:
        """Put a chat's draft in the box, the cursor at its end."""
        self.loading = True
        try:
            self.edit.setPlainText(text)
            self.edit.moveCursor(QTextCursor.MoveOperation.End)
        finally:
            self.loading = False

    def show_target(self, target: ComposeTarget | None, me: str) -> None:
        """Show what is being written (a reply, an edit), or a plain message again."""
        self.editing = target is not None and target.kind == "edit"
        if target is None:
            self.bar.hide()
            self.button.setText(tr("Send"))
        else:
            self.bar.show_target(target, me)
            self.button.setText(tr("Save") if target.kind == "edit" else tr("Send"))
            self.edit.setFocus()
        self._changed()
