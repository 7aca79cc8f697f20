"""Several servers (nodes) on one PostgreSQL database, as real processes sharing one key
pair: a conversation across three nodes reaches every device in the same order, and a number
one node took is never passed by another's (the commit-order hazard of shared counters)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import psycopg2
import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    PROTOCOL_TAG,
    AddMembers,
    ChannelReply,
    CreateGroup,
    Event,
    EventPush,
    GetPresence,
    Hello,
    OpenDirect,
    PresencePush,
    Push,
    Reply,
    RevokeDevice,
    RevokedPush,
    Send,
    Sync,
    Typing,
    TypingPush,
    Welcome,
    encode,
)
from syncserver.store.nodes import WRITE_LOCK_KEY
from syncserver.store.owner import LOCK_KEY as OWNER_LOCK_KEY
from tests.cluster import Cluster, advisory_locks
from tests.support import WAIT, TestClient, bare_socket, new_id, receive

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
async def cluster(tmp_path: Path, database_url: str) -> AsyncIterator[Cluster]:
    nodes = Cluster(tmp_path, database_url, 3)
    await nodes.start()
    try:
        yield nodes
    finally:
        await nodes.stop()


async def _synced(device: TestClient, after: int = 0) -> tuple[list[Event], int]:
    """Every event the device's stream holds after ``after``, and where that ends."""
    events: list[Event] = []
    while True:
        page = await device.request(Sync(after=after, limit=100))
        events += page.events
        after = page.next
        if not page.more:
            return events, after


def _messages(events: list[Event]) -> list[tuple[int, str, str]]:
    return [(e.seq, e.sender, e.text) for e in events if e.kind == "message"]


async def test_a_conversation_across_three_nodes_reaches_everyone_in_the_same_order(
    cluster: Cluster,
) -> None:
    alice = await cluster.register(0, "alice")
    bob = await cluster.register(1, "bob")
    carol = await cluster.register(2, "carol")
    group = await alice.request(CreateGroup(name="three nodes", members=["bob", "carol"]))
    assert isinstance(group, ChannelReply)
    chat = group.channel.id

    async def say(device: TestClient, name: str) -> None:
        for n in range(5):
            await device.request(Send(channel=chat, client_id=new_id(), text=f"{name} {n}"))

    await asyncio.gather(say(alice, "alice"), say(bob, "bob"), say(carol, "carol"))
    # Each device is pushed the others' messages, from whichever node stored them.
    devices = {"alice": alice, "bob": bob, "carol": carol}
    for me, device in devices.items():
        for name in set(devices) - {me}:
            await device.wait_push(_message_push(f"{name} 4"))
    seen = [_messages((await _synced(device))[0]) for device in (alice, bob, carol)]
    assert seen[0] == seen[1] == seen[2]
    seqs = [seq for seq, _, _ in seen[0]]
    assert seqs == list(range(seqs[0], seqs[0] + 15))  # no gap, no repeat
    for name in ("alice", "bob", "carol"):  # each sender's messages in the order sent
        assert [t for _, s, t in seen[0] if s == name] == [f"{name} {n}" for n in range(5)]


def _waiting_for_the_write_lock(database_url: str) -> int:
    """How many connections wait for the write lock now."""
    return advisory_locks(database_url, WRITE_LOCK_KEY, granted=False)


async def test_a_number_one_node_took_is_never_passed_by_a_later_one(
    cluster: Cluster, database_url: str
) -> None:
    alice = await cluster.register(0, "alice")
    bob = await cluster.register(1, "bob")
    chat = (await alice.request(OpenDirect(user="bob"))).channel.id
    await alice.request(Send(channel=chat, client_id=new_id(), text="before"))
    _, cursor = await _synced(bob)

    # Another writer takes the next number (an event stored with the next position and
    # sequence number, in both users' streams) and has not committed yet.
    held = psycopg2.connect(database_url)
    try:
        with held.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            taken = _take_next_number(cur, chat)
        sending = asyncio.ensure_future(
            alice.request(Send(channel=chat, client_id=new_id(), text="after"))
        )
        async with asyncio.timeout(WAIT):  # alice's node waits for the lock, numbering nothing
            while _waiting_for_the_write_lock(database_url) == 0:
                await asyncio.sleep(0.02)
        early, _ = await _synced(bob, cursor)  # bob's node is free to answer meanwhile
        assert early == [] and not sending.done()
        held.commit()
    finally:
        held.close()
    sent = await sending
    assert sent.seq == taken + 1
    events, end = await _synced(bob, cursor)
    assert [(e.seq, e.text) for e in events] == [(taken, "taken first"), (taken + 1, "after")]
    assert (await _synced(bob, end))[0] == []  # exactly once


async def test_a_node_busy_with_its_devices_sends_still_passes_on_other_nodes_pushes(
    cluster: Cluster, database_url: str
) -> None:
    alice = await cluster.register(0, "alice")
    bob = await cluster.register(1, "bob")
    carol = await cluster.register(2, "carol")
    chat = (await alice.request(CreateGroup(name="busy", members=["bob", "carol"]))).channel.id
    credentials, keys, node = alice.credentials, alice.conn.client_keys, cluster.nodes[0]
    await alice.conn.close()
    assert node.keys is not None
    # Alice's device sends each request in a frame of its own, as fast as it can.
    sock = bare_socket(node.endpoint, node.keys.public, keys)
    flood = 2_000
    try:
        hello = Hello(rid=1, device_id=credentials.device_id, token=credentials.token)
        await sock.send_multipart([PROTOCOL_TAG, encode(hello)])
        async with asyncio.timeout(WAIT):
            while not isinstance(await receive(sock), Welcome):
                pass
        # Her node's first send waits for the write lock; meanwhile bob, on another node,
        # starts typing, and she sends the rest as fast as she can.
        held = psycopg2.connect(database_url)
        try:
            with held.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            first = Send(rid=2, channel=chat, client_id=new_id(), text="first")
            await sock.send_multipart([PROTOCOL_TAG, encode(first)])
            async with asyncio.timeout(WAIT):
                while _waiting_for_the_write_lock(database_url) == 0:
                    await asyncio.sleep(0.02)
            await bob.request(Typing(channel=chat))
            await carol.wait_push(lambda p: isinstance(p, TypingPush) and p.user == "bob")
            for rid in range(3, flood + 2):
                send = Send(rid=rid, channel=chat, client_id=new_id(), text=str(rid))
                await sock.send_multipart([PROTOCOL_TAG, encode(send)])
            held.commit()
        finally:
            held.close()
        answered = 0
        async with asyncio.timeout(WAIT):
            while not isinstance(message := await receive(sock), TypingPush):
                answered += isinstance(message, Reply)
    finally:
        sock.close()
    # Bob's typing reached her between her sends' batches, not after the last of them.
    assert answered < flood // 2


def _message_push(text: str) -> Callable[[Push], bool]:
    return lambda p: isinstance(p, EventPush) and p.event.text == text


def _one_row(cur: "psycopg2.extensions.cursor") -> tuple:
    row = cur.fetchone()
    assert row is not None
    return tuple(row)


def _take_next_number(cur: "psycopg2.extensions.cursor", chat: int) -> int:
    """What a node does in its write transaction, written out: the next position, the
    channel's next sequence number, and the next position of each member's stream."""
    cur.execute("SELECT max(pos) FROM event")
    pos = _one_row(cur)[0] + 1
    cur.execute("SELECT max(seq), min(sender_id) FROM event WHERE channel_id = %s", (chat,))
    last, sender = _one_row(cur)
    cur.execute(
        "INSERT INTO event (pos, channel_id, seq, kind, sender_id, client_id, text, ts) "
        "VALUES (%s, %s, %s, 'message', %s, %s, 'taken first', 0)",
        (pos, chat, last + 1, sender, new_id()),
    )
    cur.execute(
        "INSERT INTO stream (user_id, pos, event_pos) "
        "SELECT m.user_id, coalesce(max(s.pos), 0) + 1, %s FROM membership m "
        "LEFT JOIN stream s ON s.user_id = m.user_id "
        "WHERE m.channel_id = %s GROUP BY m.user_id",
        (pos, chat),
    )
    return int(last + 1)


async def test_presence_and_typing_cross_nodes_and_a_dead_node_takes_its_devices_offline(
    cluster: Cluster,
) -> None:
    alice = await cluster.register(0, "alice")
    bob = await cluster.register(1, "bob")
    chat = (await alice.request(OpenDirect(user="bob"))).channel.id
    async with asyncio.timeout(WAIT):  # bob's node learns what alice's node says of her
        while (await bob.request(GetPresence(users=["alice"]))).presence[0].state != "online":
            await asyncio.sleep(0.05)
    await alice.request(Typing(channel=chat))
    await bob.wait_push(lambda p: isinstance(p, TypingPush) and p.user == "alice")

    await cluster.nodes[0].kill()  # alice's node dies; it says nothing more of her
    offline = await bob.wait_push(
        lambda p: (
            isinstance(p, PresencePush)
            and p.presence.user == "alice"
            and p.presence.state == "offline"
        )
    )
    assert isinstance(offline, PresencePush)
    listed = await bob.request(GetPresence(users=["alice"]))
    assert listed.presence[0].state == "offline"


async def test_a_device_revoked_through_one_node_is_signed_out_of_another(
    cluster: Cluster,
) -> None:
    laptop = await cluster.register(0, "alice")
    phone = await cluster.login(1, "alice", "phone")
    await laptop.request(RevokeDevice(device_id=phone.credentials.device_id))
    await phone.wait_push(lambda p: isinstance(p, RevokedPush))


async def test_failed_logins_through_one_node_slow_down_logins_through_another(
    tmp_path: Path, database_url: str
) -> None:
    cluster = Cluster(tmp_path, database_url, 2, "--login-burst", "2", "--login-interval", "600")
    await cluster.start()
    try:
        alice = await cluster.register(0, "alice")
        bob = await cluster.register(1, "bob")
        chat = (await alice.request(OpenDirect(user="bob"))).channel.id
        guesser = TestClient(cluster.nodes[0].connection())
        cluster.devices.append(guesser)
        await guesser.conn.open()
        for _ in range(2):
            with pytest.raises(ProtocolError) as wrong:
                await guesser.conn.login("alice", "not her password", "stolen")
            assert wrong.value.code == ErrorCode.AUTH_FAILED
        # Node 0 relays in order: once bob's node passed this on, it has the guesses too.
        await alice.request(Typing(channel=chat))
        await bob.wait_push(lambda p: isinstance(p, TypingPush) and p.user == "alice")
        with pytest.raises(ProtocolError) as slowed:
            await cluster.login(1, "alice", "phone")
        assert slowed.value.code == ErrorCode.RATE_LIMITED
        assert "login attempts for this account" in slowed.value.message
    finally:
        await cluster.stop()


async def test_members_added_through_two_nodes_at_once_never_pass_the_group_limit(
    tmp_path: Path, database_url: str
) -> None:
    cluster = Cluster(tmp_path, database_url, 2, "--max-group-members", "4")
    await cluster.start()
    try:
        owner = await cluster.register(0, "owner")
        friend = await cluster.register(1, "friend")
        for name in ("ann", "ben", "cat", "dan"):
            await cluster.register(0, name)
        group = await owner.request(CreateGroup(name="small", members=["friend"]))
        chat = group.channel.id
        added = await asyncio.gather(
            owner.request(AddMembers(channel=chat, users=["ann", "ben"])),
            friend.request(AddMembers(channel=chat, users=["cat", "dan"])),
            return_exceptions=True,
        )
        refused = [r for r in added if isinstance(r, ProtocolError)]
        assert len(refused) == 1 and refused[0].code == ErrorCode.GROUP_FULL, added
        events, _ = await _synced(friend)
        joined = [e for e in events if e.channel == chat and e.kind == "member_added"]
        assert len(joined) == 2  # the group holds 4: its 2, and the 2 of one request
    finally:
        await cluster.stop()


async def test_nodes_come_back_by_themselves_when_postgresql_ends_their_sessions(
    cluster: Cluster, database_url: str
) -> None:
    """PostgreSQL restarting ends every session; ``pg_terminate_backend`` does the same to
    the nodes' sessions alone. A send meanwhile is refused as unavailable, never lost."""
    alice = await cluster.register(0, "alice")
    bob = await cluster.register(1, "bob")
    chat = (await alice.request(OpenDirect(user="bob"))).channel.id
    with psycopg2.connect(database_url) as admin, admin.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    admin.close()
    acked: list[str] = []
    async with asyncio.timeout(WAIT):  # until a message goes all the way through again
        while True:
            text = f"probe {len(acked)}"
            try:
                await alice.request(Send(channel=chat, client_id=new_id(), text=text))
            except ProtocolError as e:
                assert e.code == ErrorCode.UNAVAILABLE, e  # never an internal error
                continue
            acked.append(text)
            with contextlib.suppress(TimeoutError):  # bob's node may not listen again yet
                await bob.wait_push(_message_push(text), timeout=0.2)
                break
    stored = [text for _, _, text in _messages((await _synced(bob))[0])]
    assert stored == acked  # every acknowledged message once, nothing refused stored
    # Each node holds the database's lock again, so no migrate-to can take it meanwhile.
    async with asyncio.timeout(WAIT):
        while advisory_locks(database_url, OWNER_LOCK_KEY, granted=True) < len(cluster.nodes):
            await asyncio.sleep(0.05)
