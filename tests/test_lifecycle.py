"""Messages that change: replies, reactions, edits, deletions and mentions, across two users,
two devices of one user and a device that was offline for all of it (docs/protocol.md,
"Messages that change")."""

import asyncio
from typing import Any

import msgspec
import pytest

from shared import limits
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    FEATURE_LIFECYCLE,
    CreateGroup,
    Delete,
    Edit,
    Event,
    EventPush,
    History,
    Mention,
    OpenDirect,
    React,
    Request,
    Send,
    Sync,
)
from tests.lifecycle import fold, sync_all, synced_events
from tests.support import ClientFactory, TestClient, new_id


async def offline_device(clients: ClientFactory, user: str) -> tuple[Any, Any, int]:
    """A second device of ``user`` that stored everything so far and went offline: its
    credentials, its transport keys and its sync cursor."""
    phone = await clients.login(user, "phone")
    start = (await sync_all(phone, None))[-1].next
    await phone.request(Sync(after=start))  # confirms having stored everything so far
    credentials, keys = phone.credentials, phone.conn.client_keys
    await phone.conn.close()
    return credentials, keys, start


async def history(client: TestClient, channel: int) -> list[Event]:
    return (await client.request(History(channel=channel, limit=500))).events


async def pushed(client: TestClient, kind: str, sender: str) -> Event:
    """The event of the first push to ``client`` of a ``kind`` event from ``sender``."""
    push = await client.wait_push(
        lambda p: isinstance(p, EventPush) and (p.event.kind, p.event.sender) == (kind, sender)
    )
    assert isinstance(push, EventPush)
    return push.event


async def refused(client: TestClient, req: Request) -> ErrorCode:
    with pytest.raises(ProtocolError) as err:
        await client.request(req)
    return ErrorCode(err.value.code)


async def test_every_action_reaches_every_device_and_an_offline_one_catches_up(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    assert FEATURE_LIFECYCLE in bob.welcome.features
    group = (await alice.request(CreateGroup(name="club", members=["bob"]))).channel.id
    credentials, keys, start = await offline_device(clients, "bob")

    first = await alice.request(Send(channel=group, client_id=new_id(), text="lunch at noon?"))
    answer = await bob.request(
        Send(channel=group, client_id=new_id(), text="yes @Alice!", reply_to=first.seq)
    )
    reply = await pushed(alice, "message", "bob")
    assert reply.reply_to == first.seq
    assert reply.mentions == (Mention(user="alice", start=4, end=10),)

    await bob.request(React(channel=group, seq=first.seq, client_id=new_id(), emoji="👍"))
    reaction = await pushed(alice, "reaction", "bob")
    assert (reaction.target, reaction.emoji, reaction.removed) == (first.seq, "👍", False)
    await alice.request(React(channel=group, seq=first.seq, client_id=new_id(), emoji="👍"))
    await alice.request(React(channel=group, seq=first.seq, client_id=new_id(), emoji="❤️"))
    await alice.request(
        React(channel=group, seq=first.seq, client_id=new_id(), emoji="❤️", remove=True)
    )
    await bob.wait_push(lambda p: isinstance(p, EventPush) and p.event.removed)

    edit = await alice.request(
        Edit(channel=group, seq=first.seq, client_id=new_id(), text="lunch at one, @bob?")
    )
    edited = await pushed(bob, "edit", "alice")
    assert (edited.target, edited.text) == (first.seq, "lunch at one, @bob?")
    assert edited.mentions == (Mention(user="bob", start=14, end=18),)

    doomed = await bob.request(Send(channel=group, client_id=new_id(), text="oops, secret"))
    await bob.request(React(channel=group, seq=doomed.seq, client_id=new_id(), emoji="😮"))
    await bob.request(Edit(channel=group, seq=doomed.seq, client_id=new_id(), text="still"))
    await alice.request(Delete(channel=group, seq=doomed.seq, client_id=new_id()))  # the owner
    deleted = await pushed(bob, "delete", "alice")
    assert deleted.target == doomed.seq

    final = fold(await history(alice, group))
    assert final[first.seq].text == "lunch at one, @bob?"
    assert final[first.seq].edited == edit.seq
    assert final[first.seq].reactions == {"👍": ["bob", "alice"]}
    assert final[first.seq].mentions == [("bob", 14, 18)]
    assert final[answer.seq].reply_to == first.seq
    gone = final[doomed.seq]
    assert (gone.text, gone.deleted, gone.reactions, gone.mentions) == ("", True, {}, [])

    phone = await clients.resume(credentials, client_keys=keys)
    caught_up = await synced_events(phone, start, group)
    seqs = [e.seq for e in caught_up]
    assert seqs == list(range(seqs[0], seqs[-1] + 1))  # each event once, none missing
    assert fold(caught_up) == final
    assert fold(await history(bob, group)) == final
    # Every device that synced the whole channel shows the same.
    assert fold(await synced_events(bob, 0, group)) == final
    assert fold(await synced_events(alice, 0, group)) == final
    # What the server sends of a deleted message and its edits holds none of their text.
    texts = [e.text for e in caught_up if doomed.seq in (e.seq, e.target)]
    assert texts == ["", "", "", ""]


async def test_a_device_applies_changes_whatever_order_it_got_them_in(
    clients: ClientFactory,
) -> None:
    """A message fetched by history after its changes came by sync shows the same."""
    alice = await clients.register("alice")
    channel = (await alice.request(OpenDirect(user="alice"))).channel.id
    sent = await alice.request(Send(channel=channel, client_id=new_id(), text="one"))
    for text in ("two", "three"):
        await alice.request(Edit(channel=channel, seq=sent.seq, client_id=new_id(), text=text))
    await alice.request(React(channel=channel, seq=sent.seq, client_id=new_id(), emoji="🎉"))
    events = await history(alice, channel)
    changes = [e for e in events if e.target == sent.seq]
    message = next(e for e in events if e.seq == sent.seq)
    assert message.changed == changes[-1].seq
    as_pushed = msgspec.structs.replace(
        message, text="one", edited=None, reactions=[], changed=None
    )  # the copy pushed when it was sent
    in_order = fold([as_pushed, *changes])
    assert fold(events) == in_order
    assert fold([*changes, message]) == in_order  # changes of a message it did not hold
    assert fold([message, as_pushed, *changes]) == in_order  # older copies after newer
    assert fold([as_pushed, changes[0], message, *changes]) == in_order
    assert in_order[sent.seq].text == "three"


async def test_concurrent_edits_end_as_the_last_by_seq_everywhere(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    sent = await alice.request(Send(channel=channel, client_id=new_id(), text="draft"))

    edits = [
        device.request(Edit(channel=channel, seq=sent.seq, client_id=new_id(), text=f"{name} {i}"))
        for i in range(10)
        for device, name in ((alice, "laptop"), (phone, "phone"))
    ]
    answers = await asyncio.gather(*edits)
    last = max(answers, key=lambda a: a.seq)
    events = await history(bob, channel)
    winner = next(e for e in events if e.seq == last.seq)
    for device in (alice, phone, bob):
        shown = fold(await synced_events(device, 0, channel))[sent.seq]
        assert (shown.text, shown.edited) == (winner.text, last.seq)
    assert fold(events)[sent.seq].text == winner.text
    # Bob, online all along, got every edit pushed, and ends the same.
    await bob.wait_push(lambda p: isinstance(p, EventPush) and p.event.seq == last.seq)
    pushed_events = [p.event for p in bob.pushes if isinstance(p, EventPush)]
    assert fold(pushed_events)[sent.seq].text == winner.text


async def test_retries_are_answered_as_the_first_time(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    channel = (await alice.request(OpenDirect(user="alice"))).channel.id
    send = Send(channel=channel, client_id=new_id(), text="hello")
    sent = await alice.request(send)
    react = React(channel=channel, seq=sent.seq, client_id=new_id(), emoji="👋")
    edit = Edit(channel=channel, seq=sent.seq, client_id=new_id(), text="hello again")
    delete = Delete(channel=channel, seq=sent.seq, client_id=new_id())
    firsts = [await alice.request(req) for req in (react, edit, delete)]
    # Retries in one batch, and after the message was edited and deleted.
    again = await asyncio.gather(*(alice.request(r) for r in (send, react, edit, delete) * 2))
    assert [(a.seq, a.pos) for a in again] == [(a.seq, a.pos) for a in [sent, *firsts] * 2]
    events = await history(alice, channel)
    assert [e.kind for e in events[-4:]] == ["message", "reaction", "edit", "delete"]
    assert events[-1].seq == firsts[-1].seq  # nothing stored twice

    cases: list[Request] = [
        React(channel=channel, seq=sent.seq, client_id=react.client_id, emoji="👍"),
        React(channel=channel, seq=sent.seq, client_id=react.client_id, emoji="👋", remove=True),
        Send(channel=channel, client_id=react.client_id, text="hello"),
        Delete(channel=channel, seq=sent.seq, client_id=edit.client_id),
        Edit(channel=channel, seq=sent.seq, client_id=send.client_id, text="hello"),
    ]
    for req in cases:
        assert await refused(alice, req) == ErrorCode.ID_REUSED, req


async def test_bad_changes_are_refused_and_change_nothing(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    group = (await alice.request(CreateGroup(name="club", members=["bob"]))).channel.id
    direct = (await bob.request(OpenDirect(user="carol"))).channel.id
    mine = await alice.request(Send(channel=group, client_id=new_id(), text="alice's"))
    theirs = await bob.request(Send(channel=group, client_id=new_id(), text="bob's"))
    in_direct = await carol.request(Send(channel=direct, client_id=new_id(), text="carol's"))
    reaction = await bob.request(React(channel=group, seq=mine.seq, client_id=new_id(), emoji="👍"))
    gone = await bob.request(Send(channel=group, client_id=new_id(), text="gone"))
    await bob.request(Delete(channel=group, seq=gone.seq, client_id=new_id()))
    before = await history(alice, group)

    def react(seq: int, emoji: str = "👍", channel: int = group) -> React:
        return React(channel=channel, seq=seq, client_id=new_id(), emoji=emoji)

    def edit(seq: int, text: str = "new", channel: int = group) -> Edit:
        return Edit(channel=channel, seq=seq, client_id=new_id(), text=text)

    def delete(seq: int, channel: int = group) -> Delete:
        return Delete(channel=channel, seq=seq, client_id=new_id())

    def reply(seq: int) -> Send:
        return Send(channel=group, client_id=new_id(), text="re", reply_to=seq)

    cases: list[tuple[TestClient, Request, ErrorCode]] = [
        (alice, react(1), ErrorCode.NO_SUCH_MESSAGE),  # "created"
        (alice, react(reaction.seq), ErrorCode.NO_SUCH_MESSAGE),  # a change is no message
        (alice, react(10_000), ErrorCode.NO_SUCH_MESSAGE),
        (alice, reply(10_000), ErrorCode.NO_SUCH_MESSAGE),
        (bob, reply(in_direct.seq + 5), ErrorCode.NO_SUCH_MESSAGE),  # a seq of another chat
        (alice, edit(theirs.seq), ErrorCode.NOT_YOUR_MESSAGE),
        (bob, edit(mine.seq), ErrorCode.NOT_YOUR_MESSAGE),
        (bob, delete(mine.seq), ErrorCode.NOT_YOUR_MESSAGE),  # bob does not own the group
        (bob, delete(in_direct.seq, direct), ErrorCode.NOT_YOUR_MESSAGE),  # no owner in 1:1
        (bob, edit(gone.seq), ErrorCode.MESSAGE_DELETED),
        (alice, react(gone.seq), ErrorCode.MESSAGE_DELETED),
        (alice, reply(gone.seq), ErrorCode.MESSAGE_DELETED),
        (bob, delete(gone.seq), ErrorCode.MESSAGE_DELETED),
        (alice, delete(gone.seq), ErrorCode.MESSAGE_DELETED),  # the owner too
        (alice, react(mine.seq, "a"), ErrorCode.NOT_AN_EMOJI),
        (alice, react(mine.seq, "👍👍"), ErrorCode.NOT_AN_EMOJI),
        (alice, react(mine.seq, "❤"), ErrorCode.NOT_AN_EMOJI),  # unqualified: "❤️" is taken
        (alice, react(mine.seq, "👍 "), ErrorCode.NOT_AN_EMOJI),
        (alice, edit(mine.seq, "x" * (limits.MAX_TEXT_CHARS + 1)), ErrorCode.MESSAGE_TOO_LONG),
        (alice, edit(mine.seq, " \u200b\n"), ErrorCode.INVALID),
        (carol, react(mine.seq), ErrorCode.NO_SUCH_CHANNEL),
        (carol, edit(mine.seq), ErrorCode.NO_SUCH_CHANNEL),
        (carol, delete(mine.seq), ErrorCode.NO_SUCH_CHANNEL),
    ]
    for client, req, code in cases:
        assert await refused(client, req) == code, req
    assert await history(alice, group) == before
    # The owner of a group may delete any message of it.
    await alice.request(delete(theirs.seq))
    assert fold(await history(bob, group))[theirs.seq].deleted


async def test_a_message_takes_a_bounded_number_of_distinct_emoji(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    sent = await alice.request(Send(channel=channel, client_id=new_id(), text="vote"))
    emoji = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊"]
    emoji += ["😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲", "😚", "🙂"]
    assert len(emoji) == limits.MAX_REACTIONS_PER_MESSAGE
    # In one batch, where the count comes from the batch rather than from storage.
    await asyncio.gather(
        *(
            alice.request(React(channel=channel, seq=sent.seq, client_id=new_id(), emoji=e))
            for e in emoji
        )
    )

    def react(client_emoji: str, remove: bool = False) -> React:
        return React(
            channel=channel, seq=sent.seq, client_id=new_id(), emoji=client_emoji, remove=remove
        )

    assert await refused(bob, react("🤔")) == ErrorCode.TOO_MANY_REACTIONS
    await bob.request(react("😀"))  # one already there still counts
    await alice.request(react("🙂", remove=True))
    await bob.request(react("🤔"))  # room again
    assert await refused(bob, react("🙃")) == ErrorCode.TOO_MANY_REACTIONS
    shown = fold(await history(alice, channel))[sent.seq]
    assert len(shown.reactions) == limits.MAX_REACTIONS_PER_MESSAGE
    assert shown.reactions["😀"] == ["alice", "bob"] and shown.reactions["🤔"] == ["bob"]


async def test_a_reaction_counts_once_across_a_users_devices(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    channel = (await alice.request(OpenDirect(user="alice"))).channel.id
    sent = await alice.request(Send(channel=channel, client_id=new_id(), text="hi"))
    for device in (alice, phone):
        await device.request(React(channel=channel, seq=sent.seq, client_id=new_id(), emoji="👍"))
    [message] = [e for e in await history(alice, channel) if e.seq == sent.seq]
    assert [(r.emoji, r.users) for r in message.reactions] == [("👍", ["alice"])]
    await phone.request(
        React(channel=channel, seq=sent.seq, client_id=new_id(), emoji="👍", remove=True)
    )
    [message] = [e for e in await history(alice, channel) if e.seq == sent.seq]
    assert message.reactions == ()
    # A removal of what is not there is stored all the same, and changes nothing.
    await alice.request(
        React(channel=channel, seq=sent.seq, client_id=new_id(), emoji="👍", remove=True)
    )
    assert fold(await history(alice, channel))[sent.seq].reactions == {}


async def test_mentions_name_members_only_as_whole_names(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    await clients.register("bobby")
    group = (await alice.request(CreateGroup(name="club", members=["bob"]))).channel.id
    text = "@bob, @BOBBY and mail@bob or @Bob_ — @alice."
    await alice.request(Send(channel=group, client_id=new_id(), text=text))
    [message] = [e for e in await history(alice, group) if e.kind == "message"]
    # bobby is not a member; "mail@bob" is an address; "@Bob_" names someone else.
    assert message.mentions == (
        Mention(user="bob", start=0, end=4),
        Mention(user="alice", start=37, end=43),
    )
    assert text[37:43] == "@alice"
