"""The bar above the composer while a reply or an edit is being written: what is answered
or edited, and a button (or Escape) to stop."""

from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QVBoxLayout

from desktop.cache.views import MessageView
from desktop.ui.elided_label import ElidedLabel
from desktop.ui.file_words import summary
from desktop.ui.i18n import tr


@dataclass(frozen=True)
class ComposeTarget:
    """What the composer's text is for besides a new message: a reply to ``message``, or
    its new text."""

    kind: Literal["reply", "edit"]
    message: MessageView


class ReplyBar(QFrame):
    """Shows a ``ComposeTarget``; ``closed`` when the user stops with its close button."""

    closed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("replyBar")
        self.setStyleSheet(
            "#replyBar { background: #f3f6fb; border-left: 3px solid #1f6feb; border-radius: 4px; }"
        )
        self.title = ElidedLabel()
        self.title.setStyleSheet("color: #1f6feb; font-weight: 600;")
        self.preview = ElidedLabel()
        self.preview.setStyleSheet("color: #6b7280;")
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(tr("Cancel (Esc)"))
        self.close_button.setAccessibleName(tr("Cancel"))
        self.close_button.clicked.connect(self.closed)
        lines = QVBoxLayout()
        lines.setSpacing(0)
        lines.addWidget(self.title)
        lines.addWidget(self.preview)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 4, 4)
        row.addLayout(lines, 1)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_target(self, target: ComposeTarget, me: str) -> None:
        m = target.message
        if target.kind == "edit":
            self.title.setText(tr("Editing your message"))
        elif m.sender == me:
            self.title.setText(tr("Replying to yourself"))
        else:
            self.title.setText(tr("Replying to {sender}").format(sender=m.sender))
        self.preview.setText(summary(m))
        self.show()
