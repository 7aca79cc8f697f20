"""Messages not sent yet: the list of what waits or was refused, with Retry and Discard, and
a first message to someone the app cannot open a chat with right now."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.cache.views import ChannelView, MessageView
from desktop.core.events import AppEvent, MessageDiscarded, MessageUpdated, StateChanged
from desktop.ui.bridge import EngineBridge
from desktop.ui.delegates import FAILED
from desktop.ui.file_words import summary
from desktop.ui.i18n import tr
from shared.text import is_blank


def outbox_text(pending: int, failed: int) -> str:
    """The status bar's note on the outbox: waiting and failed messages counted apart."""
    parts = []
    if pending:
        parts.append(tr("{count} waiting to send").format(count=pending))
    if failed:
        parts.append(tr("{count} not sent").format(count=failed))
    return " · ".join(parts)


def entry_text(message: MessageView) -> str:
    """What an outbox entry is, on one line: a message's text, or what a change does."""
    if message.kind == "reaction":
        template = tr("Taking back {emoji}") if message.removed else tr("Reaction {emoji}")
        return template.format(emoji=message.emoji or "")
    if message.kind == "edit":
        return tr("Edit: {text}").format(text=message.text.replace("\n", " "))
    if message.kind == "delete":
        return tr("Deleting a message")
    if message.attachments:
        return summary(message)
    return message.text.replace("\n", " ")


def failed_menu(parent: QWidget, bridge: EngineBridge, message: MessageView) -> QMenu:
    """Retry or Discard, for a message the server refused."""
    menu = QMenu(parent)
    retry = menu.addAction(tr("Retry"))
    retry.triggered.connect(lambda: bridge.post(bridge.engine.retry, message.client_id))
    discard = menu.addAction(tr("Discard"))
    discard.triggered.connect(lambda: bridge.post(bridge.engine.discard, message.client_id))
    return menu


def where(message: MessageView, channels: dict[int, ChannelView]) -> str:
    """The chat a message is for, also one not created yet or already left."""
    if message.to_user is not None:
        return message.to_user
    channel = channels.get(message.channel)
    return channel.title if channel is not None else "?"


class OutboxDialog(QDialog):
    """Every message written here that the server has not stored, in any chat (one not
    created yet, or one the user has left, too): retry or discard the refused ones."""

    def __init__(self, parent: QWidget, bridge: EngineBridge) -> None:
        super().__init__(parent)
        # Each opening makes a new one; once closed it must stop following the engine.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.bridge = bridge
        self.setWindowTitle(tr("Unsent messages"))
        self.resize(520, 380)
        self.list = QListWidget()
        self.list.setSpacing(3)
        self.list.setAlternatingRowColors(True)
        self.list.currentItemChanged.connect(self._selected)
        self.retry_button = QPushButton(tr("Retry"))
        self.retry_button.clicked.connect(self._retry)
        self.discard_button = QPushButton(tr("Discard"))
        self.discard_button.clicked.connect(self._discard)
        self.retry_all_button = QPushButton(tr("Retry all"))
        self.retry_all_button.clicked.connect(lambda: bridge.post(bridge.engine.retry_all))
        close = QPushButton(tr("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.retry_button, self.discard_button, self.retry_all_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        bridge.engine_event.connect(self._on_event)
        self.reload()

    def _on_event(self, event: AppEvent) -> None:
        if isinstance(event, MessageUpdated | MessageDiscarded | StateChanged):
            self.reload()

    def reload(self) -> None:
        chosen = self._chosen()
        channels = {c.id: c for c in self.bridge.cache.channels()}
        self.list.clear()
        outbox = self.bridge.cache.outbox()
        for message in outbox:
            if message.state == "failed":
                state = tr("not sent: {reason}").format(reason=message.error or "")
            else:
                state = tr("waiting to send")
            text = entry_text(message)
            item = QListWidgetItem(f"{where(message, channels)} — {text}\n{state}")
            item.setData(Qt.ItemDataRole.UserRole, message)
            if message.state == "failed":
                item.setForeground(FAILED)
            self.list.addItem(item)
            if chosen is not None and message.client_id == chosen.client_id:
                self.list.setCurrentItem(item)
        self.retry_all_button.setEnabled(any(m.state == "failed" for m in outbox))
        self._selected()

    def _chosen(self) -> MessageView | None:
        item = self.list.currentItem()
        if item is None:
            return None
        message: MessageView = item.data(Qt.ItemDataRole.UserRole)
        return message

    def _selected(self, *_: object) -> None:
        chosen = self._chosen()
        failed = chosen is not None and chosen.state == "failed"
        self.retry_button.setEnabled(failed)
        self.discard_button.setEnabled(failed)

    def _retry(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.bridge.post(self.bridge.engine.retry, chosen.client_id)

    def _discard(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.bridge.post(self.bridge.engine.discard, chosen.client_id)


class FirstMessageDialog(QDialog):
    """The server cannot be reached to open a chat: write the first message now; it waits
    in the outbox and the chat is opened when the server is back."""

    def __init__(self, parent: QWidget, user: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New chat"))
        self.resize(440, 260)
        note = QLabel(
            tr(
                "The server cannot be reached right now. Write your first message to {user}: "
                "it waits here and is sent, opening the chat, as soon as the server is back."
            ).format(user=user)
        )
        note.setWordWrap(True)
        self.edit = QPlainTextEdit()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = buttons.addButton(tr("Send"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setEnabled(False)
        self.edit.textChanged.connect(
            lambda: self.send_button.setEnabled(not is_blank(self.text()))
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.edit, 1)
        layout.addWidget(buttons)

    def text(self) -> str:
        """The message as written."""
        return self.edit.toPlainText()
