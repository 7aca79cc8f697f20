"""What the app shows while it quits and the server it hosts finishes storing."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.ui.i18n import tr

NOTE_AFTER = 0.3  # secs of stopping before the note shows: a quick quit shows nothing


class FinishingNote(QWidget):
    """A small window saying the app is busy quitting, so that it does not look frozen."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle(tr("Tidings"))
        label = QLabel(tr("Finishing storing messages…"))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.addWidget(label)
