"""Delivery and read receipts on a real server: delivered follows what the members' devices
confirm storing, read follows their read positions unless they keep them to themselves,
and changes reach the senders they concern, coalesced."""

import asyncio
import dataclasses

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    FEATURE_RECEIPTS,
    AccountSettings,
    ChannelInfo,
    CreateGroup,
    GetReceipts,
    Heartbeat,
    ListChannels,
    MarkRead,
    OpenDirect,
    Push,
    Receipt,
    ReceiptPush,
    Send,
    Sent,
    SettingsPush,
    Sync,
    UpdateSettings,
)
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests.frozen import protocol_v1 as v1
from tests.support import PASSWORD, ClientFactory, TestClient, bare_socket, new_id
from tests.test_compatibility import OldApp


async def say(client: TestClient, channel: int, text: str) -> Sent:
    return await client.request(Send(channel=channel, client_id=new_id(), text=text))


def receipt_of(user: str, delivered: int | None = None, read: int | None = None):
    """Matches a receipt push about ``user`` with at least these positions."""

    def match(push: Push) -> bool:
        if not isinstance(push, ReceiptPush) or push.receipt.user != user:
            return False
        r = push.receipt
        return (delivered is None or r.delivered >= delivered) and (read is None or r.read == read)

    return match


def receipt_pushes(client: TestClient) -> list[Receipt]:
    return [p.receipt for p in client.pushes if isinstance(p, ReceiptPush)]


async def receipts(client: TestClient, *channels: int) -> dict[tuple[int, str], tuple[int, int]]:
    """(channel, user) -> (delivered, read), as ``get_receipts`` tells ``client``."""
    reply = await client.request(GetReceipts(channels=list(channels)))
    return {(r.channel, r.user): (r.delivered, r.read) for r in reply.receipts}


async def store_everything(client: TestClient) -> int:
    """What a device does with the events pushed to it: sync from its cursor, store the
    pages, then confirm the end with a heartbeat. Returns the confirmed cursor."""
    cursor = client.welcome.sync_cursor
    while True:
        page = await client.request(Sync(after=cursor))
        cursor = page.next
        if not page.more:
            break
    await client.request(Heartbeat(cursor=cursor))
    return cursor


async def test_the_welcome_names_receipts_and_the_settings(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    assert FEATURE_RECEIPTS in alice.welcome.features
    assert alice.welcome.settings == AccountSettings(read_receipts=True)


async def test_delivered_moves_when_the_other_device_confirms_storing(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    sent = await say(alice, channel, "hello")
    assert await receipts(alice, channel) == {(channel, "bob"): (0, 0)}

    await store_everything(bob)  # Bob's device got the push and confirms storing it
    await alice.wait_push(receipt_of("bob", delivered=sent.seq))
    assert await receipts(alice, channel) == {(channel, "bob"): (sent.seq, 0)}
    assert not receipt_pushes(bob)  # Bob wrote nothing here: nothing concerns him


async def test_delivered_moves_when_an_offline_device_catches_up(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    await store_everything(bob)
    credentials = bob.credentials
    await bob.conn.close()

    sent = [await say(alice, channel, f"while you were away {i}") for i in range(3)]
    assert (await receipts(alice, channel))[(channel, "bob")][0] < sent[0].seq

    back = await clients.resume(credentials, client_keys=bob.conn.client_keys)
    page = await back.request(Sync(after=back.welcome.sync_cursor))  # confirms the old cursor
    assert [e.seq for e in page.events] == [s.seq for s in sent]
    await back.request(Sync(after=page.next))  # the next page confirms this one
    await alice.wait_push(receipt_of("bob", delivered=sent[-1].seq))
    assert (await receipts(alice, channel))[(channel, "bob")] == (sent[-1].seq, 0)


async def test_read_moves_on_mark_read_and_counts_as_delivered(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    first = await say(alice, channel, "one")
    second = await say(alice, channel, "two")
    await bob.request(MarkRead(channel=channel, seq=first.seq))
    await alice.wait_push(receipt_of("bob", read=first.seq))
    await bob.request(MarkRead(channel=channel, seq=second.seq))
    pushed = await alice.wait_push(receipt_of("bob", read=second.seq))
    assert isinstance(pushed, ReceiptPush)
    # Read on a device means stored there, whether or not its cursor said so yet.
    assert pushed.receipt.delivered == second.seq


async def test_a_group_reports_each_member_to_the_sender_only(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    group = await alice.request(CreateGroup(name="three", members=["bob", "carol"]))
    channel = group.channel.id
    sent = await say(alice, channel, "to you both")
    await bob.request(MarkRead(channel=channel, seq=sent.seq))
    await alice.wait_push(receipt_of("bob", read=sent.seq))
    told = await receipts(alice, channel)
    assert told == {(channel, "bob"): (sent.seq, sent.seq), (channel, "carol"): (0, 0)}

    # Carol sent nothing Bob's receipt passed; anything pushed to her with Alice's push would
    # have come before the answer to this.
    await carol.request(Heartbeat())
    assert not receipt_pushes(carol)
    assert (await receipts(carol, channel))[(channel, "bob")] == (sent.seq, sent.seq)


async def test_read_receipts_off_hide_reading_from_every_device_of_the_others(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    alice_phone = await clients.login("alice", "phone")
    bob = await clients.register("bob")
    bob_phone = await clients.login("bob", "phone")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    first = await say(alice, channel, "read this")
    await bob.request(MarkRead(channel=channel, seq=first.seq))
    for device in (alice, alice_phone):
        await device.wait_push(receipt_of("bob", read=first.seq))

    reply = await bob.request(UpdateSettings(read_receipts=False))
    assert reply.settings == AccountSettings(read_receipts=False)
    await bob_phone.wait_push(
        lambda p: isinstance(p, SettingsPush) and not p.settings.read_receipts
    )
    for device in (alice, alice_phone):
        hidden = await device.wait_push(receipt_of("bob", read=0))
        assert isinstance(hidden, ReceiptPush) and hidden.receipt.delivered == first.seq

    second = await say(alice, channel, "and this")
    await store_everything(bob_phone)  # delivered still moves
    for device in (alice, alice_phone):
        await device.wait_push(receipt_of("bob", delivered=second.seq, read=0))
    await bob.request(MarkRead(channel=channel, seq=second.seq))
    assert (await receipts(alice, channel))[(channel, "bob")] == (second.seq, 0)

    again = await clients.resume(bob_phone.credentials, client_keys=bob_phone.conn.client_keys)
    assert again.welcome.settings == AccountSettings(read_receipts=False)
    await bob.request(UpdateSettings(read_receipts=True))
    await alice.wait_push(receipt_of("bob", read=second.seq))


async def test_settings_left_out_stay_as_they_are(clients: ClientFactory) -> None:
    bob = await clients.register("bob")
    await bob.request(UpdateSettings(read_receipts=False))
    reply = await bob.request(UpdateSettings())
    assert reply.settings == AccountSettings(read_receipts=False)


async def test_get_receipts_answers_for_members_only(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    carol = await clients.register("carol")
    theirs = (await alice.request(OpenDirect(user="bob"))).channel.id
    mine = (await carol.request(OpenDirect(user="alice"))).channel.id
    assert await receipts(carol, theirs, 999_999) == {}
    assert set(await receipts(carol, theirs, mine)) == {(mine, "alice")}


async def test_too_many_channels_are_refused_naming_the_field(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    with pytest.raises(ProtocolError) as refused:
        await alice.request(GetReceipts(channels=list(range(1, 102))))
    assert refused.value.code == ErrorCode.BAD_REQUEST
    assert "channels" in refused.value.message


async def test_a_burst_of_confirmations_is_pushed_coalesced(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    sent = [await say(alice, channel, f"burst {i}") for i in range(50)]
    # Bob's device confirms each message on its own, as fast as it can.
    await asyncio.gather(*(bob.request(Heartbeat(cursor=s.pos)) for s in sent))
    await alice.wait_push(receipt_of("bob", delivered=sent[-1].seq))
    pushed = [r for r in receipt_pushes(alice) if r.user == "bob"]
    assert len(pushed) <= 10, f"{len(pushed)} pushes for 50 confirmations"
    assert pushed[-1].delivered == sent[-1].seq


async def test_channel_snapshots_carry_the_receipts(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    sent = await say(alice, channel, "hi")
    await bob.request(MarkRead(channel=channel, seq=sent.seq))
    listed = await alice.request(ListChannels())
    [info] = listed.channels
    assert info.receipts == [
        Receipt(channel=channel, user="bob", delivered=sent.seq, read=sent.seq)
    ]

    group = await alice.request(CreateGroup(name="later", members=[]))
    cursor = alice.welcome.sync_cursor
    page = await alice.request(Sync(after=cursor))
    snapshots: dict[int, ChannelInfo] = {c.id: c for c in page.channels}
    assert snapshots[group.channel.id].receipts == []  # alone in it: nobody else to report
    assert [r.user for r in snapshots[channel].receipts] == ["bob"]


async def test_a_first_release_app_gets_no_receipts(server_config: ServerConfig) -> None:
    """Olga's app reads every push strictly: a receipt push would fail what it reads next.
    Alice's app gets the same pushes Olga's would, so once Alice has hers, any for Olga
    would have come before the answers Olga reads after that. Olga's app sends no
    heartbeats between its requests here, so the server waits for it as long as a real
    server waits for a first-release app (which beats every 5 s), not the tests' second."""
    server = SyncServer(dataclasses.replace(server_config, presence_timeout=30.0))
    await server.start()
    clients = ClientFactory(server)
    assert server.keys is not None
    old = OldApp(bare_socket(server.endpoint, server.keys.public))
    try:
        welcome = await old.ask(v1.Register(rid=1, user="olga", password=PASSWORD, device="old"))
        assert isinstance(welcome, v1.Welcome)
        alice = await clients.register("alice")
        bob = await clients.register("bob")
        group = await bob.request(CreateGroup(name="mixed", members=["olga", "alice"]))
        channel = group.channel.id
        olgas = await old.ask(v1.Send(rid=2, channel=channel, client_id=new_id(), text="hi"))
        assert isinstance(olgas, v1.Sent)
        alices = await say(alice, channel, "hey")
        await store_everything(bob)
        await bob.request(MarkRead(channel=channel, seq=alices.seq))
        await alice.wait_push(receipt_of("bob", read=alices.seq))
        listed = await old.ask(v1.ListChannels(rid=3))
        assert isinstance(listed, v1.ChannelList) and [c.id for c in listed.channels] == [channel]
        await bob.request(UpdateSettings(read_receipts=False))
        await alice.wait_push(receipt_of("bob", read=0))
        assert isinstance(await old.ask(v1.Heartbeat(rid=4)), v1.HeartbeatAck)
        assert all(
            isinstance(p, v1.EventPush | v1.ChannelPush | v1.PresencePush) for p in old.pushes
        )
    finally:
        old.sock.close(linger=0)
        await clients.close_all()
        await server.stop()
