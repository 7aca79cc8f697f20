"""Finding, inside the main window: Ctrl+F searches messages, Ctrl+K jumps to a chat. Both
open a panel in place of the chat list (not a window of their own), with a box and the
results under it; Escape closes it. A message found shows its chat, sender and date; choosing
it opens the chat at that message, marked a moment."""

import datetime
from enum import StrEnum

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.cache.views import ChannelView, SearchHit
from desktop.core.people import person_label, shown_name
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.models import matches
from desktop.ui.tasks import spawn

ChatRole = Qt.ItemDataRole.UserRole
SeqRole = Qt.ItemDataRole.UserRole + 1


class FindMode(StrEnum):
    MESSAGES = "messages"  # Ctrl+F
    CHATS = "chats"  # Ctrl+K


class FinderPanel(QWidget):
    """Emits ``chosen`` with (chat id, message seq or 0) and ``closed`` when it closes. The
    engine's thread searches messages (it may index new ones first); only the newest
    query's answer is shown."""

    chosen = Signal(int, int)
    closed = Signal()

    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__()
        self.bridge = bridge
        self.mode = FindMode.MESSAGES
        self._asked = 0
        self.box = QLineEdit()
        self.box.setClearButtonEnabled(True)
        self.box.installEventFilter(self)
        self.list = QListWidget()
        # The chosen row in the chat list's light blue: a result's text and date, drawn over
        # it by a label of their own, stay readable (the style's dark blue hid them).
        self.list.setStyleSheet(
            "QListWidget { border: none; background: #fafbfc; }"
            " QListWidget::item:selected { background: #e3edff; }"
        )
        self.list.itemActivated.connect(self._choose)
        self.list.itemClicked.connect(self._choose)
        self.box.returnPressed.connect(self._choose_first)
        self.box.textChanged.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.list, 1)
        self.hide()

    def start(self, mode: FindMode) -> None:
        """Show the panel for ``mode``, the box focused and empty."""
        self.mode = mode
        self.box.setPlaceholderText(
            tr("Search all messages") if mode == FindMode.MESSAGES else tr("Go to chat")
        )
        self.box.blockSignals(True)
        self.box.clear()
        self.box.blockSignals(False)
        self.show()
        self.box.setFocus()
        self.refresh("")

    def close_panel(self) -> None:
        self.hide()
        self.closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.close_panel()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.list.count():
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
        return False

    def refresh(self, text: str) -> None:
        self._asked += 1
        if self.mode == FindMode.CHATS:
            self._show_chats(text)
        elif text.strip():
            spawn(self._search(self._asked, text))
        else:
            self.list.clear()

    async def _search(self, asked: int, text: str) -> None:
        hits = await self.bridge.call(self.bridge.engine.search, text)
        if asked == self._asked and self.mode == FindMode.MESSAGES:
            self._show_hits(hits)

    def _show_hits(self, hits: list[SearchHit]) -> None:
        self.list.clear()
        channels = {c.id: c for c in self.bridge.cache.channels()}
        names = self.bridge.cache.people.all()
        for hit in hits:
            m = hit.message
            sender = shown_name(m.sender, names.get(m.sender, ""))
            where = channels[m.channel].shown_title if m.channel in channels else "?"
            item = QListWidgetItem()
            item.setData(ChatRole, m.channel)
            item.setData(SeqRole, m.seq or 0)
            self.list.addItem(item)
            label = QLabel(
                f"<b>{escape(where)}</b> · {escape(sender)}"
                f" · {hit_date(m.shown_ts)}"
                f"<br>{highlight(m.text, hit.spans)}"
            )
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setContentsMargins(6, 4, 6, 4)
            item.setSizeHint(label.sizeHint())
            self.list.setItemWidget(item, label)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _show_chats(self, text: str) -> None:
        self.list.clear()
        for channel in self.bridge.cache.channels():
            if channel.active and matches(channel, text):
                item = QListWidgetItem(chat_label(channel))
                item.setData(ChatRole, channel.id)
                item.setData(SeqRole, 0)
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _choose(self, item: QListWidgetItem) -> None:
        chat, seq = item.data(ChatRole), item.data(SeqRole)
        self.close_panel()
        self.chosen.emit(chat, seq)

    def _choose_first(self) -> None:
        if self.list.count():
            self._choose(self.list.currentItem() or self.list.item(0))

    def results(self) -> list[str]:
        """The results as shown, as text (a message's line is rich text)."""
        shown = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            widget = self.list.itemWidget(item)
            shown.append(widget.text() if isinstance(widget, QLabel) else item.text())
        return shown


def chat_label(channel: ChannelView) -> str:
    """A chat among those found: a direct chat by the other person's display name, their
    user name beside it (two people may pick the same display name)."""
    if channel.kind == "direct":
        return person_label(channel.title, channel.display_name)
    return channel.shown_title


def hit_date(ms: int) -> str:
    """When a message found was written: its day and time."""
    return datetime.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def highlight(text: str, spans: tuple[tuple[int, int], ...], context: int = 80) -> str:
    """The text around the first match, matches in bold, as safe rich text."""
    start = max(0, spans[0][0] - context // 2) if spans else 0
    end = min(len(text), start + 2 * context)
    out, cursor = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[cursor:s]))
        out.append(f"<b>{escape(text[s:e])}</b>")
        cursor = e
    out.append(escape(text[cursor:end]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
