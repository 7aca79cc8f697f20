"""Receipt marks on the user's own messages: a clock while sending, one tick once the server
stored it, two once every other member's device has it, two coloured ones once read; drawn
rather than typed, so they look the same in every font."""

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen

from desktop.cache.receipts import MessageReceipt
from desktop.cache.views import MessageView
from desktop.ui.bubble import ACCENT, MUTED_TEXT
from desktop.ui.i18n import tr

TICK_SHIFT = 5.5  # px between the two ticks


def mark_for(m: MessageView, receipt: MessageReceipt | None) -> MessageReceipt | None:
    """The mark of one of the user's messages as shown (``receipt`` as the cache tells, if
    read): None for a refused or deleted one."""
    if m.state == "failed" or m.deleted or m.unknown:
        return None
    if m.state == "pending":
        return MessageReceipt("sending")
    return receipt if receipt is not None else MessageReceipt("sent")


def describe(mark: MessageReceipt, group: bool, shown: Callable[[str], str] = str) -> str:
    """The mark in words, for its tooltip: in a group, who of how many read it, each as
    ``shown`` names them (their display name)."""
    words = {
        "sending": tr("Sending…"),
        "sent": tr("Sent"),
        "delivered": tr("Delivered"),
        "read": tr("Read"),
        "failed": tr("not sent"),
    }[mark.state]
    if not group or not mark.others or mark.state == "sending":
        return words
    read = tr("Read by {count} of {total}").format(count=len(mark.read_by), total=mark.others)
    if mark.read_by:
        read += "\n" + ", ".join(shown(user) for user in mark.read_by)
    return read if mark.state == "read" else f"{words} · {read}"


def paint_mark(painter: QPainter, rect: QRect, mark: MessageReceipt) -> None:
    """Draw ``mark`` centred vertically at the right of ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = ACCENT if mark.state == "read" else MUTED_TEXT
    pen = QPen(color, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    mid = rect.center().y() + 0.5
    right = rect.right() - 1.0
    if mark.state == "sending":
        centre = QPointF(right - 6, mid)
        painter.drawEllipse(centre, 5.0, 5.0)
        painter.drawLine(centre, centre + QPointF(0, -3.2))
        painter.drawLine(centre, centre + QPointF(2.4, 0))
    else:
        ticks = 1 if mark.state == "sent" else 2
        for n in range(ticks):
            painter.drawPath(_tick(right - 10 - TICK_SHIFT * (ticks - 1 - n), mid))
    painter.restore()


def _tick(left: float, mid: float) -> QPainterPath:
    path = QPainterPath(QPointF(left, mid))
    path.lineTo(left + 3.5, mid + 3.5)
    path.lineTo(left + 10, mid - 4)
    return path
