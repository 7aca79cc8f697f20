"""No reply tells a user how much everyone else writes: the stream heads a device is given
(welcome, list_channels, heartbeat acks, the last sync page) are the newest position among
what that user may see, never the server's own head, and a refused cursor does not name it.
(Positions of events themselves are server-wide: docs/protocol.md says what that shows.)"""

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import Heartbeat, HeartbeatAck, ListChannels, OpenDirect, Send, Sync
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
