"""What the user does with a notification, brought into the window: a click opens its chat
(in front, with the activation token that came with the click), an inline reply goes out
like any message and marks the chat read up to the message it answers, a reply refused here
(blank, too long) is said in the status bar and in a notification, and a desktop without a
notification service is told once, in the status bar, until one appears.

The notifier calls its listener on its own worker thread; ``NotificationLinks`` turns each
call into a Qt signal, which Qt queues to the GUI thread where the window lives."""

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from desktop.core.notify_reply import reply_from_notification
from desktop.platform.notification_backend import Labels
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import spawn
from desktop.ui.window_activation import bring_forward
from shared import limits
from shared.text import is_blank

log = logging.getLogger(__name__)
REFUSAL_SHOWN_MS = 15_000  # how long the status bar says a reply was not sent
Notify = Callable[[str, str, int], None]  # title, body, chat: ``Notifier.notify``


def notification_labels() -> Labels:
    """The notification buttons' words, in the user's language."""
    return Labels(open=tr("Open"), reply=tr("Reply"), send=tr("Send"))


class NotificationLinks(QObject):
    """The notifier's listener (``NotificationListener``), safe to call from any thread;
    ``attach`` connects it to the window once there is one."""

    opened = Signal(int, str)  # chat, activation token ("" for none)
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

    def chat_opened(self, chat: int, activation: str | None = None) -> None:
        """Called on the notifier's thread: the user clicked a notification about chat."""
        self.opened.emit(chat, activation or "")

    def reply_written(self, chat: int, text: str) -> None:
        """Called on the notifier's thread: the user answered a notification about chat."""
        self.replied.emit(chat, text)

    def service_changed(self, available: bool) -> None:
        """Called on the notifier's thread: notifications went away, or came back."""
        self.service.emit(available)

    # --- on the GUI thread -------------------------------------------------------------------

    def attach(
        self, window: MainWindow, bridge: EngineBridge, notify: Notify | None = None
    ) -> None:
        """Act on the window: open chats, send replies, say when notifications are off;
        ``notify`` tells of a reply that was not sent where the user wrote it. Every
        connection is to an object the window owns, so Qt ends it with the window (a
        signed-out window goes while the notifier may still report)."""
        window.statusBar().addPermanentWidget(self.missing)
        actions = _WindowActions(window, bridge, notify)
        self.opened.connect(actions.open_chat)
        self.replied.connect(actions.reply)


class _WindowActions(QObject):
    """What a click on or a reply to a notification does in one window; its child."""

    def __init__(self, window: MainWindow, bridge: EngineBridge, notify: Notify | None) -> None:
        super().__init__(window)
        self._window = window
        self._bridge = bridge
        self._notify = notify

    def open_chat(self, chat: int, activation: str) -> None:
        bring_forward(self._window, activation or None)
        self._window.open_channel(chat)

    def reply(self, chat: int, text: str) -> None:
        spawn(self._send(chat, text))

    async def _send(self, chat: int, text: str) -> None:
        """Through the outbox, as if typed into the chat; it waits there while offline."""
        bridge = self._bridge
        if not bridge.started:  # the app is shutting down
            return
        policy = self._window.policy
        try:
            await bridge.call(reply_from_notification, bridge.engine, policy, chat, text)
        except ValueError:  # blank or too long
            await self._refused(chat, text)

    async def _refused(self, chat: int, text: str) -> None:
        """Say why the reply was not sent, in the window and where the user wrote it; a
        long one is kept as the chat's draft (unless it has one), to be shortened."""
        blank = is_blank(text)
        log.info("a reply from a notification was refused here (%s)", "blank" if blank else "long")
        channel = self._bridge.cache.channel(chat)
        name = channel.shown_title if channel is not None else "?"
        if blank:
            why = tr("Your reply to {chat} was not sent: it was empty.")
        else:
            why = tr(
                "Your reply to {chat} was not sent: a message holds at most {limit} characters."
            )
        said = why.format(chat=name, limit=f"{limits.MAX_TEXT_CHARS:,}")
        if not blank and not self._bridge.cache.drafts.get(chat):
            await self._bridge.call(self._bridge.engine.set_draft, chat, text)
            said += " " + tr("It is kept as the chat's draft.")
        self._window.statusBar().showMessage(said, REFUSAL_SHOWN_MS)
        if self._notify is not None:
            self._notify(tr("Reply not sent"), said, chat)
