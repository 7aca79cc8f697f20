"""The Server panel, for the person hosting a server in the app: the addresses to give other
computers, the key fingerprint they are asked to check, who is connected now and whether
anyone may create an account."""

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.addresses import reachable_at
from desktop.ui.i18n import tr
from desktop.ui.tasks import spawn

if TYPE_CHECKING:
    from desktop.embedded import EmbeddedServer

log = logging.getLogger(__name__)

REFRESH_MS = 2000  # who is connected is asked again this often while the panel is open


def heading(text: str) -> QLabel:
    """A section title of a panel."""
    label = QLabel(f"<b>{text}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


def selectable(text: str, monospace: bool = False) -> QLabel:
    """A value the user may select and copy (an address, a fingerprint)."""
    label = QLabel(text)
    label.setWordWrap(not monospace)  # a fingerprint is compared whole, on one line
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if monospace:
        label.setStyleSheet("font-family: monospace; font-size: 13px;")
    return label


def note(text: str) -> QLabel:
    """A sentence that explains the value above it."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #4b5563;")
    return label


class ServerPanel(QDialog):
    """Server > Server panel…: what another computer needs to join, and who has."""

    def __init__(self, parent: QWidget | None, server: "EmbeddedServer") -> None:
        super().__init__(parent)
        self.server = server
        self.setWindowTitle(tr("Server panel"))
        self.resize(520, 520)
        hosted = server.hosted
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Address for other computers")))
        self.addresses = selectable("")
        layout.addWidget(self.addresses)
        self.address_note = note("")
        layout.addWidget(self.address_note)
        if hosted is not None:
            self._show_addresses(hosted.endpoint)
        layout.addWidget(heading(tr("Server key fingerprint")))
        self.fingerprint = selectable(hosted.fingerprint if hosted else "", monospace=True)
        layout.addWidget(self.fingerprint)
        layout.addWidget(
            note(
                tr(
                    "The other computer shows a fingerprint when it first connects and asks "
                    "whether to trust it: check that it is this one."
                )
            )
        )
        layout.addWidget(heading(tr("Connected now")))
        self.connected = QListWidget()
        layout.addWidget(self.connected, 1)
        layout.addWidget(heading(tr("Registration")))
        self.registration = note(
            tr("Open: anyone who can reach this server can create an account.")
            if server.registration_open
            else tr("Closed: only existing accounts can sign in.")
        )
        layout.addWidget(self.registration)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._asking = False
        self.refresh()

    def _show_addresses(self, endpoint: str) -> None:
        reachable = reachable_at(endpoint)
        self.addresses.setText("\n".join(reachable.addresses))
        if reachable.local_only:
            self.address_note.setText(
                tr(
                    "Only this computer can connect: “Let other computers on this network "
                    "connect” was off when this server was set up."
                )
            )
        elif not reachable.addresses:
            self.address_note.setText(tr("This computer has no network address right now."))
        else:
            self.address_note.setText(
                tr(
                    "On the other computer, choose “Connect to a server” and type one of "
                    "these (the one on the same network as that computer)."
                )
            )

    def refresh(self) -> None:
        """Ask the server who is connected, off the GUI thread."""
        if not self._asking:
            self._asking = True
            spawn(self._refresh())

    async def _refresh(self) -> None:
        try:
            devices = await asyncio.to_thread(self.server.connected_devices)
        except Exception:  # the server stopping meanwhile: the list stays as it was
            log.info("could not ask the server who is connected", exc_info=True)
            return
        finally:
            self._asking = False
        self.connected.clear()
        for device in devices:
            self.connected.addItem(
                tr("{user} — {device}").format(user=device.user, device=device.device)
            )
        if not devices:
            self.connected.addItem(tr("Nobody is connected."))

    def done(self, result: int) -> None:
        self._timer.stop()
        super().done(result)
