"""Receipts in the client core against a real server: own messages go from sending to sent,
delivered and read; groups count who read; the read-receipts setting follows the account.

The server here wants a heartbeat only once a minute, so what moves a receipt within the
tests' waits is the engine's own confirmation of what it stored, not a heartbeat."""

import dataclasses
import sqlite3

import pytest

from desktop.cache.receipts import MessageReceipt, Progress
from desktop.cache.store import Cache
from desktop.cache.views import MessageView
from desktop.core.engine import SyncEngine
from desktop.core.events import AppEvent, ChannelChanged, ReceiptsChanged, SettingsChanged
from desktop.core.receipts import ReceiptsUnavailable
from shared.protocol import (
    AccountSettings,
    ChannelInfo,
    CreateGroup,
    Heartbeat,
    MarkRead,
    OpenDirect,
    Receipt,
    Send,
    Sync,
)
from syncserver.config import ServerConfig
from syncserver.handlers import accounts
from tests.desktop.test_engine import started, until
from tests.support import ClientFactory, TestClient, new_id


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    return dataclasses.replace(server_config, heartbeat_interval=60.0, presence_timeout=180.0)


def receipt(engine: SyncEngine, channel_id: int, text: str) -> MessageReceipt | None:
    """The receipt of the message with ``text``, as the GUI would read it for a page."""
    page = engine.cache.messages(channel_id)
    [found] = [
        r
        for m, r in zip(page, engine.cache.receipts.for_messages(channel_id, page), strict=True)
        if m.text == text
    ]
    return found


def state(engine: SyncEngine, channel_id: int, text: str) -> str | None:
    found = receipt(engine, channel_id, text)
    return found.state if found is not None else None


async def store_everything(client: TestClient) -> None:
    """A protocol client's device storing all that was pushed to it, and saying so."""
    cursor = client.welcome.sync_cursor
    while True:
        page = await client.request(Sync(after=cursor))
        cursor = page.next
        if not page.more:
            break
    await client.request(Heartbeat(cursor=cursor))


async def test_a_message_goes_sending_sent_delivered_read(make_profile, engines) -> None:
    alice = engines(await make_profile("alice", "laptop", create=True))
    bob_profile = await make_profile("bob", "laptop", create=True)
    await started(alice)
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    await alice.stop()

    alice.send(channel, "hi bob")
    assert state(alice, channel, "hi bob") == "sending"
    await started(alice)
    await until(lambda: state(alice, channel, "hi bob") == "sent")

    bob = await started(engines(bob_profile))  # Bob's device stores it while catching up
    await until(lambda: state(alice, channel, "hi bob") == "delivered")
    bob.send(channel, "and now online")
    await until(lambda: state(bob, channel, "and now online") == "delivered")  # pushed

    bob.mark_read(channel)
    await until(lambda: state(alice, channel, "hi bob") == "read")
    assert receipt(alice, channel, "hi bob") == MessageReceipt("read", ("bob",), 1)
    assert receipt(alice, channel, "and now online") is None  # not Alice's own


async def test_a_group_counts_who_read(make_profile, engines, clients: ClientFactory) -> None:
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    group = await alice.request(CreateGroup(name="trio", members=["bob", "carol"]))
    channel = group.channel.id
    alice.send(channel, "to both")
    await until(lambda: state(alice, channel, "to both") == "sent")
    [sent] = [m for m in alice.cache.messages(channel) if m.text == "to both"]
    assert sent.seq is not None

    await bob.request(MarkRead(channel=channel, seq=sent.seq))
    await until(lambda: receipt(alice, channel, "to both") == MessageReceipt("sent", ("bob",), 2))
    await store_everything(carol)
    await until(lambda: state(alice, channel, "to both") == "delivered")
    assert receipt(alice, channel, "to both") == MessageReceipt("delivered", ("bob",), 2)
    await carol.request(MarkRead(channel=channel, seq=sent.seq))
    await until(
        lambda: receipt(alice, channel, "to both") == MessageReceipt("read", ("bob", "carol"), 2)
    )


async def test_read_receipts_off_on_one_device_apply_to_all(make_profile, engines) -> None:
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await started(engines(await make_profile("bob", "laptop", create=True)))
    bob_phone = await started(engines(await make_profile("bob", "phone")))
    assert bob.receipts_available and bob.settings == AccountSettings(read_receipts=True)
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    alice.send(channel, "read me")
    await until(lambda: state(alice, channel, "read me") == "delivered")
    bob.mark_read(channel)
    await until(lambda: state(alice, channel, "read me") == "read")

    heard: list[AppEvent] = []
    bob_phone.subscribe(heard.append)
    assert await bob.set_read_receipts(False) == AccountSettings(read_receipts=False)
    assert bob.settings == AccountSettings(read_receipts=False)
    await until(lambda: state(alice, channel, "read me") == "delivered")
    await until(lambda: bob_phone.settings == AccountSettings(read_receipts=False))
    assert SettingsChanged(AccountSettings(read_receipts=False)) in heard

    alice.send(channel, "unseen reading")
    await until(lambda: state(alice, channel, "unseen reading") == "delivered")
    bob_phone.mark_read(channel)
    await bob_phone.settle(10)
    assert alice.cache.receipts.of_channel(channel)["bob"].read == 0

    await bob_phone.set_read_receipts(True)
    await until(lambda: state(alice, channel, "unseen reading") == "read")


async def test_receipts_that_moved_while_away_are_asked_for(
    make_profile, engines, clients: ClientFactory
) -> None:
    profile = await make_profile("alice", "laptop", create=True)
    alice = await started(engines(profile))
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    ping = await bob.request(Send(channel=channel, client_id=new_id(), text="ping"))
    # The pushed "ping" is confirmed soon: the cursor passes the chat's creation, so no
    # snapshot of the chat comes with the next catch-up.
    await until(lambda: (alice.cache.sync_cursor() or 0) >= ping.pos)
    alice.send(channel, "while you sleep")
    await until(lambda: state(alice, channel, "while you sleep") == "sent")
    await alice.stop()
    [sent] = [m for m in alice.cache.messages(channel) if m.text == "while you sleep"]
    assert sent.seq is not None
    await bob.request(MarkRead(channel=channel, seq=sent.seq))

    changed: list[AppEvent] = []
    again = engines(profile)
    again.subscribe(changed.append)
    await started(again)
    await until(lambda: state(again, channel, "while you sleep") == "read")
    assert ReceiptsChanged(channel) in changed
    assert not [e for e in changed if isinstance(e, ChannelChanged)]  # get_receipts told it


async def test_a_new_device_starts_with_the_receipts(make_profile, engines, clients) -> None:
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    alice.send(channel, "before the phone")
    await until(lambda: state(alice, channel, "before the phone") == "sent")
    [sent] = [m for m in alice.cache.messages(channel) if m.text == "before the phone"]
    assert sent.seq is not None
    await bob.request(MarkRead(channel=channel, seq=sent.seq))

    phone = await started(engines(await make_profile("alice", "phone")))
    assert state(phone, channel, "before the phone") == "read"


async def test_a_server_without_receipts_leaves_messages_sent(
    make_profile, engines, clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server of an earlier release, as far as receipts go: it offers no such feature."""
    monkeypatch.setattr(accounts, "OFFERED_FEATURES", ())
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    alice.send(channel, "plain")
    await until(lambda: state(alice, channel, "plain") == "sent")
    [sent] = [m for m in alice.cache.messages(channel) if m.text == "plain"]
    assert sent.seq is not None
    await bob.request(MarkRead(channel=channel, seq=sent.seq))
    await alice.settle(10)
    assert not alice.receipts_available and alice.settings is None
    with pytest.raises(ReceiptsUnavailable):
        await alice.set_read_receipts(False)
    assert state(alice, channel, "plain") == "sent"


def _own(seq: int | None, text: str, state: str = "sent") -> MessageView:
    return MessageView(channel=1, seq=seq, kind="message", sender="alice", text=text, ts=seq or 0,
                       state=state)  # type: ignore[arg-type]  # fmt: skip


def _group_cache(path, members: list[str]) -> Cache:
    cache = Cache.open(path, "alice")
    info = ChannelInfo(
        id=1, kind="group", name="g", members=members, owner="alice", last_seq=0, read_seq=0
    )
    cache.apply_channel(info)
    return cache


def test_states_follow_the_stored_receipts(tmp_path) -> None:
    cache = _group_cache(tmp_path / "alice.sqlite3", ["alice", "bob", "carol"])
    cache.receipts.put(
        [
            Receipt(channel=1, user="bob", delivered=5, read=3),
            Receipt(channel=1, user="carol", delivered=3, read=2),
            Receipt(channel=1, user="dave", delivered=9, read=9),  # no longer a member
        ]
    )
    page = [
        _own(2, "two"),
        _own(3, "three"),
        _own(4, "four"),
        MessageView(channel=1, seq=5, kind="message", sender="bob", text="bob's", ts=5),
        _own(None, "waiting", "pending"),
        _own(None, "refused", "failed"),
    ]
    assert cache.receipts.for_messages(1, page) == [
        MessageReceipt("read", ("bob", "carol"), 2),
        MessageReceipt("delivered", ("bob",), 2),
        MessageReceipt("sent", (), 2),
        None,
        MessageReceipt("sending"),
        MessageReceipt("failed"),
    ]
    # A snapshot is the whole story: members it leaves out are gone; a push replaces one.
    cache.receipts.replace([1], [Receipt(channel=1, user="bob", delivered=4, read=4)])
    cache.receipts.put([Receipt(channel=1, user="bob", delivered=4, read=0)])
    assert cache.receipts.of_channel(1) == {"bob": Progress(delivered=4, read=0)}
    assert cache.receipts.for_messages(1, [_own(4, "four")]) == [MessageReceipt("sent", (), 2)]
    cache.close()


def test_notes_to_oneself_stay_sent(tmp_path) -> None:
    cache = _group_cache(tmp_path / "alice.sqlite3", ["alice"])
    assert cache.receipts.for_messages(1, [_own(1, "note")]) == [MessageReceipt("sent", (), 0)]
    cache.close()


def test_cache_4_0_is_upgraded_with_a_table_of_receipts(tmp_path) -> None:
    path = tmp_path / "alice.sqlite3"
    Cache.open(path, "alice").close()
    with sqlite3.connect(path) as db:  # what version 4.0 left
        db.execute("DROP TABLE receipt")
        db.execute("PRAGMA user_version = 4000")
    cache = _group_cache(path, ["alice", "bob"])
    cache.receipts.put([Receipt(channel=1, user="bob", delivered=1, read=1)])
    assert cache.receipts.for_messages(1, [_own(1, "hi")]) == [MessageReceipt("read", ("bob",), 1)]
    cache.close()
