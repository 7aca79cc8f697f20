"""Account > Sign out (this device): ask first, then tell the server, as far as it can be
reached. Removing what the device kept and showing the sign-in flow is the app's part."""

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from desktop.core.events import EngineState
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs import finished
from desktop.ui.i18n import tr
from shared.client import ConnectionClosed
from shared.errors import ProtocolError
from shared.protocol import Logout

log = logging.getLogger(__name__)

LOGOUT_TIMEOUT = 5.0  # secs the server has to take the sign-out before it is done here only


def add_sign_out_action(menu: QMenu, parent: QWidget, sign_out: Callable[[], object]) -> None:
    """Put Sign out (this device) at the end of the Account menu."""
    menu.addSeparator()
    action = QAction(tr("Sign out of this device…"), parent)
    action.triggered.connect(sign_out)
    menu.addAction(action)


async def confirm_sign_out(parent: QWidget) -> bool:
    """Whether the user really wants this device signed out."""
    question = tr("Sign out of this device?")
    box = QMessageBox(
        QMessageBox.Icon.Question, question, question, QMessageBox.StandardButton.Cancel, parent
    )
    box.setInformativeText(
        tr(
            "The messages, unsent messages and sign-in details this device keeps are "
            "removed from it. Your account and its messages stay on the server and on "
            "your other devices."
        )
    )
    box.addButton(tr("Sign out"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    await finished(box)
    chosen = box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole
    box.deleteLater()
    return chosen


async def tell_server(bridge: EngineBridge) -> bool:
    """Ask the server to revoke this device; False if it could not be reached (offline, or
    it did not answer in time)."""
    if bridge.engine.state != EngineState.ONLINE:
        return False
    try:
        await asyncio.wait_for(bridge.ask(bridge.engine.request, Logout()), LOGOUT_TIMEOUT)
    except (ProtocolError, TimeoutError, ConnectionClosed) as e:
        log.info("the server did not take the sign-out: %s", e)
        return False
    return True


def not_told_text() -> str:
    """What is true of a device signed out while the server could not be reached: the
    server does not drop devices by itself."""
    return tr(
        "The server could not be reached, so this device was signed out here only. It "
        "stays in your account's device list, and counts towards its limit, until you "
        "sign it out from another device (Account > Devices)."
    )
