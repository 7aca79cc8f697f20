"""Garbage collection on the GUI thread only.

Python's cyclic collector runs on whichever thread happens to allocate; if it frees a Qt
object there, Qt cannot unregister that object's timers from the GUI thread and later crashes
firing one. So automatic collection is turned off and a timer collects on the GUI thread
instead (qutebrowser does the same, for the same reason)."""

import gc

from PySide6.QtCore import QObject, QTimer

COLLECT_EVERY_MS = 1_000


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._collect)
        self._timer.start(COLLECT_EVERY_MS)

    def _collect(self) -> None:
        # The young generation every tick; older ones by gc's own thresholds.
        counts = gc.get_count()
        threshold = gc.get_threshold()
        if counts[2] > threshold[2]:
            gc.collect(2)
        elif counts[1] > threshold[1]:
            gc.collect(1)
        else:
            gc.collect(0)
