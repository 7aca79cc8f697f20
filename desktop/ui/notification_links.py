"""What the user does with a notification, brought into the window: a click opens its chat,
an inline reply goes out like any message, and a desktop without a notification service is
told once, in the status bar, until one appears.

The notifier calls its listener on its own worker thread; ``NotificationLinks`` turns each
call into a Qt signal, which Qt queues to the GUI thread where the window lives.
"""

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QMainWindow

from desktop.platform.notification_backend import Labels
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import spawn

log = logging.getLogger(__name__)


def notification_labels() -> Labels:
    """The notification buttons' words, in the user's language."""
    return Labels(open=tr("Open"), reply=tr("Reply"))


def bring_forward(window: QMainWindow) -> None:
    """Show the window (from the tray, too) and put it in front."""
    window.show()
    window.raise_()
    window.activateWindow()


class NotificationLinks(QObject):
    """The notifier's listener (``NotificationListener``), safe to call from any thread;
    ``attach`` connects it to the window once there is one."""

    opened = Signal(int)  # chat
    replied = Signal(int, str)  # chat, text
    service = Signal(bool)  # whether notifications can be shown

    def __init__(self) -> None:
        super().__init__()
        self.missing = QLabel(tr("Notifications are off: this desktop has no notification service"))
        self.missing.setStyleSheet("color: #b45309;")
        self.missing.hide()
        # Connected now, not in attach: the first notification may fail before the window
        # is made, and a signal nobody is connected to yet is lost.
        # To the label's own slot: Qt ends the connection when the label goes with its window.
        self.service.connect(self.missing.setHidden)

    # --- the listener, called on the notifier's thread -------------------------------------

    def chat_opened(self, chat: int) -> None:
        """Called on the notifier's thread: the user clicked a notification about chat."""
        self.opened.emit(chat)

    def reply_written(self, chat: int, text: str) -> None:
        """Called on the notifier's thread: the user answered a notification about chat."""
        self.replied.emit(chat, text)

    def service_changed(self, available: bool) -> None:
        """Called on the notifier's thread: notifications went away, or came back."""
        self.service.emit(available)

    # --- on the GUI thread -------------------------------------------------------------------

    def attach(self, window: MainWindow, bridge: EngineBridge) -> None:
        """Act on the window: open chats, send replies, say when notifications are off.
        Every connection is to an object the window owns, so Qt ends it with the window
        (a signed-out window goes while the notifier may still report)."""
        window.statusBar().addPermanentWidget(self.missing)
        actions = _WindowActions(window, bridge)
        self.opened.connect(actions.open_chat)
        self.replied.connect(actions.reply)


class _WindowActions(QObject):
    """What a click on or a reply to a notification does in one window; its child."""

    def __init__(self, window: MainWindow, bridge: EngineBridge) -> None:
        super().__init__(window)
        self._window = window
        self._bridge = bridge

    def open_chat(self, chat: int) -> None:
        bring_forward(self._window)
        self._window.open_channel(chat)

    def reply(self, chat: int, text: str) -> None:
        spawn(self._send(chat, text))

    async def _send(self, chat: int, text: str) -> None:
        """Through the outbox, as if typed into the chat; it waits there while offline."""
        bridge = self._bridge
        if not bridge.started:  # the app is shutting down
            return
        try:
            await bridge.call(bridge.engine.send, chat, text)
        except ValueError as e:  # blank or too long (its words never quote the text)
            log.warning("a reply from a notification was not sent: %s", e)
