"""The files this device keeps, on the Storage page: how much space they take of the space
they may (the user chooses it), and clearing them. Through the client core's typed
operations (``files_usage``, ``set_files_budget``, ``clear_files``), run on the engine's
thread; files still to be uploaded are kept whatever the space or a clearing says."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout

from desktop.cache.local_files import FilesUsage
from desktop.core.events import AppEvent, FilesChanged
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs import confirmed
from desktop.ui.i18n import tr
from desktop.ui.settings.notes import note
from desktop.ui.sizes import size_text
from desktop.ui.tasks import spawn

MB = 1000 * 1000
GB = 1000 * MB
BUDGETS = (100 * MB, 250 * MB, 500 * MB, GB, 2 * GB, 5 * GB, 10 * GB, 20 * GB, 50 * GB)


def usage_text(usage: FilesUsage) -> str:
    """ "120 MB of 1 GB", and how much of it waits to be uploaded."""
    text = tr("{used} of {budget}").format(
        used=size_text(usage.used), budget=size_text(usage.budget)
    )
    if usage.pinned:
        text += " · " + tr("{size} still to upload").format(size=size_text(usage.pinned))
    return text


class DownloadsBox(QGroupBox):
    """**Downloaded files**: what they take now, the space they may take, and **Clear
    downloads…**."""

    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__(tr("Downloaded files"))
        self.bridge = bridge
        self.usage_label = QLabel("…")
        self.usage_label.setObjectName("filesUsage")
        self.budget = QComboBox()
        self.budget.setObjectName("filesBudget")
        self.budget.activated.connect(self._budget_chosen)
        self.clear_button = QPushButton(tr("Clear downloads…"))
        self.clear_button.setObjectName("clearDownloads")
        self.clear_button.clicked.connect(lambda: spawn(self._ask_and_clear()))
        explained = note(
            tr(
                "Files you open are kept on this device so that they open at once, offline "
                "too. When they need more than this space, those opened longest ago go first; "
                "they are downloaded again when opened. Files still being sent are always kept."
            )
        )
        form = QFormLayout()
        form.addRow(tr("Kept now"), self.usage_label)
        form.addRow(tr("Space for files"), self.budget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explained)
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignLeft)
        bridge.engine_event.connect(self._on_event)

    def _on_event(self, event: AppEvent) -> None:
        if isinstance(event, FilesChanged) and self.isVisible():
            spawn(self.refresh())

    async def refresh(self) -> None:
        """Show what the files take now (read on the engine's thread)."""
        if self.bridge.started:
            self.show_usage(await self.bridge.call(self.bridge.engine.files_usage))

    def show_usage(self, usage: FilesUsage) -> None:
        self.usage_label.setText(usage_text(usage))
        choices = sorted({*BUDGETS, usage.budget})
        self.budget.blockSignals(True)
        self.budget.clear()
        for budget in choices:
            self.budget.addItem(size_text(budget), budget)
        self.budget.setCurrentIndex(choices.index(usage.budget))
        self.budget.blockSignals(False)

    def _budget_chosen(self, row: int) -> None:
        spawn(self._set_budget(int(self.budget.itemData(row))))

    async def _set_budget(self, budget: int) -> None:
        """Let the files take ``budget`` bytes; those over it go at once."""
        self.show_usage(await self.bridge.call(self.bridge.engine.set_files_budget, budget))

    async def _ask_and_clear(self) -> None:
        accepted = await confirmed(
            self,
            tr("Clear downloaded files?"),
            tr(
                "The files kept on this device are removed from it; each is downloaded again "
                "when you open it. Files still being sent are kept."
            ),
            tr("Clear downloads"),
        )
        if accepted:
            self.show_usage(await self.bridge.call(self.bridge.engine.clear_files))
