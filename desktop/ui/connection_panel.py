"""Server > Connection…: which server this device uses, the server key it pinned, whether
it is connected, and what this device and this app are called."""

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from desktop.__main__ import app_version
from desktop.core.events import AppEvent, EngineState, StateChanged
from desktop.core.profile import Profile
from desktop.core.progress import last_synced
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.server_panel import note, selectable
from desktop.ui.sync_status import SyncStatus
from shared.keys import fingerprint


class ConnectionPanel(QDialog):
    def __init__(self, parent: QWidget | None, bridge: EngineBridge, profile: Profile) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Connection"))
        self.resize(520, 300)
        form = QFormLayout(self)
        form.addRow(tr("Server"), selectable(profile.server))
        form.addRow(tr("Server key fingerprint"), selectable(fingerprint(profile.server_key), True))
        form.addRow(
            "",
            note(
                tr(
                    "The key this device trusted when it signed in; it refuses a server "
                    "that shows another one."
                )
            ),
        )
        self.state = QLabel()
        self.state.setWordWrap(True)
        form.addRow(tr("Connection"), self.state)
        form.addRow(tr("Signed in as"), selectable(profile.user))
        form.addRow(tr("This device"), selectable(profile.device_name))
        form.addRow(tr("App version"), selectable(app_version()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._reason = bridge.engine.failure
        self._last_synced = last_synced(bridge.cache)
        self.show_state(bridge.engine.state, self._reason)
        bridge.engine_event.connect(self._on_event)

    def show_state(self, state: EngineState, reason: str | None) -> None:
        """The engine's state as the status bar says it, with why it stopped."""
        text = SyncStatus(self._last_synced).describe(state)
        if state == EngineState.FAILED and reason:
            text += " — " + reason
        self.state.setText(text)

    def _on_event(self, event: AppEvent) -> None:
        if isinstance(event, StateChanged):
            # An outbox change repeats the state without the reason it stopped for.
            self._reason = event.reason or self._reason
            self.show_state(event.state, self._reason)
