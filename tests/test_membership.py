"""Group membership over time: who sees what, before and after joining or leaving."""

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    AddMembers,
    ChannelPush,
    CreateGroup,
    History,
    LeaveChannel,
    ListChannels,
    OpenDirect,
    RemoveMember,
    RenameGroup,
    Send,
    Sync,
)
from tests.support import ClientFactory, new_id


async def test_removed_member_sees_the_removal_and_nothing_after(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    start = (await bob.request(Sync())).next
    group = (await alice.request(CreateGroup(name="club", members=["bob"]))).channel
    await alice.request(Send(channel=group.id, client_id=new_id(), text="before"))
    with pytest.raises(ProtocolError) as err:
        await bob.request(RemoveMember(channel=group.id, user="alice"))
    assert err.value.code == ErrorCode.FORBIDDEN  # only the owner removes others
    await alice.request(RemoveMember(channel=group.id, user="bob"))
    await alice.request(Send(channel=group.id, client_id=new_id(), text="after"))
    await alice.request(RenameGroup(channel=group.id, name="secret club"))

    pushed = await bob.wait_push(lambda p: isinstance(p, ChannelPush) and not p.channel.active)
    assert isinstance(pushed, ChannelPush)
    assert pushed.channel.members == [] and pushed.channel.name == "club"
    page = await bob.request(Sync(after=start))
    assert [(e.kind, e.text, e.subject) for e in page.events] == [
        ("created", "", None),
        ("message", "before", None),
        ("member_removed", "", "bob"),
    ]
    [snapshot] = page.channels
    assert snapshot.active is False and snapshot.members == [] and snapshot.last_seq == 0
    assert (await bob.request(ListChannels())).channels == []
    with pytest.raises(ProtocolError) as err:
        await bob.request(History(channel=group.id))
    assert err.value.code == ErrorCode.NO_SUCH_CHANNEL


async def test_added_member_syncs_from_joining_and_pages_older_history(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    carol = await clients.register("carol")
    start = (await carol.request(Sync())).next
    group = (await alice.request(CreateGroup(name="club"))).channel
    await alice.request(Send(channel=group.id, client_id=new_id(), text="early"))
    await alice.request(AddMembers(channel=group.id, users=["carol", "CAROL"]))
    await alice.request(Send(channel=group.id, client_id=new_id(), text="welcome"))

    page = await carol.request(Sync(after=start))
    assert [(e.kind, e.subject, e.text) for e in page.events] == [
        ("member_added", "carol", ""),
        ("message", None, "welcome"),
    ]
    assert page.channels[0].members == ["alice", "carol"]
    history = await carol.request(History(channel=group.id))
    assert [e.text for e in history.events if e.kind == "message"] == ["early", "welcome"]


async def test_leaving_passes_ownership_on(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    await clients.register("carol")
    group = (await alice.request(CreateGroup(name="club", members=["bob", "carol"]))).channel
    await alice.request(LeaveChannel(channel=group.id))
    [info] = (await bob.request(ListChannels())).channels
    assert info.owner == "bob" and info.members == ["bob", "carol"]
    renamed = await bob.request(RenameGroup(channel=group.id, name="new club"))
    assert renamed.channel.name == "new club"

    direct = (await bob.request(OpenDirect(user="carol"))).channel
    with pytest.raises(ProtocolError) as err:
        await bob.request(LeaveChannel(channel=direct.id))
    assert err.value.code == ErrorCode.NOT_A_GROUP


async def test_names_are_checked(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    for bad in ("", "   ", "x" * 65, "bell\x07"):
        with pytest.raises(ProtocolError) as err:
            await alice.request(CreateGroup(name=bad or " "))
        assert err.value.code in (ErrorCode.INVALID, ErrorCode.BAD_REQUEST)
    client = await clients.connect()
    with pytest.raises(ProtocolError) as err:
        await client.conn.register("no spaces allowed", "correct horse battery", "laptop")
    assert err.value.code == ErrorCode.INVALID and "letters, digits" in err.value.message
    with pytest.raises(ProtocolError) as err:
        await client.conn.register("dora", "short", "laptop")
    assert err.value.code == ErrorCode.INVALID and "at least 8" in err.value.message
    with pytest.raises(ProtocolError) as err:
        await client.conn.register("ALICE", "correct horse battery", "laptop")
    assert err.value.code == ErrorCode.USER_EXISTS


async def test_removed_and_added_again_while_away_misses_nothing_it_was_there_for(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    group = (await alice.request(CreateGroup(name="club", members=["bob"]))).channel
    cursor = (await bob.request(Sync())).next
    await bob.request(Sync(after=cursor))  # bob's device has everything so far, then goes away

    await alice.request(Send(channel=group.id, client_id=new_id(), text="while bob was in"))
    await alice.request(RemoveMember(channel=group.id, user="bob"))
    await alice.request(Send(channel=group.id, client_id=new_id(), text="while bob was out"))
    await alice.request(AddMembers(channel=group.id, users=["bob"]))
    await alice.request(Send(channel=group.id, client_id=new_id(), text="bob is back"))

    page = await bob.request(Sync(after=cursor))
    assert [(e.kind, e.text) for e in page.events] == [
        ("message", "while bob was in"),
        ("member_removed", ""),
        ("member_added", ""),
        ("message", "bob is back"),
    ]
    assert page.channels[-1].active and page.channels[-1].members == ["alice", "bob"]
