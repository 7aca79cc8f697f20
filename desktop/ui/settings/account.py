"""The account: the display name others see, changing the password, and the devices
signed in to it, with new sign-ins marked as they happen; another device is signed out from
that list, after a question. The one place for devices: the Account menu's Devices… opens
it too."""

import datetime
import math
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.events import AppEvent, NewSignIn
from desktop.core.operations import DeviceView, NotOffered
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs import REFUSED, confirmed
from desktop.ui.i18n import tr
from desktop.ui.refusals import Action, Attempt, explain
from desktop.ui.settings.display_name import DisplayNameBox
from desktop.ui.tasks import spawn
from shared import limits
from shared.client import ConnectionClosed
from shared.errors import ErrorCode, ProtocolError


def when(ms: int | None) -> str:
    """A time for the devices list, in local time to the minute."""
    if ms is None:
        return tr("never")
    return datetime.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")


def new_sign_in_text(event: NewSignIn) -> str:
    """What the user is told of another device signing in."""
    return tr("New sign-in: {device} at {time}").format(device=event.name, time=when(event.created))


def alert_new_sign_in(notify: Callable[[str, str], None], event: AppEvent) -> None:
    """Tell the user of another device's sign-in as a desktop notification, whatever the
    chats' notification settings: it is about the account's safety, not a message."""
    if isinstance(event, NewSignIn):
        notify(tr("Tidings"), new_sign_in_text(event))


def password_error(error: Exception) -> str:
    """Why a password change was not made, in the user's language."""
    if isinstance(error, ValueError):
        return tr("The new password needs at least {count} characters.").format(
            count=limits.MIN_PASSWORD_CHARS
        )
    if isinstance(error, NotOffered):
        return tr(
            "This server cannot change passwords. Its administrator can set a new one for you."
        )
    if isinstance(error, ProtocolError) and error.code == ErrorCode.AUTH_FAILED:
        return tr("The current password is wrong.")
    if isinstance(error, ProtocolError) and error.code == ErrorCode.RATE_LIMITED:
        seconds = math.ceil(error.retry_after or 1)
        return tr("Too many attempts. Try again in {seconds} s.").format(seconds=seconds)
    if isinstance(error, ProtocolError):
        return error.message
    return tr("The server cannot be reached right now.")


class AccountPage(QWidget):
    """The password, the account's devices, and signing this device out (``sign_out``, the
    same as the Account menu's)."""

    def __init__(self, bridge: EngineBridge, sign_out: Callable[[], object]) -> None:
        super().__init__()
        self.bridge = bridge
        self.new_sign_ins: set[int] = set()  # devices heard of while the app runs
        self.listed: dict[int, DeviceView] = {}  # the devices shown, by id
        layout = QVBoxLayout(self)
        self.display_name = DisplayNameBox(bridge)
        layout.addWidget(self.display_name)
        layout.addWidget(self._password_box())
        layout.addWidget(self._devices_box(), 1)
        self.sign_out_button = QPushButton(tr("Sign out of this device…"))
        self.sign_out_button.clicked.connect(sign_out)
        layout.addWidget(self.sign_out_button, 0, Qt.AlignmentFlag.AlignLeft)
        bridge.engine_event.connect(self._on_event)

    # --- the password -------------------------------------------------------------------

    def _password_box(self) -> QGroupBox:
        box = QGroupBox(tr("Password"))
        self.current = self._secret("currentPassword")
        self.new = self._secret("newPassword")
        self.repeat = self._secret("repeatPassword")
        self.change_button = QPushButton(tr("Change password"))
        self.change_button.setObjectName("changePassword")
        self.change_button.clicked.connect(self.change_password)
        self.password_status = QLabel()
        self.password_status.setWordWrap(True)
        note = QLabel(
            tr(
                "Your devices stay signed in. Use the new password when you sign in on "
                "another device."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #6b7280;")
        form = QFormLayout(box)
        form.addRow(tr("Current password"), self.current)
        form.addRow(tr("New password"), self.new)
        form.addRow(tr("New password again"), self.repeat)
        form.addRow("", self.change_button)
        form.addRow("", self.password_status)
        form.addRow("", note)
        return box

    def _secret(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setMaxLength(limits.MAX_PASSWORD_CHARS)
        return edit

    def change_password(self) -> None:
        if self.new.text() != self.repeat.text():
            self._say(tr("The new passwords differ."), error=True)
            return
        spawn(self._change(self.current.text(), self.new.text()))

    async def _change(self, current: str, new: str) -> None:
        self.change_button.setEnabled(False)
        self._say(tr("Changing…"))
        try:
            await self.bridge.ask(self.bridge.engine.change_password, current, new)
        except (ValueError, NotOffered, ProtocolError, TimeoutError, ConnectionClosed) as e:
            self._say(password_error(e), error=True)
            return
        finally:
            self.change_button.setEnabled(True)
        for edit in (self.current, self.new, self.repeat):
            edit.clear()
        self._say(tr("Password changed. Your devices stay signed in."))

    def _say(self, text: str, error: bool = False) -> None:
        self.password_status.setStyleSheet("color: #c62828;" if error else "")
        self.password_status.setText(text)

    # --- the devices --------------------------------------------------------------------

    def _devices_box(self) -> QGroupBox:
        box = QGroupBox(tr("Devices"))
        box.setObjectName("devicesBox")
        self.devices = QTreeWidget()
        self.devices.setObjectName("devices")
        self.devices.setRootIsDecorated(False)
        self.devices.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.devices.setHeaderLabels([tr("Device"), tr("Added"), tr("Last seen")])
        header = self.devices.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.devices.itemSelectionChanged.connect(self._show_chosen)
        self.alert = QLabel()
        self.alert.setObjectName("newSignIn")
        self.alert.setWordWrap(True)
        self.alert.setStyleSheet("color: #b45309; font-weight: 600;")
        self.alert.setVisible(False)
        self.devices_error = QLabel()
        self.devices_error.setWordWrap(True)
        self.devices_error.setStyleSheet("color: #c62828;")
        self.revoke_button = QPushButton(tr("Sign out selected device…"))
        self.revoke_button.setObjectName("signOutDevice")
        self.revoke_button.clicked.connect(self.revoke_chosen)
        refresh = QPushButton(tr("Refresh"))
        refresh.clicked.connect(self.load_devices)
        buttons = QHBoxLayout()
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(refresh)
        buttons.addStretch(1)
        layout = QVBoxLayout(box)
        for widget in (self.alert, self.devices, self.devices_error):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self._show_chosen()
        return box

    def showEvent(self, event) -> None:
        self.load_devices()
        super().showEvent(event)

    def load_devices(self) -> None:
        spawn(self._load())

    async def _load(self) -> None:
        try:
            devices = await self.bridge.ask(self.bridge.engine.list_devices)
        except REFUSED as e:
            self.devices_error.setText(explain(e, Attempt(Action.LIST_DEVICES)))
            return
        self.devices_error.clear()
        self.show_devices(devices)

    def show_devices(self, devices: list[DeviceView]) -> None:
        self.devices.clear()
        self.listed = {device.id: device for device in devices}
        for device in devices:
            name = device.name
            if device.current:
                name += tr(" (this device)")
            elif device.id in self.new_sign_ins:
                name += tr(" (new sign-in)")
            row = QTreeWidgetItem([name, when(device.created), when(device.last_seen)])
            row.setData(0, Qt.ItemDataRole.UserRole, device.id)
            if device.current or device.id in self.new_sign_ins:
                font = QFont(row.font(0))
                font.setBold(True)
                row.setFont(0, font)
            self.devices.addTopLevelItem(row)

    def chosen(self) -> DeviceView | None:
        """The device selected in the list, if any."""
        rows = self.devices.selectedItems()
        return self.listed.get(rows[0].data(0, Qt.ItemDataRole.UserRole)) if rows else None

    def _show_chosen(self) -> None:
        """Another device can be signed out from here; this one, with the button below."""
        device = self.chosen()
        self.revoke_button.setEnabled(device is not None and not device.current)
        if device is None:
            tip = tr("Choose a device in the list to sign it out.")
        elif device.current:
            tip = tr("To sign out this device, use Sign out of this device below.")
        else:
            tip = ""
        self.revoke_button.setToolTip(tip)

    def revoke_chosen(self) -> None:
        """Sign the selected device out, once the user confirms it."""
        device = self.chosen()
        if device is not None and not device.current:
            spawn(self._revoke(device))

    async def _revoke(self, device: DeviceView) -> None:
        question = tr(
            "Sign out {device}? It stops receiving messages, and someone using it has to "
            "log in again."
        ).format(device=device.name)
        title = tr("Sign out {device}?").format(device=device.name)
        if not await confirmed(self, title, question, tr("Sign out")):
            return
        try:
            await self.bridge.ask(self.bridge.engine.revoke_device, device.id)
        except REFUSED as e:
            self.devices_error.setText(explain(e, Attempt(Action.REVOKE_DEVICE)))
            return
        self.devices_error.clear()
        await self._load()

    def _on_event(self, event: AppEvent) -> None:
        if isinstance(event, NewSignIn):
            self.new_sign_ins.add(event.device_id)
            self.alert.setText(new_sign_in_text(event))
            self.alert.setVisible(True)
            self.load_devices()
