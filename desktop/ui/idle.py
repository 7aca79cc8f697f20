"""Whether the user is at the computer: no keyboard or mouse input for a while means idle."""

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

IDLE_AFTER = 120.0  # secs without input before the user counts as away
CHECK_EVERY_MS = 5_000
INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.InputMethod,
}


class IdleMonitor(QObject):
    """Watches input to the whole application; says when the user goes idle or returns."""

    changed = Signal(bool)

    def __init__(self, idle_after: float = IDLE_AFTER) -> None:
        super().__init__()
        self.idle_after = idle_after
        self.idle = False
        self._last_input = time.monotonic()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self._timer.start(CHECK_EVERY_MS)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self._last_input = time.monotonic()
            if self.idle:
                self._set(False)
        return False

    def _check(self) -> None:
        if not self.idle and time.monotonic() - self._last_input > self.idle_after:
            self._set(True)

    def _set(self, idle: bool) -> None:
        self.idle = idle
        self.changed.emit(idle)
