"""Every frame the server sends fits the documented frame limit: pages of the longest
messages (100,000 characters of 4-byte UTF-8) carry fewer events and say there is more, and a
channel list too long for one frame comes in pages."""

import pytest

from shared import limits
from shared.protocol import (
    ChannelInfo,
    ChannelList,
    ChannelReply,
    CreateGroup,
    Event,
    History,
    HistoryPage,
    ListChannels,
    OpenDirect,
    Send,
    Sync,
    SyncPage,
    encode,
)
from syncserver.bench.seed import PASSWORD as SEED_PASSWORD
from syncserver.bench.seed import seed_devices
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests.support import ClientFactory, TestClient

LONGEST = "\U0001f600" * limits.MAX_TEXT_CHARS  # 400,000 bytes of UTF-8
MESSAGES = 7  # a page holds two of them at most
GROUPS = 120  # of 100 members with long names: about 9 KB each in a channel list


async def chat_of_longest_messages(clients: ClientFactory) -> tuple[TestClient, int]:
    alice = await clients.register("alice")
    await clients.register("bob")
    opened = await alice.request(OpenDirect(user="bob"))
    assert isinstance(opened, ChannelReply)
    channel = opened.channel.id
    for n in range(MESSAGES):
        await alice.request(Send(channel=channel, client_id=f"long-{n}", text=f"{n}{LONGEST[1:]}"))
    return alice, channel


def fits_a_frame(reply: HistoryPage | SyncPage) -> bool:
    # The bytes the server sent: encoding the same message again gives the same bytes.
    return len(encode(reply)) <= limits.MAX_FRAME_BYTES


async def test_history_pages_of_the_longest_messages_fit_a_frame(clients: ClientFactory) -> None:
    alice, channel = await chat_of_longest_messages(clients)
    walked: list[Event] = []
    before = None
    for _ in range(MESSAGES + 1):
        page = await alice.request(History(channel=channel, before=before, limit=500))
        assert isinstance(page, HistoryPage)
        assert fits_a_frame(page), f"{len(encode(page)):,} bytes"
        assert page.events, "a page always carries at least one event"
        walked = page.events + walked
        if not page.more:
            break
        before = page.events[0].seq
    assert [e.seq for e in walked] == list(range(1, MESSAGES + 2))  # "created" and every one
    assert [e.client_id for e in walked[1:]] == [f"long-{n}" for n in range(MESSAGES)]


async def test_sync_pages_of_the_longest_messages_fit_a_frame(clients: ClientFactory) -> None:
    alice, channel = await chat_of_longest_messages(clients)
    walked: list[Event] = []
    after = 0
    pages = 0
    for _ in range(MESSAGES + 1):
        page = await alice.request(Sync(after=after, limit=1000))
        assert isinstance(page, SyncPage)
        assert fits_a_frame(page), f"{len(encode(page)):,} bytes"
        pages += 1
        walked += page.events
        after = page.next
        if not page.more:
            break
    assert pages > 1, "the messages came in one page: the test did not reach the limit"
    messages = [e for e in walked if e.channel == channel and e.kind == "message"]
    assert [e.client_id for e in messages] == [f"long-{n}" for n in range(MESSAGES)]


# The members are written straight into SQLite, as the benchmarks do.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_long_channel_list_comes_in_pages_that_fit_a_frame(
    server_config: ServerConfig,
) -> None:
    # Members with long names (29 three-byte characters each), written into the database
    # directly: registering a hundred accounts would cost a hundred password hashes.
    members = [f"{n:03d}" + "\u6f22" * 29 for n in range(99)]
    server_config.data_dir.mkdir(parents=True)
    seed_devices(server_config.data_dir, ["alice", *members])
    server = SyncServer(server_config)
    await server.start()
    clients = ClientFactory(server)
    try:
        alice = await clients.connect()
        await alice.conn.login("alice", SEED_PASSWORD, "laptop")
        for n in range(GROUPS):
            await alice.request(CreateGroup(name=f"group {n}", members=members))
        listed: list[ChannelInfo] = []
        pages = 0
        after = None
        for _ in range(GROUPS):
            page = await alice.request(ListChannels(after=after))
            assert isinstance(page, ChannelList)
            assert len(encode(page)) <= limits.MAX_FRAME_BYTES, f"{len(encode(page)):,} bytes"
            pages += 1
            listed += page.channels
            if not page.more:
                break
            after = page.channels[-1].id
    finally:
        await clients.close_all()
        await server.stop()
    assert pages > 1, "the list came in one frame: the test did not reach the limit"
    assert [c.name for c in listed] == [f"group {n}" for n in range(GROUPS)]
    assert all(len(c.members) == 100 for c in listed)
