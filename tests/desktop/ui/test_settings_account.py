"""The Settings window's Account page with a real server: changing the password, and a new
sign-in on another device shown at once (or when this device comes back), in the devices
list and as a notification."""

import asyncio

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QScrollArea

from desktop.ui.dialogs import DevicesDialog
from desktop.ui.settings.account import AccountPage
from shared.errors import ProtocolError
from tests.desktop.ui.test_do_not_disturb_window import shot
from tests.desktop.ui.test_settings import page
from tests.desktop.ui.test_window import until
from tests.notification_service import notification_bus  # noqa: F401  (fixture)
from tests.support import PASSWORD, WAIT

NEW_PASSWORD = "a much better passphrase"


def account_page(running) -> AccountPage:
    found = page(running, "Account")
    assert isinstance(found, AccountPage)
    return found


def rows(account: AccountPage) -> list[str]:
    tree = account.devices
    items = [tree.topLevelItem(r) for r in range(tree.topLevelItemCount())]
    return [item.text(0) for item in items if item is not None]


def test_changing_the_password_signs_in_with_the_new_one_only(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        account = account_page(alice)
        await until(lambda: rows(account) == ["laptop (this device)"])

        account.current.setText(PASSWORD)
        account.new.setText(NEW_PASSWORD)
        account.repeat.setText(NEW_PASSWORD + "!")
        account.change_button.click()
        assert account.password_status.text() == "The new passwords differ."

        account.current.setText("not my password")
        account.repeat.setText(NEW_PASSWORD)
        account.change_button.click()
        await until(lambda: account.password_status.text() == "The current password is wrong.")

        account.current.setText(PASSWORD)
        account.change_button.click()
        await until(lambda: account.password_status.text().startswith("Password changed"))
        assert account.current.text() == account.new.text() == ""

        with pytest.raises(ProtocolError) as refused:
            await asyncio.to_thread(profiles, "alice", "phone")
        assert refused.value.code == "auth_failed"
        tablet = await asyncio.to_thread(profiles, "alice", "tablet", password=NEW_PASSWORD)
        assert tablet.user == "alice"
        # This device stayed signed in: it still talks to the server.
        devices = await alice.bridge.ask(alice.bridge.engine.list_devices)
        assert [d.name for d in devices] == ["laptop", "tablet"]

    qloop.run_until_complete(scenario())


async def notified(bus, text: str) -> None:
    """Wait until the app showed ``text`` as a desktop notification."""

    def told(call) -> bool:
        return bool(call.summary == "Tidings" and call.body == text)

    await asyncio.to_thread(bus.wait_for, told, WAIT)


def test_a_new_sign_in_is_shown_at_once_and_notified(
    qtbot,
    qloop,
    profiles,
    windows,
    notification_bus,  # noqa: F811
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        account = account_page(alice)
        await until(lambda: rows(account) == ["laptop (this device)"])
        assert not account.alert.isVisible()

        await asyncio.to_thread(profiles, "alice", "phone")
        await until(lambda: rows(account) == ["laptop (this device)", "phone (new sign-in)"])
        assert account.alert.isVisible()
        assert account.alert.text().startswith("New sign-in: phone at ")
        await notified(notification_bus, account.alert.text())

    qloop.run_until_complete(scenario())


def test_the_account_menus_devices_opens_the_account_page(qtbot, qloop, profiles, windows):
    """One place for the devices: the Account menu's Devices… is the Settings window's
    table (added, last seen), whose button signs a device out."""

    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        settings = alice.settings
        settings.show_page("General")
        settings.close()
        [devices] = [a for a in alice.window.account_menu.actions() if a.text() == "Devices…"]
        devices.trigger()
        account = settings.page("Account")
        assert settings.isVisible() and isinstance(account, AccountPage)
        assert settings.stack.currentWidget().isAncestorOf(account)
        await until(lambda: rows(account) == ["laptop (this device)"])
        assert not alice.window.findChildren(DevicesDialog)
        scroll = settings.stack.currentWidget()
        assert isinstance(scroll, QScrollArea)
        seen = scroll.viewport().rect()
        table = account.devices
        assert seen.contains(QRect(table.mapTo(scroll.viewport(), QPoint(0, 0)), table.size()))
        shot(settings, "settings-account-from-the-menu")

    qloop.run_until_complete(scenario())


def test_a_sign_in_made_while_away_is_shown_when_the_app_starts(
    qtbot, qloop, profiles, windows, bus
):
    async def scenario() -> None:
        laptop = profiles("alice", "laptop", create=True)
        await asyncio.to_thread(profiles, "alice", "phone")  # before the laptop's app runs
        alice = await windows(laptop)
        account = account_page(alice)
        alice.window.show_devices()
        await until(lambda: rows(account) == ["laptop (this device)", "phone (new sign-in)"])
        assert account.alert.text().startswith("New sign-in: phone at ")
        await notified(bus, account.alert.text())

    qloop.run_until_complete(scenario())
