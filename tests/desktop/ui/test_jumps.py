"""Moving through a long chat: it opens at the first unread message, a search hit opens its
chat at the message (read around it from the cache, however far back), and a button jumps to
the newest. Real server, real window (offscreen)."""

from PySide6.QtCore import Qt

from desktop.app import Running
from desktop.ui.models import MessageListModel
from shared.protocol import OpenDirect
from tests.desktop.ui.test_window import badge, send_as, until
from tests.support import WAIT

MESSAGES = 400  # far more than a chat opens with


def model_of(running: Running) -> MessageListModel:
    model = running.window.pane.model
    assert model is not None, "no chat is open"
    return model


def on_screen(running: Running, seq: int) -> bool:
    model, view = model_of(running), running.window.pane.view
    row = model.row_of_seq(seq)
    return row is not None and view.viewport().rect().contains(
        view.visualRect(model.index(row)).center()
    )


def long_chat(net, people, alice: Running) -> tuple[int, list[int]]:
    bob = people("bob")
    chat = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel.id
    seqs = [send_as(net, bob, chat, f"line {n}" if n != 20 else "the harbour key").seq
            for n in range(MESSAGES)]  # fmt: skip
    return chat, seqs


def test_a_chat_opens_at_its_first_unread_and_jumps_to_the_newest(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        chat, seqs = long_chat(net, people, alice)
        await until(lambda: badge(alice, chat) == MESSAGES)
        alice.bridge.post(alice.bridge.engine.mark_read, chat, seqs[99])  # read 100 of them
        await until(lambda: badge(alice, chat) == MESSAGES - 100)

        alice.window.open_channel(chat)
        pane = alice.window.pane
        model = model_of(alice)
        assert not model.at_newest and model.rowCount() <= 101  # a page each side
        await until(lambda: on_screen(alice, seqs[100]))  # the first unread
        assert not on_screen(alice, seqs[-1]) and pane.newest_button.isVisible()
        assert badge(alice, chat) == MESSAGES - 100  # what is not on screen is not read

        qtbot.mouseClick(pane.newest_button, Qt.MouseButton.LeftButton)
        await until(lambda: on_screen(alice, seqs[-1]))
        assert model_of(alice).at_newest and not pane.newest_button.isVisible()
        await until(lambda: badge(alice, chat) == 0)  # the newest on screen: read

    qloop.run_until_complete(scenario())


def test_a_search_hit_opens_its_chat_at_the_message_marked(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        chat, seqs = long_chat(net, people, alice)
        await until(lambda: alice.bridge.cache.message(chat, seqs[-1]) is not None)
        alice.window.open_channel(chat)
        alice.window.pane.jump_to_newest()

        alice.window.search()
        finder = alice.window.finder
        qtbot.keyClicks(finder.box, "harbour")
        await until(lambda: len(finder.results()) == 1)
        [hit] = finder.results()
        assert "<b>harbour</b>" in hit and "· 20" in hit  # the date it was written
        qtbot.keyClick(finder.box, Qt.Key.Key_Return)

        model = model_of(alice)
        assert not finder.isVisible() and not model.at_newest  # read around it, not down to it
        await until(lambda: model.highlighted == seqs[20] and on_screen(alice, seqs[20]))
        assert alice.window.pane.newest_button.isVisible()
        await until(lambda: model.highlighted is None)  # the mark fades

        view = alice.window.pane.view
        for _ in range(MESSAGES // 100 + 1):  # reading down loads newer pages to the newest
            view.doItemsLayout()
            view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
        assert model.at_newest and model.row_of_seq(seqs[-1]) is not None

    qloop.run_until_complete(scenario())
