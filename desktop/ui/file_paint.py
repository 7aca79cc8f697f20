"""Drawing a message's files in its bubble (``desktop/ui/bubble_files.py`` says where):
thumbnails from the bytes the message carries, cards for other files, and the round
buttons that show a transfer's progress (with a cross while the user's own message can still
be cancelled) or that a file is not on this device yet."""

from collections import OrderedDict
from pathlib import PurePath

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap

from desktop.cache.views import AttachmentView, MessageView
from desktop.ui.bubble import ACCENT, MUTED_TEXT, TEXT
from desktop.ui.bubble_files import CARD_PAD, FileSlot, details
from desktop.ui.sizes import progress_text, size_text
from desktop.ui.transfers import Transfer, Transfers

THUMBNAILS_KEPT = 256  # decoded thumbnails kept for painting
CORNER = 8  # px: rounding of a thumbnail's and a card's corners
RING_WIDTH = 3.0  # px of a progress ring
SHADE = QColor(0, 0, 0, 110)  # behind a button drawn over a picture
CARD = QColor(0, 0, 0, 14)
EXTENSION_CHARS = 4  # letters of a file's extension written in its card's button


class Thumbnails:
    """Thumbnails decoded once from the bytes messages carry, by SHA-256 (a few KB each,
    so decoding one while painting is cheap; keeping them makes scrolling cheaper still)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, QPixmap] = OrderedDict()

    def of(self, a: AttachmentView) -> QPixmap:
        found = self._kept.get(a.sha256)
        if found is None:
            found = QPixmap()
            found.loadFromData(a.thumbnail)
            self._kept[a.sha256] = found
            if len(self._kept) > THUMBNAILS_KEPT:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(a.sha256)
        return found


def cancellable(m: MessageView) -> bool:
    """The user's own message still waiting to go, which its buttons cancel."""
    return m.seq is None and m.state == "pending" and bool(m.attachments)


def paint_files(
    painter: QPainter,
    font: QFont,
    m: MessageView,
    slots: tuple[FileSlot, ...],
    transfers: Transfers,
    thumbnails: Thumbnails,
) -> None:
    """Draw the message's files in their slots."""
    for slot in slots:
        a = m.attachments[slot.index]
        transfer = transfers.get(slot.index)
        if transfer is None and cancellable(m):
            transfer = Transfer(0, a.size, up=True)  # waiting for its turn to go up
        if slot.image:
            _picture(painter, font, slot, a, transfer, thumbnails.of(a))
        else:
            _card(painter, font, slot, a, transfer)


def _picture(
    painter: QPainter,
    font: QFont,
    slot: FileSlot,
    a: AttachmentView,
    transfer: Transfer | None,
    pixmap: QPixmap,
) -> None:
    painter.save()
    clip = QPainterPath()
    clip.addRoundedRect(QRectF(slot.rect), CORNER, CORNER)
    painter.setClipPath(clip)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawPixmap(slot.rect, pixmap)
    painter.restore()
    if transfer is not None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SHADE)
        painter.drawEllipse(slot.button)
        _ring(painter, slot.button.adjusted(5, 5, -5, -5), transfer, QColor("white"))
    elif a.path is None:
        _size_pill(painter, font, slot.rect, size_text(a.size))


def _size_pill(painter: QPainter, font: QFont, rect: QRect, text: str) -> None:
    """A picture not on this device yet says how much opening it downloads."""
    small = QFont(font)
    small.setPointSizeF(font.pointSizeF() * 0.85)
    metrics = QFontMetrics(small)
    pill = QRect(rect.left() + 6, rect.top() + 6, metrics.horizontalAdvance(text) + 12,
                 metrics.height() + 4)  # fmt: skip
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(SHADE)
    painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
    painter.setFont(small)
    painter.setPen(QColor("white"))
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
    painter.setFont(font)


def _card(
    painter: QPainter, font: QFont, slot: FileSlot, a: AttachmentView, transfer: Transfer | None
) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(CARD)
    painter.drawRoundedRect(slot.rect, CORNER, CORNER)
    painter.setBrush(ACCENT)
    painter.drawEllipse(slot.button)
    inner = slot.button.adjusted(6, 6, -6, -6)
    if transfer is not None:
        _ring(painter, inner, transfer, QColor("white"))
    elif a.path is None:
        _arrow(painter, inner)
    else:
        _extension(painter, font, slot.button, a.name)
    left = slot.button.right() + 1 + CARD_PAD
    text = QRect(left, slot.rect.top() + CARD_PAD, slot.rect.right() - CARD_PAD - left,
                 slot.rect.height() - 2 * CARD_PAD)  # fmt: skip
    half = text.height() // 2
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    painter.setPen(TEXT)
    name = QFontMetrics(bold).elidedText(a.name, Qt.TextElideMode.ElideMiddle, text.width())
    top_line = QRect(text.left(), text.top(), text.width(), half)
    painter.drawText(top_line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, name)
    painter.setFont(font)
    painter.setPen(MUTED_TEXT)
    below = progress_text(transfer.done, a.size) if transfer is not None else details(a)
    bottom_line = QRect(text.left(), text.top() + half, text.width(), text.height() - half)
    shown = QFontMetrics(font).elidedText(below, Qt.TextElideMode.ElideRight, text.width())
    painter.drawText(bottom_line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, shown)


def _ring(painter: QPainter, rect: QRect, transfer: Transfer, color: QColor) -> None:
    """The progress so far as an arc from the top, clockwise; a cross in it while the
    user's own file goes up (the message can still be cancelled)."""
    painter.save()
    faint = QColor(color)
    faint.setAlpha(70)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(faint, RING_WIDTH))
    painter.drawEllipse(rect)
    painter.setPen(QPen(color, RING_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    span = -round(360 * 16 * max(transfer.fraction, 0.02))
    painter.drawArc(rect, 90 * 16, span)
    if transfer.up:
        painter.setPen(QPen(color, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        arm = rect.width() / 5
        centre = QRectF(rect).center()
        painter.drawLine(centre + QPointF(-arm, -arm), centre + QPointF(arm, arm))
        painter.drawLine(centre + QPointF(-arm, arm), centre + QPointF(arm, -arm))
    painter.restore()


def _arrow(painter: QPainter, rect: QRect) -> None:
    """A downward arrow: the file is not on this device yet; a click downloads it."""
    painter.save()
    painter.setPen(QPen(QColor("white"), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    centre = QRectF(rect).center()
    arm = rect.height() / 3
    tip = centre + QPointF(0, arm)
    painter.drawLine(centre + QPointF(0, -arm), tip)
    painter.drawLine(tip, tip + QPointF(-arm * 0.7, -arm * 0.7))
    painter.drawLine(tip, tip + QPointF(arm * 0.7, -arm * 0.7))
    painter.restore()


def _extension(painter: QPainter, font: QFont, rect: QRect, name: str) -> None:
    """The file is here: its button names its kind by its extension ("PDF")."""
    extension = PurePath(name).suffix.removeprefix(".")[:EXTENSION_CHARS].upper()
    small = QFont(font)
    small.setBold(True)
    small.setPointSizeF(font.pointSizeF() * (0.75 if len(extension) > 3 else 0.85))
    painter.setFont(small)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, extension or "…")
    painter.setFont(font)
