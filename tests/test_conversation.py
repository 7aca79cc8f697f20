"""End to end: real server, real ZeroMQ with CURVE, real storage, several real devices."""

from shared.protocol import (
    AddMembers,
    ChannelList,
    ChannelPush,
    CreateGroup,
    EventPush,
    History,
    ListChannels,
    OpenDirect,
    Send,
    Sent,
)
from tests.support import ClientFactory, new_id


def _message(push, text: str) -> bool:
    return isinstance(push, EventPush) and push.event.kind == "message" and push.event.text == text


async def test_two_users_chat_one_to_one(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")

    opened = await alice.request(OpenDirect(user="bob"))
    channel = opened.channel
    assert channel.kind == "direct" and sorted(channel.members) == ["alice", "bob"]
    await bob.wait_push(lambda p: isinstance(p, ChannelPush) and p.channel.id == channel.id)

    sent = await alice.request(Send(channel=channel.id, client_id=new_id(), text="hi bob"))
    assert isinstance(sent, Sent) and sent.seq == 2  # seq 1 is the "created" event
    got = await bob.wait_push(lambda p: _message(p, "hi bob"))
    assert isinstance(got, EventPush)
    assert got.event.sender == "alice" and got.event.seq == sent.seq and got.event.ts == sent.ts

    reply = await bob.request(Send(channel=channel.id, client_id=new_id(), text="안녕, alice"))
    await alice.wait_push(lambda p: _message(p, "안녕, alice"))
    assert reply.seq == 3

    again = await bob.request(OpenDirect(user="alice"))
    assert again.channel.id == channel.id  # one direct channel per pair

    page = await alice.request(History(channel=channel.id))
    assert [(e.seq, e.kind, e.sender, e.text) for e in page.events] == [
        (1, "created", "alice", ""),
        (2, "message", "alice", "hi bob"),
        (3, "message", "bob", "안녕, alice"),
    ]
    assert page.more is False


async def test_three_member_group(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")

    group = (await alice.request(CreateGroup(name="Weekend trip", members=["bob"]))).channel
    assert group.kind == "group" and group.owner == "alice"
    added = await alice.request(AddMembers(channel=group.id, users=["carol"]))
    assert added.channel.members == ["alice", "bob", "carol"]
    await carol.wait_push(lambda p: isinstance(p, ChannelPush) and p.channel.id == group.id)

    await bob.request(Send(channel=group.id, client_id=new_id(), text="who drives?"))
    for member in (alice, carol):
        push = await member.wait_push(lambda p: _message(p, "who drives?"))
        assert isinstance(push, EventPush)
        assert push.event.sender == "bob" and push.event.channel == group.id
    assert not any(_message(p, "who drives?") for p in bob.pushes)  # the sender has the ack

    listing = await carol.request(ListChannels())
    assert isinstance(listing, ChannelList)
    [info] = listing.channels
    assert info.name == "Weekend trip" and info.last_seq == 3 and info.read_seq == 0
