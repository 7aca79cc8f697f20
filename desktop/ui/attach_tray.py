"""The files attached in the composer before the message goes: one small card each (a
preview of an image, the name, the size) with a button that takes it off again, and a line
saying why a file was not taken. Files come from the Attach button, a drop or a paste;
looking at them (their size, an image's preview) and writing a pasted image to a file happen
off the GUI thread."""

import asyncio
import contextlib
import datetime
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.elided_label import ElidedLabel
from desktop.ui.i18n import tr
from desktop.ui.sizes import size_text
from desktop.ui.tasks import spawn
from shared import limits

PREVIEW = 40  # px of a card's preview
CARD_WIDTH = 190  # px of a card in the composer
PREVIEW_READ_MAX = 50_000_000  # bytes: a larger image shows no preview (it is still attached)


@dataclass(frozen=True)
class PickedFile:
    """A file attached in the composer; ``temporary`` when the app wrote it (a pasted
    image), so it is removed once sent or taken off."""

    path: Path
    size: int
    preview: QImage | None = None
    temporary: bool = False


@dataclass(frozen=True)
class FileRules:
    """What the server takes, as the engine last heard: files at all, and how large."""

    available: bool = False
    max_bytes: int | None = None


class NotAFile(Exception):
    """What was given is a folder or something else that is no file."""


def look_at(path: Path, temporary: bool = False) -> PickedFile:
    """A file's size and, for an image Qt reads, a small preview (off the GUI thread).
    Raises ``NotAFile`` and ``OSError``."""
    size = path.stat().st_size
    if not path.is_file():
        raise NotAFile(str(path))
    preview = None
    if size <= PREVIEW_READ_MAX:
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        if reader.canRead():
            reader.setScaledSize(
                reader.size().scaled(PREVIEW, PREVIEW, Qt.AspectRatioMode.KeepAspectRatio)
            )
            image = reader.read()
            preview = None if image.isNull() else image
    return PickedFile(path, size, preview, temporary)


def write_pasted(image: QImage, folder: Path) -> Path:
    """A pasted image as a PNG file in ``folder``, named for when it was pasted (off the
    GUI thread: encoding a large screenshot takes a moment)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"image-{stamp}.png"
    count = 1
    while path.exists():
        count += 1
        path = folder / f"image-{stamp}-{count}.png"
    if not image.save(str(path)):  # a PNG, as its name says
        raise OSError(f"the pasted image could not be written to {path}")
    return path


class FileCard(QFrame):
    """One attached file; ``removed`` when its button takes it off."""

    removed = Signal()

    def __init__(self, picked: PickedFile) -> None:
        super().__init__()
        self.picked = picked
        self.setObjectName("fileCard")
        self.setStyleSheet("#fileCard { background: #eef0f3; border-radius: 6px; }")
        self.setFixedWidth(CARD_WIDTH)
        preview = QLabel()
        preview.setFixedSize(PREVIEW, PREVIEW)
        preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if picked.preview is not None:
            preview.setPixmap(QPixmap.fromImage(picked.preview))
        else:
            extension = picked.path.suffix.removeprefix(".")[:4].upper()
            preview.setText(extension or "…")
            preview.setStyleSheet(
                "background: #1f6feb; color: white; font-weight: 600; border-radius: 20px;"
            )
        name = ElidedLabel(picked.path.name)
        name.setToolTip(picked.path.name)
        size = QLabel(size_text(picked.size))
        size.setStyleSheet("color: #6b7280;")
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(tr("Remove this file"))
        self.remove_button.setAccessibleName(tr("Remove {name}").format(name=picked.path.name))
        self.remove_button.clicked.connect(self.removed)
        lines = QVBoxLayout()
        lines.setSpacing(0)
        lines.addStretch(1)
        lines.addWidget(name)
        lines.addWidget(size)
        lines.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 2, 4)
        row.addWidget(preview)
        row.addLayout(lines, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)


class AttachTray(QWidget):
    """The files attached so far, in a row that scrolls sideways; hidden while there are
    none. ``changed`` whenever files come or go; ``rules`` says what the server takes."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.rules = FileRules()
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self.cards: list[FileCard] = []
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        inside = QWidget()
        inside.setLayout(self._row)
        self.strip = QScrollArea()
        self.strip.setWidget(inside)
        self.strip.setWidgetResizable(True)
        self.strip.setFrameShape(QFrame.Shape.NoFrame)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setFixedHeight(
            PREVIEW + 8 + self.strip.horizontalScrollBar().sizeHint().height()
        )
        self.note = QLabel()
        self.note.setObjectName("fileNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #c62828;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        layout.addWidget(self.strip)
        layout.addWidget(self.note)
        self._show()

    def sizeHint(self) -> QSize:
        return QSize(CARD_WIDTH, super().sizeHint().height())

    # --- what is attached -----------------------------------------------------------------

    def files(self) -> list[PickedFile]:
        return [card.picked for card in self.cards]

    def take(self) -> list[PickedFile]:
        """The files attached, for a message being sent; the tray is empty afterwards (the
        pasted images' files stay until ``release``)."""
        taken = self.files()
        for card in list(self.cards):
            self._drop(card)
        self._show()
        return taken

    def put_back(self, files: Iterable[PickedFile]) -> None:
        """Files of a message that could not be sent, attached again."""
        for picked in files:
            self._place(picked)
        self._show()

    def release(self, files: Iterable[PickedFile]) -> None:
        """Files that went with a message: the engine took its own copies, so pasted
        images' files go."""
        for picked in files:
            if picked.temporary:
                with contextlib.suppress(OSError):
                    picked.path.unlink()

    # --- adding ---------------------------------------------------------------------------

    def add_paths(self, paths: Iterable[Path]) -> asyncio.Task:
        """Attach these files (looked at off the GUI thread); says why any is not taken."""
        return spawn(self._add([(path, False) for path in paths]))

    def add_image(self, image: QImage) -> asyncio.Task:
        """Attach a pasted image, written to a PNG file of its own first."""
        return spawn(self._add_image(image))

    async def _add_image(self, image: QImage) -> None:
        if not self._can_take(1):
            return
        if self._temporary is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="tidings-pasted-")
        folder = Path(self._temporary.name)
        try:
            path = await asyncio.to_thread(write_pasted, QImage(image), folder)
        except OSError:
            self.say(tr("The pasted image could not be attached: it could not be saved."))
            return
        await self._add([(path, True)])

    async def _add(self, given: list[tuple[Path, bool]]) -> None:
        if not given or not self._can_take(len(given)):
            return
        looked = await asyncio.gather(
            *(asyncio.to_thread(look_at, path, temporary) for path, temporary in given),
            return_exceptions=True,
        )
        problems = []
        for (path, _), found in zip(given, looked, strict=True):
            problem = self._problem(path, found)
            if problem is not None:
                problems.append(problem)
            elif isinstance(found, PickedFile):
                self._place(found)
        self._show()
        self.say(" ".join(problems))

    def _can_take(self, count: int) -> bool:
        """Whether ``count`` more files may be attached; if not, says why."""
        if not self.rules.available:
            self.say(tr("This server does not take files."))
            return False
        if len(self.cards) + count > limits.MAX_ATTACHMENTS_PER_MESSAGE:
            self.say(
                tr("A message carries at most {count} files.").format(
                    count=limits.MAX_ATTACHMENTS_PER_MESSAGE
                )
            )
            return False
        return True

    def _problem(self, path: Path, found: PickedFile | BaseException) -> str | None:
        """Why a file cannot be attached, in words; None when it can."""
        if isinstance(found, NotAFile):
            return tr("{name} is not a file: only files can be attached.").format(name=path.name)
        if isinstance(found, BaseException):
            return tr("{name} cannot be read.").format(name=path.name)
        limit = self.rules.max_bytes
        if limit is not None and found.size > limit:
            return tr("{name} is {size}; this server takes files of up to {limit}.").format(
                name=path.name, size=size_text(found.size), limit=size_text(limit)
            )
        return None

    def say(self, text: str) -> None:
        """Say why something was not attached (empty: nothing to say)."""
        self.note.setText(text)
        self._show()

    # --- the cards ------------------------------------------------------------------------

    def _place(self, picked: PickedFile) -> None:
        card = FileCard(picked)
        card.removed.connect(lambda c=card: self._remove(c))
        self.cards.append(card)
        self._row.insertWidget(self._row.count() - 1, card)

    def _remove(self, card: FileCard) -> None:
        self.release([card.picked])
        self._drop(card)
        self.say("")
        self._show()

    def _drop(self, card: FileCard) -> None:
        self.cards.remove(card)
        self._row.removeWidget(card)
        card.hide()
        card.deleteLater()

    def _show(self) -> None:
        self.strip.setVisible(bool(self.cards))
        self.note.setVisible(bool(self.note.text()))
        self.setVisible(bool(self.cards) or bool(self.note.text()))
        self.changed.emit()
