"""The chat list and the open chat: drafts per chat, "typing…", the unread count in the title
and on the tray icon, and the actions offered. Real server, real window (offscreen)."""

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication

from desktop.app import DesktopApp, Running
from desktop.cache.views import ChannelView
from desktop.core.quiet import now_ms
from desktop.ui.delegates import ChannelDelegate
from desktop.ui.models import ChannelRole, DraftRole, TypingRole
from desktop.ui.tray import Tray
from desktop.ui.unread_badge import ICON_SIZE
from shared.protocol import OpenDirect, Typing
from tests.desktop.ui.test_do_not_disturb_window import shot
from tests.desktop.ui.test_window import send_as, texts, until
from tests.support import WAIT


def role(running: Running, channel_id: int, data_role: int) -> object:
    channels = running.window.channels
    row = channels.row_of(channel_id)
    assert row is not None, f"chat {channel_id} is not in the list"
    return channels.data(channels.index(row), data_role)


def second_line(running: Running, channel_id: int) -> str:
    """What the chat list draws under the chat's title."""
    channels = running.window.channels
    index = channels.index(channels.row_of(channel_id) or 0)
    delegate = running.window.channel_list.itemDelegate()
    assert isinstance(delegate, ChannelDelegate)
    open_ = running.window.pane.channel is not None and running.window.pane.channel.id == channel_id
    return delegate._second_line(index, channels.channel_at(index.row()), open_)[0]


def test_a_draft_stays_with_its_chat_over_a_restart_until_sent(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        alice = await windows(profile)
        bob, carol = people("bob"), people("carol")
        with_bob = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        with_carol = net.submit(carol.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        await until(lambda: alice.window.channels.rowCount() == 2)

        alice.window.open_channel(with_bob)
        edit = alice.window.pane.composer.edit
        qtbot.keyClicks(edit, "meant for bob")
        alice.window.open_channel(with_carol)
        assert edit.toPlainText() == ""  # carol's chat has a composer of its own
        await until(lambda: role(alice, with_bob, DraftRole) == "meant for bob")
        assert second_line(alice, with_bob) == "Draft: meant for bob"
        qtbot.keyClicks(edit, "for carol")
        alice.window.open_channel(with_bob)
        assert edit.toPlainText() == "meant for bob"
        await until(lambda: second_line(alice, with_carol) == "Draft: for carol")

        DesktopApp.shut_down(alice)  # quit and start again: the drafts are still there
        alice = await windows(profile)
        assert second_line(alice, with_bob) == "Draft: meant for bob"
        alice.window.open_channel(with_bob)
        edit = alice.window.pane.composer.edit
        assert edit.toPlainText() == "meant for bob"
        qtbot.keyClick(edit, "!")
        qtbot.keyClick(edit, "\r")
        await until(lambda: texts(alice) == ["meant for bob!"])
        await until(lambda: role(alice, with_bob, DraftRole) == "")  # sent: no draft left
        assert alice.bridge.cache.drafts.all() == {with_carol: "for carol"}

    qloop.run_until_complete(scenario())


def test_typing_shows_in_the_list_and_the_header_until_the_message_lands(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob, carol = people("bob"), people("carol")
        with_bob = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        with_carol = net.submit(carol.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        await until(lambda: alice.window.channels.rowCount() == 2)
        alice.window.open_channel(with_bob)
        header = alice.window.pane.subtitle

        net.submit(bob.request(Typing(channel=with_bob))).result(WAIT)
        net.submit(carol.request(Typing(channel=with_carol))).result(WAIT)
        await until(lambda: header.text() == "typing…")
        await until(lambda: role(alice, with_carol, TypingRole) == "typing…")
        assert second_line(alice, with_carol) == "typing…"  # in place of the last message

        send_as(net, bob, with_bob, "here it is")
        # Gone as the message lands, long before the typing signal would run out.
        await until(lambda: header.text() != "typing…", timeout=2)
        assert role(alice, with_bob, TypingRole) == ""
        assert role(alice, with_carol, TypingRole) == "typing…"  # carol still writes

    qloop.run_until_complete(scenario())


def test_title_unread_count_and_actions_that_make_sense(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        window = alice.window
        assert window.windowTitle() == "Tidings — alice"
        assert not window.members_action.isEnabled() and not window.mute_menu.isEnabled()

        bob = people("bob")
        people("carol")
        direct = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        for n in range(3):
            send_as(net, bob, direct, f"ping {n}")
        await until(lambda: window.windowTitle() == "Tidings — alice (3)")

        window.open_channel(direct)
        assert window.mute_menu.isEnabled() and not window.members_action.isEnabled()
        group = await alice.bridge.ask(alice.bridge.engine.create_group, "trip", ["carol"])
        await until(lambda: window.channels.row_of(group.id) is not None)
        window.open_channel(group.id)
        assert window.mute_menu.isEnabled() and window.members_action.isEnabled()
        await until(lambda: window.windowTitle() == "Tidings — alice")  # bob's chat was read

    qloop.run_until_complete(scenario())


def test_a_mute_for_a_time_leaves_the_list_when_it_ends(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        channels = alice.window.channels
        bob, carol = people("bob"), people("carol")
        soon = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        later = net.submit(carol.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        await until(lambda: channels.rowCount() == 2)

        def muted(chat: int) -> bool:
            channel = role(alice, chat, ChannelRole)
            assert isinstance(channel, ChannelView)
            return channel.muted

        mute = alice.bridge.engine.mute_chat
        await alice.bridge.ask(mute, later, now_ms() + 60 * 60 * 1000)
        await alice.bridge.ask(mute, soon, now_ms() + 1500)
        await until(lambda: muted(soon) and muted(later))
        shot(alice.window, "chat-list-muted-for-a-time")
        await until(lambda: not muted(soon))  # nothing else reloads the list meanwhile
        assert muted(later)
        shot(alice.window, "chat-list-mute-ended")

    qloop.run_until_complete(scenario())


def red_pixels(icon: QIcon) -> int:
    image = icon.pixmap(ICON_SIZE, ICON_SIZE).toImage()
    return sum(
        1
        for x in range(ICON_SIZE // 2, ICON_SIZE)
        for y in range(ICON_SIZE // 2)
        if QColor(image.pixel(x, y)).red() > 200 and QColor(image.pixel(x, y)).green() < 80
    )


def test_the_tray_icon_shows_the_unread_count_drawn_on_it(qapp: QApplication):
    plain = QPixmap(ICON_SIZE, ICON_SIZE)
    plain.fill(QColor("#1f6feb"))
    icon = QIcon(plain)
    assert red_pixels(icon) == 0
    tray = Tray(icon)
    tray.set_unread(7)
    assert red_pixels(tray.icon()) > 100  # the badge, in its corner
    assert "7 unread" in tray.toolTip()
    tray.set_unread(0)
    assert red_pixels(tray.icon()) == 0
