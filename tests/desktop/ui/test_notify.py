"""Notifications from the running app reach a real notification service over D-Bus: the
right title and body, and none for a muted chat or one already read on another device."""

import asyncio

from desktop.app import DesktopApp
from shared.protocol import UNTIL_TURNED_OFF, ChannelReply, OpenDirect
from tests.desktop.ui.test_notification_actions import read_on_phone
from tests.desktop.ui.test_window import send_as
from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.notification_service import notification_bus  # noqa: F401  (fixture)
from tests.support import WAIT


def test_notifications_leave_the_process_and_respect_mute_and_reads(
    qtbot,
    qloop,
    net,
    profiles,
    people,
    windows,
    notification_bus,  # noqa: F811
):
    bus = notification_bus

    async def notified(summary: str, body: str):
        def match(call) -> bool:
            return (call.summary, call.body) == (summary, body)

        return await asyncio.to_thread(bus.wait_for, match, WAIT)

    def chat_with_alice(conn) -> int:
        reply: ChannelReply = net.submit(conn.request(OpenDirect(user="alice"))).result(WAIT)
        return reply.channel.id

    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        alice = await windows(profile)
        senders = {name: people(name) for name in ("bob", "carol", "dave", "erin", "frank")}
        chats = {name: chat_with_alice(conn) for name, conn in senders.items()}
        bus.clear()

        send_as(net, senders["bob"], chats["bob"], "안녕 alice, lunch at 12?")
        call = await notified("bob", "안녕 alice, lunch at 12?")
        assert call.app_name == "Tidings"

        # Muted: nothing. A later message elsewhere proves the muted one had its chance.
        await alice.bridge.ask(alice.bridge.engine.mute_chat, chats["dave"], UNTIL_TURNED_OFF)
        send_as(net, senders["dave"], chats["dave"], "muted chatter")
        send_as(net, senders["carol"], chats["carol"], "carol, after the muted one")
        await notified("carol", "carol, after the muted one")
        assert [c for c in bus.calls if c.body == "muted chatter"] == []

        # Read on another device while this one was closed: it never notifies here.
        alice.window.hide()
        DesktopApp.shut_down(alice)
        sent = send_as(net, senders["erin"], chats["erin"], "already read elsewhere")
        net.submit(read_on_phone(profile, chats["erin"], sent.seq)).result(WAIT)
        reopened = await windows(profile)
        assert reopened.bridge.cache.channel(chats["erin"]).unread == 0
        send_as(net, senders["frank"], chats["frank"], "frank, after the reconnect")
        await notified("frank", "frank, after the reconnect")
        assert [c for c in bus.calls if c.body == "already read elsewhere"] == []

    qloop.run_until_complete(scenario())
