"""The tray icon: the unread total drawn on it, open, do not disturb, quit."""

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.ui.i18n import tr
from desktop.ui.quiet_menu import DndControl
from desktop.ui.unread_badge import icon_with_count


class Tray(QSystemTrayIcon):
    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(icon, parent)
        self._plain = icon
        self.unread = 0
        menu = QMenu()
        open_action = QAction(tr("Open Tidings"), menu)
        open_action.triggered.connect(self.open_requested)
        self.dnd_menu = QMenu(tr("Do not disturb"), menu)
        self.dnd_menu.setObjectName("trayDnd")
        quit_action = QAction(tr("Quit"), menu)
        quit_action.triggered.connect(self.quit_requested)
        menu.addAction(open_action)
        menu.addMenu(self.dnd_menu)
        menu.addAction(quit_action)
        self._menu = menu
        self.setContextMenu(menu)
        self.activated.connect(self._on_activated)
        self.set_unread(0)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == self.ActivationReason.Trigger:
            self.open_requested.emit()

    def show_do_not_disturb(self, dnd: DndControl) -> None:
        """Offer the window's do not disturb, which the menu then follows."""
        dnd.fill(self.dnd_menu)

    def set_unread(self, total: int) -> None:
        """Show ``total`` on the icon and in its tooltip."""
        if total != self.unread:
            self.unread = total
            self.setIcon(icon_with_count(self._plain, total))
        self.setToolTip(
            tr("Tidings — {count} unread").format(count=total) if total else tr("Tidings")
        )
