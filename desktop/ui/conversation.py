"""One open chat: header (who is typing shows there), the message list with its button to
the newest message, and the composer (with the bar of a reply or an edit being written, the
files attached, and each chat's draft). Files dropped anywhere on the chat are attached."""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.cache.views import ChannelView, MessageView
from desktop.core.events import (
    AppEvent,
    DownloadProgress,
    FilesChanged,
    MessageAdded,
    MessageDiscarded,
    MessageUpdated,
    UploadProgress,
)
from desktop.core.lifecycle import NotOffered
from desktop.ui.attach_tray import FileRules, PickedFile
from desktop.ui.bridge import EngineBridge
from desktop.ui.composer import Composer
from desktop.ui.delegates import MessageDelegate
from desktop.ui.drafts import DraftKeeper
from desktop.ui.elided_label import ElidedLabel
from desktop.ui.file_actions import FileActions
from desktop.ui.file_drop import local_files
from desktop.ui.i18n import tr
from desktop.ui.keyboard import focus_ring
from desktop.ui.membership import ended_text, how_ended
from desktop.ui.message_actions import MessageActions
from desktop.ui.models import MessageListModel, MessageRole
from desktop.ui.outbox import failed_menu
from desktop.ui.reply_bar import ComposeTarget
from desktop.ui.tasks import spawn
from desktop.ui.text_overlay import TextOverlay
from desktop.ui.transfers import TransferBook
from desktop.ui.typing_state import TypingTracker
from shared.client import ConnectionClosed
from shared.errors import ProtocolError

log = logging.getLogger(__name__)

TYPING_EVERY = 3.0  # secs between typing signals sent while the user writes
SCROLL_AHEAD = 3  # screens from the top at which older messages are read in
FILL_SPAN = 100  # events missing between rows shown that are asked for at a time


class ConversationPane(QWidget):
    """Shows a channel; emits ``at_bottom`` when the newest message is on screen."""

    at_bottom = Signal()
    members_requested = Signal()

    def __init__(self, bridge: EngineBridge, me: str, typing: TypingTracker) -> None:
        super().__init__()
        self.bridge = bridge
        self.me = me
        self.typing = typing
        self.channel: ChannelView | None = None
        self.model: MessageListModel | None = None
        self._typing_sent = 0.0
        self._subtitle = ""  # members or presence, shown while nobody is typing
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
        self.file_actions = FileActions(self)
        self.transfers = TransferBook()  # files going up or coming down, in any chat
        self._attached: dict[int, list[PickedFile]] = {}  # files left in other chats' composer
        self.target: ComposeTarget | None = None  # a reply or an edit being written
        self._released_at = QPoint()  # where the last click ended, for what it hit
        self.view.viewport().installEventFilter(self)

        typing.changed.connect(self._typing_changed)
        self.newest_button = QToolButton(self.view)
        self.newest_button.setText("↓")
        self.newest_button.setToolTip(tr("Jump to the newest message"))
        self.newest_button.setAccessibleName(tr("Jump to the newest message"))
        self.newest_button.setStyleSheet(
            "QToolButton { background: white; border: 1px solid #d0d7de; border-radius: 18px;"
            " font-size: 14pt; min-width: 34px; min-height: 34px; }"
        )
        self.newest_button.clicked.connect(self.jump_to_newest)
        self.newest_button.hide()
        self.view.installEventFilter(self)  # to keep the button in the corner on resizes

        self.composer = Composer()
        self.composer.send_text.connect(self._send)
        self.composer.send_files.connect(self._send_files)
        self.composer.typing.connect(self._typing)
        self.composer.edit_last.connect(self._edit_last)
        self.composer.cancel.connect(self.cancel_target)
        self.drafts = DraftKeeper(
            bridge, self.composer, lambda: self.target is None or self.target.kind != "edit"
        )

        self.drop_hint = QLabel(tr("Drop files here to attach them"), self.view)
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setStyleSheet(
            "background: rgba(231, 240, 255, 230); color: #1f6feb; font-size: 13pt;"
            " border: 2px dashed #1f6feb; border-radius: 12px;"
        )
        self.drop_hint.hide()
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.composer)

    # --- opening and updating ---------------------------------------------------------------

    def open(self, channel: ChannelView, at_seq: int | None = None) -> None:
        """Show ``channel``: at the message ``at_seq`` (marked a moment), else at its first
        unread message when it has unread ones, else at its newest."""
        self.cancel_target()  # an edit's text is no draft
        self.drafts.switch_to(channel.id)
        self._switch_files(channel.id)
        self.channel = channel
        first_unread = channel.read_seq + 1 if channel.unread else None
        self._show_model(
            MessageListModel(self.bridge.cache, channel.id, at_seq or first_unread, self.transfers)
        )
        group = channel.kind == "group"
        delegate = MessageDelegate(self.me, group, first_unread, channel.members)
        delegate.bubbles.names = self.bridge.cache.people.all()
        self.view.setItemDelegate(delegate)
        self._subtitle = ""  # a direct chat's presence, if known, is shown next
        self.show_channel(channel)
        self.composer.edit.setFocus()
        if at_seq is not None:
            QTimer.singleShot(0, lambda: self.message_actions.mark(at_seq))
        elif first_unread is not None:
            QTimer.singleShot(0, lambda: self._scroll_to_seq(first_unread))
        else:
            QTimer.singleShot(0, self.view.scrollToBottom)

    def _switch_files(self, channel_id: int) -> None:
        """Files attached stay with the chat they were attached in, as its draft does (while
        the app runs): switching chats never sends them to another."""
        files = self.composer.files
        kept = files.take()
        if self.channel is not None and kept:
            self._attached[self.channel.id] = kept
        files.say("")
        files.put_back(self._attached.pop(channel_id, []))

    def _show_model(self, model: MessageListModel) -> None:
        self.model = model
        self._from_bottom = None
        self.view.setModel(model)
        self.overlay.reset()
        self._fill_shown()

    def _scroll_to_seq(self, seq: int) -> None:
        """The first unread message at the top (or the newest in view, when all fit)."""
        row = self.model.row_of_seq(seq) if self.model is not None else None
        if row is not None:
            self.scroll_to_row(row, QAbstractItemView.ScrollHint.PositionAtTop)
        self._scrolled(self.view.verticalScrollBar().value())

    def scroll_to_row(self, row: int, hint: QAbstractItemView.ScrollHint) -> None:
        """Scroll the row into view as laid out now: a model just set is laid out first,
        or the view would scroll by the rows it showed before."""
        if self.model is not None:
            self.view.doItemsLayout()
            self.view.scrollTo(self.model.index(row), hint)

    def jump_to_newest(self) -> None:
        """The newest message, from wherever the user scrolled (or opened the chat) to."""
        if self.model is not None and not self.model.at_newest:
            self._show_model(
                MessageListModel(self.bridge.cache, self.model.channel_id, None, self.transfers)
            )
        self.view.scrollToBottom()
        self._scrolled(self.view.verticalScrollBar().value())

    def show_channel(self, channel: ChannelView, presence: str | None = None) -> None:
        self.channel = channel
        self.title.setText(channel.shown_title)
        self.title.setToolTip(f"@{channel.title}" if channel.kind == "direct" else "")
        self.members_button.setVisible(channel.kind == "group" and channel.active)
        self.composer.close_with(ended_text(how_ended(self.bridge.cache, channel, self.me)))
        if channel.kind == "group" and channel.active:
            self._subtitle = tr("%n member(s)", "", len(channel.members))
        elif presence is not None:
            self._subtitle = presence
        self._show_subtitle()

    def _show_subtitle(self) -> None:
        """Who is typing, in the accent colour, else the members or the presence."""
        typing = (
            self.typing.text(self.channel.id, self.channel.kind == "group", self._names())
            if self.channel is not None
            else ""
        )
        self.subtitle.setText(typing or self._subtitle)
        style = "color: #1f6feb;" if typing else "color: #6b7280;"
        if self.subtitle.styleSheet() != style:  # Qt styles the label anew even for the same
            self.subtitle.setStyleSheet(style)

    def _names(self) -> dict[str, str]:
        """The display names the open chat's rows are labelled with."""
        delegate = self.view.itemDelegate()
        return delegate.bubbles.names if isinstance(delegate, MessageDelegate) else {}

    def people_changed(self) -> None:
        """Display names changed: label the rows, the header and the typing line anew."""
        delegate = self.view.itemDelegate()
        if self.channel is None or not isinstance(delegate, MessageDelegate):
            return
        delegate.bubbles.names = self.bridge.cache.people.all()
        self.view.doItemsLayout()  # a label's width sets its bubble's
        channel = self.bridge.cache.channel(self.channel.id)
        self.show_channel(channel or self.channel)

    def _typing_changed(self, channel_id: int) -> None:
        if self.channel is not None and channel_id == self.channel.id:
            self._show_subtitle()

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

    def set_file_rules(self, rules: FileRules) -> None:
        """Whether the server takes files, and how large (the composer's Attach follows)."""
        self.composer.set_file_rules(rules)

    def file_event(self, event: AppEvent) -> None:
        """Files going up or coming down, or held here no more: the bubbles follow."""
        if isinstance(event, UploadProgress):
            self.transfers.upload(event)
            if self.model is not None:
                self.model.transfer_moved(client_id=event.client_id)
        elif isinstance(event, DownloadProgress):
            self.transfers.download(event)
            if self.model is not None:
                self.model.transfer_moved(seq=event.seq)
        elif isinstance(event, FilesChanged) and self.model is not None:
            self.model.files_gone(event.removed)
        elif isinstance(event, MessageAdded | MessageUpdated | MessageDiscarded):
            m = event.message
            if m.client_id is not None and (m.seq is not None or m.state != "pending"):
                self.transfers.uploaded(m.client_id)  # sent, refused or cancelled

    # --- user actions -----------------------------------------------------------------------

    def _send(self, text: str) -> None:
        """The composer's text: a new message, a reply, or new text for a message."""
        if self.channel is None:
            return
        target, engine, channel_id = self.target, self.bridge.engine, self.channel.id
        self.cancel_target(keep_text=True)
        self.drafts.save()  # the composer is empty now: the draft is sent
        if target is None:
            spawn(self._sent(target, text, engine.send, channel_id, text))
        elif target.kind == "reply":
            spawn(self._sent(target, text, engine.reply, channel_id, target.message.seq, text))
        elif text != target.message.text:
            spawn(self._sent(target, text, engine.edit, channel_id, target.message.seq, text))

    def _send_files(self, text: str, files: list[PickedFile]) -> None:
        """The composer's files, with its text as their caption (answering the message of
        a reply being written)."""
        if self.channel is None:
            return
        target, channel_id = self.target, self.channel.id
        reply_to = target.message.seq if target is not None and target.kind == "reply" else None
        self.cancel_target(keep_text=True)
        self.drafts.save()
        spawn(self._sent_files(target, text, files, channel_id, reply_to))

    async def _sent_files(
        self,
        target: ComposeTarget | None,
        text: str,
        files: list[PickedFile],
        channel_id: int,
        reply_to: int | None,
    ) -> None:
        """Queue the message with its files (the engine copies them into the profile off
        both threads' way); if it is refused, the text and the files come back to the
        composer, the files to their own chat's if the user went to another meanwhile."""
        engine = self.bridge.engine
        paths = [f.path for f in files]
        try:
            await self.bridge.ask(engine.send_files, channel_id, text, paths, reply_to)
        except ValueError as e:
            reason = tr("This server does not take files.") if isinstance(e, NotOffered) else str(e)
            self.message_actions.refused(reason)
            if self.channel is None or self.channel.id != channel_id:
                self._attached.setdefault(channel_id, []).extend(files)
                files = []
            self.composer.put_back(text, files)
            if target is not None:
                self.target = target
                self.composer.show_target(target, self.me)
            return
        self.composer.files.release(files)

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

    # --- files dropped on the chat -------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()) and self.composer.edit.isEnabled():
            event.acceptProposedAction()
            self.drop_hint.setGeometry(self.view.rect().adjusted(16, 16, -16, -16))
            self.drop_hint.show()
            self.drop_hint.raise_()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.drop_hint.isVisible():
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_hint.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        """Files dropped on the chat are attached in its composer."""
        self.drop_hint.hide()
        files = local_files(event.mimeData())
        if not files or not self.composer.edit.isEnabled():
            event.ignore()
            return
        event.acceptProposedAction()
        self.composer.files.add_paths(files)
        self.composer.edit.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view:
            if event.type() == QEvent.Type.Resize:
                self._place_newest_button()
            return False
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
            menu = self.message_actions.menu_for(index, at)
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click
            menu.popup(self.view.viewport().mapToGlobal(at))

    def is_at_bottom(self) -> bool:
        """Whether the newest message is on screen."""
        bar = self.view.verticalScrollBar()
        newest = self.model is None or self.model.at_newest
        return newest and bar.value() >= bar.maximum() - 4

    def _scrolled(self, value: int) -> None:
        if self.model is None:
            return
        screen = self.view.viewport().height()
        if value < screen * SCROLL_AHEAD and self._from_bottom is None:
            self._fill_shown()
            if self.model.can_load_older():
                self._load_older(self.model)
            elif self.model.needs_server():
                self._fetch_from_server()
        bar = self.view.verticalScrollBar()
        if bar.maximum() - value < screen * SCROLL_AHEAD and self.model.can_load_newer():
            self.model.load_newer()  # rows added below: what is on screen stays put
            self._fill_shown()
        at_bottom = self.is_at_bottom()
        self.newest_button.setVisible(not at_bottom)
        if at_bottom:
            self.at_bottom.emit()

    def _place_newest_button(self) -> None:
        size = self.newest_button.sizeHint()
        self.newest_button.resize(size)
        self.newest_button.move(
            self.view.width() - size.width() - 24, self.view.height() - size.height() - 16
        )

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
        self.newest_button.setVisible(not self.is_at_bottom())

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
