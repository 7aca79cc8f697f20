"""The desktop window against a real server: two users, two devices of one user, and an
unreachable server."""

import asyncio
import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from desktop.app import Running
from desktop.ui.models import PresenceRole
from shared.protocol import OpenDirect, Send
from tests.support import WAIT


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def texts(running: Running) -> list[str]:
    model = running.window.pane.model
    if model is None:
        return []
    rows = [model.message_at(r) for r in range(model.rowCount())]
    return [m.text for m in rows if m.kind == "message"]


def last(running: Running):
    model = running.window.pane.model
    assert model is not None, "no chat is open"
    return model.message_at(model.rowCount() - 1)


def badge(running: Running, channel_id: int) -> int | None:
    row = running.window.channels.row_of(channel_id)
    return None if row is None else running.window.channels.channel_at(row).unread


def send_as(net, conn, channel_id: int, text: str):
    return net.submit(
        conn.request(Send(channel=channel_id, client_id=uuid.uuid4().hex, text=text))
    ).result(WAIT)


async def direct_chat_open(profiles: Callable, windows: Callable) -> tuple[Running, Running]:
    """Alice's and Bob's windows, each showing the direct chat Alice opened with Bob."""
    alice = await windows(profiles("alice", "laptop", create=True))
    bob = await windows(profiles("bob", "laptop", create=True))
    reply = await alice.bridge.ask(alice.bridge.engine.request, OpenDirect(user="bob"))
    channel_id = reply.channel.id
    alice.window.open_channel(channel_id)
    await until(lambda: bob.window.channels.row_of(channel_id) is not None)
    bob.window.open_channel(channel_id)
    return alice, bob


def commit_like_an_input_method(widget, text: str) -> None:
    """What an input method (Korean, Japanese...) delivers: a composing preedit, then the
    committed text."""
    composing = QInputMethodEvent(text[:1], [])
    QApplication.sendEvent(widget, composing)
    committed = QInputMethodEvent()
    committed.setCommitString(text)
    QApplication.sendEvent(widget, committed)


def type_and_send(qtbot, running: Running, text: str) -> None:
    edit = running.window.pane.composer.edit
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_typed_message_appears_in_the_other_users_window(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        alice, bob = await direct_chat_open(profiles, windows)

        type_and_send(qtbot, alice, "see you at 7")
        assert alice.window.pane.composer.edit.toPlainText() == ""  # Enter sent it
        await until(lambda: texts(bob) == ["see you at 7"])
        await until(lambda: last(alice).state == "sent")
        assert texts(alice) == ["see you at 7"] and last(alice).seq == 2

        edit = bob.window.pane.composer.edit
        qtbot.keyClicks(edit, "first line")
        qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        commit_like_an_input_method(edit, "두 번째 줄")  # Korean arrives through the IME
        assert edit.toPlainText() == "first line\n두 번째 줄"  # Shift+Enter adds a line
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        await until(lambda: texts(alice)[-1:] == ["first line\n두 번째 줄"])

    qloop.run_until_complete(scenario())


def test_reading_on_one_device_clears_the_badge_on_the_other(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        laptop = await windows(profiles("alice", "laptop", create=True))
        phone = await windows(profiles("alice", "phone"))
        bob = people("bob")
        channel = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel
        for i in range(3):
            send_as(net, bob, channel.id, f"news {i}")
        for running in (laptop, phone):

            def three_unread(r: Running = running) -> bool:
                return badge(r, channel.id) == 3

            await until(three_unread)

        laptop.window.open_channel(channel.id)
        assert badge(laptop, channel.id) == 3  # behind another window: not read yet
        laptop.window.activateWindow()  # in front, chat on screen, user present: read
        await until(lambda: badge(laptop, channel.id) == 0)
        await until(lambda: badge(phone, channel.id) == 0)
        assert phone.window.channels.unread_total() == 0

    qloop.run_until_complete(scenario())


def test_unreachable_server_shows_cache_and_queues(
    qtbot, qloop, net, host, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        channel = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel
        send_as(net, bob, channel.id, "before the outage")
        await until(lambda: badge(alice, channel.id) == 1)
        await asyncio.to_thread(host.stop)
        await until(lambda: "Offline" in alice.window.state_label.text())

        alice.window.open_channel(channel.id)
        assert texts(alice) == ["before the outage"]  # read from the cache
        type_and_send(qtbot, alice, "written offline")
        await until(lambda: texts(alice) == ["before the outage", "written offline"])
        assert last(alice).state == "pending"
        assert "1 waiting to send" in alice.window.state_label.text()

        await asyncio.to_thread(host.restart)
        await until(lambda: last(alice).state == "sent", timeout=30)
        assert last(alice).text == "written offline"
        await until(lambda: alice.window.state_label.text().startswith("Up to date"), timeout=30)

    qloop.run_until_complete(scenario())


def test_search_switcher_members_and_presence(qtbot, qloop, net, profiles, people, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        direct = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel
        send_as(net, bob, direct.id, "회의는 내일 오전 10시에 합니다")
        send_as(net, bob, direct.id, "bring the harbour map")
        await until(lambda: badge(alice, direct.id) == 2)
        await until(
            lambda: (
                alice.window.channels.data(
                    alice.window.channels.index(alice.window.channels.row_of(direct.id)),
                    PresenceRole,
                )
                == "online"
            )
        )

        alice.window.search()  # Ctrl+F: a panel in place of the chat list
        search = alice.window.finder
        assert search.isVisible() and not alice.window.channel_list.isVisible()
        found = search.results

        commit_like_an_input_method(search.box, "회의")  # Hangul through the input method
        await until(lambda: len(found()) == 1 and "<b>회의는</b>" in found()[0])
        search.box.clear()
        qtbot.keyClicks(search.box, "harb")
        await until(lambda: len(found()) == 1 and "<b>harbour</b>" in found()[0])
        qtbot.keyClick(search.box, Qt.Key.Key_Return)
        assert alice.window.pane.channel.id == direct.id and not search.isVisible()
        assert alice.window.channel_list.isVisible()

        alice.window.stack.setCurrentWidget(alice.window.placeholder)
        alice.window.switch()  # Ctrl+K, in the same place
        qtbot.keyClicks(search.box, "bo")
        assert search.results() == ["bob"]
        qtbot.keyClick(search.box, Qt.Key.Key_Return)
        assert alice.window.stack.currentWidget() is alice.window.pane
        assert alice.window.pane.subtitle.text() == "online"

    qloop.run_until_complete(scenario())
