"""Receipt marks on the user's own messages follow them from the outbox to being read, in a
direct chat and in a group ("read by N of M"), and the "Send read receipts" setting."""

import asyncio

import desktop.app
from desktop.cache.receipts import MessageReceipt
from desktop.ui.delegates import option_in
from desktop.ui.settings.privacy import PrivacyPage
from shared.protocol import AccountSettings, AddMembers, CreateGroup, GetReceipts, MarkRead
from tests.desktop.ui.test_message_actions import (
    Running,
    delegate_of,
    index_of,
    layout_of,
    message,
    shown,
)
from tests.desktop.ui.test_window import badge, direct_chat_open, type_and_send, until
from tests.support import WAIT


def mark(running: Running, text: str) -> MessageReceipt | None:
    return delegate_of(running).mark(index_of(running, message(running, text).seq))


def read_by(running: Running, text: str) -> tuple[str, ...]:
    found = mark(running, text)
    return found.read_by if found is not None else ()


def state(running: Running, text: str) -> str | None:
    """The mark of the user's message ``text``: sending, sent, delivered or read."""
    rows = [m for m in shown(running) if m.text == text]
    if not rows:
        return None
    if rows[0].seq is None:  # still in the outbox
        pane = running.window.pane
        assert pane.model is not None
        row = next(r for r in range(pane.model.rowCount()) if pane.model.message_at(r) is rows[0])
        found = delegate_of(running).mark(pane.model.index(row))
    else:
        found = mark(running, text)
    return found.state if found is not None else None


def privacy_page(running: desktop.app.Running) -> PrivacyPage:
    """The Settings window's Privacy page, where read receipts are turned off and on."""
    page = running.settings.page("Privacy")
    assert isinstance(page, PrivacyPage)
    return page


def tooltip(running: Running, text: str) -> str:
    """What hovering the mark of the message ``text`` says."""
    seq = message(running, text).seq
    index = index_of(running, seq)
    spot = layout_of(running, seq).mark
    assert spot is not None
    view = running.window.pane.view
    return delegate_of(running).tooltip(option_in(view, index), index, spot.center())


def test_a_message_goes_from_sending_to_read_and_stops_at_delivered_without_read_receipts(
    qtbot, qloop, host, profiles, windows
):
    async def scenario() -> None:
        alice, bob = await direct_chat_open(profiles, windows)
        alice.window.activateWindow()  # Bob's window is behind: he has not read anything
        receipts_box = privacy_page(bob).read_receipts
        assert receipts_box.isEnabled()
        assert receipts_box.isChecked()

        await asyncio.to_thread(host.stop)
        await until(lambda: "Offline" in alice.window.state_label.text())
        type_and_send(qtbot, alice, "are you there?")
        await until(lambda: state(alice, "are you there?") == "sending")
        await asyncio.to_thread(host.restart)
        await until(lambda: state(alice, "are you there?") == "delivered", timeout=30)
        assert tooltip(alice, "are you there?") == "Delivered"

        bob.window.activateWindow()  # Bob reads it
        await until(lambda: state(alice, "are you there?") == "read")
        assert tooltip(alice, "are you there?") == "Read"

        # Bob stops sending read receipts: Alice's next message is delivered, never read.
        receipts_box.click()
        await until(lambda: bob.bridge.engine.settings == AccountSettings(read_receipts=False))
        assert not receipts_box.isChecked()
        alice.window.activateWindow()
        type_and_send(qtbot, alice, "still there?")
        await until(lambda: state(alice, "still there?") == "delivered")
        assert bob.window.pane.channel is not None
        chat = bob.window.pane.channel.id
        bob.window.activateWindow()
        await until(lambda: badge(bob, chat) == 0 and not bob.bridge.cache.reads_to_send())
        told = await alice.bridge.ask(alice.bridge.engine.request, GetReceipts(channels=[chat]))
        [of_bob] = [r for r in told.receipts if r.user == "bob"]
        assert of_bob.read == 0 and of_bob.delivered >= message(alice, "still there?").seq
        alice.window.pane.receipts_changed(chat)  # read again from the cache, as on a push
        assert state(alice, "still there?") == "delivered"
        assert state(alice, "are you there?") == "delivered"  # what he read is hidden now too

    qloop.run_until_complete(scenario())


def test_a_group_message_says_who_of_how_many_read_it(qtbot, qloop, net, profiles, people, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = await windows(profiles("bob", "laptop", create=True))
        carol = people("carol")
        reply = await alice.bridge.ask(
            alice.bridge.engine.request, CreateGroup(name="trip", members=["bob"])
        )
        group = reply.channel.id
        await alice.bridge.ask(
            alice.bridge.engine.request, AddMembers(channel=group, users=["carol"])
        )
        alice.window.open_channel(group)
        await until(lambda: bob.window.channels.row_of(group) is not None)
        alice.window.activateWindow()
        type_and_send(qtbot, alice, "tickets are booked")
        await until(lambda: state(alice, "tickets are booked") in ("sent", "delivered"))
        seq = message(alice, "tickets are booked").seq
        assert seq is not None

        net.submit(carol.request(MarkRead(channel=group, seq=seq))).result(WAIT)
        await until(lambda: read_by(alice, "tickets are booked") == ("carol",))
        assert tooltip(alice, "tickets are booked").endswith("Read by 1 of 2\ncarol")

        bob.window.open_channel(group)
        bob.window.activateWindow()
        await until(lambda: state(alice, "tickets are booked") == "read")
        assert tooltip(alice, "tickets are booked") == "Read by 2 of 2\nbob, carol"

    qloop.run_until_complete(scenario())
