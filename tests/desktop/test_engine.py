"""The sync engine against a real server: catch-up, outbox, reads, gaps, search offline."""

import asyncio
import sqlite3
from collections.abc import Callable

import msgspec
import pytest

from desktop.cache.schema import SCHEMA_MAJOR, CacheTooNew
from desktop.cache.store import Cache
from desktop.cache.views import ChannelView
from desktop.core.engine import EngineFailed, SyncEngine
from desktop.core.events import EngineState, StateChanged, UnreadChanged
from shared.protocol import (
    ChannelInfo,
    CreateGroup,
    Event,
    EventPush,
    History,
    OpenDirect,
    ReadCursor,
    RemoveMember,
    Send,
    Sync,
    SyncPage,
)
from syncserver.server import SyncServer
from tests.support import WAIT, ClientFactory, new_id, same_place


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait for ``condition`` to hold, checking after every loop turn."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def cached(engine: SyncEngine, channel_id: int) -> ChannelView:
    """The channel as the engine's cache holds it; fails if the cache does not have it."""
    channel = engine.cache.channel(channel_id)
    assert channel is not None, f"channel {channel_id} is not in the cache"
    return channel


def texts(engine: SyncEngine, channel_id: int, limit: int = 5000) -> list[str]:
    return [m.text for m in engine.cache.messages(channel_id, limit=limit) if m.kind == "message"]


async def started(engine: SyncEngine) -> SyncEngine:
    await engine.start()
    await engine.wait_caught_up(WAIT)
    return engine


async def alice_chatting_with_bob(make_profile, engines, clients: ClientFactory):
    """Alice's laptop online, Bob as a protocol client, and their direct chat."""
    profile = await make_profile("alice", "laptop", create=True)
    engine = await started(engines(profile))
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    await until(lambda: engine.cache.channel(channel.id) is not None)
    return profile, engine, bob, channel


async def test_two_profiles_of_one_user_stay_consistent(
    make_profile, engines, clients: ClientFactory
):
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone = await started(engines(await make_profile("alice", "phone")))
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    for i in range(5):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=f"bob {i}"))
    laptop.send(channel.id, "from the laptop")
    phone.send(channel.id, "from the phone")

    def same() -> bool:
        a, b = laptop.cache.messages(channel.id), phone.cache.messages(channel.id)
        return len(a) == 8 and [(m.seq, m.text, m.state) for m in a] == [
            (m.seq, m.text, m.state) for m in b
        ]

    await until(same)
    seqs = [m.seq for m in laptop.cache.messages(channel.id)]
    assert seqs == list(range(1, 9))  # gap-free, same order everywhere
    assert {m.state for m in phone.cache.messages(channel.id)} == {"sent"}


async def test_profile_offline_for_1000_messages_catches_up_exactly(
    make_profile, engines, clients: ClientFactory
):
    profile, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    await engine.stop()

    sent = [f"m{i}" for i in range(1000)]
    for chunk in range(0, 1000, 100):
        await asyncio.gather(
            *(
                bob.request(Send(channel=channel.id, client_id=new_id(), text=t))
                for t in sent[chunk : chunk + 100]
            )
        )
    assert texts(engine, channel.id) == []  # nothing arrived while it was offline

    again = await started(engines(profile))
    stored = again.cache.messages(channel.id, limit=2000)
    assert [m.seq for m in stored] == list(range(1, 1002))  # "created" then 1,000, no gaps
    assert sorted(m.text for m in stored if m.kind == "message") == sorted(sent)
    assert cached(again, channel.id).unread == 1000


async def test_composed_offline_delivered_in_order_after_reconnect(
    make_profile, engines, clients: ClientFactory
):
    profile, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    await engine.stop()  # offline: nothing can be sent

    written = [engine.send(channel.id, f"offline {i}") for i in range(5)]
    assert [m.state for m in written] == ["pending"] * 5
    ids = [m.client_id for m in written]  # time first: the server's id index grows at its end
    assert ids == sorted(ids) and len(set(ids)) == 5
    shown = engine.cache.messages(channel.id)
    assert [(m.text, m.state) for m in shown[-5:]] == [
        (f"offline {i}", "pending") for i in range(5)
    ]

    reopened = await started(engines(profile))
    await until(lambda: not reopened.cache.outbox())
    page = await bob.request(History(channel=channel.id))
    assert [e.text for e in page.events if e.kind == "message"] == [
        f"offline {i}" for i in range(5)
    ]
    stored = reopened.cache.messages(channel.id)
    assert [(m.seq, m.state) for m in stored] == [(i, "sent") for i in range(1, 7)]


async def test_read_on_one_profile_clears_unread_on_the_other(
    make_profile, engines, clients: ClientFactory
):
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone = await started(engines(await make_profile("alice", "phone")))
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    for i in range(3):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=f"{i}"))
    for engine in (laptop, phone):

        def three_unread(e: SyncEngine = engine) -> bool:
            return unread(e, channel.id) == 3

        await until(three_unread)

    seen: list[UnreadChanged] = []
    phone.subscribe(lambda e: seen.append(e) if isinstance(e, UnreadChanged) else None)
    laptop.mark_read(channel.id)
    assert cached(laptop, channel.id).unread == 0  # at once, locally
    await until(lambda: cached(phone, channel.id).unread == 0)
    [cleared] = [e for e in seen if e.read_elsewhere]
    assert (cleared.channel, cleared.unread) == (channel.id, 0)
    # The phone's next catch-up may announce the chat again (the sync page that created it
    # arrives after the read), not read elsewhere then, but the count never comes back.
    assert all(e.unread == 0 for e in seen[seen.index(cleared) :])


async def test_a_read_position_that_comes_with_the_chat_counts_as_read_elsewhere(tmp_path):
    """A sync page that brings a chat's fresh state (its membership changed within the page)
    brings the user's read position in it: raised there, the chat was read on another
    device, as when the page's read cursors raise it."""
    cache = Cache.open(tmp_path / "alice.sqlite3", "alice")
    try:
        chat = ChannelInfo(
            id=1, kind="direct", name="", members=["alice", "bob"], owner=None, last_seq=3,
            read_seq=0,
        )  # fmt: skip
        cache.apply_channel(chat)
        cache.apply_events(
            [
                Event(channel=1, seq=s, pos=s, kind="message", sender="bob", ts=s, text=f"{s}")
                for s in (1, 2, 3)
            ]
        )
        assert cache.unread(1) == 3
        read = ReadCursor(channel=1, seq=3)
        page = SyncPage(
            rid=1, events=[], reads=[read], channels=[msgspec.structs.replace(chat, read_seq=3)],
            next=4, more=False,
        )  # fmt: skip
        applied = cache.apply_page(page)
        assert (applied.reads, cache.unread(1)) == ({1}, 0)
    finally:
        cache.close()


def unread(engine: SyncEngine, channel_id: int) -> int | None:
    channel = engine.cache.channel(channel_id)
    return channel.unread if channel else None


async def test_dropped_push_is_recovered_from_the_server(
    make_profile, engines, clients: ClientFactory
):
    _, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    await until(lambda: engine.cache.seq_bounds(channel.id)[1] == 1)

    # Lose the next message push on the way in, as ZeroMQ does when a queue is full.
    deliver = engine.conn.on_push
    lost: list[EventPush] = []

    def lossy(push):
        if isinstance(push, EventPush) and not lost:
            lost.append(push)
            return
        deliver(push)

    engine.conn.on_push = lossy
    for text in ("one", "two", "three"):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=text))
    await until(lambda: texts(engine, channel.id) == ["one", "two", "three"])
    assert lost and lost[0].event.text == "one"
    assert [m.seq for m in engine.cache.messages(channel.id)] == [1, 2, 3, 4]


async def test_refused_message_is_marked_failed_with_the_reason(
    make_profile, engines, clients: ClientFactory
):
    engine = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await clients.register("bob")
    group = (await bob.request(CreateGroup(name="club", members=["alice"]))).channel
    await until(lambda: engine.cache.channel(group.id) is not None)
    await bob.request(RemoveMember(channel=group.id, user="alice"))
    await until(lambda: not cached(engine, group.id).active)

    queued = engine.send(group.id, "can I still post?")
    await until(lambda: engine.cache.outbox()[0].state == "failed")
    [failed] = engine.cache.outbox()
    assert failed.client_id == queued.client_id
    assert failed.error is not None and "not in channel" in failed.error
    with pytest.raises(ValueError):
        engine.send(group.id, "x" * 100_001)
    for blank in ("\u200b", "\x00"):
        with pytest.raises(ValueError, match="visible text"):
            engine.send(group.id, blank)
    assert len(engine.cache.outbox()) == 1


async def test_crash_while_a_page_is_asked_ahead_loses_nothing(
    make_profile, engines, clients: ClientFactory, monkeypatch
):
    monkeypatch.setattr("desktop.core.engine.SYNC_PAGE", 100)
    profile, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    await engine.stop()
    sent = [f"m{i}" for i in range(350)]
    for chunk in range(0, len(sent), 50):
        await asyncio.gather(
            *(
                bob.request(Send(channel=channel.id, client_id=new_id(), text=t))
                for t in sent[chunk : chunk + 50]
            )
        )

    crashing = engines(profile)
    asked: list[Sync] = []
    too_far: list[tuple[Sync, int]] = []  # requests that confirmed more than was stored
    request = crashing.conn.request

    async def watched(req, timeout=None):
        if isinstance(req, Sync):
            asked.append(req)
            stored = crashing.cache.sync_cursor() or 0
            assert req.after is not None  # the engine always says where it stands
            confirmed = req.after if req.confirm is None else min(req.confirm, req.after)
            if confirmed > stored:
                too_far.append((req, stored))
        return await request(req, timeout)

    crashing.conn.request = watched
    store = crashing.cache.apply_page
    pages: list[int] = []  # ``next`` of each page handed to the cache
    crashed = asyncio.Event()

    def crash_on_second_page(page):
        pages.append(page.next)
        if len(pages) == 2:
            crashed.set()
            raise RuntimeError("the app died while storing")  # nothing of it committed
        return store(page)

    crashing.cache.apply_page = crash_on_second_page
    await crashing.start()
    await asyncio.wait_for(crashed.wait(), WAIT)
    await crashing.stop()
    # The third page had been asked for before the second was stored, confirming the first.
    assert asked[-1].after == pages[1] and asked[-1].confirm == pages[0]
    assert crashing.cache.sync_cursor() == pages[0]
    assert too_far == []
    crashing.cache.close()

    again = await started(engines(profile))
    assert again.conn.welcome is not None
    assert again.conn.welcome.sync_cursor <= pages[0]  # the server never got ahead of the cache
    stored = again.cache.messages(channel.id, limit=1000)
    assert [m.seq for m in stored] == list(range(1, len(sent) + 2))  # "created", then all
    assert sorted(m.text for m in stored if m.kind == "message") == sorted(sent)
    assert cached(again, channel.id).unread == len(sent)


def indexed_up_to(cache: Cache) -> int:
    return int(cache.setting("indexed_up_to") or 0)


def newest_id(cache: Cache) -> int:
    return int(cache._m.db.execute_sql("SELECT MAX(id) FROM message").fetchone()[0])


async def test_caught_up_messages_are_indexed_for_search_in_the_background(
    make_profile, engines, clients: ClientFactory
):
    profile, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    await engine.stop()
    for i in range(40):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=f"harbour {i}"))
    again = await started(engines(profile))
    await until(lambda: indexed_up_to(again.cache) == newest_id(again.cache))
    db = again.cache._m.db
    indexed = "SELECT COUNT(*) FROM message_fts WHERE message_fts MATCH 'harbour'"
    assert db.execute_sql(indexed).fetchone()[0] == 40
    assert len(again.cache.search("harbour")) == 40


async def test_search_finds_caught_up_messages_not_indexed_before_a_restart(
    make_profile, engines, clients: ClientFactory, monkeypatch
):
    profile, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    await engine.stop()
    for i in range(30):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=f"lighthouse {i}"))

    async def stopped_before_indexing(self) -> None:
        return None

    monkeypatch.setattr(SyncEngine, "_index_for_search", stopped_before_indexing)
    again = await started(engines(profile))
    assert len(texts(again, channel.id)) == 30
    assert again.cache.index_pending(limit=10)  # a part, then the app stops (or dies)
    await again.stop()
    again.cache.close()

    cache = Cache.open(profile.cache_path, "alice")
    try:
        assert indexed_up_to(cache) < newest_id(cache)
        hits = cache.search("lighthouse", limit=100)
        assert sorted(h.message.text for h in hits) == sorted(f"lighthouse {i}" for i in range(30))
        assert indexed_up_to(cache) == newest_id(cache)
        assert len(cache.search("lighthouse", limit=100)) == 30  # each message indexed once
    finally:
        cache.close()


async def test_search_finds_messages_offline(make_profile, engines, clients: ClientFactory, server):
    _, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    for text in (
        "the harbour at dawn",
        "Harbour lights tonight",
        "unrelated",
        "부산 항구에서 만나요",
    ):
        await bob.request(Send(channel=channel.id, client_id=new_id(), text=text))
    await until(lambda: len(texts(engine, channel.id)) == 4)
    await engine.stop()
    await server.stop()  # no server at all: search is local

    hits = engine.cache.search("harbour")
    assert {h.message.text for h in hits} == {"the harbour at dawn", "Harbour lights tonight"}
    for hit in hits:
        start, end = hit.spans[0]
        assert hit.message.text[start:end].lower() == "harbour"
    [korean] = engine.cache.search("항구")  # a prefix of the word 항구에서
    assert korean.message.text[slice(*korean.spans[0])] == "항구에서"
    assert engine.cache.search('"; DROP TABLE message; --') == []


async def test_cache_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "alice.sqlite3"
    Cache.open(path, "alice").close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {(SCHEMA_MAJOR + 1) * 1000}")
    before = path.read_bytes()
    with pytest.raises(CacheTooNew, match="newer Tidings"):
        Cache.open(path, "alice")
    assert path.read_bytes() == before


async def test_changed_server_key_stops_the_engine(make_profile, engines, server, tmp_path):
    profile = await make_profile("alice", "laptop", create=True)
    engine = engines(profile)
    (server.config.data_dir / "server.key").unlink()  # the server gets a new identity
    await server.stop()
    replacement = SyncServer(same_place(server))
    await replacement.start()
    try:
        await engine.start()
        with pytest.raises(EngineFailed) as err:
            await engine.wait_caught_up(WAIT)
    finally:
        await replacement.stop()
    assert engine.state == EngineState.FAILED
    assert "SHA256:" in str(err.value) and "intercepting" in engine.failure


async def test_connection_state_is_observable(make_profile, engines, server):
    engine = engines(await make_profile("alice", "laptop", create=True))
    states: list[EngineState] = []
    engine.subscribe(lambda e: states.append(e.state) if isinstance(e, StateChanged) else None)
    await started(engine)
    assert states[-2:] == [EngineState.SYNCING, EngineState.ONLINE]
    assert EngineState.CONNECTING in states
    await server.stop()
    await until(lambda: engine.state == EngineState.OFFLINE)
    engine.send(1, "written while offline")  # the outbox takes it anyway
    assert [m.state for m in engine.cache.outbox()] == ["pending"]


async def test_cursor_unknown_to_the_server_starts_from_a_snapshot(
    make_profile, engines, clients: ClientFactory
):
    profile, engine, bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    await engine.stop()
    engine.cache.set_setting("sync_cursor", str(10**9))  # as if the server lost its newest data
    await bob.request(Send(channel=channel.id, client_id=new_id(), text="after the restore"))
    again = await started(engines(profile))
    assert texts(again, channel.id) == ["after the restore"]
    cursor = again.cache.sync_cursor()
    assert cursor is not None and cursor < 10**9


async def test_cache_1_0_is_upgraded_with_unread_counts_and_searchable(tmp_path):
    path = tmp_path / "alice.sqlite3"
    cache = Cache.open(path, "alice")
    cache.apply_channel(
        ChannelInfo(
            id=1,
            kind="direct",
            name="",
            members=["alice", "bob"],
            owner=None,
            last_seq=0,
            read_seq=0,
        )
    )
    cache.apply_events(
        [
            Event(channel=1, seq=s, pos=s, kind="message", sender=who, ts=s, text=f"note {s}")
            for s, who in ((1, "bob"), (2, "alice"), (3, "bob"))
        ]
    )
    cache.close()
    with sqlite3.connect(path) as db:  # what version 1.0 left: no stored count, a trigger
        db.execute("ALTER TABLE channel DROP COLUMN unread")
        db.execute(
            "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
            "INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        db.execute("DELETE FROM setting WHERE key = 'indexed_up_to'")
        db.execute("INSERT INTO message_fts (rowid, text) SELECT id, text FROM message")
        db.execute("PRAGMA user_version = 1000")
    cache = Cache.open(path, "alice")
    assert cache.unread(1) == 2
    assert len(cache.search("note")) == 3  # what 1.0 indexed counts as indexed
    cache.apply_events(
        [Event(channel=1, seq=4, pos=4, kind="message", sender="bob", ts=4, text="late")]
    )
    assert cache.unread(1) == 3
    assert [h.message.seq for h in cache.search("late")] == [4]  # indexed once, not twice
    cache.mark_read(1, 3)
    assert cache.unread(1) == 1
    cache.close()
