"""``tidings-cli`` and messages that must never vanish: a message to a chat that does not
exist yet, text that looks like an option or exceeds the argument limit, failed messages
retried or discarded, targets the cache does not know yet, and reading that creates nothing."""

from pathlib import Path

import pytest

from shared.protocol import (
    AddMembers,
    ChannelList,
    CreateGroup,
    History,
    ListChannels,
    RemoveMember,
)
from syncserver.server import SyncServer
from tests.desktop.test_cli import Cli
from tests.support import ClientFactory, TestClient, same_place


@pytest.fixture
def cli(tmp_path: Path, server: SyncServer, secret_service: str) -> Cli:
    return Cli(tmp_path / "cli-profile", server)


async def _texts_of(bob: TestClient, channel_id: int) -> list[str]:
    page = await bob.request(History(channel=channel_id, limit=500))
    return [e.text for e in page.events if e.kind == "message"]


async def _only_chat(bob: TestClient) -> int:
    listing = await bob.request(ListChannels())
    assert isinstance(listing, ChannelList)
    [channel] = listing.channels
    return channel.id


async def test_message_to_a_chat_not_created_yet_waits_while_unreachable(
    cli: Cli, clients: ClientFactory, server: SyncServer
):
    await cli.register("alice")
    bob = await clients.register("bob")
    await cli.ok("sync")
    config = same_place(server)
    await server.stop()

    code, queued, err = await cli.run("--timeout", "2", "send", "@bob", "hi bob")
    assert code == 3, err
    assert (queued["state"], queued["target"], queued["text"]) == ("pending", "@bob", "hi bob")
    [waiting] = await cli.ok("outbox")
    assert (waiting["client_id"], waiting["target"]) == (queued["client_id"], "@bob")

    restarted = SyncServer(config)
    await restarted.start()
    try:
        synced = await cli.ok("sync")
        assert (synced["pending"], synced["failed"]) == (0, 0)
        channel_id = await _only_chat(bob)
        assert await _texts_of(bob, channel_id) == ["hi bob"]
        page = await bob.request(History(channel=channel_id))
        [created, message] = await cli.ok("history", "@bob")
        assert (created["kind"], message["text"], message["state"]) == (
            "created",
            "hi bob",
            "sent",
        )
        # Written offline: it keeps the time it was written, and the server's time as well.
        assert message["written"] == queued["written"] == queued["ts"]
        assert message["ts"] == page.events[-1].ts >= message["written"]
        assert created["written"] is None  # not written on this device
    finally:
        await restarted.stop()


async def test_message_to_no_such_user_fails_and_can_be_discarded(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    code, _, err = await cli.run("send", "@nobody", "hello?")
    assert code == 1 and "no user 'nobody'" in err
    [failed] = await cli.ok("outbox")
    assert (failed["state"], failed["target"]) == ("failed", "@nobody")
    assert (await cli.ok("sync"))["failed"] == 1
    discarded = await cli.ok("discard", failed["client_id"])
    assert discarded["client_id"] == failed["client_id"]
    assert await cli.ok("outbox") == []
    assert (await cli.ok("sync"))["failed"] == 0


async def test_text_that_looks_like_options_or_exceeds_the_argument_limit(
    cli: Cli, clients: ClientFactory, tmp_path: Path
):
    await cli.register("alice")
    bob = await clients.register("bob")
    long_korean = "가" * 100_000  # 300 KB in UTF-8: beyond what one argument may hold
    file = tmp_path / "message.txt"
    file.write_text("from a file\n", encoding="utf-8")

    await cli.ok("send", "@bob", "--", "--")
    await cli.ok("send", "@bob", "-_-")
    await cli.ok("send", "@bob", "--", "-h")
    await cli.ok("send", "@bob", "-", stdin=long_korean + "\n")
    await cli.ok("send", "--text-file", str(file), "@bob")
    assert await _texts_of(bob, await _only_chat(bob)) == [
        "--",
        "-_-",
        "-h",
        long_korean,
        "from a file",
    ]

    code, _, err = await cli.run("send", "@bob")
    assert code == 2 and "--text-file" in err
    code, _, err = await cli.run("send", "@bob", "twice", "--text-file", str(file))
    assert code == 2 and "once" in err
    code, _, err = await cli.run("send", "@bob", "--text-file", str(tmp_path / "missing"))
    assert code == 1 and "missing" in err
    code, _, err = await cli.run("send", "@bob", "-", stdin="")
    assert code == 1 and "needs some visible text" in err
    assert await cli.ok("outbox") == []


async def test_failed_message_in_a_left_group_is_listed_retried_and_discarded(
    cli: Cli, clients: ClientFactory
):
    await cli.register("alice")
    bob = await clients.register("bob")
    group = (await bob.request(CreateGroup(name="club", members=["alice"]))).channel
    await cli.ok("sync")
    await bob.request(RemoveMember(channel=group.id, user="alice"))

    # This device still thinks alice is in the group: the server refuses the message.
    code, _, err = await cli.run("send", "#club", "am I still in?")
    assert code == 1 and "refused" in err
    synced = await cli.ok("sync")
    assert (synced["pending"], synced["failed"]) == (0, 1)
    [failed] = await cli.ok("outbox")
    assert (failed["state"], failed["target"], failed["text"]) == (
        "failed",
        "#club",
        "am I still in?",
    )
    assert "not in channel" in failed["error"]

    code, [again], err = await cli.run("retry", failed["client_id"])
    assert code == 1 and again["state"] == "failed" and "refused" in err
    code, _, err = await cli.run("discard", "no-such-id")
    assert code == 1 and "no-such-id" in err

    await bob.request(AddMembers(channel=group.id, users=["alice"]))
    [sent] = await cli.ok("retry", "--all")
    assert (sent["state"], sent["client_id"], sent["target"]) == (
        "sent",
        failed["client_id"],
        "#club",
    )
    assert await _texts_of(bob, group.id) == ["am I still in?"]
    assert (await cli.ok("sync"))["failed"] == 0

    await bob.request(RemoveMember(channel=group.id, user="alice"))
    code, _, _ = await cli.run("send", "#club", "and now?")
    assert code == 1
    [failed] = await cli.ok("outbox")  # listed though the group is gone from this device
    await cli.ok("discard", failed["client_id"])
    assert await cli.ok("outbox") == [] and await cli.ok("retry", "--all") == []


async def test_group_added_to_since_the_last_sync_is_found_on_the_server(
    cli: Cli, clients: ClientFactory
):
    await cli.register("alice")
    await cli.ok("sync")
    bob = await clients.register("bob")
    group = (await bob.request(CreateGroup(name="team", members=["alice"]))).channel

    sent = await cli.ok("--offline", "channels")  # the cache does not know the group yet
    assert sent == []
    sent = await cli.ok("send", "#team", "hello team")
    assert (sent["state"], sent["target"]) == ("sent", "#team")
    assert await _texts_of(bob, group.id) == ["hello team"]
    code, _, err = await cli.run("send", "#nothing", "x")
    assert code == 1 and "no group #nothing" in err


async def test_reading_a_chat_that_does_not_exist_creates_nothing(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    bob = await clients.register("bob")
    code, history, err = await cli.run("history", "@bob")
    assert (code, history) == (0, []) and "no chat with @bob" in err
    code, read, err = await cli.run("read", "@bob")
    assert code == 0 and read == {"target": "@bob", "read_seq": 0, "unread": 0}
    assert "no chat with @bob" in err
    listing = await bob.request(ListChannels())
    assert listing.channels == []
    assert await cli.ok("channels") == []
