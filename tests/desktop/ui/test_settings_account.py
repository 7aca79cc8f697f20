"""The Settings window's Account page with a real server: changing the password, a new
sign-in on another device shown at once (or when this device comes back), in the devices
list and as a notification, and another device signed out from that list after a
question."""

import asyncio

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QMessageBox, QScrollArea

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
    table (added, last seen), from which a device is signed out."""

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
        assert not alice.window.findChildren(QMessageBox)  # no dialog of its own
        scroll = settings.stack.currentWidget()
        assert isinstance(scroll, QScrollArea)
        seen = scroll.viewport().rect()
        table = account.devices
        assert seen.contains(QRect(table.mapTo(scroll.viewport(), QPoint(0, 0)), table.size()))
        shot(settings, "settings-account-from-the-menu")

    qloop.run_until_complete(scenario())


def select(account: AccountPage, name: str) -> None:
    """Choose the device shown as ``name`` in the list."""
    [row] = [r for r in range(account.devices.topLevelItemCount()) if rows(account)[r] == name]
    item = account.devices.topLevelItem(row)
    assert item is not None
    account.devices.setCurrentItem(item)


async def answer(account: AccountPage, button_text: str) -> QMessageBox:
    """Click ``button_text`` in the question the page asks; the question, once answered."""
    await until(lambda: any(b.isVisible() for b in account.findChildren(QMessageBox)))
    [box] = [b for b in account.findChildren(QMessageBox) if b.isVisible()]
    [button] = [b for b in box.buttons() if b.text() == button_text]
    button.click()
    return box


def test_another_device_is_signed_out_from_the_list_after_a_question(
    qtbot, qloop, profiles, windows
):
    async def scenario() -> None:
        profiles("alice", "phone", create=True)
        alice = await windows(profiles("alice", "laptop"))
        alice.window.show_devices()
        settings, account = alice.settings, account_page(alice)
        button = account.revoke_button
        await until(lambda: rows(account) == ["phone", "laptop (this device)"])
        assert button.text() == "Sign out selected device…" and not button.isEnabled()
        assert button.toolTip() == "Choose a device in the list to sign it out."

        select(account, "laptop (this device)")
        assert not button.isEnabled()
        assert "Sign out of this device" in button.toolTip()

        select(account, "phone")
        assert button.isEnabled()
        button.click()
        await until(lambda: any(b.isVisible() for b in account.findChildren(QMessageBox)))
        shot(settings, "settings-account-sign-out-a-device")
        question = account.findChild(QMessageBox, "confirmation")
        assert question is not None
        shot(question, "settings-account-sign-out-question")
        asked = await answer(account, "Cancel")
        assert asked.text().startswith("Sign out phone? It stops receiving messages")
        devices = await alice.bridge.ask(alice.bridge.engine.list_devices)
        assert [d.name for d in devices] == ["phone", "laptop"]  # nothing was done

        button.click()
        await answer(account, "Sign out")
        await until(lambda: rows(account) == ["laptop (this device)"])
        devices = await alice.bridge.ask(alice.bridge.engine.list_devices)
        assert [d.name for d in devices] == ["laptop"]
        assert not button.isEnabled() and account.devices_error.text() == ""

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
