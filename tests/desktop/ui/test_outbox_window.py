"""The window and messages not sent: failed ones counted apart, retried and discarded from
the bubble or the list of unsent messages (also in a chat the user has left), a first message
to someone while the server is away, and the time of writing on the bubble."""

import asyncio

from PySide6.QtWidgets import QApplication, QMenu

from desktop.cache.views import MessageView
from desktop.core.events import MessageUpdated
from desktop.ui.delegates import MessageDelegate, clock
from desktop.ui.dialogs import FormDialog
from desktop.ui.models import EndedRole
from desktop.ui.outbox import FirstMessageDialog, OutboxDialog
from shared.client import Connection
from shared.protocol import ChannelReply, CreateGroup, ListChannels, RemoveMember
from tests.desktop.ui.test_window import last, texts, until
from tests.support import WAIT


def _group_alice_was_removed_from(net, people, alice) -> tuple[int, Connection]:
    bob = people("bob")
    group = net.submit(bob.request(CreateGroup(name="club", members=["alice"]))).result(WAIT)
    assert isinstance(group, ChannelReply)
    return group.channel.id, bob


async def _removed(net, bob, alice, group_id: int) -> None:
    net.submit(bob.request(RemoveMember(channel=group_id, user="alice"))).result(WAIT)
    await until(lambda: not alice.bridge.cache.channel(group_id).active)


def test_failed_message_is_counted_apart_retried_and_discarded_from_its_bubble(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        group_id, bob = _group_alice_was_removed_from(net, people, alice)
        await until(lambda: alice.window.channels.row_of(group_id) is not None)
        alice.window.open_channel(group_id)
        await _removed(net, bob, alice, group_id)

        alice.bridge.post(alice.bridge.engine.send, group_id, "still here?")
        await until(lambda: texts(alice) == ["still here?"] and last(alice).state == "failed")
        await until(lambda: "1 not sent" in alice.window.state_label.text())
        assert "waiting to send" not in alice.window.state_label.text()
        assert alice.window.outbox_button.isVisibleTo(alice.window)

        menu = _bubble_menu(alice)
        retry, discard = menu.actions()
        assert (retry.text(), discard.text()) == ("Retry", "Discard")
        states: list[str] = []
        alice.bridge.engine_event.connect(
            lambda e: states.append(e.message.state) if isinstance(e, MessageUpdated) else None
        )
        retry.trigger()
        await until(lambda: states[-2:] == ["pending", "failed"])  # tried again, refused again
        assert last(alice).state == "failed"
        _bubble_menu(alice).actions()[1].trigger()
        await until(lambda: texts(alice) == [])
        await until(lambda: "not sent" not in alice.window.state_label.text())
        assert alice.bridge.cache.outbox() == []
        assert not alice.window.outbox_button.isVisibleTo(alice.window)

    qloop.run_until_complete(scenario())


def _bubble_menu(running) -> QMenu:
    """The menu a right-click on the newest bubble opens."""
    pane = running.window.pane
    index = pane.model.index(pane.model.rowCount() - 1)
    before = set(pane.findChildren(QMenu))
    pane.view.customContextMenuRequested.emit(pane.view.visualRect(index).center())
    [menu] = [m for m in pane.findChildren(QMenu) if m not in before and m.isVisible()]
    assert isinstance(menu, QMenu)
    menu.hide()
    return menu


def test_failed_message_in_a_left_chat_is_listed_and_discarded(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        group_id, bob = _group_alice_was_removed_from(net, people, alice)
        await until(lambda: alice.bridge.cache.channel(group_id) is not None)
        await _removed(net, bob, alice, group_id)
        alice.bridge.post(alice.bridge.engine.send, group_id, "lost in a left group?")
        await until(lambda: alice.bridge.cache.outbox_counts() == (0, 1))
        # The chat list keeps it, readable, saying why nothing can be written there (once
        # its coalesced re-read has run).
        channels = alice.window.channels

        def ended() -> object:
            row = channels.row_of(group_id)
            return None if row is None else channels.index(row).data(EndedRole)

        await until(lambda: ended() == "You were removed from this group")

        alice.window.outbox_button.click()
        [dialog] = alice.window.findChildren(OutboxDialog)
        assert dialog.list.count() == 1
        assert dialog.list.item(0).text().startswith("club — lost in a left group?")
        assert "not sent" in dialog.list.item(0).text()
        dialog.list.setCurrentRow(0)
        assert dialog.discard_button.isEnabled() and dialog.retry_all_button.isEnabled()
        dialog.discard_button.click()
        await until(lambda: dialog.list.count() == 0)
        assert alice.bridge.cache.outbox() == []
        assert not dialog.retry_all_button.isEnabled()  # nothing is left to retry
        dialog.accept()
        # Closed is gone: no hidden copy goes on following the engine's events.
        await until(lambda: alice.window.findChildren(OutboxDialog) == [])

    qloop.run_until_complete(scenario())


def test_new_chat_while_the_server_is_away_queues_the_first_message(
    qtbot, qloop, net, host, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        await asyncio.to_thread(host.stop)
        await until(lambda: "Offline" in alice.window.state_label.text())

        alice.window.new_chat()
        form = await _shown(alice.window, FormDialog)
        form.edits[0].setText("bob")
        form.accept()
        first = await _shown(alice.window, FirstMessageDialog)
        assert first.send_button.text() == "Send" and not first.send_button.isEnabled()
        first.edit.setPlainText("\u200b")
        assert not first.send_button.isEnabled()  # nothing visible to send
        first.edit.setPlainText("hello from the train")
        first.send_button.click()
        await until(lambda: "1 waiting to send" in alice.window.state_label.text())
        [queued] = alice.bridge.cache.outbox()
        assert (queued.to_user, queued.text) == ("bob", "hello from the train")

        await asyncio.to_thread(host.restart)
        await until(lambda: alice.bridge.cache.outbox() == [], timeout=30)
        channels = net.submit(bob.request(ListChannels())).result(WAIT).channels
        [channel] = channels
        await until(lambda: alice.window.channels.row_of(channel.id) is not None)
        alice.window.open_channel(channel.id)
        assert texts(alice) == ["hello from the train"]
        assert last(alice).written == queued.written

        # Offline again, New chat with bob opens the chat this device knows.
        await asyncio.to_thread(host.stop)
        await until(lambda: "Offline" in alice.window.state_label.text())
        alice.window.stack.setCurrentWidget(alice.window.placeholder)
        alice.window.new_chat()
        form = await _shown(alice.window, FormDialog)
        form.edits[0].setText("@Bob")
        form.accept()
        await until(lambda: alice.window.stack.currentWidget() is alice.window.pane)
        assert alice.window.pane.channel.id == channel.id
        assert not any(d.isVisible() for d in alice.window.findChildren(FirstMessageDialog))

    qloop.run_until_complete(scenario())


async def _shown(window, kind):
    """The dialog of ``kind`` the window opened, once it is on screen."""
    await until(lambda: any(d.isVisible() for d in window.findChildren(kind)))
    return next(d for d in window.findChildren(kind) if d.isVisible())


def test_bubble_shows_the_time_of_writing(qapp: QApplication):
    written, accepted = 1_700_000_000_000, 1_700_000_000_000 + 3 * 3600 * 1000
    message = MessageView(1, 2, "message", "alice", "late", accepted, written=written)
    delegate = MessageDelegate("alice", group=False, marker_seq=None)
    assert delegate._footer(message) == clock(written)  # the receipt mark is drawn beside
    assert clock(written) != clock(accepted)
