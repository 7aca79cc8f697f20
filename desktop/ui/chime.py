"""The sound a notification makes where this device wants one (``NotifyPrefs.sound``).

The notification policy runs on the engine's thread; ``ring`` is a signal, so the sound is
made on the GUI thread, where Qt wants it. It is the desktop's alert sound."""

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication


class Chime(QObject):
    ring = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.ring.connect(QApplication.beep)
