"""One open chat: header, the message list, the typing line and the composer."""

import asyncio
import logging
import time

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from desktop.cache.views import ChannelView, MessageView
from desktop.ui.bridge import EngineBridge
from desktop.ui.composer import Composer
from desktop.ui.delegates import MessageDelegate
from desktop.ui.i18n import tr
from desktop.ui.models import MessageListModel, MessageRole
from desktop.ui.outbox import failed_menu
from desktop.ui.tasks import spawn
from shared.client import ConnectionClosed
from shared.errors import ProtocolError

log = logging.getLogger(__name__)

TYPING_SHOWN_MS = 5_000  # how long "is typing" stays after the last signal
TYPING_EVERY = 3.0  # secs between typing signals sent while the user writes
SCROLL_AHEAD = 3  # screens from the top at which older messages are read in
FILL_SPAN = 100  # events missing between rows shown that are asked for at a time


class ConversationPane(QWidget):
    """Shows a channel; emits ``at_bottom`` when the newest message is on screen."""

    at_bottom = Signal()
    members_requested = Signal()

    def __init__(self, bridge: EngineBridge, me: str) -> None:
        super().__init__()
        self.bridge = bridge
        self.me = me
        self.channel: ChannelView | None = None
        self.model: MessageListModel | None = None
        self._typing_sent = 0.0
        self._typists: dict[str, float] = {}
        self._fetching: asyncio.Future | None = None
        self._filling: asyncio.Future | None = None
        # While older rows are laid out above: the scroll position, counted from the bottom,
        # to restore once the scroll range has grown, so what the user reads stays in place.
        self._from_bottom: int | None = None

        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet("color: #6b7280;")
        self.members_button = QPushButton(tr("Members"))
        self.members_button.clicked.connect(self.members_requested)
        header = QHBoxLayout()
        names = QVBoxLayout()
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        header.addLayout(names, 1)
        header.addWidget(self.members_button)
        header.setContentsMargins(12, 8, 12, 8)

        self.view = QListView()
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.view.setWordWrap(True)
        self.view.setStyleSheet("QListView { border: none; background: white; }")
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.view.verticalScrollBar().rangeChanged.connect(self._range_changed)
        self.view.clicked.connect(self._clicked)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)

        self.typing_label = QLabel()
        self.typing_label.setStyleSheet("color: #6b7280; font-style: italic; padding-left: 12px;")
        self._typing_timer = QTimer(self)
        self._typing_timer.setSingleShot(True)
        self._typing_timer.timeout.connect(self._expire_typing)

        self.composer = Composer()
        self.composer.send_text.connect(self._send)
        self.composer.typing.connect(self._typing)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.typing_label)
        layout.addWidget(self.composer)

    # --- opening and updating ---------------------------------------------------------------

    def open(self, channel: ChannelView) -> None:
        self.channel = channel
        self.model = MessageListModel(self.bridge.cache, channel.id)
        self._from_bottom = None
        marker = channel.read_seq + 1 if channel.unread else None
        self.view.setItemDelegate(MessageDelegate(self.me, channel.kind == "group", marker))
        self.view.setModel(self.model)
        self._typists.clear()
        self._expire_typing()
        self.subtitle.clear()  # a direct chat's presence, if known, is shown next
        self.show_channel(channel)
        self.composer.edit.setEnabled(channel.active)
        self.composer.edit.setFocus()
        QTimer.singleShot(0, self.view.scrollToBottom)
        self._fill_shown()

    def show_channel(self, channel: ChannelView, presence: str | None = None) -> None:
        self.channel = channel
        self.title.setText(channel.title)
        self.members_button.setVisible(channel.kind == "group")
        if channel.kind == "group":
            self.subtitle.setText(tr("{count} members").format(count=len(channel.members)))
        elif presence is not None:
            self.subtitle.setText(presence)

    def message_added(self, message: MessageView) -> None:
        if self.model is None or message.channel != self.model.channel_id:
            return
        stick = self.is_at_bottom()
        self.model.add(message)
        if stick:
            self.view.scrollToBottom()
            self.at_bottom.emit()

    def outbox_changed(self, message: MessageView) -> None:
        if self.model is None or message.channel != self.model.channel_id:
            return
        self.model.update_outbox(message)
        self.view.scrollToBottom()

    def outbox_discarded(self, message: MessageView) -> None:
        if self.model is not None and message.client_id is not None:
            self.model.discard(message.client_id)

    def someone_typing(self, channel_id: int, user: str) -> None:
        if self.channel is None or channel_id != self.channel.id:
            return
        self._typists[user] = time.monotonic()
        names = ", ".join(sorted(self._typists))
        self.typing_label.setText(tr("{names} is typing…").format(names=names))
        self._typing_timer.start(TYPING_SHOWN_MS)

    def _expire_typing(self) -> None:
        self._typists.clear()
        self.typing_label.setText(" ")

    # --- user actions -----------------------------------------------------------------------

    def _send(self, text: str) -> None:
        if self.channel is not None:
            self.bridge.post(self.bridge.engine.send, self.channel.id, text)

    def _typing(self) -> None:
        now = time.monotonic()
        if self.channel is not None and now - self._typing_sent > TYPING_EVERY:
            self._typing_sent = now
            self.bridge.post(self.bridge.engine.typing, self.channel.id)

    def _clicked(self, index: QModelIndex) -> None:
        message: MessageView = index.data(MessageRole)
        if message.state == "failed" and message.client_id:
            self.bridge.post(self.bridge.engine.retry, message.client_id)

    def _context_menu(self, at: QPoint) -> None:
        index = self.view.indexAt(at)
        message: MessageView | None = index.data(MessageRole) if index.isValid() else None
        if message is not None and message.state == "failed" and message.client_id:
            menu = failed_menu(self, self.bridge, message)
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click
            menu.popup(self.view.viewport().mapToGlobal(at))

    def is_at_bottom(self) -> bool:
        bar = self.view.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _scrolled(self, value: int) -> None:
        if self.model is None:
            return
        if value < self.view.viewport().height() * SCROLL_AHEAD and self._from_bottom is None:
            self._fill_shown()
            if self.model.can_load_older():
                self._load_older(self.model)
            elif self.model.needs_server():
                self._fetch_from_server()
        if self.is_at_bottom():
            self.at_bottom.emit()

    def _load_older(self, model: MessageListModel) -> None:
        """The next page from the cache above, keeping the rows on screen where they are."""
        bar = self.view.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        if model.load_older():
            self._from_bottom = from_bottom
            self._fill_shown()

    def _range_changed(self, _low: int, high: int) -> None:
        if self._from_bottom is not None:
            from_bottom, self._from_bottom = self._from_bottom, None
            self.view.verticalScrollBar().setValue(high - from_bottom)

    def _fetch_from_server(self) -> None:
        if self.model is None or self._fetching is not None:
            return
        self._fetching = spawn(self._fetch_older(self.model))

    def _fill_shown(self) -> None:
        """Ask the engine for the newest events missing between the rows shown (at most a
        page of them, the ones nearest what the user reads); they arrive as new messages
        and take their places."""
        if self.model is None or self._filling is not None:
            return
        if self.channel is None or not self.channel.active:
            return  # the server tells a former member nothing: asking would only be refused
        gap = self.model.newest_gap()
        if gap is not None:
            low, high = max(gap[0], gap[1] - FILL_SPAN + 1), gap[1]
            self._filling = spawn(self._fill(self.model, low, high))

    async def _fill(self, model: MessageListModel, low: int, high: int) -> None:
        try:
            await self.bridge.ask(self.bridge.engine.fill, model.channel_id, low, high)
        except (ProtocolError, TimeoutError, ConnectionClosed) as e:
            log.info("missing messages not available now: %s", e)
        finally:
            self._filling = None

    async def _fetch_older(self, model: MessageListModel) -> None:
        """Bring older events from the server into the cache, then show them."""
        try:
            await self.bridge.ask(self.bridge.engine.fetch_older, model.channel_id)
        except (ProtocolError, TimeoutError, ConnectionClosed) as e:
            log.info("older messages not available now: %s", e)
        finally:
            self._fetching = None
        model.older_arrived()
        if model is self.model and model.can_load_older():
            self._load_older(model)
