"""No reply tells a user how much everyone else writes: every position a device is given
counts in its user's own stream (docs/protocol.md, "Sync"). The heads (welcome,
list_channels, heartbeat acks, the last sync page) are that stream's newest position; the
positions of events, pushed, synced or answered in ``sent``, leave no gap for anyone else's
messages; a cursor past the user's head is refused however far the server is."""

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    CreateGroup,
    EventPush,
    Heartbeat,
    HeartbeatAck,
    History,
    ListChannels,
    OpenDirect,
    Send,
    Sync,
)
from syncserver.server import SyncServer
from tests.support import ClientFactory, new_id, same_place

OTHERS_MESSAGES = 30


async def test_heads_count_only_what_the_user_may_see(
    clients: ClientFactory, server: SyncServer
) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    chat = (await alice.request(OpenDirect(user="bob"))).channel
    mine = (await alice.request(Send(channel=chat.id, client_id=new_id(), text="hi"))).pos

    carol = await clients.register("carol")
    await clients.register("dave")
    elsewhere = (await carol.request(OpenDirect(user="dave"))).channel
    for i in range(OTHERS_MESSAGES):
        await carol.request(Send(channel=elsewhere.id, client_id=new_id(), text=f"{i}"))
    server_head = server.ctx.sequencer.head
    assert server_head >= mine + OTHERS_MESSAGES

    phone = await clients.login("alice", "phone")
    assert (phone.welcome.head, phone.welcome.sync_cursor) == (mine, mine)
    assert (await alice.request(ListChannels())).head == mine
    ack = await alice.request(Heartbeat())
    assert isinstance(ack, HeartbeatAck) and ack.head == mine
    page = await alice.request(Sync(after=0))
    assert not page.more and page.next == mine

    with pytest.raises(ProtocolError) as err:
        await alice.request(Sync(after=server_head + 1))
    assert err.value.code == ErrorCode.BAD_CURSOR
    assert str(server_head) not in err.value.message

    # A server started again knows nothing in memory, and still says no more.
    credentials, keys = alice.credentials, alice.conn.client_keys
    config = same_place(server)
    await clients.close_all()
    await server.stop()
    again = SyncServer(config)
    await again.start()
    try:
        back = ClientFactory(again)
        returning = await back.resume(credentials, client_keys=keys)
        assert returning.welcome.head == mine
        assert (await returning.request(Heartbeat())).head == mine
        await back.close_all()
    finally:
        await again.stop()


async def test_positions_in_ones_own_chats_leave_no_gap_for_anyone_elses(
    clients: ClientFactory, server: SyncServer
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    await clients.register("dave")
    chat = (await alice.request(OpenDirect(user="bob"))).channel
    elsewhere = (await carol.request(OpenDirect(user="dave"))).channel
    # Bob is in a group with carol too, so his stream is not alice's.
    group = (await carol.request(CreateGroup(name="band", members=["bob"]))).channel
    await carol.request(Send(channel=group.id, client_id=new_id(), text="in the group"))

    first_id = new_id()
    first = await alice.request(Send(channel=chat.id, client_id=first_id, text="one"))
    for i in range(OTHERS_MESSAGES):
        await carol.request(Send(channel=elsewhere.id, client_id=new_id(), text=f"{i}"))
    second = await alice.request(Send(channel=chat.id, client_id=new_id(), text="two"))
    assert second.pos == first.pos + 1
    again = await alice.request(Send(channel=chat.id, client_id=first_id, text="one"))
    assert again.pos == first.pos  # a repeated send is answered as the first was

    pushed = await bob.wait_push(lambda p: isinstance(p, EventPush) and p.event.text == "two")
    page = await bob.request(Sync(after=0))
    positions = [e.pos for e in page.events]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert [e.text for e in page.events][-2:] == ["one", "two"]
    assert isinstance(pushed, EventPush) and pushed.event.pos == page.events[-1].pos
    assert page.next == page.events[-1].pos
    assert page.events[-1].pos != second.pos  # bob's stream is his own

    history = await bob.request(History(channel=chat.id))
    assert {e.pos for e in history.events} == {0}  # not from a stream: no position to show
    assert server.ctx.sequencer.head > page.next + OTHERS_MESSAGES
    with pytest.raises(ProtocolError) as err:
        await bob.request(Sync(after=page.next + 1))
    assert err.value.code == ErrorCode.BAD_CURSOR
