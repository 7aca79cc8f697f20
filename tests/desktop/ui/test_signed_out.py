"""A device the server no longer takes, and Sign out: each says why, removes what the
device kept of the account and shows the sign-in flow, also after a restart."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from shiboken6 import isValid

from desktop.app import DesktopApp
from desktop.core.profile import PROFILE_FILE, Profile
from desktop.core.signed_out import SIGNED_OUT_FILE
from desktop.platform.credentials import CredentialStore
from desktop.ui.first_run import FirstRunDialog
from desktop.ui.settings.account import AccountPage
from desktop.ui.signed_out import SignedOutDialog
from shared.client import Connection
from shared.protocol import ListDevices, RevokeDevice
from tests.desktop.ui.conftest import connected
from tests.support import PASSWORD, WAIT

W = TypeVar("W", bound=QWidget)


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def shown(kind: type[W]) -> W | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            return widget
    return None


async def appears(kind: type[W], saying: str = "") -> W:
    """Wait for a visible window of ``kind`` (a message box saying ``saying``)."""

    def found() -> W | None:
        widget = shown(kind)
        if widget is None or (isinstance(widget, QMessageBox) and saying not in widget.text()):
            return None
        return widget

    await until(lambda: found() is not None)
    widget = found()
    assert widget is not None
    return widget


def nothing_kept(profile: Profile, credentials: CredentialStore) -> bool:
    """Neither the cache (with its outbox), nor the profile, nor the keyring's secret."""
    files = {p.name for p in profile.dir.iterdir()} if profile.dir.exists() else set()
    return (
        not any(name.endswith((".sqlite3", "-wal", "-shm")) for name in files)
        and PROFILE_FILE not in files
        and credentials.load(profile.keyring_account) is None
    )


def other_device(host, net) -> Connection:
    async def login() -> Connection:
        conn = await connected(host)
        await conn.login("alice", PASSWORD, "phone")
        return conn

    conn: Connection = net.submit(login()).result(WAIT)
    return conn


async def open_app(qapp, profile: Profile, credentials: CredentialStore) -> DesktopApp:
    desktop = DesktopApp(qapp, profile.dir, credentials)
    running = await desktop.show(profile, None)
    await running.bridge.wait(running.bridge.engine.wait_caught_up(WAIT))
    return desktop


async def close_app(qapp, desktop: DesktopApp) -> None:
    await desktop.finish()
    qapp.removeEventFilter(desktop.idle)


def test_revoked_device_says_why_then_again_after_a_restart_and_signs_in_again(
    qtbot, qapp, qloop, host, net, profiles, credentials, tmp_path: Path
):
    profile = profiles("alice", "laptop", create=True)

    async def scenario() -> None:
        desktop = await open_app(qapp, profile, credentials)
        running = desktop.running
        assert running is not None
        phone = other_device(host, net)
        devices = net.submit(phone.request(ListDevices())).result(WAIT).devices
        [laptop] = [d for d in devices if d.name == "laptop"]
        net.submit(phone.request(RevokeDevice(device_id=laptop.id))).result(WAIT)

        dialog = await appears(SignedOutDialog)
        window = running.window
        assert not (isValid(window) and window.isVisible()), "no stale window behind it"
        assert (profile.dir / SIGNED_OUT_FILE).exists()
        assert any(
            "removed from your account on another device" in label.text()
            for label in dialog.findChildren(QLabel)
        )
        dialog.reject()  # Quit: the next start says it again
        await until(desktop.quit_requested.is_set)
        await close_app(qapp, desktop)
        assert credentials.load(profile.keyring_account) is not None, "kept until asked"

        restarted = DesktopApp(qapp, profile.dir, credentials)
        starting = asyncio.ensure_future(restarted.start())
        again = await appears(SignedOutDialog)
        assert restarted.running is None, "no window opens for a revoked device"
        qtbot.mouseClick(again.sign_in, Qt.MouseButton.LeftButton)
        first_run = await appears(FirstRunDialog)
        assert nothing_kept(profile, credentials)
        # Back in is the password away: the same server, account and device name, not a
        # new server of this computer's with a new account (the dialog's defaults).
        assert first_run.connect_to.isChecked() and not first_run.host.isChecked()
        assert first_run.address.text() == profile.server.removeprefix("tcp://")
        assert first_run.log_in.isChecked()
        assert (first_run.user.text(), first_run.device.text()) == ("alice", "laptop")
        assert first_run.focusWidget() is first_run.password
        first_run.reject()
        assert await starting is None
        await close_app(qapp, restarted)
        net.submit(phone.close()).result(WAIT)

    qloop.run_until_complete(scenario())


async def answer_box(qtbot, button_text: str) -> None:
    box = await appears(QMessageBox)
    [button] = [b for b in box.buttons() if b.text() == button_text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_sign_out_tells_the_server_removes_everything_and_signs_in_again(
    qtbot, qapp, qloop, host, net, profiles, credentials
):
    profile = profiles("alice", "laptop", create=True)

    async def scenario() -> None:
        desktop = await open_app(qapp, profile, credentials)
        desktop.server = host.server  # as if this app hosted it: signing in again uses it
        running = desktop.running
        assert running is not None
        actions = [a for a in running.window.account_menu.actions() if a.text()]
        assert actions[-1].text() == "Sign out of this device…"
        actions[-1].trigger()
        await answer_box(qtbot, "Sign out")
        first_run = await appears(FirstRunDialog)
        assert nothing_kept(profile, credentials)
        phone = other_device(host, net)
        devices = net.submit(phone.request(ListDevices())).result(WAIT).devices
        assert "laptop" not in [d.name for d in devices], "the server dropped the device"

        # The server this app hosts is the one "Host a server" signs in to.
        assert first_run.host.isChecked() and first_run.log_in.isChecked()
        assert first_run.user.text() == "alice"
        first_run.password.setText(PASSWORD)
        first_run.device.setText("laptop again")
        first_run.buttons.accepted.emit()
        await until(lambda: desktop.running is not None and desktop.running.window.isVisible())
        assert desktop.server is host.server and host.server.running
        assert Profile.load(profile.dir).device_name == "laptop again"
        await close_app(qapp, desktop)
        net.submit(phone.close()).result(WAIT)

    qloop.run_until_complete(scenario())


def test_sign_out_offline_removes_everything_here_and_says_what_the_server_keeps(
    qtbot, qapp, qloop, host, profiles, credentials
):
    profile = profiles("alice", "laptop", create=True)

    async def scenario() -> None:
        desktop = await open_app(qapp, profile, credentials)
        running = desktop.running
        assert running is not None
        host.stop()
        await until(lambda: running.bridge.engine.state != "online")
        # From the Settings window's Account page this time: the same as the menu.
        account = running.settings.page("Account")
        assert isinstance(account, AccountPage)
        account.sign_out_button.click()
        await answer_box(qtbot, "Sign out")
        told = await appears(QMessageBox, saying="here only")
        assert nothing_kept(profile, credentials)
        told.accept()
        (await appears(FirstRunDialog)).reject()
        await until(desktop.quit_requested.is_set)  # giving up on signing in again quits
        await close_app(qapp, desktop)

    qloop.run_until_complete(scenario())
