"""Where a message's files go in its bubble, above its caption: an image as its thumbnail
(the one the message carries, so nothing is downloaded to show it), scaled to fit; any other
file as a card with its name, size and kind. Each has a round button: the progress of its
transfer, and, while the user's own message waits to go, what cancels it."""

import math
from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QFont, QFontMetricsF

from desktop.cache.views import AttachmentView
from desktop.ui.sizes import kind_text, progress_text, size_text

IMAGE_MAX = QSize(280, 280)  # px a thumbnail is shown at most, within the bubble's width
IMAGE_MIN = 48  # px: a tiny image still gets a target worth clicking
IMAGE_DEFAULT = QSize(240, 180)  # an image whose message does not say its size
FILE_GAP = 4  # px between two files, and between the files and the caption
CARD_PAD = 6  # px inside a file's card
CARD_MIN = 200  # px: the narrowest a file's card gets
ICON = 40  # px of a card's round button
RING = 44  # px of the round button over an image


@dataclass(frozen=True)
class FileSlot:
    """One of a message's files in its bubble: ``rect`` the thumbnail or the card,
    ``button`` its round button (progress, cancel, download)."""

    index: int
    image: bool
    rect: QRect
    button: QRect


def shows_picture(a: AttachmentView) -> bool:
    """An image with a thumbnail shows as a picture; anything else as a card."""
    return a.mime.startswith("image/") and bool(a.thumbnail)


def details(a: AttachmentView) -> str:
    """A card's second line: "2.4 MB · PDF file"."""
    return f"{size_text(a.size)} · {kind_text(a.name, a.mime)}"


def picture_size(a: AttachmentView, widest: int) -> QSize:
    """The image as large as it is, scaled down to fit ``IMAGE_MAX`` and ``widest``."""
    if not a.width or not a.height:
        return IMAGE_DEFAULT.boundedTo(QSize(widest, IMAGE_DEFAULT.height()))
    bound = IMAGE_MAX.boundedTo(QSize(widest, IMAGE_MAX.height()))
    scale = min(1.0, bound.width() / a.width, bound.height() / a.height)
    width = min(bound.width(), max(IMAGE_MIN, round(a.width * scale)))
    return QSize(width, min(bound.height(), max(IMAGE_MIN, round(a.height * scale))))


def card_size(a: AttachmentView, font: QFont, widest: int) -> QSize:
    """Wide enough for the name and the longest second line (a download's progress), so
    the card does not change its width while the file comes down."""
    metrics = QFontMetricsF(font)
    text = max(
        metrics.horizontalAdvance(a.name),
        metrics.horizontalAdvance(details(a)),
        metrics.horizontalAdvance(progress_text(a.size, a.size)),
    )
    width = max(CARD_MIN, ICON + 3 * CARD_PAD + math.ceil(text))
    return QSize(min(widest, width), max(ICON, 2 * math.ceil(metrics.height())) + 2 * CARD_PAD)


def file_sizes(files: tuple[AttachmentView, ...], font: QFont, widest: int) -> list[QSize]:
    return [
        picture_size(a, widest) if shows_picture(a) else card_size(a, font, widest) for a in files
    ]


def place_files(
    files: tuple[AttachmentView, ...], sizes: list[QSize], left: int, top: int
) -> tuple[tuple[FileSlot, ...], int]:
    """The files one under another from (``left``, ``top``); returns them and the y under
    the last one."""
    slots = []
    y = top
    for a, size in zip(files, sizes, strict=True):
        rect = QRect(left, y, size.width(), size.height())
        if shows_picture(a):
            ring = min(RING, size.width() - 8, size.height() - 8)
            button = QRect(0, 0, ring, ring)
            button.moveCenter(rect.center())
        else:
            button = QRect(left + CARD_PAD, y + (size.height() - ICON) // 2, ICON, ICON)
        slots.append(FileSlot(a.index, shows_picture(a), rect, button))
        y += size.height() + FILE_GAP
    return tuple(slots), y
