"""Dialogs: new chat, new group, members."""

import asyncio
from collections.abc import Coroutine
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
from desktop.core.events import AppEvent, ChannelChanged, EngineState, PeopleChanged
from desktop.core.people import person_label
from desktop.ui import refusals
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.last_seen import last_seen_text
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
        return last_seen_text(last_seen)
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


async def confirmed(parent: QWidget, title: str, text: str, action: str) -> bool:
    """Ask before doing something that cannot be undone: True if the user chose the button
    named ``action`` rather than Cancel. Shown without a nested event loop; the question is
    the parent's child named ``confirmation`` while it is asked."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName("confirmation")
    yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    await finished(box)
    chosen = box.clickedButton() is yes
    box.deleteLater()
    return chosen


class FormDialog(QDialog):
    """A small form with OK and Cancel; each field may say its rules under it, and a
    refusal is shown in the form, which keeps what was typed."""

    def __init__(self, parent: QWidget, title: str, fields: list[tuple[str, str, str]]) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.edits: list[QLineEdit] = []
        for label, placeholder, rules in fields:
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            form.addRow(label, edit)
            if rules:
                form.addRow("", hint(rules))
            self.edits.append(edit)
        self.error = error_label()
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> list[str]:
        return [e.text().strip() for e in self.edits]

    def show_error(self, text: str) -> None:
        self.error.setText(text)


def hint(text: str) -> QLabel:
    """A field's rules, shown under it before the user trips on them."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #6b7280; font-size: 9pt;")
    return label


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setStyleSheet("color: #c62828;")
    label.setWordWrap(True)
    return label


REFUSED = (ProtocolError, ValueError, TimeoutError, ConnectionClosed)


def _names(text: str) -> list[str]:
    return [n.strip().lstrip("@") for n in text.replace(";", ",").split(",") if n.strip()]


async def new_chat(parent: QWidget, bridge: EngineBridge) -> int | None:
    """Ask whom to write to; the chat's id, or None if cancelled. Without the server, the
    first message is written anyway and waits in the outbox until the chat can be opened.
    A refusal is shown in the dialog, which stays open."""
    dialog = FormDialog(
        parent, tr("New chat"), [(tr("User name"), tr("e.g. alice"), refusals.name_rules())]
    )
    while await finished(dialog):
        [user] = dialog.values()
        attempt = refusals.Attempt(refusals.Action.NEW_CHAT, names=(user.lstrip("@"),))
        try:
            return await _open_direct(parent, bridge, normalize_user_name(user.lstrip("@")))
        except REFUSED as e:
            dialog.show_error(refusals.explain(e, attempt))
    return None


async def _open_direct(parent: QWidget, bridge: EngineBridge, user: str) -> int | None:
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
        await bridge.call(bridge.engine.send_to_user, user, first.text())
    return None


async def new_group(parent: QWidget, bridge: EngineBridge) -> int | None:
    """Ask for a group's name and members and create it; its id, or None if cancelled."""
    dialog = FormDialog(
        parent,
        tr("New group"),
        [
            (tr("Name"), tr("e.g. Weekend trip"), ""),
            (tr("Members"), tr("user names, separated by commas"), refusals.name_rules()),
        ],
    )
    while await finished(dialog):
        name, members = dialog.values()
        attempt = refusals.Attempt(
            refusals.Action.NEW_GROUP, names=tuple(_names(members)), group=name
        )
        try:
            channel = await bridge.ask(bridge.engine.create_group, name, _names(members))
            return channel.id
        except REFUSED as e:
            dialog.show_error(refusals.explain(e, attempt))
    return None


class _ServerDialog(QDialog):
    """A dialog whose buttons talk to the server; errors are shown in place."""

    def __init__(self, parent: QWidget, bridge: EngineBridge, title: str) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setWindowTitle(title)
        self.resize(380, 420)
        self.error = error_label()
        self.list = QListWidget()
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.list, 1)
        self.layout_.addWidget(self.error)

    def run(self, coro: Coroutine[Any, Any, None], attempt: refusals.Attempt) -> asyncio.Task:
        return spawn(self._guarded(coro, attempt))

    async def _guarded(self, coro: Coroutine[Any, Any, None], attempt: refusals.Attempt) -> None:
        self.error.clear()
        try:
            await coro
        except REFUSED as e:
            self.error.setText(
                tr("{what}: {why}").format(
                    what=refusals.title(attempt), why=refusals.explain(e, attempt)
                )
            )


class MembersDialog(_ServerDialog):
    """A group's members with their presence; its owner adds and removes people here, and
    the dialog stays open to show the change. While open it follows the group and its
    members' display names as they change (here, on other devices, by other people)."""

    def __init__(self, parent: QWidget, bridge: EngineBridge, channel: ChannelView) -> None:
        super().__init__(parent, bridge, tr("Members of {name}").format(name=channel.title))
        self.add_edit = QLineEdit()
        self.add_edit.setPlaceholderText(tr("Add people: user names, separated by commas"))
        add = QPushButton(tr("Add"))
        add.clicked.connect(self._add)
        self.add_edit.returnPressed.connect(self._add)
        self.remove_button = QPushButton(tr("Remove selected"))
        self.remove_button.clicked.connect(self._remove)
        leave = QPushButton(tr("Leave group"))
        leave.clicked.connect(self._leave)
        row = QHBoxLayout()
        row.addWidget(self.add_edit, 1)
        row.addWidget(add)
        self.layout_.addLayout(row)
        self.layout_.addWidget(hint(refusals.name_rules()))
        actions = QHBoxLayout()
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        actions.addWidget(leave)
        self.layout_.addLayout(actions)
        self.show_members(channel)
        bridge.engine_event.connect(self._on_event)

    def _on_event(self, event: AppEvent) -> None:
        if not self.isVisible():
            return
        if isinstance(event, ChannelChanged) and event.channel.id == self.channel.id:
            self.show_members(event.channel)
        elif isinstance(event, PeopleChanged) and event.users & set(self.channel.members):
            self.show_members(self.channel)

    def show_members(self, channel: ChannelView) -> None:
        """List the group's members as ``channel`` has them."""
        self.channel = channel
        self.setWindowTitle(
            tr("Members of {name}").format(name=channel.title)
            + " — "
            + tr("%n member(s)", "", len(channel.members))
        )
        self.remove_button.setEnabled(channel.owner == self.bridge.cache.me)
        presence = {p.user: p for p in self.bridge.cache.presence(list(channel.members))}
        names = self.bridge.cache.people.all()
        chosen = self.list.currentItem()
        kept = chosen.data(Qt.ItemDataRole.UserRole) if chosen is not None else None
        self.list.clear()
        for member in channel.members:
            owner = tr(" (owner)") if member == channel.owner else ""
            seen = presence.get(member)
            state = presence_text(seen.state, seen.last_seen) if seen else ""
            who = person_label(member, names.get(member, ""))
            item = QListWidgetItem(f"{who}{owner}   {state}".rstrip())
            item.setData(Qt.ItemDataRole.UserRole, member)
            self.list.addItem(item)
            if member == kept:  # the person chosen stays chosen, to be removed
                self.list.setCurrentItem(item)

    def _attempt(self, action: refusals.Action, names: list[str]) -> refusals.Attempt:
        return refusals.Attempt(action, names=tuple(names), me=self.bridge.cache.me)

    def _add(self) -> None:
        users = _names(self.add_edit.text())
        if users:
            attempt = self._attempt(refusals.Action.ADD_MEMBERS, users)
            self.run(self._added(users), attempt)

    async def _added(self, users: list[str]) -> None:
        changed = await self.bridge.ask(self.bridge.engine.add_members, self.channel.id, users)
        self.add_edit.clear()  # kept when refused, to be corrected
        self.show_members(changed)

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            user = item.data(Qt.ItemDataRole.UserRole)
            self.run(self._removed(user), self._attempt(refusals.Action.REMOVE_MEMBER, [user]))

    async def _removed(self, user: str) -> None:
        name = person_label(user, self.bridge.cache.people.display_name(user))
        question = tr(
            "Remove {name} from {group}? They keep what they read so far, but see nothing new."
        ).format(name=name, group=self.channel.title)
        if not await confirmed(
            self, tr("Remove {name}?").format(name=name), question, tr("Remove")
        ):
            return
        changed = await self.bridge.ask(self.bridge.engine.remove_member, self.channel.id, user)
        self.show_members(changed)

    def _leave(self) -> None:
        self.run(self._left(), self._attempt(refusals.Action.LEAVE, []))

    async def _left(self) -> None:
        question = tr("Leave {group}? You keep what you read so far, but see nothing new.").format(
            group=self.channel.title
        )
        if await confirmed(self, tr("Leave the group?"), question, tr("Leave group")):
            await self.bridge.ask(self.bridge.engine.leave, self.channel.id)
            self.accept()
