"""A one-line label that ends its text with "…" when it is narrower than the text.

A plain ``QLabel`` asks for its whole text's width as its minimum, so one long name (a chat's
title, the person a reply answers) would keep the window from getting narrower than it."""

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QToolTip

MIN_WIDTH = 40  # px: room for a letter or two and the "…"


class ElidedLabel(QLabel):
    """Shows as much of its text as fits, then "…"; hovering an elided one shows it all.
    ``text()`` is the whole text."""

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn at the label's width now."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )

    def event(self, event: QEvent) -> bool:
        elided = not self.toolTip() and self.shown_text() != self.text()
        if elided and isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            QToolTip.showText(event.globalPos(), self.text(), self)
            return True
        return super().event(event)
