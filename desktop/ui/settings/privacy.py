"""Privacy settings of the account, kept on the server for all of the user's devices: for
now, whether others see when the user read their messages."""

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from desktop.core.events import AppEvent, EngineState, SettingsChanged, StateChanged
from desktop.core.receipts import ReceiptsUnavailable
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.refusals import Action, Attempt, explain, title
from desktop.ui.tasks import spawn
from shared.client import ConnectionClosed
from shared.errors import ProtocolError


class PrivacyPage(QWidget):
    """**Send read receipts**, checked as the server last said. Greyed out while the server
    keeps no receipts (or has not been reached); a change the server does not take is
    shown and undone."""

    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__()
        self.bridge = bridge
        self.read_receipts = QCheckBox(tr("Send read receipts"))
        self.read_receipts.setObjectName("readReceipts")
        self.read_receipts.toggled.connect(self._toggled)
        note = QLabel(
            tr(
                "When this is off, others see that their messages reached you, not that you "
                "read them. It applies on all your devices."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #6b7280;")
        self.unavailable = QLabel()
        self.unavailable.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        layout = QVBoxLayout(self)
        for widget in (self.read_receipts, note, self.unavailable, self.error):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._state = bridge.engine.state
        bridge.engine_event.connect(self._on_event)
        self.show_state()

    def _on_event(self, event: AppEvent) -> None:
        # Not at every change of the outbox, which says the state again: the setting is
        # read from the cache, and a message sent changes the outbox twice.
        if isinstance(event, StateChanged) and event.state != self._state:
            self._state = event.state
            self.show_state()
        elif isinstance(event, SettingsChanged):
            self.show_state()

    def show_state(self) -> None:
        """Follow the engine: whether the server keeps receipts, and the account's setting."""
        if not self.bridge.started:
            return  # the last state comes after the engine stopped
        engine = self.bridge.engine
        settings = engine.settings
        available = engine.receipts_available
        self.read_receipts.setEnabled(available)
        if available:
            self.unavailable.clear()
        elif engine.state == EngineState.ONLINE:
            self.unavailable.setText(tr("This server does not keep read receipts."))
        else:
            self.unavailable.setText(tr("This can be changed while the server is reachable."))
        self.read_receipts.blockSignals(True)
        self.read_receipts.setChecked(settings.read_receipts if settings is not None else True)
        self.read_receipts.blockSignals(False)

    def _toggled(self, on: bool) -> None:
        spawn(self._change(on))

    async def _change(self, on: bool) -> None:
        self.error.clear()
        try:
            await self.bridge.ask(self.bridge.engine.set_read_receipts, on)
        except (ReceiptsUnavailable, ProtocolError, TimeoutError, ConnectionClosed) as e:
            self.show_state()  # back to what the server has
            attempt = Attempt(Action.READ_RECEIPTS)
            self.error.setText(f"{title(attempt)}: {explain(e, attempt)}")
