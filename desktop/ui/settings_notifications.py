"""The Notifications page of the settings: do not disturb, its quiet hours
(``QuietHoursBox``) and whether mentions notify in muted chats (the account's, on every
device where the server keeps them), and what this device does when a message notifies
(``NotifyPrefs``: on or off, with the text, with a sound). A page of its own, so a settings
window can take it as it is: ``NotificationsPage(window.dnd, window.policy,
window.prefs_dir)``."""

import asyncio
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.core.notify_policy import NotificationPolicy
from desktop.core.notify_prefs import NotifyPrefs
from desktop.core.quiet import Quiet
from desktop.ui.i18n import tr
from desktop.ui.quiet_hours_box import QuietHoursBox
from desktop.ui.quiet_menu import DndControl, dnd_choices, not_changed
from desktop.ui.tasks import spawn
from shared.client import ConnectionClosed
from shared.errors import ProtocolError


class NotificationsPage(QWidget):
    """Follows ``dnd`` (the window's one source of truth for do not disturb); this device's
    choices go to ``policy`` at once and are saved in ``prefs_dir`` (the profile's
    directory; None: not saved)."""

    def __init__(self, dnd: DndControl, policy: NotificationPolicy, prefs_dir: Path | None) -> None:
        super().__init__()
        self.dnd = dnd
        self.policy = policy
        self.prefs_dir = prefs_dir
        self.setObjectName("notificationsPage")

        self.dnd_status = QLabel()
        self.dnd_choice = QComboBox()
        # Shown while none of the choices is what holds (a time: the line above says it).
        self.dnd_choice.setPlaceholderText(tr("Change…"))
        for key, label in dnd_choices():
            self.dnd_choice.addItem(label, key)
        self.dnd_choice.activated.connect(self._dnd_chosen)
        self.mentions = QCheckBox(tr("Mentions of me notify in muted chats"))
        self.mentions.toggled.connect(self._mentions_toggled)
        self.where = QLabel()  # whether these reach the user's other devices
        self.where.setWordWrap(True)
        self.where.setStyleSheet("color: #6b7280;")
        account = QGroupBox(tr("Do not disturb"))
        box = QVBoxLayout(account)
        for widget in (self.dnd_status, self.dnd_choice, self.mentions, self.where):
            box.addWidget(widget)

        prefs = policy.prefs
        self.enabled = QCheckBox(tr("Show notifications"))
        self.preview = QCheckBox(tr("Show the message's text"))
        self.sound = QCheckBox(tr("Play a sound"))
        device = QGroupBox(tr("On this device"))
        box = QVBoxLayout(device)
        for check, value in (
            (self.enabled, prefs.enabled),
            (self.preview, prefs.preview),
            (self.sound, prefs.sound),
        ):
            check.setChecked(value)
            check.toggled.connect(self._device_changed)
            box.addWidget(check)

        layout = QVBoxLayout(self)
        layout.addWidget(account)
        self.quiet_hours = QuietHoursBox(dnd)
        layout.addWidget(self.quiet_hours)
        layout.addWidget(device)
        layout.addStretch(1)
        dnd.changed.connect(self.show_quiet)
        self.show_quiet(dnd.quiet)
        self._device_changed()

    def show_quiet(self, quiet: Quiet) -> None:
        """Show do not disturb as the window has it now."""
        self.dnd_status.setText(self.dnd.status() or tr("Do not disturb is off"))
        key = self.dnd.choice()
        self.dnd_choice.setCurrentIndex(self.dnd_choice.findData(key) if key else -1)
        self.mentions.blockSignals(True)
        self.mentions.setChecked(quiet.mentions_when_muted)
        self.mentions.blockSignals(False)
        self.where.setText(
            tr("These apply on all your devices.")
            if quiet.on_server
            else tr(
                "Your server does not keep these for your other devices: they apply on "
                "this device only."
            )
        )

    def _dnd_chosen(self, index: int) -> None:
        self.dnd.choose(self.dnd_choice.itemData(index))

    def _mentions_toggled(self, on: bool) -> None:
        spawn(self._set_mentions(on))

    async def _set_mentions(self, on: bool) -> None:
        bridge = self.dnd.bridge
        try:
            quiet = await bridge.ask(bridge.engine.set_mentions_when_muted, on)
        except (ProtocolError, TimeoutError, ConnectionClosed) as e:
            self.show_quiet(self.dnd.quiet)
            not_changed(self, tr("The setting cannot be changed now"), e)
            return
        self.dnd.show(quiet)

    def _device_changed(self) -> None:
        """This device's choices: to the policy at once, and into the profile."""
        prefs = NotifyPrefs(
            enabled=self.enabled.isChecked(),
            preview=self.preview.isChecked(),
            sound=self.sound.isChecked(),
        )
        self.preview.setEnabled(prefs.enabled)
        self.sound.setEnabled(prefs.enabled)
        if prefs != self.policy.prefs:
            self.policy.prefs = prefs
            if self.prefs_dir is not None:  # a file write: not on this thread
                spawn(asyncio.to_thread(prefs.save, self.prefs_dir))
