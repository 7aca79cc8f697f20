"""What the server holds for one connection is bounded in bytes: a device that asks for
large pages and reads nothing gets ``backlog_full`` once its unread replies pass the budget,
and what reached it before is whole; requests waiting for their answers are bounded in number
and in bytes."""

import asyncio
import dataclasses
import itertools

import pytest

from shared import limits
from shared.errors import ErrorCode
from shared.protocol import (
    PROTOCOL_TAG,
    ChannelReply,
    Error,
    Hello,
    History,
    HistoryPage,
    OpenDirect,
    Reply,
    Send,
    Welcome,
    encode,
)
from syncserver.backlog import ACCOUNT_CONNECTIONS, Backlog
from syncserver.config import ServerConfig
from tests.support import WAIT, ClientFactory, bare_socket, receive

LONGEST = "\U0001f600" * limits.MAX_TEXT_CHARS
BUDGET = 2 * limits.MAX_FRAME_BYTES
ASKS = 60  # pages of about 800 KB: 48 MB if all were held


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    """Budgets for requests wide open, so that only the byte budget holds the device back."""
    return dataclasses.replace(
        server_config, device_burst=1e9, account_burst=1e9, max_queued_bytes=BUDGET
    )


async def test_a_device_that_reads_nothing_is_held_to_its_byte_budget(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    opened = await alice.request(OpenDirect(user="alice"))
    assert isinstance(opened, ChannelReply)
    channel = opened.channel.id
    for n in range(4):
        await alice.request(Send(channel=channel, client_id=f"long-{n}", text=LONGEST))
    credentials, keys = alice.conn.credentials, alice.conn.client_keys
    server_keys = clients.server.keys
    assert credentials is not None and server_keys is not None
    await alice.conn.close()

    # The same device on a bare socket that takes in one frame and then stops reading.
    sock = bare_socket(
        clients.server.endpoint, server_keys.public, keys, RCVHWM=1, RCVBUF=64 * 1024
    )
    try:
        hello = Hello(rid=1, device_id=credentials.device_id, token=credentials.token)
        await sock.send_multipart([PROTOCOL_TAG, encode(hello)])
        async with asyncio.timeout(WAIT):  # pushes (its own presence) may come first
            while not isinstance(await receive(sock), Welcome):
                pass
        server = clients.server
        (session,) = server.ctx.sessions.of_users(server.ctx.sessions.online_users())
        held = 0
        for rid in range(2, ASKS + 2):
            await sock.send_multipart([PROTOCOL_TAG, encode(History(rid=rid, channel=channel))])
            await asyncio.sleep(0.01)  # paced, so that what the server holds is seen growing
            held = max(held, server.backlog.queued_bytes(session.routing_id))
        assert BUDGET < held <= BUDGET + limits.MAX_FRAME_BYTES

        answers: list[Reply] = []
        async with asyncio.timeout(WAIT):
            while len(answers) < ASKS:
                answer = await receive(sock)
                if isinstance(answer, Reply):
                    answers.append(answer)
    finally:
        sock.close()
    pages = [a for a in answers if isinstance(a, HistoryPage)]
    refused = [a for a in answers if isinstance(a, Error)]
    assert pages and all(len(p.events) == 2 for p in pages)  # whole pages, as many as fit
    assert refused and {e.code for e in refused} == {ErrorCode.BACKLOG_FULL}
    assert "not read" in refused[0].message
    assert len(pages) + len(refused) == ASKS  # every request answered
    assert sorted(a.rid for a in answers) == list(itertools.islice(itertools.count(2), ASKS))


async def test_an_account_that_opens_connection_after_connection_is_held_to_its_budget(
    clients: ClientFactory,
) -> None:
    """One device says hello on connection after connection, each asking for pages it
    never reads: what all of them hold together stays within the account's budget, and
    the connections past it are refused."""
    alice = await clients.register("alice")
    channel = (await alice.request(OpenDirect(user="alice"))).channel.id
    for n in range(4):
        await alice.request(Send(channel=channel, client_id=f"long-{n}", text=LONGEST))
    credentials, keys = alice.conn.credentials, alice.conn.client_keys
    server = clients.server
    assert credentials is not None and server.keys is not None
    await alice.conn.close()
    socks = []
    refused = 0
    try:
        for _ in range(2 * ACCOUNT_CONNECTIONS):
            sock = bare_socket(server.endpoint, server.keys.public, keys, RCVHWM=1, RCVBUF=1 << 16)
            socks.append(sock)
            hello = Hello(rid=1, device_id=credentials.device_id, token=credentials.token)
            await sock.send_multipart([PROTOCOL_TAG, encode(hello)])
            async with asyncio.timeout(WAIT):
                while not isinstance(await receive(sock), Welcome):
                    pass
            for rid in range(2, 12):  # 8 MB asked for on each
                history = History(rid=rid, channel=channel)
                await sock.send_multipart([PROTOCOL_TAG, encode(history)])
                await asyncio.sleep(0.01)
            held = server.backlog.account_bytes(1)  # Alice's, the first account
            assert held <= ACCOUNT_CONNECTIONS * BUDGET + 2 * limits.MAX_FRAME_BYTES
        for sock in socks[ACCOUNT_CONNECTIONS + 1 :]:  # past the budget: refused at once
            async with asyncio.timeout(WAIT):
                answer = await receive(sock)
                while not isinstance(answer, Reply):
                    answer = await receive(sock)
            refused += isinstance(answer, Error) and "account's connections" in answer.message
    finally:
        for sock in socks:
            sock.close()
    assert refused == len(socks) - ACCOUNT_CONNECTIONS - 1


def test_requests_in_flight_are_bounded_in_number_and_in_bytes() -> None:
    backlog = Backlog(max_bytes=1000, max_in_flight=3)
    peer, other = b"peer", b"other"
    assert not backlog.busy(peer, 5000)  # one request alone always goes, however large
    backlog.started(peer, 5000)
    assert backlog.busy(peer, 1) and not backlog.busy(other, 1)  # bytes, per connection
    backlog.answered(peer, 5000)
    for _ in range(3):
        assert not backlog.busy(peer, 10)
        backlog.started(peer, 10)
    assert backlog.busy(peer, 10)  # in number
    backlog.answered(peer, 10)
    assert not backlog.busy(peer, 10)
