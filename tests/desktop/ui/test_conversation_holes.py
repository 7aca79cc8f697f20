"""The conversation view asks for what it shows: events missing between its rows are
fetched from the server and take their places, except in a chat the user has left."""

from collections.abc import Callable, Coroutine
from typing import Any

from desktop.cache.store import Cache
from desktop.core.gaps import Filled
from desktop.ui.models import MessageListModel
from shared.protocol import AddMembers, CreateGroup, Event, OpenDirect, RemoveMember
from tests.desktop.ui.test_window import send_as, texts, until
from tests.support import WAIT


def test_a_hole_on_screen_is_filled_from_the_server(qtbot, qloop, net, profiles, people, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        engine = alice.bridge.engine
        engine.fill_in_background = False  # only what the view asks for
        bob = people("bob")
        group = net.submit(bob.request(CreateGroup(name="club", members=["alice"]))).result(WAIT)
        channel_id = group.channel.id
        send_as(net, bob, channel_id, "before")
        await until(lambda: alice.window.channels.row_of(channel_id) is not None)
        net.submit(bob.request(RemoveMember(channel=channel_id, user="alice"))).result(WAIT)
        await until(lambda: not engine.cache.channel(channel_id).active)
        for text in ("while away", "still away"):
            send_as(net, bob, channel_id, text)
        net.submit(bob.request(AddMembers(channel=channel_id, users=["alice"]))).result(WAIT)
        send_as(net, bob, channel_id, "back")
        await until(lambda: engine.cache.seq_bounds(channel_id)[1] == 7)
        assert engine.cache.missing(channel_id, 1, 7) == [(4, 5)]

        alice.window.open_channel(channel_id)
        await until(lambda: texts(alice) == ["before", "while away", "still away", "back"])
        model = alice.window.pane.model
        assert [model.message_at(r).seq for r in range(model.rowCount())] == list(range(1, 8))

    qloop.run_until_complete(scenario())


def test_the_model_names_the_newest_gap_it_shows(qapp, tmp_path) -> None:
    cache = Cache.open(tmp_path / "cache.db", "alice")
    try:
        cache.apply_events(
            [
                Event(channel=1, seq=seq, pos=seq, kind="message", sender="bob", ts=seq)
                for seq in (1, 2, 8, *range(300, 308))
            ]
        )
        model = MessageListModel(cache, 1)
        assert model.newest_gap() == (9, 299)
        cache.apply_events(
            [
                Event(channel=1, seq=seq, pos=seq, kind="message", sender="bob", ts=seq)
                for seq in range(9, 300)
            ]
        )
        assert MessageListModel(cache, 1).newest_gap() is None  # the newest 30, whole
    finally:
        cache.close()


def test_a_hole_in_a_chat_the_user_has_left_is_not_asked_for(
    qtbot, qloop, net, profiles, people, windows, monkeypatch
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        engine = alice.bridge.engine
        engine.fill_in_background = False
        asked: list[tuple[int, int, int]] = []
        fill: Callable[[int, int, int], Coroutine[Any, Any, Filled]] = engine.fill

        def counted(channel_id: int, low: int, high: int) -> Coroutine[Any, Any, Filled]:
            asked.append((channel_id, low, high))
            return fill(channel_id, low, high)

        monkeypatch.setattr(engine, "fill", counted)
        bob = people("bob")
        channel_id = (
            net.submit(bob.request(CreateGroup(name="club", members=["alice"])))
            .result(WAIT)
            .channel.id
        )
        send_as(net, bob, channel_id, "before")
        await until(lambda: engine.cache.channel(channel_id) is not None)
        net.submit(bob.request(RemoveMember(channel=channel_id, user="alice"))).result(WAIT)
        for text in ("while away", "still away"):
            send_as(net, bob, channel_id, text)
        net.submit(bob.request(AddMembers(channel=channel_id, users=["alice"]))).result(WAIT)
        net.submit(bob.request(RemoveMember(channel=channel_id, user="alice"))).result(WAIT)
        await until(lambda: engine.cache.seq_bounds(channel_id)[1] == 7)
        await until(lambda: not engine.cache.channel(channel_id).active)
        assert engine.cache.missing(channel_id, 1, 7) == [(4, 5)]

        alice.window.open_channel(channel_id)
        pane = alice.window.pane
        pane.view.verticalScrollBar().valueChanged.emit(0)  # scrolled to the top, too
        await until(lambda: pane._filling is None)  # whatever was asked has been answered
        assert pane.model.newest_gap() == (4, 5) and asked == []
        assert texts(alice) == ["before"]

    qloop.run_until_complete(scenario())


def test_a_direct_chat_does_not_show_the_previous_chats_member_count(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        group = net.submit(bob.request(CreateGroup(name="club", members=["alice"]))).result(WAIT)
        direct = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel
        await until(lambda: alice.window.channels.row_of(direct.id) is not None)
        alice.window.open_channel(group.channel.id)
        assert alice.window.pane.subtitle.text() == "2 members"
        alice.window.open_channel(direct.id)
        assert "members" not in alice.window.pane.subtitle.text()

    qloop.run_until_complete(scenario())
