"""The main window: chats on the left, the open conversation on the right, connection state
at the bottom."""

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.cache.views import ChannelView
from desktop.core.events import (
    AppEvent,
    CacheCleared,
    ChannelChanged,
    DownloadProgress,
    DraftChanged,
    EngineState,
    FilesChanged,
    MessageAdded,
    MessageChanged,
    MessageDiscarded,
    MessageUpdated,
    PeopleChanged,
    PresenceChanged,
    QuietChanged,
    ReceiptsChanged,
    ServerRestored,
    StateChanged,
    Synced,
    SyncProgress,
    TypingChanged,
    UnreadChanged,
    UploadProgress,
)
from desktop.core.notify_policy import NotificationPolicy
from desktop.core.progress import last_synced
from desktop.ui import dialogs
from desktop.ui.attach_tray import FileRules
from desktop.ui.bridge import EngineBridge
from desktop.ui.conversation import ConversationPane
from desktop.ui.delegates import ChannelDelegate
from desktop.ui.elided_label import ElidedLabel
from desktop.ui.finder import FinderPanel, FindMode
from desktop.ui.i18n import tr
from desktop.ui.idle import IdleMonitor
from desktop.ui.keyboard import ChatKeys, focus_ring
from desktop.ui.models import ChannelListModel, ChannelRole, MatchRole
from desktop.ui.outbox import OutboxDialog, outbox_text
from desktop.ui.quiet_menu import DndControl, DndIndicator, MuteMenu
from desktop.ui.sync_status import SyncStatus
from desktop.ui.tasks import spawn
from desktop.ui.typing_state import TypingTracker
from desktop.ui.unread_badge import window_title
from shared.protocol import FEATURE_ATTACHMENTS, FEATURE_LIFECYCLE

log = logging.getLogger(__name__)

REFRESH_MS = 50  # the chat list is re-read at most this often while events pour in
STATUS_MS = 30_000  # "last synced 5 minutes ago" is said again this often


class MainWindow(QMainWindow):
    """``hide_to_tray`` makes the close button hide the window instead of quitting."""

    unread_total_changed = Signal(int)
    # The title of the page to show ("": the last one shown) and the object name of the part
    # of it to scroll to ("": none).
    settings_requested = Signal(str, str)

    def __init__(
        self,
        bridge: EngineBridge,
        me: str,
        policy: NotificationPolicy,
        idle: IdleMonitor,
        prefs_dir: Path | None = None,  # where this device's notification choices are kept
    ) -> None:
        super().__init__()
        self.prefs_dir = prefs_dir
        self.bridge = bridge
        self.me = me
        self.policy = policy
        self.idle = idle
        self.hide_to_tray = False
        self.setWindowTitle(window_title(me, 0))
        self.unread_total_changed.connect(lambda n: self.setWindowTitle(window_title(me, n)))
        self.resize(1040, 700)

        self.typing = TypingTracker(self)
        self.channels = ChannelListModel(bridge.cache, self.typing, me)
        self.filtered = QSortFilterProxyModel()
        self.filtered.setSourceModel(self.channels)
        self.filtered.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filtered.setFilterRole(MatchRole)  # display names and user names
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText(tr("Filter chats"))
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self.filtered.setFilterFixedString)
        self.channel_list = QListView()
        self.channel_list.setModel(self.filtered)
        self.channel_list.setItemDelegate(ChannelDelegate(me))
        self.channel_list.setMouseTracking(True)
        self.channel_list.setStyleSheet(focus_ring("QListView", "#fafbfc"))
        self.channel_list.selectionModel().currentChanged.connect(self._selected)
        new_chat = QPushButton(tr("New chat"))
        new_chat.clicked.connect(self.new_chat)
        new_group = QPushButton(tr("New group"))
        new_group.clicked.connect(self.new_group)
        buttons = QHBoxLayout()
        buttons.addWidget(new_chat)
        buttons.addWidget(new_group)
        sidebar = QWidget()
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(8, 8, 0, 8)
        side.addWidget(self.filter_box)
        side.addWidget(self.channel_list, 1)
        self.finder = FinderPanel(bridge)  # Ctrl+F and Ctrl+K, in place of the list
        self.finder.chosen.connect(self.open_channel)
        self.finder.closed.connect(self._finder_closed)
        side.addWidget(self.finder, 1)
        side.addLayout(buttons)

        self.pane = ConversationPane(bridge, me, self.typing)
        self.pane.at_bottom.connect(self.maybe_mark_read)
        self.pane.members_requested.connect(self.show_members)
        self.placeholder = QLabel(tr("Choose a chat, or start a new one."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #6b7280; background: white;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.pane)

        self.splitter = splitter = QSplitter()
        splitter.addWidget(sidebar)
        splitter.addWidget(self.stack)
        splitter.setSizes([300, 740])
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)

        self.state_label = ElidedLabel()
        self.statusBar().addWidget(self.state_label)
        self.outbox_button = QPushButton(tr("Unsent messages…"))
        self.outbox_button.setFlat(True)
        self.outbox_button.clicked.connect(self.show_outbox)
        self.statusBar().addPermanentWidget(self.outbox_button)
        self.dnd = DndControl(self, bridge)  # the one do not disturb every menu shows
        self.dnd_label = DndIndicator(self.dnd)
        self.statusBar().addPermanentWidget(self.dnd_label)
        self._state = bridge.engine.state  # the window is made once the engine started
        self.sync_status = SyncStatus(last_synced(bridge.cache))
        self._status_timer = QTimer(self)
        self._status_timer.timeout.connect(self._show_outbox_state)
        self._status_timer.start(STATUS_MS)
        self._failure: str | None = None
        self._show_outbox_state()
        self._menus()
        self._show_features()

        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._reload_channels)
        bridge.engine_event.connect(self.on_event)
        idle.changed.connect(self._idle_changed)
        for seen in bridge.cache.presence():
            self.channels.set_presence(seen.user, seen.state)
        self.channels.reload()
        self.unread_total_changed.emit(self.channels.unread_total())

    def _menus(self) -> None:
        chat = self.menuBar().addMenu(tr("&Chat"))
        for text, slot, keys in (
            (tr("New chat…"), self.new_chat, QKeySequence.StandardKey.New),
            (tr("New group…"), self.new_group, None),
            (tr("Search messages…"), self.search, QKeySequence.StandardKey.Find),
            (tr("Go to chat…"), self.switch, QKeySequence("Ctrl+K")),
            (tr("Members…"), self.show_members, None),
        ):
            action = QAction(text, self)
            if keys is not None:
                action.setShortcut(keys)
            action.triggered.connect(slot)
            chat.addAction(action)
        self.members_action = action  # the last one
        self.mute_menu = MuteMenu(self, self.bridge)
        chat.addMenu(self.mute_menu)
        chat.addSeparator()
        chat.addActions(ChatKeys(self, self.channel_list).actions)
        self._show_chat_actions()
        account = self.account_menu = self.menuBar().addMenu(tr("&Account"))
        devices = QAction(tr("Devices…"), self)
        devices.triggered.connect(self.show_devices)
        account.addAction(devices)
        self.dnd.fill(account.addMenu(tr("Do not disturb")))
        settings = QAction(tr("Settings…"), self)
        settings.setShortcut(QKeySequence.StandardKey.Preferences)
        settings.triggered.connect(lambda: self.settings_requested.emit("", ""))
        account.addAction(settings)

    # --- events from the engine -------------------------------------------------------------

    def on_event(self, event: AppEvent) -> None:
        if isinstance(
            event,
            UploadProgress
            | DownloadProgress
            | FilesChanged
            | MessageAdded
            | MessageUpdated
            | MessageDiscarded,
        ):
            self.pane.file_event(event)  # before the rows change: a sent message's progress ends
        if isinstance(event, MessageAdded):
            self.typing.message_from(event.message.channel, event.message.sender)
            self.pane.message_added(event.message)
            self._refresh_channels()
            if event.message.sender == self.me and event.message.client_id:
                self._show_outbox_state()  # it may have left the outbox through sync
        elif isinstance(event, MessageUpdated):
            self.pane.outbox_changed(event.message)
            self._show_outbox_state()
        elif isinstance(event, MessageChanged):
            self.pane.message_changed(event.message)
        elif isinstance(event, ReceiptsChanged):
            self.pane.receipts_changed(event.channel)
        elif isinstance(event, CacheCleared):
            self._refresh_channels()
            if self.pane.channel is not None:
                self.open_channel(self.pane.channel.id)
        elif isinstance(event, QuietChanged):
            self.dnd.show(event.quiet)
        elif isinstance(event, MessageDiscarded):
            self.pane.outbox_discarded(event.message)
        elif isinstance(event, ChannelChanged):
            self._refresh_channels()
            if self.pane.channel is not None and event.channel.id == self.pane.channel.id:
                self.pane.show_channel(event.channel)
                self.mute_menu.show_channel(event.channel.id, event.channel.muted_until)
        elif isinstance(event, UnreadChanged):
            self._refresh_channels()
        elif isinstance(event, PresenceChanged):
            p = event.presence
            self.channels.set_presence(p.user, p.state)
            if self.pane.channel is not None and self.pane.channel.title == p.user:
                self.pane.show_channel(
                    self.pane.channel, dialogs.presence_text(p.state, p.last_seen)
                )
        elif isinstance(event, TypingChanged):
            self.typing.typing(event.channel, event.user)
        elif isinstance(event, DraftChanged):
            self._refresh_channels()
        elif isinstance(event, PeopleChanged):
            self._refresh_channels()
            self.pane.people_changed()
        elif isinstance(event, SyncProgress | Synced):
            self.sync_status.on_event(event)
            self._show_outbox_state()
        elif isinstance(event, StateChanged):
            moved, self._state = event.state != self._state, event.state
            self._show_state(event)
            if moved:  # not at every change of the outbox, which says the state again
                self._show_features()
        elif isinstance(event, ServerRestored):
            self._server_restored(event)

    def _server_restored(self, event: ServerRestored) -> None:
        """Say so in a box of its own (the status bar keeps saying what state the app is in),
        and show the chats as they are now."""
        if event.dropped:
            text = tr(
                "The server was restored from a backup; it no longer has {count} of the "
                "messages and changes this device had, and they were removed here."
            ).format(count=event.dropped)
        else:
            text = tr("The server was restored from a backup; this device is in step with it.")
        box = QMessageBox(QMessageBox.Icon.Information, tr("Server restored"), text, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): no nested event loop inside an event handler
        self._refresh_channels()
        if self.pane.channel is not None:
            self.open_channel(self.pane.channel.id)

    def _refresh_channels(self) -> None:
        """Coalesced: a burst of events (a sync page of 500) re-reads the list once."""
        if not self._refresh.isActive():
            self._refresh.start()

    def _reload_channels(self) -> None:
        current = self.pane.channel.id if self.pane.channel else None
        self.channels.reload()
        if current is not None:
            self._select(current)
        self.unread_total_changed.emit(self.channels.unread_total())

    def _show_features(self) -> None:
        """Offer only what the server takes (as it last said, so also while offline)."""
        if self.bridge.started:  # not after the engine stopped, when its last state comes
            engine = self.bridge.engine
            self.pane.set_lifecycle(engine.can(FEATURE_LIFECYCLE))
            self.pane.set_file_rules(
                FileRules(engine.can(FEATURE_ATTACHMENTS), engine.max_file_bytes)
            )

    def _show_outbox_state(self) -> None:
        self._show_state(StateChanged(self._state, None, *self.bridge.cache.outbox_counts()))

    def _show_state(self, event: StateChanged) -> None:
        self.outbox_button.setVisible(bool(event.pending or event.failed))
        outbox = outbox_text(event.pending, event.failed)
        text = self.sync_status.describe(event.state) + (" · " + outbox if outbox else "")
        if event.state == EngineState.FAILED and event.reason and not event.signed_out:
            self._failure = event.reason
            box = QMessageBox(
                QMessageBox.Icon.Warning, tr("Tidings stopped"), event.reason, parent=self
            )
            box.open()  # not exec(): no nested event loop inside an event handler
        if event.state == EngineState.FAILED and self._failure:
            text += " — " + self._failure  # also when only the outbox changed since
        self.state_label.setText(text)

    # --- opening chats and reading ----------------------------------------------------------

    def open_channel(self, channel_id: int, at_seq: int = 0) -> None:
        """Show the chat (at the message ``at_seq``, when one is given)."""
        channel = self.bridge.cache.channel(channel_id)
        if channel is None:
            return
        self.pane.open(channel, at_seq or None)
        if channel.kind == "direct":
            for seen in self.bridge.cache.presence([channel.title]):
                self.pane.show_channel(channel, dialogs.presence_text(seen.state, seen.last_seen))
        self.stack.setCurrentWidget(self.pane)
        self.mute_menu.show_channel(channel.id, channel.muted_until)
        self._show_chat_actions()
        self._select(channel_id)
        self._update_on_screen()
        self.maybe_mark_read()

    def _show_chat_actions(self) -> None:
        """Offer only what makes sense: no chat open, nothing to mute; members are a
        group's."""
        channel = self.pane.channel if self.stack.currentWidget() is self.pane else None
        self.mute_menu.setEnabled(channel is not None)
        self.members_action.setEnabled(channel is not None and channel.kind == "group")

    def _select(self, channel_id: int) -> None:
        row = self.channels.row_of(channel_id)
        if row is None:
            return
        index = self.filtered.mapFromSource(self.channels.index(row))
        self.channel_list.selectionModel().blockSignals(True)
        self.channel_list.setCurrentIndex(index)
        self.channel_list.selectionModel().blockSignals(False)

    def _selected(self, index: QModelIndex) -> None:
        if index.isValid():
            channel: ChannelView = index.data(ChannelRole)
            if self.pane.channel is None or channel.id != self.pane.channel.id:
                self.open_channel(channel.id)

    def reading_now(self) -> bool:
        """Only what is really in front of the user counts as read."""
        return (
            self.pane.channel is not None
            and self.isVisible()
            and self.isActiveWindow()
            and self.stack.currentWidget() is self.pane
            and not self.idle.idle
            and self.pane.is_at_bottom()
        )

    def maybe_mark_read(self) -> None:
        if self.reading_now() and self.pane.channel is not None:
            self.bridge.post(self.bridge.engine.mark_read, self.pane.channel.id)

    def _update_on_screen(self) -> None:
        visible = self.isVisible() and self.isActiveWindow() and not self.idle.idle
        self.policy.on_screen = self.pane.channel.id if visible and self.pane.channel else None

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange:
            self._update_on_screen()
            self.maybe_mark_read()
        super().changeEvent(event)

    def _idle_changed(self, idle: bool) -> None:
        self.bridge.post(self.bridge.engine.set_idle, idle)
        self._update_on_screen()
        self.maybe_mark_read()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_to_tray:
            event.ignore()
            self.hide()
            self._update_on_screen()
        else:
            super().closeEvent(event)

    # --- commands ---------------------------------------------------------------------------

    def new_chat(self) -> None:
        spawn(self._guarded(dialogs.new_chat(self, self.bridge)))

    def new_group(self) -> None:
        spawn(self._guarded(dialogs.new_group(self, self.bridge)))

    def show_members(self) -> None:
        if self.pane.channel is not None and self.pane.channel.kind == "group":
            dialogs.MembersDialog(self, self.bridge, self.pane.channel).open()

    def show_outbox(self) -> None:
        OutboxDialog(self, self.bridge).open()

    def show_devices(self) -> None:
        """The devices are listed, and signed out, in one place: the Settings window's
        Account page."""
        self.settings_requested.emit(tr("Account"), "devicesBox")

    def search(self) -> None:
        """Ctrl+F: search messages, in the panel in place of the chat list."""
        self._find(FindMode.MESSAGES)

    def switch(self) -> None:
        """Ctrl+K: go to a chat by typing part of its name."""
        self._find(FindMode.CHATS)

    def _find(self, mode: FindMode) -> None:
        self.filter_box.hide()
        self.channel_list.hide()
        self.finder.start(mode)

    def _finder_closed(self) -> None:
        self.filter_box.show()
        self.channel_list.show()

    async def _guarded(self, operation) -> None:
        """Open the chat a dialog made (the dialog shows its own refusals, and stays open)."""
        channel_id = await operation
        if channel_id is not None:
            self._refresh_channels()
            self.open_channel(channel_id)
