"""Catching up after a long time offline says how far it got, and the device remembers when
it last was up to date; drafts are kept per chat. Real server, real cache files."""

import sqlite3

import pytest

import desktop.core.engine
from desktop.cache.store import Cache
from desktop.core.events import AppEvent, DraftChanged, Synced, SyncProgress
from desktop.core.progress import last_synced
from shared.protocol import OpenDirect, Send
from tests.desktop.test_engine import started
from tests.support import ClientFactory, new_id

OFFLINE_MESSAGES = 45
PAGE = 10  # sync page, small so that catching up takes several


async def test_catching_up_counts_the_entries_of_the_users_stream(
    make_profile, engines, clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
):
    profile = await make_profile("alice", "laptop", create=True)
    first = await started(engines(profile))
    await first.stop()  # the laptop goes away for a while
    before = last_synced(first.cache)
    assert before is not None  # it was up to date once
    first.cache.close()

    bob = await clients.register("bob")
    chat = (await bob.request(OpenDirect(user="alice"))).channel
    for n in range(OFFLINE_MESSAGES):
        await bob.request(Send(channel=chat.id, client_id=new_id(), text=f"news {n}"))
    stranger = await clients.register("carol")  # others' traffic is not alice's to fetch
    other = (await stranger.request(OpenDirect(user="bob"))).channel
    for n in range(20):
        await stranger.request(Send(channel=other.id, client_id=new_id(), text=f"aside {n}"))

    monkeypatch.setattr(desktop.core.engine, "SYNC_PAGE", PAGE)
    engine = engines(profile)
    events: list[AppEvent] = []
    engine.subscribe(events.append)
    await started(engine)

    progress = [e for e in events if isinstance(e, SyncProgress)]
    total = progress[0].total
    # The chat's creation, bob joining... and his messages: no more than alice's own stream.
    assert OFFLINE_MESSAGES <= total < OFFLINE_MESSAGES + 5, progress
    assert progress[-1] == SyncProgress(total, total)
    assert [p.fetched for p in progress] == sorted(p.fetched for p in progress)
    assert len({p.fetched for p in progress}) > total // PAGE  # a step per page
    synced = [e for e in events if isinstance(e, Synced)]
    assert synced and events.index(synced[0]) > events.index(progress[-1])
    assert last_synced(engine.cache) == synced[-1].at >= before


async def test_a_draft_is_kept_per_chat_and_cleared_when_blank(make_profile, engines, clients):
    profile = await make_profile("alice", "laptop", create=True)
    engine = await started(engines(profile))
    events: list[AppEvent] = []
    engine.subscribe(events.append)
    engine.set_draft(7, "half a thought")
    engine.set_draft(7, "half a thought")  # unchanged: said once
    engine.set_draft(8, "   ")  # blank: no draft
    assert engine.cache.drafts.all() == {7: "half a thought"}
    assert [e for e in events if isinstance(e, DraftChanged)] == [DraftChanged(7, "half a thought")]
    engine.set_draft(7, "")
    assert engine.cache.drafts.get(7) == "" and engine.cache.drafts.all() == {}


def test_a_cache_from_before_drafts_gets_their_table(tmp_path) -> None:
    path = tmp_path / "cache.db"
    Cache.open(path, "alice").close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE draft")
    db.execute("PRAGMA user_version = 5000")  # schema 5.0, before drafts
    db.commit()
    db.close()
    cache = Cache.open(path, "alice")
    try:
        assert cache.drafts.set(3, "kept") and cache.drafts.all() == {3: "kept"}
    finally:
        cache.close()
