"""Dialogs: new chat, new group, members, devices."""

import asyncio
import datetime
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.cache.views import ChannelView
from desktop.core.events import EngineState
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.outbox import FirstMessageDialog
from desktop.ui.tasks import spawn
from shared.client import ConnectionClosed
from shared.errors import ProtocolError
from shared.names import normalize_user_name


def presence_text(state: str, last_seen: int | None) -> str:
    if state == "online":
        return tr("online")
    if state == "away":
        return tr("away")
    if last_seen:
        when = datetime.datetime.fromtimestamp(last_seen / 1000).strftime("%Y-%m-%d %H:%M")
        return tr("last seen {when}").format(when=when)
    return tr("offline")


async def finished(dialog: QDialog) -> bool:
    """Show a dialog without a nested event loop and wait for the user's answer."""
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def answered(code: int) -> None:
        if not answer.done():
            answer.set_result(code == QDialog.DialogCode.Accepted)

    dialog.finished.connect(answered)
    dialog.open()
    return await answer


class FormDialog(QDialog):
    """A small form with OK and Cancel."""

    def __init__(self, parent: QWidget, title: str, fields: list[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.edits: list[QLineEdit] = []
        for label, placeholder in fields:
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            form.addRow(label, edit)
            self.edits.append(edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> list[str]:
        return [e.text().strip() for e in self.edits]


def _names(text: str) -> list[str]:
    return [n.strip().lstrip("@") for n in text.replace(";", ",").split(",") if n.strip()]


async def new_chat(parent: QWidget, bridge: EngineBridge) -> int | None:
    """Ask whom to write to; the chat's id, or None if cancelled. Without the server, the
    first message is written anyway and waits in the outbox until the chat can be opened."""
    dialog = FormDialog(parent, tr("New chat"), [(tr("User name"), tr("e.g. alice"))])
    if not await finished(dialog):
        return None
    [user] = dialog.values()
    try:
        user = normalize_user_name(user.lstrip("@"))
    except ValueError as e:
        QMessageBox.warning(parent, tr("Not done"), str(e))
        return None
    known = bridge.cache.direct_with(user)
    if known is not None:
        return known.id
    if bridge.engine.state == EngineState.ONLINE:
        try:
            channel = await bridge.ask(bridge.engine.open_direct, user)
            return channel.id
        except (TimeoutError, ConnectionClosed):
            pass  # the server went away meanwhile: write the first message anyway
    first = FirstMessageDialog(parent, user)
    if await finished(first):
        try:
            await bridge.call(bridge.engine.send_to_user, user, first.text())
        except ValueError as e:
            QMessageBox.warning(parent, tr("Not done"), str(e))
    return None


async def new_group(parent: QWidget, bridge: EngineBridge) -> int | None:
    dialog = FormDialog(
        parent,
        tr("New group"),
        [
            (tr("Name"), tr("e.g. Weekend trip")),
            (tr("Members"), tr("user names, separated by commas")),
        ],
    )
    if not await finished(dialog):
        return None
    name, members = dialog.values()
    channel = await bridge.ask(bridge.engine.create_group, name, _names(members))
    return channel.id


class _ServerDialog(QDialog):
    """A dialog whose buttons talk to the server; errors are shown in place."""

    def __init__(self, parent: QWidget, bridge: EngineBridge, title: str) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setWindowTitle(title)
        self.resize(380, 420)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.list = QListWidget()
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.list, 1)
        self.layout_.addWidget(self.error)

    def run(self, coro) -> None:
        spawn(self._guarded(coro))

    async def _guarded(self, coro) -> None:
        self.error.clear()
        try:
            await coro
        except ProtocolError as e:
            self.error.setText(e.message)
        except ValueError as e:  # refused before asking: a name that cannot be one
            self.error.setText(str(e))
        except (TimeoutError, ConnectionClosed):
            self.error.setText(tr("The server cannot be reached right now."))


class MembersDialog(_ServerDialog):
    def __init__(self, parent: QWidget, bridge: EngineBridge, channel: ChannelView) -> None:
        super().__init__(parent, bridge, tr("Members of {name}").format(name=channel.title))
        self.channel = channel
        presence = {p.user: p for p in bridge.cache.presence(channel.members)}
        for member in channel.members:
            owner = tr(" (owner)") if member == channel.owner else ""
            seen = presence.get(member)
            state = presence_text(seen.state, seen.last_seen) if seen else ""
            item = QListWidgetItem(f"{member}{owner}   {state}".rstrip())
            item.setData(Qt.ItemDataRole.UserRole, member)
            self.list.addItem(item)
        self.add_edit = QLineEdit()
        self.add_edit.setPlaceholderText(tr("Add people: user names, separated by commas"))
        add = QPushButton(tr("Add"))
        add.clicked.connect(self._add)
        remove = QPushButton(tr("Remove selected"))
        remove.setEnabled(channel.owner == bridge.cache.me)
        remove.clicked.connect(self._remove)
        leave = QPushButton(tr("Leave group"))
        leave.clicked.connect(self._leave)
        row = QHBoxLayout()
        row.addWidget(self.add_edit, 1)
        row.addWidget(add)
        self.layout_.addLayout(row)
        actions = QHBoxLayout()
        actions.addWidget(remove)
        actions.addStretch(1)
        actions.addWidget(leave)
        self.layout_.addLayout(actions)

    def _add(self) -> None:
        users = _names(self.add_edit.text())
        if users:
            self.run(self._do(self.bridge.engine.add_members, self.channel.id, users))

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            user = item.data(Qt.ItemDataRole.UserRole)
            self.run(self._do(self.bridge.engine.remove_member, self.channel.id, user))

    def _leave(self) -> None:
        self.run(self._do(self.bridge.engine.leave, self.channel.id))

    async def _do(
        self, operation: Callable[..., Coroutine[Any, Any, ChannelView]], *args: Any
    ) -> None:
        await self.bridge.ask(operation, *args)
        self.accept()


class DevicesDialog(_ServerDialog):
    def __init__(self, parent: QWidget, bridge: EngineBridge) -> None:
        super().__init__(parent, bridge, tr("Your devices"))
        revoke = QPushButton(tr("Sign out selected device"))
        revoke.clicked.connect(self._revoke)
        self.layout_.addWidget(revoke)
        self.run(self._load())

    async def _load(self) -> None:
        devices = await self.bridge.ask(self.bridge.engine.list_devices)
        self.list.clear()
        for device in devices:
            label = device.name + (tr(" (this device)") if device.current else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, (device.id, device.current))
            self.list.addItem(item)

    def _revoke(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        device_id, current = item.data(Qt.ItemDataRole.UserRole)
        if current:
            QMessageBox.information(
                self, tr("Devices"), tr("To sign out this device, use another one.")
            )
            return
        self.run(self._revoke_device(device_id))

    async def _revoke_device(self, device_id: int) -> None:
        await self.bridge.ask(self.bridge.engine.revoke_device, device_id)
        await self._load()
