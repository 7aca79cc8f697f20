"""A window showing an image attached to a message at full size: scaled down to fit the
window as the user resizes it (never blown up past its own size), on a dark background;
Escape closes it. The image is decoded off the GUI thread (a photo of 50 megapixels takes a
moment); Qt's reader refuses images that would need more memory than its allocation limit,
and the window then says it cannot show it."""

import asyncio
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QImageReader, QKeyEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QWidget

from desktop.ui.i18n import tr

BACKGROUND = QColor("#1e1f22")
SCREEN_SHARE = 0.8  # of the screen the window may take when it opens
MIN_SIDE = 240  # px: the smallest the window opens at


def read_image(path: Path) -> QImage:
    """The image at ``path``, turned upright as its EXIF says (off the GUI thread); a
    null image when Qt cannot read it."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    return reader.read()


class ImageViewer(QWidget):
    """One image in a window of its own, titled with the file's name."""

    def __init__(self, parent: QWidget | None, name: str) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(name)
        self.setMinimumSize(MIN_SIDE // 2, MIN_SIDE // 2)
        self.pixmap: QPixmap | None = None
        self.status = tr("Opening…")

    async def load(self, path: Path) -> None:
        """Read the image, then size the window to it (within the screen) and show it."""
        image = await asyncio.to_thread(read_image, path)
        if image.isNull():
            self.status = tr("This image cannot be shown: Tidings cannot read it.")
        else:
            self.pixmap = QPixmap.fromImage(image)
            self.status = ""
            self._fit_to(self.pixmap.size())
        self.update()

    def _fit_to(self, size: QSize) -> None:
        screen = self.screen().availableGeometry()
        room = QSize(int(screen.width() * SCREEN_SHARE), int(screen.height() * SCREEN_SHARE))
        fits = size.width() <= room.width() and size.height() <= room.height()
        wanted = size if fits else size.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
        self.resize(wanted.expandedTo(QSize(MIN_SIDE, MIN_SIDE)))
        frame = self.frameGeometry()
        frame.moveCenter(screen.center())
        self.move(frame.topLeft())

    def shown_rect(self) -> QRect:
        """Where the image is drawn: as large as fits, never larger than it is, centred."""
        if self.pixmap is None:
            return QRect()
        size = self.pixmap.size()
        if size.width() > self.width() or size.height() > self.height():
            size = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(self.rect().center())
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.pixmap is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(self.shown_rect(), self.pixmap)
        else:
            painter.setPen(QColor("white"))
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.status
            )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)
