"""Who is typing where: shown as the chat's preview in the chat list and in the open chat's
header. Someone stops typing when their message lands, or a few seconds after their last
typing signal."""

import time
from collections.abc import Mapping

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.ui.i18n import tr

TYPING_SHOWN_MS = 5_000  # how long "typing…" stays after the last signal


class TypingTracker(QObject):
    """Emits ``changed`` with the chat whose typists changed."""

    changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._since: dict[int, dict[str, float]] = {}  # chat -> typist -> monotonic time
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expire)

    def typing(self, channel_id: int, user: str) -> None:
        """``user`` is typing in ``channel_id`` (a typing signal arrived)."""
        self._since.setdefault(channel_id, {})[user] = time.monotonic()
        self.changed.emit(channel_id)
        self._schedule()

    def message_from(self, channel_id: int, user: str) -> None:
        """``user``'s message landed in ``channel_id``: they are done typing it."""
        typists = self._since.get(channel_id, {})
        if typists.pop(user, None) is not None:
            if not typists:
                del self._since[channel_id]
            self.changed.emit(channel_id)

    def names(self, channel_id: int) -> list[str]:
        """Who is typing in the chat now, by name."""
        return sorted(self._since.get(channel_id, {}))

    def text(self, channel_id: int, group: bool, shown: Mapping[str, str] | None = None) -> str:
        """What to show: "typing…" in a direct chat, who in a group (by display name where
        ``shown`` has one); empty if nobody."""
        names = self.names(channel_id)
        if not names:
            return ""
        if not group:
            return tr("typing…")
        named = [(shown or {}).get(name) or name for name in names]
        return tr("{names} is typing…").format(names=", ".join(named))

    def _expire(self) -> None:
        cutoff = time.monotonic() - TYPING_SHOWN_MS / 1000
        for channel_id in list(self._since):
            typists = self._since[channel_id]
            gone = [u for u, at in typists.items() if at <= cutoff]
            for user in gone:
                del typists[user]
            if not typists:
                del self._since[channel_id]
            if gone:
                self.changed.emit(channel_id)
        self._schedule()

    def _schedule(self) -> None:
        """Wake when the oldest typing signal shown runs out."""
        oldest = min((at for t in self._since.values() for at in t.values()), default=None)
        if oldest is None:
            self._timer.stop()
            return
        left = oldest + TYPING_SHOWN_MS / 1000 - time.monotonic()
        self._timer.start(max(0, int(left * 1000)) + 1)
