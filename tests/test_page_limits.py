"""Every frame the server sends fits the documented frame limit: pages of the longest
messages (100,000 characters of 4-byte UTF-8) carry fewer events and say there is more."""

from shared import limits
from shared.protocol import (
    ChannelReply,
    Event,
    History,
    HistoryPage,
    OpenDirect,
    Send,
    Sync,
    SyncPage,
    encode,
)
from tests.support import ClientFactory, TestClient

LONGEST = "\U0001f600" * limits.MAX_TEXT_CHARS  # 400,000 bytes of UTF-8
MESSAGES = 7  # a page holds two of them at most


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
