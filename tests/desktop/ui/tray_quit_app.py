"""The real app, quit from its tray menu by keyboard (Up, then Enter, as a user would).

Run as a program by ``test_tray_quit``: ``python -m tests.desktop.ui.tray_quit_app PROFILE``.
No system tray runs offscreen, so the app is told one is there (its menu is real, only no
tray host shows the icon); and a visible window of the app's own stands in for the icon
Qt draws itself on X11 trays, which is a top-level window too.
"""

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon, QWidget

from desktop.app import run

CHECK_MS = 50


def quit_from_tray(app: QApplication) -> None:
    """Once the window is up, open the tray menu and choose its last entry, Quit."""
    trays = app.findChildren(QSystemTrayIcon)
    windows = [w for w in app.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
    if not trays or not windows:
        QTimer.singleShot(CHECK_MS, lambda: quit_from_tray(app))
        return
    print("window shown", flush=True)
    menu = trays[0].contextMenu()
    menu.popup(windows[0].geometry().center())
    QTest.keyClick(menu, Qt.Key.Key_Up)
    QTest.keyClick(menu, Qt.Key.Key_Return)


def main() -> int:
    QSystemTrayIcon.isSystemTrayAvailable = staticmethod(lambda: True)  # type: ignore[method-assign]
    app = QApplication(sys.argv)
    stand_in = QWidget()
    stand_in.resize(22, 22)
    stand_in.show()
    QTimer.singleShot(0, lambda: quit_from_tray(app))
    return run(Path(sys.argv[1]))


if __name__ == "__main__":
    sys.exit(main())
