"""The first start: host a server here or connect to one, then create an account or log in."""

import socket
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.profile import Profile
from desktop.ui.dialogs import error_label, hint
from desktop.ui.i18n import tr
from desktop.ui.refusals import (
    Action,
    Attempt,
    name_rules,
    password_problem,
    password_rules,
    user_name_problem,
)
from shared.endpoints import DEFAULT_PORT, server_endpoints


@dataclass(frozen=True)
class FirstRunChoice:
    host_here: bool  # start a server inside the app
    lan: bool  # ... reachable from other computers on the network
    server: str  # the server to connect to, when not hosting
    create_account: bool
    user: str
    password: str
    device: str
    port: int = DEFAULT_PORT  # where a server hosted here listens
    other_nodes: tuple[str, ...] = ()  # further endpoints of a server of several nodes


class FirstRunDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Welcome to Tidings"))
        intro = QLabel(tr("Tidings keeps your chats on a server you run yourself."))
        intro.setWordWrap(True)
        self.host = QRadioButton(tr("Host a server on this computer"))
        self.host.setChecked(True)
        self.lan = QCheckBox(tr("Let other computers on this network connect"))
        self.port = QSpinBox()
        self.port.setRange(1, 65534)  # the key service takes the port after it
        self.port.setValue(DEFAULT_PORT)
        port_row = QFormLayout()
        port_row.addRow(tr("Port"), self.port)
        self.connect_to = QRadioButton(tr("Connect to a server"))
        self.address = QLineEdit()
        self.address.setPlaceholderText(tr("chat.example.org or chat.example.org:7744"))
        self.address_hint = hint(
            tr(
                "A host name or address, with :port if it is not {port}. For a server of "
                "several nodes, their addresses separated by commas."
            ).format(port=DEFAULT_PORT)
        )
        where = QButtonGroup(self)
        where.addButton(self.host)
        where.addButton(self.connect_to)
        self.create_account = QRadioButton(tr("Create an account"))
        self.create_account.setChecked(True)
        self.log_in = QRadioButton(tr("Log in to an existing account"))
        how = QButtonGroup(self)
        how.addButton(self.create_account)
        how.addButton(self.log_in)
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.device = QLineEdit(socket.gethostname())
        self.error = error_label()
        form = QFormLayout()
        form.addRow(tr("User name"), self.user)
        form.addRow("", hint(name_rules()))
        form.addRow(tr("Password"), self.password)
        self.password_hint = hint(password_rules())
        form.addRow("", self.password_hint)
        form.addRow(tr("This device"), self.device)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.host)
        layout.addWidget(self.lan)
        layout.addLayout(port_row)
        for widget in (
            self.connect_to,
            self.address,
            self.address_hint,
            self.create_account,
            self.log_in,
        ):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.host.toggled.connect(self._sync_enabled)
        self.host.toggled.connect(self._focus_address_if_connecting)
        self.create_account.toggled.connect(self._sync_enabled)
        self._sync_enabled()
        self.user.setFocus()  # the first field to type in (the address waits for its choice)

    def sign_in_again(self, profile: Profile, hosted_here: bool) -> None:
        """Fill in what this device was signed in with (``profile``), to log in again:
        the server (unless it is the one this app hosts, which "Host a server" uses), the
        user name and the device's name; the password is what is left to type. Without
        this the dialog would offer to create an account on a new server of this
        computer's, which a user who only wants back in could accept by mistake."""
        if not hosted_here:
            self.connect_to.setChecked(True)
            self.address.setText(", ".join(e.removeprefix("tcp://") for e in profile.endpoints))
        self.log_in.setChecked(True)
        self.user.setText(profile.user)
        self.device.setText(profile.device_name)
        self.password.setFocus()

    def _sync_enabled(self) -> None:
        self.lan.setEnabled(self.host.isChecked())
        self.port.setEnabled(self.host.isChecked())
        self.address.setEnabled(not self.host.isChecked())
        self.address_hint.setEnabled(not self.host.isChecked())
        self.password_hint.setVisible(self.create_account.isChecked())

    def _focus_address_if_connecting(self) -> None:
        if self.connect_to.isChecked():
            self.address.setFocus()  # chosen to connect: the address is what comes next

    def _check(self) -> None:
        """Say what is wrong before asking the server; the dialog keeps what was typed."""
        new = self.create_account.isChecked()
        if not self.host.isChecked() and not _is_address(self.address.text()):
            self.error.setText(
                tr("A server address looks like chat.example.org or chat.example.org:7744.")
            )
        elif not self.user.text().strip() or not self.password.text():
            self.error.setText(tr("Enter a user name and a password."))
        elif (problem := user_name_problem(self.user.text(), new=new)) or (
            new and (problem := password_problem(self.password.text()))
        ):
            self.error.setText(problem)
        else:
            self.accept()

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def offer_port(self, taken: int, free: int) -> None:
        """The port asked for is taken: put a free one in its place, for the user to
        accept with OK or to change; everything else typed stays."""
        self.port.setValue(free)
        self.show_error(
            tr(
                "Port {taken} is in use by another program. Port {free} is free: press OK "
                "to host the server there, or type another port."
            ).format(taken=taken, free=free)
        )

    def choice(self) -> FirstRunChoice:
        # Several addresses, separated by commas, are the nodes of one server.
        servers = [""] if self.host.isChecked() else server_endpoints(self.address.text())
        return FirstRunChoice(
            host_here=self.host.isChecked(),
            lan=self.lan.isChecked(),
            server=servers[0],
            other_nodes=tuple(servers[1:]),
            create_account=self.create_account.isChecked(),
            user=self.user.text().strip(),
            password=self.password.text(),
            device=self.device.text().strip() or socket.gethostname(),
            port=self.port.value(),
        )


def sign_in_attempt(choice: FirstRunChoice) -> Attempt:
    """What the user tried, to explain a refusal of it."""
    action = Action.CREATE_ACCOUNT if choice.create_account else Action.LOG_IN
    return Attempt(action, names=(choice.user,), password=choice.password, device=choice.device)


def _is_address(text: str) -> bool:
    try:
        server_endpoints(text)
    except ValueError:
        return False
    return True
