"""The unread count where the user sees it without the window: drawn on the tray icon, and
in the window's title (which the taskbar and the window switcher show)."""

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from desktop.ui.i18n import tr

ICON_SIZE = 64  # px; the tray scales it down
BADGE_COLOR = QColor("#d93025")


def window_title(me: str, unread: int) -> str:
    """ "Tidings — alice (3)"; without the count when nothing is unread."""
    if unread:
        return tr("Tidings — {user} ({count})").format(user=me, count=unread)
    return tr("Tidings — {user}").format(user=me)


def badge_text(unread: int) -> str:
    """What fits on the icon: the count, 99+ beyond."""
    return str(unread) if unread < 100 else "99+"


def icon_with_count(icon: QIcon, unread: int) -> QIcon:
    """``icon`` with the unread count in a red disc in its top right corner; ``icon``
    itself when nothing is unread."""
    if not unread:
        return icon
    pixmap = icon.pixmap(ICON_SIZE, ICON_SIZE)
    if pixmap.isNull():
        pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
        pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    text = badge_text(unread)
    width = ICON_SIZE * (6 if len(text) > 2 else 5 if len(text) > 1 else 4) // 8
    disc = QRect(ICON_SIZE - width, 0, width, ICON_SIZE // 2)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BADGE_COLOR)
    painter.drawRoundedRect(disc, ICON_SIZE // 4, ICON_SIZE // 4)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(ICON_SIZE * 5 // 16)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QIcon(pixmap)
