"""The Settings window: a list of pages on the left, the chosen page on the right.

Each page is a plain widget; ``add_page`` adds one with a line, so a part of the app that
has settings of its own brings its page without this module knowing it.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from desktop.ui.i18n import tr

SIZE = (800, 600)
LIST_WIDTH = 180


class SettingsWindow(QWidget):
    """One window for every setting, kept while the app runs and shown again on request."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("settingsWindow")
        self.setWindowTitle(tr("Settings"))
        self.resize(*SIZE)
        self.pages = QListWidget()
        self.pages.setObjectName("settingsPages")
        self.pages.setFixedWidth(LIST_WIDTH)
        self.stack = QStackedWidget()
        self.pages.currentRowChanged.connect(self.stack.setCurrentIndex)
        layout = QHBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.stack, 1)

    def add_page(self, title: str, widget: QWidget) -> None:
        """Add a page, listed under ``title`` (already translated) after the others. A
        page taller than the window scrolls."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(widget)
        self.stack.addWidget(scroll)
        self.pages.addItem(title)
        if self.pages.currentRow() < 0:
            self.pages.setCurrentRow(0)

    def show_page(self, title: str = "", part: str = "") -> None:
        """Bring the window forward on the page listed under ``title`` (on the page it
        showed last when none is named), scrolled to its widget named ``part``, if any."""
        for row in range(self.pages.count()):
            if self.pages.item(row).text() == title:
                self.pages.setCurrentRow(row)
        if not self.isVisible():
            self._place()
        self.show()
        self.raise_()
        self.activateWindow()
        scroll = self.stack.currentWidget()
        page = scroll.widget() if isinstance(scroll, QScrollArea) else None
        target = page.findChild(QWidget, part) if part and page is not None else None
        if isinstance(scroll, QScrollArea) and page is not None and target is not None:
            page.adjustSize()  # laid out, so that the part's place is known
            scroll.ensureWidgetVisible(target)

    def _place(self) -> None:
        """Centre the window over its parent (the main window), kept on that screen: some
        window managers (openbox) put a window that asks for no place in a corner, even
        half off the screen."""
        owner = self.parentWidget()
        screen = (owner or self).screen().availableGeometry()
        frame = self.frameGeometry()  # with its title bar, once it was shown
        frame.moveCenter((owner.frameGeometry() if owner else screen).center())
        frame.moveLeft(max(screen.left(), min(frame.left(), screen.right() - frame.width() + 1)))
        frame.moveTop(max(screen.top(), min(frame.top(), screen.bottom() - frame.height() + 1)))
        self.move(frame.topLeft())

    def page(self, title: str) -> QWidget | None:
        """The widget added under ``title``."""
        for row in range(self.pages.count()):
            if self.pages.item(row).text() == title:
                scroll = self.stack.widget(row)
                assert isinstance(scroll, QScrollArea)
                return scroll.widget()
        return None
