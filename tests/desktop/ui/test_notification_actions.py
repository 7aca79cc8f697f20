"""Acting on notifications in the running app, with a real notification server on the test
session bus: a click opens the chat, in front with the activation token the server sent with
the click (Wayland's way of letting a window take the focus), an inline reply reaches the
other person and marks the chat read up to the message it answers, a reply refused here is
said in the window and in a notification (never in the log), a chat read on another device
has its notification closed, and a desktop without a notification server is told so in the
window until one turns up."""

import asyncio
import logging
import os
import sys
from typing import NamedTuple

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel

from desktop.app import Running
from desktop.ui.models import DraftRole
from desktop.ui.window_activation import TOKEN_VARIABLE
from shared import limits
from shared.client import Connection
from shared.protocol import (
    ChannelReply,
    GetReceipts,
    History,
    HistoryPage,
    MarkRead,
    OpenDirect,
)
from tests.desktop.ui.test_window import send_as, until
from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.notification_service import (
    NotificationService,
    Sent,
    notification_bus,  # noqa: F401  (fixture)
)
from tests.support import PASSWORD, WAIT

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the D-Bus notification server is Linux's"
)


async def sent_with(bus: NotificationService, body: str) -> Sent:
    return await asyncio.to_thread(bus.wait_for_sent, lambda s: s.body == body, WAIT)


class Sender(NamedTuple):
    """Someone who writes to alice, and their direct chat: ``send_as(net, *sender, text)``."""

    conn: Connection
    chat: int


def senders(net, people, *names: str) -> dict[str, Sender]:
    """Register each of names, with a direct chat opened with alice."""

    def chat_with_alice(conn: Connection) -> int:
        reply: ChannelReply = net.submit(conn.request(OpenDirect(user="alice"))).result(WAIT)
        return reply.channel.id

    return {name: Sender(conn := people(name), chat_with_alice(conn)) for name in names}


async def read_on_phone(profile, chat: int, seq: int) -> None:
    """Alice reads chat up to seq on another device of hers."""
    phone = Connection(
        profile.server, server_key=profile.server_key, key_endpoint=profile.key_endpoint
    )
    await phone.open()
    await phone.wait_ready(WAIT)
    await phone.login("alice", PASSWORD, "phone")
    await phone.request(MarkRead(channel=chat, seq=seq))
    await phone.close()


def showing(running: Running, chat: int) -> bool:
    """The window is up, with chat open and chosen in the chat list."""
    window = running.window
    current = window.channel_list.currentIndex()
    return (
        window.isVisible()
        and window.pane.channel is not None
        and window.pane.channel.id == chat
        and current.isValid()
        and window.filtered.mapToSource(current).row() == window.channels.row_of(chat)
    )


def missing_label(running: Running) -> QLabel:
    [label] = [
        w
        for w in running.window.statusBar().findChildren(QLabel)
        if "notification service" in w.text()
    ]
    return label


def test_clicking_a_notification_opens_its_chat(
    qtbot, qloop, net, profiles, people, windows, bus: NotificationService
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        by = senders(net, people, "bob", "carol", "dave")
        alice.window.open_channel(by["carol"].chat)  # another chat on screen

        send_as(net, *by["bob"], "click me")
        sent = await sent_with(bus, "click me")
        bus.click(sent.id)
        await until(lambda: showing(alice, by["bob"].chat))
        # Read now, in front of the user: its notification is withdrawn.
        await asyncio.to_thread(bus.wait_closed, sent.id)

        alice.window.hide()  # to the tray
        send_as(net, *by["dave"], "from the tray")
        sent = await sent_with(bus, "from the tray")
        assert not alice.window.isVisible()
        bus.click(sent.id)
        await until(lambda: showing(alice, by["dave"].chat))

    qloop.run_until_complete(scenario())


def test_a_click_brings_the_window_forward_with_the_servers_activation_token(
    qtbot, qloop, net, profiles, people, windows, bus: NotificationService, monkeypatch
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        by = senders(net, people, "bob", "carol")
        window = alice.window
        # What Qt's Wayland plugin would find in the environment when the window asks to be
        # activated (offscreen, nothing reads it).
        seen: list[str | None] = []
        activate = window.activateWindow

        def activating() -> None:
            seen.append(os.environ.get(TOKEN_VARIABLE))
            activate()

        monkeypatch.setattr(window, "activateWindow", activating)

        send_as(net, *by["bob"], "look at this")
        sent = await sent_with(bus, "look at this")
        window.hide()  # to the tray
        bus.click(sent.id, activation_token="token-from-the-server")
        await until(lambda: showing(alice, by["bob"].chat))
        assert seen == ["token-from-the-server"]
        assert TOKEN_VARIABLE not in os.environ  # spent: nothing started later inherits it

        send_as(net, *by["carol"], "and this")
        sent = await sent_with(bus, "and this")
        # Another program on the bus hands over a token of its own: not the server's.
        await asyncio.to_thread(bus.forge, sent, "ActivationToken", "forged-token")
        bus.click(sent.id)
        await until(lambda: showing(alice, by["carol"].chat))
        assert seen == ["token-from-the-server", None]

    qloop.run_until_complete(scenario())


def test_an_inline_reply_reaches_the_other_person(
    qtbot, qloop, net, profiles, people, windows, bus: NotificationService
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob, chat = senders(net, people, "bob")["bob"]

        send_as(net, bob, chat, "lunch at 12?")
        sent = await sent_with(bus, "lunch at 12?")
        assert sent.actions[2:] == ["inline-reply", "Reply"]  # the server can take replies
        bus.reply(sent.id, "좋아요, see you there")

        def stored() -> bool:
            mine = [m for m in alice.bridge.cache.messages(chat) if m.sender == "alice"]
            return [(m.text, m.seq is not None) for m in mine] == [("좋아요, see you there", True)]

        await until(stored)
        page: HistoryPage = net.submit(bob.request(History(channel=chat))).result(WAIT)
        assert [(e.sender, e.text) for e in page.events if e.kind == "message"] == [
            ("bob", "lunch at 12?"),
            ("alice", "좋아요, see you there"),
        ]

    qloop.run_until_complete(scenario())


def test_an_inline_reply_marks_the_chat_read_up_to_the_message_it_answers(
    qtbot, qloop, net, profiles, people, windows, bus: NotificationService
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        by = senders(net, people, "bob", "carol")
        bob, chat = by["bob"]
        alice.window.open_channel(by["carol"].chat)  # another chat on screen
        answered = send_as(net, bob, chat, "are you coming?")
        sent = await sent_with(bus, "are you coming?")
        await until(lambda: alice.window.channels.unread_total() == 1)

        bus.reply(sent.id, "yes!")
        await until(lambda: alice.window.channels.unread_total() == 0)
        channel = alice.bridge.cache.channel(chat)
        assert channel is not None and channel.read_seq >= answered.seq
        await asyncio.to_thread(bus.wait_closed, sent.id)  # read: withdrawn

        def bob_was_told() -> bool:  # the read receipt, through the server
            told = net.submit(bob.request(GetReceipts(channels=[chat]))).result(WAIT)
            return any(r.user == "alice" and r.read >= answered.seq for r in told.receipts)

        await until(bob_was_told)

    qloop.run_until_complete(scenario())


def test_a_reply_refused_here_is_said_and_a_long_one_kept_as_the_draft(
    qtbot, qloop, net, profiles, people, windows, bus: NotificationService, caplog
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        by = senders(net, people, "bob", "carol")
        bob, chat = by["bob"]
        alice.window.open_channel(by["carol"].chat)  # another chat on screen
        send_as(net, bob, chat, "say something")
        sent = await sent_with(bus, "say something")
        await until(lambda: alice.window.channels.unread_total() == 1)
        status = alice.window.statusBar()

        bus.reply(sent.id, "   \n ")
        told = await sent_with(bus, "Your reply to bob was not sent: it was empty.")
        assert told.summary == "Reply not sent"
        assert status.currentMessage() == told.body
        assert alice.window.channels.unread_total() == 1  # not answered: still unread

        long = "secret plans " * (limits.MAX_TEXT_CHARS // 10)
        bus.reply(told.id, long)
        limit = f"{limits.MAX_TEXT_CHARS:,}"
        said = (
            f"Your reply to bob was not sent: a message holds at most {limit} characters. "
            "It is kept as the chat's draft."
        )
        await sent_with(bus, said)
        assert status.currentMessage() == said
        model = alice.window.channels
        await until(lambda: model.data(model.index(model.row_of(chat)), DraftRole) == long)
        assert [m.text for m in alice.bridge.cache.outbox()] == []  # nothing went out
        app_records = [r for r in caplog.records if r.name.startswith("desktop")]
        assert any("refused" in r.getMessage() for r in app_records)
        assert not any("secret plans" in r.getMessage() for r in app_records)
        alice.window.grab().save("/tmp/reply-refused.png")

    with caplog.at_level(logging.DEBUG, logger="desktop"):
        qloop.run_until_complete(scenario())


def test_a_chat_read_on_another_device_closes_its_notification(
    qtbot, qloop, net, profiles, people, windows, bus: NotificationService
):
    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        await windows(profile)
        by = senders(net, people, "bob", "carol")
        from_bob = send_as(net, *by["bob"], "seen on the phone")
        send_as(net, *by["carol"], "not read anywhere")
        bobs = await sent_with(bus, "seen on the phone")
        carols = await sent_with(bus, "not read anywhere")

        net.submit(read_on_phone(profile, by["bob"].chat, from_bob.seq)).result(WAIT)

        await asyncio.to_thread(bus.wait_closed, bobs.id)
        assert carols.id not in bus.closed

    qloop.run_until_complete(scenario())


def test_no_notification_server_is_said_once_and_one_started_later_is_used(
    qtbot, qloop, net, profiles, people, windows, bus: NotificationService
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        by = senders(net, people, "bob", "carol", "dave")
        label = missing_label(alice)
        shown = ShowCounter()
        label.installEventFilter(shown)
        assert not label.isVisible()

        with bus.absent():
            send_as(net, *by["bob"], "nobody shows this")
            await until(label.isVisible)
            assert "no notification service" in label.text()
            send_as(net, *by["carol"], "nor this")
            await until(lambda: alice.window.channels.unread_total() == 2)

        await until(lambda: not label.isVisible())  # the server came: the bus said so
        send_as(net, *by["dave"], "shown at last")
        await sent_with(bus, "shown at last")
        assert "nobody shows this" not in [c.body for c in bus.calls]
        assert shown.count == 1

    qloop.run_until_complete(scenario())


class ShowCounter(QObject):
    """Counts the times a widget is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.count += 1
        return False
