"""Every device ends up with the whole chat: holes anywhere in a cached channel are found and
filled from the server, in the background and on demand."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from desktop.cache.store import Cache
from desktop.core.engine import SyncEngine
from shared.protocol import AddMembers, CreateGroup, Event, History, OpenDirect, RemoveMember, Send
from tests.desktop.test_engine import started, until
from tests.support import WAIT, ClientFactory, TestClient, new_id


def stored(engine: SyncEngine, channel_id: int) -> list[tuple[int | None, str, str]]:
    return [(m.seq, m.kind, m.text) for m in engine.cache.messages(channel_id, limit=100_000)]


async def server_history(client: TestClient, channel_id: int) -> list[tuple[int | None, str, str]]:
    events: list[tuple[int | None, str, str]] = []
    before = None
    while True:
        page = await client.request(History(channel=channel_id, before=before, limit=500))
        events[:0] = [(e.seq, e.kind, e.text) for e in page.events]
        if not page.more:
            return events
        before = page.events[0].seq


def active(engine: SyncEngine, channel_id: int) -> bool:
    channel = engine.cache.channel(channel_id)
    return channel is not None and channel.active


def test_holes_are_found_anywhere_in_a_channel(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "cache.db", "alice")
    try:
        events = [
            Event(channel=7, seq=seq, pos=seq, kind="message", sender="bob", ts=seq, text="x")
            for seq in (3, 4, 8, 10)
        ]
        cache.apply_events(events)
        assert cache.missing(7, 1, 12) == [(1, 2), (5, 7), (9, 9), (11, 12)]
        assert cache.missing(7, 4, 9) == [(5, 7), (9, 9)]
        assert cache.missing(7, 3, 4) == []
        assert cache.first_hole(7) is None  # no such channel stored
    finally:
        cache.close()


async def test_readded_member_gets_what_happened_while_away(
    make_profile, engines, clients: ClientFactory
):
    laptop = await started(engines(await make_profile("bob", "laptop", create=True)))
    alice = await clients.register("alice")
    group = (await alice.request(CreateGroup(name="club", members=["bob"]))).channel
    await alice.request(Send(channel=group.id, client_id=new_id(), text="before"))
    await until(lambda: len(stored(laptop, group.id)) == 2)
    await alice.request(RemoveMember(channel=group.id, user="bob"))
    await until(lambda: not active(laptop, group.id))
    left = await laptop.history(group.id, None, 50)  # what was kept; the server tells no more
    assert [m.kind for m in left.messages] == ["created", "message", "member_removed"]
    assert left.missing == 0
    for text in ("while away", "still away"):
        await alice.request(Send(channel=group.id, client_id=new_id(), text=text))
    await alice.request(AddMembers(channel=group.id, users=["bob"]))
    await alice.request(Send(channel=group.id, client_id=new_id(), text="back"))

    # What history gives a member: the whole channel, the stretch away included.
    whole = await server_history(alice, group.id)
    assert [(seq, text) for seq, _, text in whole if text] == [
        (2, "before"),
        (4, "while away"),
        (5, "still away"),
        (7, "back"),
    ]
    await until(lambda: stored(laptop, group.id) == whole)
    phone = await started(engines(await make_profile("bob", "phone")))
    await until(lambda: stored(phone, group.id) == whole)


async def test_new_device_fills_the_whole_chat_in_pages(
    make_profile, engines, clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("desktop.core.gaps.FILL_PAGE", 40)
    await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    for i in range(150):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=f"m{i}"))
    whole = await server_history(bob, channel.id)

    phone = engines(await make_profile("alice", "phone"))
    asked: list[History] = []
    request = phone.conn.request

    async def watched(req, timeout=None):
        if isinstance(req, History):
            asked.append(req)
        return await request(req, timeout)

    phone.conn.request = watched
    await started(phone)
    await until(lambda: stored(phone, channel.id) == whole)
    fills = [r for r in asked if r.before is not None]
    assert fills and all(r.limit <= 40 for r in fills)
    assert phone.cache.first_hole(channel.id) is None


async def test_a_range_is_filled_on_demand(make_profile, engines, clients: ClientFactory):
    await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    for i in range(120):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=f"m{i}"))
    phone = engines(await make_profile("alice", "phone"))
    phone.fill_in_background = False
    await started(phone)
    assert phone.cache.missing(channel.id, 1, 121) == [(1, 71)]  # the newest page only

    filled = await phone.fill(channel.id, 20, 30)
    assert filled.whole and phone.cache.missing(channel.id, 1, 121) == [(1, 19), (31, 71)]
    page = await phone.history(channel.id, before=60, limit=5)
    assert [m.seq for m in page.messages] == [55, 56, 57, 58, 59] and page.missing == 0


async def test_filling_stops_where_the_server_has_nothing_more(
    make_profile, engines, clients: ClientFactory
):
    await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    await bob.request(Send(channel=channel.id, client_id=new_id(), text="only"))
    phone = engines(await make_profile("alice", "phone"))
    phone.fill_in_background = False
    await started(phone)
    assert phone.cache.missing(channel.id, 1, 2) == []

    # Numbers past the newest event: the server answers with none of them, once.
    async with asyncio.timeout(WAIT):
        filled = await phone.fill(channel.id, 1, 5)
    assert filled.left == [(3, 5)] and filled.missing == 3


async def test_background_filling_outlives_a_failed_page(
    make_profile, engines, clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("desktop.core.gaps.RETRY_DELAY", 0.05)
    await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    for i in range(80):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=f"m{i}"))
    whole = await server_history(bob, channel.id)

    phone: SyncEngine = engines(await make_profile("alice", "phone"))
    first_hole = phone.cache.first_hole
    failures: list[int] = []

    def fails_once(channel_id: int) -> tuple[int, int] | None:
        if not failures:
            failures.append(channel_id)
            raise sqlite3.OperationalError("disk I/O error")
        return first_hole(channel_id)

    monkeypatch.setattr(phone.cache, "first_hole", fails_once)
    await started(phone)
    await until(lambda: stored(phone, channel.id) == whole)
    assert failures == [channel.id]
