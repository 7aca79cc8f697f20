"""One open chat: header, the message list, the typing line and the composer (with the bar
of a reply or an edit being written)."""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.cache.views import ChannelView, MessageView
from desktop.ui.bridge import EngineBridge
from desktop.ui.composer import Composer
from desktop.ui.delegates import MessageDelegate
from desktop.ui.elided_label import ElidedLabel
from desktop.ui.i18n import tr
from desktop.ui.keyboard import focus_ring
from desktop.ui.membership import ended_text, how_ended
from desktop.ui.message_actions import MessageActions
from desktop.ui.models import MessageListModel, MessageRole
from desktop.ui.outbox import failed_menu
from desktop.ui.reply_bar import ComposeTarget
from desktop.ui.tasks import spawn
from desktop.ui.text_overlay import TextOverlay
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

        self.title = ElidedLabel()
        self.title.setObjectName("title")
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.subtitle = ElidedLabel()
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
        self.view.setStyleSheet(focus_ring("QListView", "white"))
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.view.verticalScrollBar().rangeChanged.connect(self._range_changed)
        self.view.clicked.connect(self._clicked)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.overlay = TextOverlay(self.view)
        self.overlay.context_menu.connect(self._context_menu)
        self.message_actions = MessageActions(self)
        self.target: ComposeTarget | None = None  # a reply or an edit being written
        self._released_at = QPoint()  # where the last click ended, for what it hit
        self.view.viewport().installEventFilter(self)

        self.typing_label = QLabel()
        self.typing_label.setStyleSheet("color: #6b7280; font-style: italic; padding-left: 12px;")
        self._typing_timer = QTimer(self)
        self._typing_timer.setSingleShot(True)
        self._typing_timer.timeout.connect(self._expire_typing)

        self.composer = Composer()
        self.composer.send_text.connect(self._send)
        self.composer.typing.connect(self._typing)
        self.composer.edit_last.connect(self._edit_last)
        self.composer.cancel.connect(self.cancel_target)

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
        group = channel.kind == "group"
        self.view.setItemDelegate(MessageDelegate(self.me, group, marker, channel.members))
        self.view.setModel(self.model)
        self.overlay.reset()
        self.cancel_target()
        self._typists.clear()
        self._expire_typing()
        self.subtitle.clear()  # a direct chat's presence, if known, is shown next
        self.show_channel(channel)
        self.composer.edit.setFocus()
        QTimer.singleShot(0, self.view.scrollToBottom)
        self._fill_shown()

    def show_channel(self, channel: ChannelView, presence: str | None = None) -> None:
        self.channel = channel
        self.title.setText(channel.title)
        self.members_button.setVisible(channel.kind == "group" and channel.active)
        self.composer.close_with(ended_text(how_ended(self.bridge.cache, channel, self.me)))
        if channel.kind == "group" and channel.active:
            self.subtitle.setText(tr("%n member(s)", "", len(channel.members)))
        elif channel.kind == "group":
            self.subtitle.clear()
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

    def message_changed(self, message: MessageView) -> None:
        """A message shown may read differently: reactions, an edit, a deletion."""
        if self.model is None or message.channel != self.model.channel_id:
            return
        self.model.change(message)
        if self.target is not None and self.target.message.seq == message.seq:
            if message.deleted:
                self.cancel_target()  # nothing left to answer or edit
            else:
                self.target = ComposeTarget(self.target.kind, message)
                self.composer.show_target(self.target, self.me)

    def receipts_changed(self, channel_id: int) -> None:
        """What the others got and read moved: the marks on the user's messages follow."""
        if self.model is not None and self.model.channel_id == channel_id:
            self.model.read_receipts()

    def set_lifecycle(self, offered: bool) -> None:
        """Whether the server offers replies, reactions, edits and deletions (the actions
        are hidden when it does not)."""
        self.message_actions.lifecycle = offered
        if not offered:
            self.cancel_target()

    def outbox_changed(self, message: MessageView) -> None:
        if self.model is None or message.channel != self.model.channel_id:
            return
        if message.is_change:
            return  # its message comes with message_changed, and stays where it is
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
        """The composer's text: a new message, a reply, or new text for a message."""
        if self.channel is None:
            return
        target, engine, channel_id = self.target, self.bridge.engine, self.channel.id
        self.cancel_target(keep_text=True)
        if target is None:
            spawn(self._sent(target, text, engine.send, channel_id, text))
        elif target.kind == "reply":
            spawn(self._sent(target, text, engine.reply, channel_id, target.message.seq, text))
        elif text != target.message.text:
            spawn(self._sent(target, text, engine.edit, channel_id, target.message.seq, text))

    async def _sent(
        self, target: ComposeTarget | None, text: str, fn: Callable[..., Any], *args: Any
    ) -> None:
        """Run the engine operation for the composer's text; if it is refused, the text
        comes back to the composer (with what it was for) instead of being lost."""
        if not await self.message_actions.run(fn, *args) and not self.composer.edit.toPlainText():
            self.composer.edit.setPlainText(text)
            if target is not None:
                self.target = target
                self.composer.show_target(target, self.me)

    def start_reply(self, seq: int | None) -> None:
        """Write a reply to the message ``seq``: the bar above the composer shows it."""
        self._start("reply", seq)

    def start_edit(self, seq: int | None) -> None:
        """Edit the user's message ``seq``: its text goes into the composer."""
        if self._start("edit", seq) and self.target is not None:
            self.composer.edit.setPlainText(self.target.message.text)
            self.composer.edit.moveCursor(QTextCursor.MoveOperation.End)

    def _start(self, kind: str, seq: int | None) -> bool:
        row = self.model.row_of_seq(seq) if self.model is not None and seq is not None else None
        if self.model is None or row is None:
            return False
        if self.target is not None and self.target.kind == "edit":
            self.composer.edit.clear()  # the text of the edit left behind
        self.target = ComposeTarget("reply" if kind == "reply" else "edit",
                                    self.model.message_at(row))  # fmt: skip
        self.composer.show_target(self.target, self.me)
        return True

    def cancel_target(self, keep_text: bool = False) -> None:
        """Stop writing a reply or an edit (Escape, or the bar's close button). A reply's
        text stays, to send as a message; an edit's goes."""
        if self.target is not None and self.target.kind == "edit" and not keep_text:
            self.composer.edit.clear()
        self.target = None
        self.composer.show_target(None, self.me)

    def _edit_last(self) -> None:
        """Up in an empty composer: edit the user's newest message, as in Slack or Signal."""
        if self.model is None or self.channel is None or not self.channel.active:
            return
        if not self.message_actions.lifecycle:
            return
        last = self.model.last_own(self.me)
        if last is not None:
            self.start_edit(last.seq)

    def _typing(self) -> None:
        now = time.monotonic()
        if self.channel is not None and now - self._typing_sent > TYPING_EVERY:
            self._typing_sent = now
            self.bridge.post(self.bridge.engine.typing, self.channel.id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QMouseEvent) and event.type() == QEvent.Type.MouseButtonRelease:
            self._released_at = event.position().toPoint()  # for _clicked, which follows
        return False

    def _clicked(self, index: QModelIndex) -> None:
        message: MessageView = index.data(MessageRole)
        if message.state == "failed" and message.client_id:
            self.bridge.post(self.bridge.engine.retry, message.client_id)
        else:
            self.message_actions.clicked(index, self._released_at)

    def _context_menu(self, at: QPoint) -> None:
        index = self.view.indexAt(at)
        message: MessageView | None = index.data(MessageRole) if index.isValid() else None
        menu: QMenu | None
        if message is not None and message.state == "failed" and message.client_id:
            menu = failed_menu(self, self.bridge, message)
        else:
            menu = self.message_actions.menu_for(index)
        if menu is not None:
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
