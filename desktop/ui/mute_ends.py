"""When the soonest mute for a time among the listed chats ends, so the chat list can drop
its 🔕 then rather than at its next reload. One timer for all the chats, set again after
every reload of the list."""

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Qt, QTimer

from desktop.cache.views import ChannelView
from desktop.core.quiet import now_ms
from shared.protocol import UNTIL_TURNED_OFF

LONGEST_WAIT = 24 * 60 * 60 * 1000  # ms; a Qt timer takes no more than about 24 days


class MuteEnds(QObject):
    """Calls ``ended()`` once the soonest mute for a time among the chats ``watch`` was
    given has ended."""

    def __init__(self, ended: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # A coarse timer may fire a little early, and the chat would still read as muted.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(ended)

    def watch(self, channels: Iterable[ChannelView]) -> None:
        """Wake up when the soonest of these chats' mutes for a time ends (none: never)."""
        now = now_ms()
        ends = [c.muted_until for c in channels if c.muted and c.muted_until != UNTIL_TURNED_OFF]
        if not ends:
            self._timer.stop()
            return
        # A moment past the end: the cache counts a mute as over once its time has passed.
        self._timer.start(max(0, min(min(ends) - now + 1, LONGEST_WAIT)))
