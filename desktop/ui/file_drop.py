"""What a drop or a paste brings as files to attach: files from a file manager (their
``file:`` URLs), or an image (a screenshot, "Copy image" in a browser)."""

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage


def local_files(mime: QMimeData) -> list[Path]:
    """The files on this computer that ``mime`` names; a link to the web is text, not a
    file."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def pasted_image(mime: QMimeData) -> QImage | None:
    """The image ``mime`` holds, unless it also holds plain text: cells copied from a
    spreadsheet come as both, and are meant as text."""
    if not mime.hasImage() or mime.hasText():
        return None
    image = mime.imageData()
    return image if isinstance(image, QImage) and not image.isNull() else None


def brings_files(mime: QMimeData) -> bool:
    """Whether a drop or a paste of ``mime`` would attach something."""
    return bool(local_files(mime)) or pasted_image(mime) is not None
