"""A draft per chat: what the user left in the composer stays with its chat. Switching chats
swaps the composer's text out and the next chat's back in; the text is kept in the cache
through the engine (``SyncEngine.set_draft``), so it is there after a restart, and the chat
list shows it ("Draft: …")."""

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from desktop.ui.bridge import EngineBridge
from desktop.ui.composer import Composer

SAVE_MS = 600  # a draft is written this long after the user stops typing


class DraftKeeper(QObject):
    """Owns the composer's text across chats. ``is_message`` says whether the composer holds
    a message being written (not a message being edited, whose text is no draft)."""

    def __init__(
        self, bridge: EngineBridge, composer: Composer, is_message: Callable[[], bool]
    ) -> None:
        super().__init__(composer)
        self._bridge = bridge
        self._composer = composer
        self._is_message = is_message
        self._channel: int | None = None
        # Drafts handed to the engine in this session: the cache may not have them yet.
        self._saved: dict[int, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_MS)
        self._timer.timeout.connect(self.save)
        composer.edit.textChanged.connect(self._changed)

    def switch_to(self, channel_id: int) -> None:
        """Keep the open chat's draft and show ``channel_id``'s."""
        self.save()
        self._channel = channel_id
        text = self._saved.get(channel_id)
        if text is None:
            text = self._bridge.cache.drafts.get(channel_id)
        self._composer.load(text)

    def save(self) -> None:
        """Write the open chat's draft now, if it changed (also at quit)."""
        self._timer.stop()
        if self._channel is None or not self._is_message() or not self._bridge.started:
            return
        text = self._composer.edit.toPlainText()
        if self._saved.get(self._channel, self._bridge.cache.drafts.get(self._channel)) != text:
            self._saved[self._channel] = text
            self._bridge.post(self._bridge.engine.set_draft, self._channel, text)

    def _changed(self) -> None:
        if not self._composer.loading:
            self._timer.start()
