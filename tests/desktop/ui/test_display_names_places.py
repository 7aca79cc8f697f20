"""Display names in the last places that showed user names, with a real server: a group's
event lines (who created it, added, removed, left), who read a message, who reacted, the
newest message's sender in the chat list, the members dialog while it is open, and finding
a chat by a display name in the filter and in Ctrl+K "go to chat"."""

import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop.ui.delegates import event_sentence, option_in
from desktop.ui.dialogs import MembersDialog
from desktop.ui.models import SenderRole
from shared.protocol import (
    AddMembers,
    CreateGroup,
    LeaveChannel,
    MarkRead,
    OpenDirect,
    React,
    RemoveMember,
    UpdateSettings,
)
from tests.desktop.ui.test_display_names_window import members
from tests.desktop.ui.test_message_actions import delegate_of, index_of, layout_of, message, shown
from tests.desktop.ui.test_receipt_marks import read_by, tooltip
from tests.desktop.ui.test_window import send_as, type_and_send, until
from tests.support import WAIT, new_id


def name_as(net, conn, display_name: str) -> None:
    """Someone sets their display name, from their phone."""
    net.submit(conn.request(UpdateSettings(display_name=display_name))).result(WAIT)


def event_lines(running) -> list[str]:
    """The open chat's event lines, as the window says them."""
    pane = running.window.pane
    assert pane.model is not None
    rows = [pane.model.message_at(r) for r in range(pane.model.rowCount())]
    shown = delegate_of(running).bubbles.shown
    return [event_sentence(m, shown) for m in rows if m.kind != "message"]


def test_group_events_receipts_reactions_and_the_preview_show_display_names(
    qtbot, qloop, net, people, profiles, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob, carol = people("bob"), people("carol")
        people("dave")
        name_as(net, bob, "Bob Builder")
        name_as(net, carol, "Carol")
        made = net.submit(bob.request(CreateGroup(name="trip", members=["alice", "carol"])))
        group = made.result(WAIT).channel.id
        net.submit(bob.request(AddMembers(channel=group, users=["dave"]))).result(WAIT)
        net.submit(bob.request(RemoveMember(channel=group, user="dave"))).result(WAIT)
        net.submit(carol.request(LeaveChannel(channel=group))).result(WAIT)
        send_as(net, bob, group, "who brings the tent?")
        await until(lambda: alice.window.channels.row_of(group) is not None)
        await until(lambda: alice.bridge.engine.shown_name("bob") == "Bob Builder")
        row = alice.window.channels.index(alice.window.channels.row_of(group))
        await until(lambda: row.data(SenderRole) == "Bob Builder")  # the chat list's preview

        alice.window.open_channel(group)
        await until(lambda: len(event_lines(alice)) == 4)
        assert event_lines(alice) == [
            "Bob Builder created the group “trip”",
            "Bob Builder added dave",  # dave set none: his user name
            "Bob Builder removed dave",
            "Carol left",
        ]

        type_and_send(qtbot, alice, "I do")
        await until(lambda: any(m.text == "I do" and m.seq for m in shown(alice)))
        seq = message(alice, "I do").seq
        assert seq is not None
        net.submit(bob.request(MarkRead(channel=group, seq=seq))).result(WAIT)
        await until(lambda: read_by(alice, "I do") == ("bob",))
        assert tooltip(alice, "I do") == "Read by 1 of 1\nBob Builder"

        liked = React(channel=group, seq=seq, emoji="👍", client_id=new_id())
        net.submit(bob.request(liked)).result(WAIT)
        await until(lambda: bool(message(alice, "I do").reactions))
        [chip] = layout_of(alice, seq).chips
        index, view = index_of(alice, seq), alice.window.pane.view
        said = delegate_of(alice).tooltip(option_in(view, index), index, chip.rect.center())
        assert said == "👍 Bob Builder"
        alice.window.grab().save("/tmp/group-events.png")

    qloop.run_until_complete(scenario())


def test_the_members_dialog_follows_names_changed_while_it_is_open(
    qtbot, qloop, net, people, profiles, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        made = await alice.bridge.ask(
            alice.bridge.engine.request, CreateGroup(name="club", members=["bob"])
        )
        group = made.channel.id
        dialog = MembersDialog(alice.window, alice.bridge, alice.bridge.cache.channel(group))
        dialog.show()
        dialog.list.setCurrentRow(1)  # bob, chosen to be removed
        assert members(dialog)[1].startswith("bob")

        name_as(net, bob, "Bob Builder")
        await until(lambda: members(dialog)[1].startswith("Bob Builder (@bob)"))
        assert dialog.list.currentRow() == 1  # still chosen
        assert dialog.list.currentItem().data(Qt.ItemDataRole.UserRole) == "bob"

        people("carol")
        await alice.bridge.ask(
            alice.bridge.engine.request, AddMembers(channel=group, users=["carol"])
        )
        await until(lambda: len(members(dialog)) == 3)  # the group changed elsewhere
        dialog.grab().save("/tmp/members-dialog.png")
        dialog.close()
        dialog.deleteLater()

    qloop.run_until_complete(scenario())


@pytest.mark.parametrize("typed", ["liddell", "@ALI", "Alice L"])
def test_a_chat_is_found_by_display_name_and_by_user_name(
    qtbot, qloop, net, people, profiles, windows, typed
):
    async def scenario() -> None:
        bob = await windows(profiles("bob", "laptop", create=True))
        alice, carol = people("alice"), people("carol")
        name_as(net, alice, "Alice Liddell")
        chats = [net.submit(c.request(OpenDirect(user="bob"))).result(WAIT) for c in (alice, carol)]
        direct = chats[0].channel.id
        await until(lambda: bob.window.channels.rowCount() == 2)
        await until(lambda: bob.bridge.engine.shown_name("alice") == "Alice Liddell")

        window = bob.window
        window.filter_box.setText(typed)
        assert window.filtered.rowCount() == 1
        found = window.filtered.mapToSource(window.filtered.index(0, 0, QModelIndex()))
        assert window.channels.channel_at(found.row()).id == direct
        window.filter_box.clear()
        assert window.filtered.rowCount() == 2

        window.switch()  # Ctrl+K
        window.finder.box.setText(typed)
        assert window.finder.results() == ["Alice Liddell (@alice)"]
        window.finder.box.setText("car")
        assert window.finder.results() == ["carol"]  # no display name: the user name
        window.finder.close_panel()

    qloop.run_until_complete(scenario())


def test_a_message_found_shows_its_sender_by_display_name(
    qtbot, qloop, net, people, profiles, windows
):
    async def scenario() -> None:
        bob = await windows(profiles("bob", "laptop", create=True))
        alice = people("alice")
        name_as(net, alice, "Alice Liddell")
        chat = net.submit(alice.request(OpenDirect(user="bob"))).result(WAIT).channel
        send_as(net, alice, chat.id, "the walrus and the carpenter")
        await until(
            lambda: any(m.text.startswith("the walrus") for m in bob.bridge.cache.messages(chat.id))
        )
        await until(lambda: bob.bridge.engine.shown_name("alice") == "Alice Liddell")

        window = bob.window
        window.search()  # Ctrl+F
        window.finder.box.setText("walrus")
        await until(lambda: len(window.finder.results()) == 1)
        [found] = window.finder.results()
        # The chat and the sender, each as shown elsewhere: by display name.
        assert found.startswith("<b>Alice Liddell</b> · Alice Liddell · ")

    qloop.run_until_complete(scenario())
