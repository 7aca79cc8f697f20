"""The engine's outbox as the app uses it: a message to someone without a chat yet, failed
messages retried and discarded with their counts apart, the time of writing kept, and the
same chat time on every device."""

import sqlite3

import pytest

from desktop.cache.store import Cache
from desktop.core.engine import OutboxError, SyncEngine
from desktop.core.events import MessageDiscarded, StateChanged
from shared.protocol import CreateGroup, History, ListChannels, OpenDirect, RemoveMember
from tests.desktop.test_engine import alice_chatting_with_bob, cached, started, until
from tests.support import ClientFactory


async def test_message_to_someone_without_a_chat_waits_until_the_server_is_back(
    make_profile, engines, clients: ClientFactory
):
    profile = await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    engine = engines(profile)  # never started: offline

    queued = engine.send_to_user("@Bob", "written before the chat existed")
    assert (queued.channel, queued.to_user, queued.state) == (0, "bob", "pending")
    assert engine.cache.outbox_counts() == (1, 0)
    with pytest.raises(ValueError, match="user name"):
        engine.send_to_user("not a name!", "x")

    again = await started(engines(profile))
    await until(lambda: not again.cache.outbox())
    [channel] = (await bob.request(ListChannels())).channels
    page = await bob.request(History(channel=channel.id))
    assert [e.text for e in page.events if e.kind == "message"] == [
        "written before the chat existed"
    ]
    [stored] = [m for m in again.cache.messages(channel.id) if m.kind == "message"]
    assert (stored.written, stored.ts) == (queued.written, page.events[-1].ts)
    assert stored.shown_ts == queued.written  # the time it was written is the one shown

    # Once the chat is known here, a message to the user goes straight to it.
    direct = again.send_to_user("bob", "second")
    assert direct.channel == channel.id and direct.to_user is None


async def test_failed_messages_are_counted_apart_retried_and_discarded(
    make_profile, engines, clients: ClientFactory
):
    engine = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await clients.register("bob")
    group = (await bob.request(CreateGroup(name="club", members=["alice"]))).channel
    await until(lambda: engine.cache.channel(group.id) is not None)
    states: list[StateChanged] = []
    discarded: list[MessageDiscarded] = []
    engine.subscribe(lambda e: states.append(e) if isinstance(e, StateChanged) else None)
    engine.subscribe(lambda e: discarded.append(e) if isinstance(e, MessageDiscarded) else None)
    await bob.request(RemoveMember(channel=group.id, user="alice"))
    await until(lambda: not cached(engine, group.id).active)

    first = engine.send(group.id, "one")
    second = engine.send_to_user("nobody", "two")
    assert first.client_id is not None and second.client_id is not None
    await until(lambda: engine.cache.outbox_counts() == (0, 2))
    assert (states[-1].pending, states[-1].failed) == (0, 2)
    refused = engine.cache.outbox_message(second.client_id)
    assert refused is not None and refused.error is not None and "no user" in refused.error

    with pytest.raises(OutboxError, match="no message"):
        engine.discard("unknown")
    retried = engine.retry_all()
    assert [m.client_id for m in retried] == [first.client_id, second.client_id]
    assert {m.state for m in retried} == {"pending"}
    with pytest.raises(OutboxError, match="waiting to be sent"):
        engine.discard(first.client_id)  # it may be on its way: not discarded under it
    await until(lambda: engine.cache.outbox_counts() == (0, 2))

    dropped = engine.discard(first.client_id)
    assert dropped.text == "one" and discarded[-1].message.client_id == first.client_id
    assert (states[-1].pending, states[-1].failed) == (0, 1)
    engine.discard(second.client_id)
    assert engine.cache.outbox() == [] and engine.cache.outbox_counts() == (0, 0)


async def test_every_device_orders_a_new_chat_by_its_creation(
    make_profile, engines, clients: ClientFactory
):
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone = await started(engines(await make_profile("alice", "phone")))
    await clients.register("bob")
    bob = await clients.login("bob", "desk")
    reply = await laptop.request(OpenDirect(user="bob"))
    channel_id = reply.channel.id
    created = (await bob.request(History(channel=channel_id))).events[0]

    for engine in (laptop, phone):

        def created_stored(e: SyncEngine = engine) -> bool:
            return e.cache.seq_bounds(channel_id)[1] == 1

        await until(created_stored)
        assert cached(engine, channel_id).last_ts == created.ts


async def test_message_sent_online_keeps_its_writing_time(
    make_profile, engines, clients: ClientFactory
):
    _, engine, _bob, channel = await alice_chatting_with_bob(make_profile, engines, clients)
    queued = engine.send(channel.id, "now")
    await until(lambda: not engine.cache.outbox())
    [stored] = [m for m in engine.cache.messages(channel.id) if m.kind == "message"]
    assert stored.written == queued.written and stored.ts >= stored.written


def test_cache_3_0_is_upgraded_for_waiting_chats_and_writing_times(tmp_path):
    path = tmp_path / "alice.sqlite3"
    Cache.open(path, "alice").close()
    with sqlite3.connect(path) as db:  # what version 3.0 left
        db.execute("ALTER TABLE outbox DROP COLUMN to_user")
        db.execute("ALTER TABLE message DROP COLUMN written")
        db.execute("INSERT INTO outbox (client_id, channel, text, state, created) "
                   "VALUES ('old', 7, 'queued by 3.0', 'pending', 5)")  # fmt: skip
        db.execute("PRAGMA user_version = 3000")
    cache = Cache.open(path, "alice")
    [old] = cache.outbox()
    assert (old.channel, old.text, old.to_user, old.written) == (7, "queued by 3.0", None, 5)
    queued = cache.queue(0, "to carol", to_user="carol")
    assert queued.client_id is not None
    stored = cache.outbox_message(queued.client_id)
    assert stored is not None and stored.to_user == "carol"
    cache.close()
