"""Do not disturb and mutes in the window: the Account menu, the tray's menu, the status bar
and the Notifications page show the one state the account has, also when another device
changes it; the chat menu mutes a chat, which the chat list marks. Screens are saved to
``TIDINGS_SHOTS`` (a folder) when it is set, to look at."""

import os
from pathlib import Path

from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QWidget

from desktop.core.notify_prefs import NotifyPrefs
from desktop.ui.models import ChannelRole
from desktop.ui.settings_notifications import NotificationsPage
from desktop.ui.tray import Tray
from shared.client import Connection
from shared.protocol import UNTIL_TURNED_OFF, ChannelReply, OpenDirect, UpdateSettings
from tests.desktop.ui.test_window import until
from tests.support import PASSWORD, WAIT


def checked(menu: QMenu) -> tuple[str, list[str]]:
    """A do-not-disturb menu as the user sees it: its status line and the checked choices."""
    actions = menu.findChildren(QAction)
    status = next(a.text() for a in actions if a.objectName() == "dnd-status")
    return status, sorted(a.objectName() for a in actions if a.isChecked())


def listed(window, channel_id: int):
    """The chat as the chat list holds it now."""
    row = window.channels.row_of(channel_id)
    return window.channels.index(row).data(ChannelRole)


def shot(widget: QWidget, name: str) -> None:
    folder = os.environ.get("TIDINGS_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def test_menus_tray_and_page_follow_do_not_disturb_from_another_device(
    qtbot, qloop, net, profiles, windows
):
    async def phone_of(profile) -> Connection:
        phone = Connection(
            profile.server, server_key=profile.server_key, key_endpoint=profile.key_endpoint
        )
        await phone.open()
        await phone.wait_ready(WAIT)
        await phone.login("alice", PASSWORD, "phone")
        return phone

    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        alice = await windows(profile)
        window = alice.window
        tray = Tray(QIcon())
        tray.show_do_not_disturb(window.dnd)
        [account_dnd] = [m for m in window.findChildren(QMenu) if m.title() == "Do not disturb"]
        off = ("Do not disturb is off", ["dnd-off"])
        assert checked(account_dnd) == checked(tray.dnd_menu) == off
        assert not window.dnd_label.isVisibleTo(window)

        phone = net.submit(phone_of(profile)).result(WAIT)
        net.submit(phone.request(UpdateSettings(dnd_until=UNTIL_TURNED_OFF))).result(WAIT)
        await until(lambda: window.dnd.on)
        on = ("Do not disturb until you turn it off", ["dnd-forever"])
        assert checked(account_dnd) == checked(tray.dnd_menu) == on
        assert (
            window.dnd_label.isVisibleTo(window)
            and "until you turn it off" in window.dnd_label.text()
        )
        page = NotificationsPage(window.dnd, window.policy, profile.dir)
        assert page.dnd_choice.currentData() == "forever"
        assert "all your devices" in page.where.text()
        shot(window, "window-dnd-on")
        shot(page, "notifications-page")

        next(a for a in tray.dnd_menu.actions() if a.objectName() == "dnd-hour").trigger()
        await until(lambda: window.dnd.on and window.dnd.quiet.dnd_until != UNTIL_TURNED_OFF)
        status, ticks = checked(account_dnd)
        assert (status, ticks) == checked(tray.dnd_menu) and ticks == []
        assert status.startswith("Do not disturb until") and page.dnd_choice.currentIndex() == -1

        next(a for a in account_dnd.actions() if a.objectName() == "dnd-off").trigger()
        await until(lambda: not window.dnd.on)
        assert checked(tray.dnd_menu) == off
        assert not window.dnd_label.isVisibleTo(window)

        page.preview.setChecked(False)  # this device's choice: at once, and kept
        assert window.policy.prefs == NotifyPrefs(preview=False)
        await until(lambda: NotifyPrefs.load(profile.dir) == NotifyPrefs(preview=False))
        net.submit(phone.close()).result(WAIT)

    qloop.run_until_complete(scenario())


def test_the_chat_menu_mutes_and_the_chat_list_marks_it(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        reply: ChannelReply = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT)
        chat = reply.channel.id
        window = alice.window
        await until(lambda: window.channels.row_of(chat) is not None)
        window.open_channel(chat)
        menu = window.mute_menu
        assert menu.status.text() == "Not muted" and not menu.unmute.isEnabled()

        next(a for a in menu.actions() if a.text() == "For 8 hours").trigger()
        await until(lambda: alice.bridge.cache.channel(chat).muted)
        await until(lambda: menu.unmute.isEnabled())
        assert menu.status.text().startswith("Muted until")
        await until(lambda: listed(window, chat).muted)  # the list shows it with its mark
        shot(window, "chat-list-muted")
        menu.unmute.trigger()
        await until(lambda: not alice.bridge.cache.channel(chat).muted)
        assert menu.status.text() == "Not muted"

    qloop.run_until_complete(scenario())
