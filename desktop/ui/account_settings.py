"""The account's settings the window offers, kept on the server for all of the user's
devices: for now, whether others see when the user read their messages."""

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core.receipts import ReceiptsUnavailable
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.refusals import Action, Attempt, explain, title
from desktop.ui.tasks import spawn
from shared.client import ConnectionClosed
from shared.errors import ProtocolError


class ReadReceiptsAction(QAction):
    """**Send read receipts**, checked as the server last said. Greyed out while the server
    keeps no receipts (or has not been reached); a change the server does not take is
    shown and undone."""

    def __init__(self, parent: QWidget, bridge: EngineBridge) -> None:
        super().__init__(tr("Send read receipts"), parent)
        self.bridge = bridge
        self.window = parent
        self.setCheckable(True)
        self.setObjectName("readReceipts")
        self.toggled.connect(self._toggled)
        self.show_state()

    def show_state(self) -> None:
        """Follow the engine: whether the server keeps receipts, and the account's setting."""
        if not self.bridge.started:
            return  # the last state comes after the engine stopped
        engine = self.bridge.engine
        settings = engine.settings
        self.setEnabled(engine.receipts_available)
        self.blockSignals(True)
        self.setChecked(settings.read_receipts if settings is not None else True)
        self.blockSignals(False)

    def _toggled(self, on: bool) -> None:
        spawn(self._change(on))

    async def _change(self, on: bool) -> None:
        try:
            await self.bridge.ask(self.bridge.engine.set_read_receipts, on)
        except (ReceiptsUnavailable, ProtocolError, TimeoutError, ConnectionClosed) as e:
            self.show_state()  # back to what the server has
            attempt = Attempt(Action.READ_RECEIPTS)
            reason = explain(e, attempt)
            box = QMessageBox(QMessageBox.Icon.Warning, title(attempt), reason, parent=self.window)
            box.open()
