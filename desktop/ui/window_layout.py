"""The main window's size, place (maximised or not) and the split between the chat list and
the conversation, kept in the profile (``window.json``) from one run to the next.

It is read once before the window shows and written once as the app quits, so the window
never waits for the disk while it is used. Qt's own encodings (``saveGeometry``, the
splitter's ``saveState``) are kept as they are, in base64: they already know about screens
that have gone since (a window is put back on one that is there)."""

import base64
import binascii
import json
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow, QSplitter

from desktop.core.profile_files import write_json

log = logging.getLogger(__name__)

LAYOUT_FILE = "window.json"


class WindowLayout:
    """Restores and saves the layout of ``window`` and its ``splitter`` in ``profile_dir``."""

    def __init__(self, window: QMainWindow, splitter: QSplitter, profile_dir: Path) -> None:
        self.window = window
        self.splitter = splitter
        self.path = profile_dir / LAYOUT_FILE

    def restore(self) -> bool:
        """Put the window back as it was saved; False (the defaults stay) when nothing was
        saved or what was cannot be read."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            geometry = QByteArray(base64.b64decode(saved["geometry"], validate=True))
            split = QByteArray(base64.b64decode(saved["splitter"], validate=True))
        except FileNotFoundError:
            return False
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as e:
            log.info("window layout not restored: %s", e)
            return False
        return self.window.restoreGeometry(geometry) and self.splitter.restoreState(split)

    def save(self) -> None:
        """Write the window's layout now (atomically: a crash leaves the old one)."""
        layout = {
            "geometry": base64.b64encode(self.window.saveGeometry().data()).decode("ascii"),
            "splitter": base64.b64encode(self.splitter.saveState().data()).decode("ascii"),
        }
        try:
            write_json(self.path, layout)
        except OSError as e:  # a full or read-only disk loses the layout, not the quit
            log.warning("window layout not saved: %s", e)
