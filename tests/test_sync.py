"""Multi-device sync: catching up after time offline, read cursors, idempotent sends."""

import asyncio

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    CreateGroup,
    EventPush,
    History,
    ListChannels,
    MarkRead,
    OpenDirect,
    ReadPush,
    Send,
    Sync,
    SyncPage,
)
from tests.support import ClientFactory, TestClient, new_id


async def sync_all(client: TestClient, after: int | None, limit: int = 500) -> list[SyncPage]:
    pages = []
    while True:
        page = await client.request(Sync(after=after, limit=limit))
        pages.append(page)
        after = page.next
        if not page.more:
            return pages


async def test_offline_device_catches_up_exactly(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob_laptop = await clients.register("bob")
    bob_phone = await clients.login("bob", "phone")
    direct = (await alice.request(OpenDirect(user="bob"))).channel
    group = (await alice.request(CreateGroup(name="trip", members=["bob"]))).channel
    start = (await sync_all(bob_phone, None))[-1].next
    await bob_phone.request(Sync(after=start))  # confirms having stored everything so far
    credentials, keys = bob_phone.credentials, bob_phone.conn.client_keys
    await bob_phone.conn.close()

    texts = [f"message {i}" for i in range(1000)]
    for chunk in range(0, 1000, 100):  # many sends in flight at once: group commit
        await asyncio.gather(
            *(
                alice.request(Send(channel=(direct, group)[i % 2].id, client_id=new_id(), text=t))
                for i, t in enumerate(texts[chunk : chunk + 100], start=chunk)
            )
        )

    phone = await clients.resume(credentials, client_keys=keys)
    assert phone.welcome.sync_cursor == start
    pages = await sync_all(phone, start, limit=128)
    assert len(pages) > 5  # paged, not one burst
    events = [e for page in pages for e in page.events]
    assert sorted(e.text for e in events) == sorted(texts)  # none lost, none twice
    for channel in (direct, group):
        seqs = [e.seq for e in events if e.channel == channel.id]
        assert seqs == list(range(seqs[0], seqs[0] + 500))  # per-channel order, no gaps
    positions = [e.pos for e in events]
    assert positions == sorted(positions) and len(set(positions)) == 1000
    # The laptop, online all along, got the same messages as pushes.
    await bob_laptop.wait_push(lambda p: isinstance(p, EventPush) and p.event.text == "message 999")


async def test_interrupted_catch_up_resumes_from_confirmed_cursor(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    start = (await bob.request(Sync())).next
    for i in range(30):
        await alice.request(Send(channel=channel.id, client_id=new_id(), text=f"m{i}"))

    first = await bob.request(Sync(after=start, limit=10))
    second = await bob.request(Sync(after=first.next, limit=10))  # confirms the first page
    assert second.more
    # The device crashes before storing the second page, reconnects, resumes from the server.
    resumed = await sync_all(bob, None, limit=10)
    texts = [e.text for e in first.events] + [e.text for p in resumed for e in p.events]
    assert texts == [f"m{i}" for i in range(30)]


async def test_sync_asked_ahead_confirms_only_what_the_device_stored(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    start = (await bob.request(Sync())).next
    for i in range(30):
        await alice.request(Send(channel=channel.id, client_id=new_id(), text=f"m{i}"))

    first = await bob.request(Sync(after=start, limit=10))
    # Asks for the second page while still storing the first: confirms only up to start.
    second = await bob.request(Sync(after=first.next, limit=10, confirm=start))
    assert [e.text for e in second.events] == [f"m{i}" for i in range(10, 20)]
    # The device crashes before storing either page: resuming starts at the first again.
    resumed = await sync_all(bob, None, limit=10)
    assert [e.text for p in resumed for e in p.events] == [f"m{i}" for i in range(30)]


async def test_sync_beyond_head_is_refused(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    with pytest.raises(ProtocolError) as err:
        await alice.request(Sync(after=10**9))
    assert err.value.code == ErrorCode.BAD_CURSOR


async def test_read_on_one_device_reaches_the_others(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob_laptop = await clients.register("bob")
    bob_phone = await clients.login("bob", "phone")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    start = (await bob_phone.request(Sync())).next
    sent = [
        await alice.request(Send(channel=channel.id, client_id=new_id(), text=f"{i}"))
        for i in range(3)
    ]

    await bob_laptop.request(MarkRead(channel=channel.id, seq=sent[-1].seq))
    push = await bob_phone.wait_push(lambda p: isinstance(p, ReadPush))
    assert isinstance(push, ReadPush)
    assert (push.read.channel, push.read.seq) == (channel.id, sent[-1].seq)
    assert not any(isinstance(p, ReadPush) for p in bob_laptop.pushes)  # it knows already
    assert not any(isinstance(p, ReadPush) for p in alice.pushes)  # it is bob's business

    # Also recoverable by sync, for a device that missed the push.
    pages = await sync_all(bob_phone, start)
    reads = [r for p in pages for r in p.reads]
    assert [(r.channel, r.seq) for r in reads] == [(channel.id, sent[-1].seq)]
    [info] = (await bob_phone.request(ListChannels())).channels
    assert info.read_seq == sent[-1].seq

    # A read cursor never moves back, and one beyond the channel is refused.
    await bob_phone.request(MarkRead(channel=channel.id, seq=1))
    [info] = (await bob_phone.request(ListChannels())).channels
    assert info.read_seq == sent[-1].seq
    with pytest.raises(ProtocolError) as err:
        await bob_phone.request(MarkRead(channel=channel.id, seq=sent[-1].seq + 1))
    assert err.value.code == ErrorCode.BAD_CURSOR


async def test_retried_send_is_not_duplicated(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    message_id = new_id()
    first = await alice.request(Send(channel=channel.id, client_id=message_id, text="once"))
    # Retries in one batch and after it, as after a lost acknowledgement.
    retries = await asyncio.gather(
        *(
            alice.request(Send(channel=channel.id, client_id=message_id, text="once"))
            for _ in range(5)
        )
    )
    assert {(r.seq, r.pos, r.ts) for r in retries} == {(first.seq, first.pos, first.ts)}
    page = await alice.request(History(channel=channel.id))
    assert [e.text for e in page.events if e.kind == "message"] == ["once"]

    with pytest.raises(ProtocolError) as err:
        await alice.request(Send(channel=channel.id, client_id=message_id, text="other text"))
    assert err.value.code == ErrorCode.ID_REUSED


async def test_the_same_send_twice_in_one_batch_is_stored_once(
    clients: ClientFactory,
) -> None:
    """Two copies of a new message that reach the server together (one group commit, where
    nothing is stored yet to find the id in) get one answer and one stored message. All the
    sends leave in one turn of the client's loop, before the server can read any of them."""
    alice = await clients.register("alice")
    await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    sends = [Send(channel=channel.id, client_id=new_id(), text=f"twice {i}") for i in range(10)]
    replies = await asyncio.gather(*(alice.request(send) for send in sends for _ in range(2)))
    firsts, seconds = replies[::2], replies[1::2]
    assert [(r.seq, r.pos, r.client_id) for r in firsts] == [
        (r.seq, r.pos, r.client_id) for r in seconds
    ]
    assert sorted(r.seq for r in firsts) == list(range(2, 12))
    page = await alice.request(History(channel=channel.id))
    assert sorted(e.text for e in page.events if e.kind == "message") == sorted(
        s.text for s in sends
    )


async def test_history_pages_backwards(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    await clients.register("carol")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    other = (await alice.request(OpenDirect(user="carol"))).channel
    for i in range(25):
        await alice.request(Send(channel=channel.id, client_id=new_id(), text=f"h{i}"))
        # Positions of the two chats interleave, in runs of different lengths.
        for j in range(i % 3):
            await alice.request(Send(channel=other.id, client_id=new_id(), text=f"o{i}.{j}"))
    newest = await alice.request(History(channel=channel.id, limit=10))
    assert [e.seq for e in newest.events] == list(range(17, 27)) and newest.more
    older = await alice.request(History(channel=channel.id, before=17, limit=10))
    assert [e.seq for e in older.events] == list(range(7, 17)) and older.more
    oldest = await alice.request(History(channel=channel.id, before=7, limit=10))
    assert [e.seq for e in oldest.events] == list(range(1, 7)) and not oldest.more
    beyond = await alice.request(History(channel=channel.id, before=1000, limit=3))
    assert [e.seq for e in beyond.events] == [24, 25, 26]
    nothing = await alice.request(History(channel=channel.id, before=1))
    assert nothing.events == [] and not nothing.more
    seen: list[int] = []
    before = None
    while True:  # every page boundary, in small pages
        page = await alice.request(History(channel=channel.id, before=before, limit=4))
        seen = [e.seq for e in page.events] + seen
        assert {e.channel for e in page.events} == {channel.id}
        if not page.more:
            break
        before = page.events[0].seq
    assert seen == list(range(1, 27))


async def test_pages_of_long_messages_stay_within_a_frame(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    start = (await bob.request(Sync())).next
    longest = "가" * 100_000  # 300 KB each in UTF-8
    for _ in range(20):  # 6 MB in all: more than a client takes in one frame
        await alice.request(Send(channel=channel.id, client_id=new_id(), text=longest))
    pages = await sync_all(bob, start)
    assert len(pages) > 2 and sum(len(p.events) for p in pages) == 20
    history = await bob.request(History(channel=channel.id))
    assert history.more and 0 < len(history.events) < 21
