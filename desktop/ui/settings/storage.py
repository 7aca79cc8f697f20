"""Storage: where this device keeps its cache of the account's chats, how big it is, and
clearing it, then the files it keeps (``desktop/ui/settings/downloads.py``). Clearing goes
through the client core (``SyncEngine.clear_cache``); messages not sent yet stay, and the
app fetches again what it needs."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs import confirmed
from desktop.ui.i18n import tr
from desktop.ui.settings.downloads import DownloadsBox
from desktop.ui.settings.notes import note
from desktop.ui.sizes import size_text
from desktop.ui.tasks import spawn


class StoragePage(QWidget):
    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__()
        self.bridge = bridge
        self.location = QLabel(str(bridge.cache.path))
        self.location.setObjectName("cacheLocation")
        self.location.setWordWrap(True)
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.size_label = QLabel("…")
        self.size_label.setObjectName("cacheSize")
        self.clear_button = QPushButton(tr("Clear cache…"))
        self.clear_button.setObjectName("clearCache")
        self.clear_button.clicked.connect(self.ask_to_clear)
        explained = note(
            tr(
                "The cache keeps your chats on this device, so that they open at once and "
                "can be read offline. Clearing it removes them from this device only: "
                "messages you have not sent yet are kept, and Tidings fetches the chats "
                "again from the server."
            )
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.downloads = DownloadsBox(bridge)
        form = QFormLayout()
        form.addRow(tr("Location"), self.location)
        form.addRow(tr("Size"), self.size_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explained)
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addWidget(self.downloads)
        layout.addStretch(1)

    def showEvent(self, event) -> None:
        spawn(self.refresh())
        super().showEvent(event)

    async def refresh(self) -> None:
        """Show the cache's size now (read on the engine's thread: the GUI never waits
        on the disk)."""
        if self.bridge.started:
            size = await self.bridge.call(self.bridge.cache.files_size)
            self.size_label.setText(size_text(size))
            await self.downloads.refresh()

    def ask_to_clear(self) -> None:
        spawn(self._ask_and_clear())

    async def _ask_and_clear(self) -> None:
        accepted = await confirmed(
            self,
            tr("Clear the cache?"),
            tr(
                "Your chats are removed from this device and fetched again from the "
                "server. Messages you have not sent yet are kept."
            ),
            tr("Clear cache"),
        )
        if not accepted:
            return
        self.clear_button.setEnabled(False)
        self.status.setText(tr("Clearing…"))
        try:
            await self.bridge.ask(self.bridge.engine.clear_cache)
        finally:
            self.clear_button.setEnabled(True)
        self.status.setText(tr("Cleared. Your chats are being fetched again."))
        await self.refresh()
