"""The Server menu: the Server panel where this app hosts the server, and the Connection
panel everywhere."""

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMainWindow

from desktop.core.profile import Profile
from desktop.ui.bridge import EngineBridge
from desktop.ui.connection_panel import ConnectionPanel
from desktop.ui.i18n import tr
from desktop.ui.server_panel import ServerPanel

if TYPE_CHECKING:
    from desktop.embedded import EmbeddedServer


def add_server_menu(
    window: QMainWindow, bridge: EngineBridge, profile: Profile, server: "EmbeddedServer | None"
) -> None:
    """Put the Server menu in ``window``'s menu bar."""
    menu = window.menuBar().addMenu(tr("&Server"))
    if server is not None:
        panel = QAction(tr("Server panel…"), window)
        panel.triggered.connect(lambda: _open(ServerPanel(window, server)))
        menu.addAction(panel)
    connection = QAction(tr("Connection…"), window)
    connection.triggered.connect(lambda: _open(ConnectionPanel(window, bridge, profile)))
    menu.addAction(connection)


def _open(dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
