"""General settings of this device: language, starting minimised, starting at login.

They are this device's own (``desktop.core.preferences``), saved in its profile off the
GUI thread; starting at login writes or removes the autostart entry
(``desktop.platform.autostart``).
"""

import asyncio
import dataclasses
import logging
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.core.preferences import Preferences
from desktop.platform import autostart
from desktop.ui.i18n import tr
from desktop.ui.settings.notes import note
from desktop.ui.tasks import spawn

log = logging.getLogger(__name__)


class GeneralPage(QWidget):
    """``saved`` is emitted with the preferences once they are on disk."""

    saved = Signal(object)

    def __init__(self, profile_dir: Path, preferences: Preferences, tray: bool) -> None:
        super().__init__()
        self.profile_dir = profile_dir
        self.preferences = preferences
        self._writing = asyncio.Lock()
        self.language = QComboBox()
        self.language.setObjectName("language")
        # Each language named in itself, so it can be found whatever is shown now.
        for code, name in (("system", tr("Follow system")), ("en", "English"), ("ko", "한국어")):
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(preferences.language))
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.language_note = note(tr("The new language shows when Tidings starts next."))
        self.language_note.setVisible(False)

        self.start_minimised = QCheckBox(tr("Start minimised to the tray"))
        self.start_minimised.setObjectName("startMinimised")
        self.start_minimised.setChecked(preferences.start_minimised)
        self.start_minimised.toggled.connect(self._minimised_chosen)
        minimised_note = note(
            tr("The window opens when you click the tray icon.")
            if tray
            else tr("This desktop has no tray: the window starts minimised instead.")
        )

        self.start_at_login = QCheckBox(tr("Start Tidings when you log in"))
        self.start_at_login.setObjectName("startAtLogin")
        if autostart.supported():
            self.start_at_login.setChecked(autostart.is_enabled(profile_dir))
            login_note = note(
                tr("Through the entry {path}").format(path=autostart.entry_path(profile_dir))
            )
        else:
            self.start_at_login.setEnabled(False)
            login_note = note(tr("Starting at login is not supported on this system yet."))
        self.start_at_login.toggled.connect(self._login_chosen)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")

        form = QFormLayout()
        form.addRow(tr("Language"), self.language)
        form.addRow("", self.language_note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(12)
        for widget in (self.start_minimised, minimised_note, self.start_at_login, login_note):
            layout.addWidget(widget)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _language_chosen(self) -> None:
        self.language_note.setVisible(True)
        self._save(language=self.language.currentData())

    def _minimised_chosen(self, on: bool) -> None:
        self._save(start_minimised=on)

    def _login_chosen(self, on: bool) -> None:
        spawn(self._set_autostart(on))

    async def _set_autostart(self, on: bool) -> None:
        self.error.clear()
        try:
            await asyncio.to_thread(autostart.set_enabled, self.profile_dir, on)
        except OSError as e:
            log.warning("could not change the autostart entry: %s", e)
            self.error.setText(tr("Not done: {reason}").format(reason=e.strerror or str(e)))
            self.start_at_login.blockSignals(True)
            self.start_at_login.setChecked(not on)
            self.start_at_login.blockSignals(False)
            return
        self._save(start_at_login=on)

    def _save(self, **changes: object) -> None:
        self.preferences = dataclasses.replace(self.preferences, **changes)  # type: ignore[arg-type]
        spawn(self._write())

    async def _write(self) -> None:
        # One write at a time, each of the newest choices: writes cannot land out of order.
        async with self._writing:
            preferences = self.preferences
            try:
                await asyncio.to_thread(preferences.save, self.profile_dir)
            except OSError as e:
                self.error.setText(tr("Not saved: {reason}").format(reason=e.strerror or str(e)))
                return
        self.saved.emit(preferences)
