"""The tray icon: unread total, open, do not disturb, quit."""

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.ui.i18n import tr


class Tray(QSystemTrayIcon):
    open_requested = Signal()
    quit_requested = Signal()
    do_not_disturb = Signal(bool)

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(icon, parent)
        menu = QMenu()
        open_action = QAction(tr("Open Tidings"), menu)
        open_action.triggered.connect(self.open_requested)
        self.dnd = QAction(tr("Do not disturb"), menu, checkable=True)
        self.dnd.toggled.connect(self.do_not_disturb)
        quit_action = QAction(tr("Quit"), menu)
        quit_action.triggered.connect(self.quit_requested)
        for action in (open_action, self.dnd, quit_action):
            menu.addAction(action)
        self._menu = menu
        self.setContextMenu(menu)
        self.activated.connect(self._on_activated)
        self.set_unread(0)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == self.ActivationReason.Trigger:
            self.open_requested.emit()

    def set_unread(self, total: int) -> None:
        self.setToolTip(
            tr("Tidings — {count} unread").format(count=total) if total else tr("Tidings")
        )
