"""Settings > Account > Display name: the name others are shown for the user, kept on the
server and told to everyone who shares a chat with the user. Blank: none, and others see
the user name."""

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton

from desktop.core.events import AppEvent, EngineState, PeopleChanged, StateChanged
from desktop.core.people import DisplayNamesUnavailable
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.tasks import spawn
from shared import limits
from shared.client import ConnectionClosed
from shared.errors import ProtocolError


def display_name_error(typed: str, error: Exception) -> str:
    """Why a display name was not set, in the user's language."""
    if isinstance(error, ValueError):
        if len(typed.strip()) > limits.MAX_DISPLAY_NAME_CHARS:
            return tr("A display name has at most {count} characters.").format(
                count=limits.MAX_DISPLAY_NAME_CHARS
            )
        return tr("A display name may not contain control characters.")
    if isinstance(error, DisplayNamesUnavailable):
        return tr("This server does not keep display names.")
    if isinstance(error, ProtocolError):
        return error.message
    return tr("The server cannot be reached right now.")


class DisplayNameBox(QGroupBox):
    """The field, its rules, **Save**, and what came of it. The field shows the name as the
    server last said (typing is kept while a change from another device arrives)."""

    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__(tr("Display name"))
        self.bridge = bridge
        self.field = QLineEdit()
        self.field.setObjectName("displayName")
        self.field.setMaxLength(limits.MAX_DISPLAY_NAME_INPUT_CHARS)
        self.field.returnPressed.connect(self.save)
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("saveDisplayName")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setObjectName("displayNameStatus")
        self.status.setWordWrap(True)
        rules = QLabel(
            tr(
                "Shown to everyone who shares a chat with you, instead of your user name. "
                "1 to {count} characters, no control characters; leave it blank to be shown "
                "by your user name. Mentions stay @{user}."
            ).format(count=limits.MAX_DISPLAY_NAME_CHARS, user=bridge.cache.me)
        )
        rules.setWordWrap(True)
        rules.setStyleSheet("color: #6b7280;")
        form = QFormLayout(self)
        form.addRow(tr("Display name"), self.field)
        form.addRow("", self.save_button)
        form.addRow("", self.status)
        form.addRow("", rules)
        bridge.engine_event.connect(self._on_event)
        self.show_state(refill=True)

    def _on_event(self, event: AppEvent) -> None:
        if isinstance(event, StateChanged):
            self.show_state()
        elif isinstance(event, PeopleChanged) and self.bridge.cache.me in event.users:
            self.show_state(refill=not self.field.isModified())

    def show_state(self, refill: bool = False) -> None:
        """Follow the engine: whether the server keeps display names, and the user's."""
        if not self.bridge.started:
            return  # the last state comes after the engine stopped
        engine = self.bridge.engine
        cache = self.bridge.cache
        if refill:
            self.field.setText(cache.people.display_name(cache.me))
            self.field.setModified(False)
        self.field.setPlaceholderText(cache.me)
        available = engine.display_names_available
        self.field.setEnabled(available)
        self.save_button.setEnabled(available)
        if not available:
            online = engine.state == EngineState.ONLINE
            self._say(
                tr("This server does not keep display names.")
                if online
                else tr("This can be changed while the server is reachable.")
            )

    def save(self) -> None:
        spawn(self._save(self.field.text()))

    async def _save(self, typed: str) -> None:
        self.save_button.setEnabled(False)
        self._say(tr("Saving…"))
        try:
            kept = await self.bridge.ask(self.bridge.engine.set_display_name, typed)
        except (
            ValueError,
            DisplayNamesUnavailable,
            ProtocolError,
            TimeoutError,
            ConnectionClosed,
        ) as e:
            self._say(display_name_error(typed, e), error=True)
            return
        finally:
            self.save_button.setEnabled(True)
        self.field.setText(kept)
        self.field.setModified(False)
        self._say(
            tr("Saved. Others now see you as {name}.").format(name=kept)
            if kept
            else tr("Saved. Others now see your user name.")
        )

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #c62828;" if error else "")
        self.status.setText(text)
