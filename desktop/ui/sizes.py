"""Sizes and kinds of files as people read them, in the user's language: "2.4 MB",
"PDF file". Units of 1,000, as GNOME and macOS count them, so a space of "1 GB" is the
round billion bytes a user would type; numbers follow the locale's digits and separators."""

from pathlib import PurePath

from PySide6.QtCore import QLocale

from desktop.ui.i18n import tr

UNIT = 1000
MAX_KIND_CHARS = 8  # a longer extension says nothing a person reads as a kind of file


def size_text(size: int) -> str:
    """``size`` bytes in the largest unit that keeps it at 1 or more, with one decimal
    below 100 of it ("2.4 MB", "120 MB", "1 GB")."""
    units = (tr("bytes"), tr("KB"), tr("MB"), tr("GB"), tr("TB"))
    locale = QLocale()
    value, unit = float(size), 0
    while value >= UNIT and unit < len(units) - 1:
        value, unit = value / UNIT, unit + 1
    if unit == 0:
        number = locale.toString(size)
    else:
        decimals = 1 if value < 100 and round(value, 1) != round(value) else 0
        number = locale.toString(value, "f", decimals)
    return tr("{number} {unit}").format(number=number, unit=units[unit])


def progress_text(done: int, size: int) -> str:
    """How far a transfer got: "1.2 MB of 2.4 MB"."""
    return tr("{done} of {size}").format(done=size_text(done), size=size_text(size))


def kind_text(name: str, mime: str) -> str:
    """What kind of file a name and a type are: "PNG image", "PDF file", or just "File"."""
    extension = PurePath(name).suffix.removeprefix(".")
    if not extension or len(extension) > MAX_KIND_CHARS:
        extension = mime.partition("/")[2] if mime.startswith("image/") else ""
    kind = extension.upper()
    if mime.startswith("image/"):
        return tr("{kind} image").format(kind=kind) if kind else tr("Image")
    return tr("{kind} file").format(kind=kind) if kind else tr("File")
