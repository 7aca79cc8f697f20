"""Replies, reactions, edits, deletions and mentions through the engine, against a real
server: two users, two devices of one user and a device offline for all of it end in the
same state; changes wait in the outbox offline and across restarts; a refused change can be
retried or discarded; a deleted message's text leaves every device's files."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from desktop.core.engine import SyncEngine
from desktop.core.events import MessageChanged, UnreadChanged
from desktop.core.lifecycle import ChangeRefused
from desktop.core.profile import Profile
from shared.protocol import FEATURE_LIFECYCLE, History, React, Send
from tests.desktop.test_engine import started, until
from tests.support import ClientFactory, new_id

Summary = list[tuple]


def summary(engine: SyncEngine, channel_id: int) -> Summary:
    """What a device shows of a chat's messages: everything a person can see of each."""
    return [
        (
            m.seq,
            m.sender,
            m.text,
            m.edited,
            m.deleted,
            m.reply_to,
            m.quote.text if m.quote else None,
            {r.emoji: r.users for r in m.reactions},
            [(x.user, x.start, x.end) for x in m.mentions],
        )
        for m in engine.cache.messages(channel_id, limit=500)
        if m.kind == "message"
    ]


async def seq_everywhere(engines: list[SyncEngine], channel_id: int, text: str) -> int:
    """The seq of the message with ``text`` once every engine stored it."""
    seqs = {await seq_of(engine, channel_id, text) for engine in engines}
    assert len(seqs) == 1, seqs
    return seqs.pop()


def settled(engine: SyncEngine) -> bool:
    return not engine.cache.outbox()


async def all_alike(engines: list[SyncEngine], channel_id: int) -> Summary:
    """Wait until every engine shows the chat alike with nothing left to send."""

    def alike() -> bool:
        first = summary(engines[0], channel_id)
        return all(settled(e) and summary(e, channel_id) == first for e in engines)

    try:
        await until(alike)
    except TimeoutError:
        shown = "\n".join(repr(summary(e, channel_id)) for e in engines)
        raise AssertionError(f"the devices differ:\n{shown}") from None
    return summary(engines[0], channel_id)


def knows(engine: SyncEngine, chat: int) -> bool:
    return engine.cache.channel(chat) is not None


def shows(engine: SyncEngine, chat: int, seq: int, text: str) -> bool:
    message = engine.cache.message(chat, seq)
    return message is not None and message.text == text


def keeps_no(engine: SyncEngine, secret: str) -> bool:
    return secret.encode() not in file_bytes(engine.cache.path)


@dataclass
class Devices:
    """Alice's laptop and phone and Bob's laptop online, Alice's tablet signed in but
    offline from the start, and a group of the two (``chat``)."""

    laptop: SyncEngine
    phone: SyncEngine
    bob: SyncEngine
    chat: int
    profiles: dict[str, Profile]


async def group_of_alice_and_bob(make_profile, engines: Callable) -> Devices:
    profiles = {"laptop": await make_profile("alice", "laptop", create=True)}
    for device in ("phone", "tablet"):
        profiles[device] = await make_profile("alice", device)
    profiles["bob"] = await make_profile("bob", "laptop", create=True)
    tablet = await started(engines(profiles["tablet"]))  # its cache starts here
    await tablet.stop()
    laptop, phone, bob = [
        await started(engines(profiles[name])) for name in ("laptop", "phone", "bob")
    ]
    group = await laptop.create_group("Trip", ["bob"])
    for engine in (phone, bob):
        await until(partial(knows, engine, group.id))
    return Devices(laptop, phone, bob, group.id, profiles)


async def seq_of(engine: SyncEngine, channel_id: int, text: str) -> int:
    """The seq of the message with ``text`` once the engine stored it."""

    def stored() -> int | None:
        found = [m.seq for m in engine.cache.messages(channel_id, limit=500) if m.text == text]
        return found[0] if found and found[0] is not None else None

    await until(lambda: stored() is not None)
    seq = stored()
    assert seq is not None
    return seq


async def test_every_action_across_users_devices_and_a_device_offline_for_all_of_it(
    make_profile, engines
):
    d = await group_of_alice_and_bob(make_profile, engines)
    laptop, phone, bob, chat = d.laptop, d.phone, d.bob, d.chat
    assert laptop.can(FEATURE_LIFECYCLE) and bob.can(FEATURE_LIFECYCLE)

    everyone = [laptop, phone, bob]
    laptop.send(chat, "lunch at noon, @bob?")
    first = await seq_everywhere(everyone, chat, "lunch at noon, @bob?")
    bob.reply(chat, first, "yes! @alice")
    answer = await seq_everywhere(everyone, chat, "yes! @alice")
    bob.react(chat, first, "👍")
    phone.react(chat, first, "🎉")
    laptop.react(chat, answer, "❤")  # U+2764 as a keyboard may type it: sent qualified
    laptop.send(chat, "typo hree")
    typo = await seq_of(laptop, chat, "typo hree")
    laptop.edit(chat, typo, "typo here")
    bob.send(chat, "regret")
    regret = await seq_of(bob, chat, "regret")
    bob.delete(chat, regret)
    phone.react(chat, first, "🎉", remove=True)

    shown = await all_alike([laptop, phone, bob], chat)
    by_seq = {row[0]: row for row in shown}
    assert by_seq[first][2:] == (
        "lunch at noon, @bob?",
        False,
        False,
        None,
        None,
        {"👍": ("bob",)},
        [("bob", 15, 19)],
    )
    assert by_seq[answer][2:] == (
        "yes! @alice",
        False,
        False,
        first,
        "lunch at noon, @bob?",
        {"❤️": ("alice",)},
        [("alice", 5, 11)],
    )
    assert by_seq[typo][2:4] == ("typo here", True)
    assert by_seq[regret][2:5] == ("", False, True)
    [message] = [m for m in bob.cache.messages(chat) if m.seq == answer]
    assert message.mentions_me is False  # Bob's own message names Alice, not him
    [mentioned] = [m for m in laptop.cache.messages(chat) if m.seq == answer]
    assert mentioned.mentions_me

    tablet = await started(engines(d.profiles["tablet"]))
    assert await all_alike([laptop, tablet], chat) == shown


async def test_concurrent_edits_from_two_devices_end_as_the_later_one(make_profile, engines):
    d = await group_of_alice_and_bob(make_profile, engines)
    d.laptop.send(d.chat, "draft")
    chat, seq = d.chat, await seq_everywhere([d.laptop, d.phone], d.chat, "draft")
    await asyncio.gather(d.laptop.stop(), d.phone.stop())
    d.laptop.edit(chat, seq, "from the laptop")  # both written offline, each shown at once
    d.phone.edit(chat, seq, "from the phone")
    assert [m.text for m in d.phone.cache.messages(chat) if m.seq == seq] == ["from the phone"]
    laptop, phone = engines(d.profiles["laptop"]), engines(d.profiles["phone"])
    await asyncio.gather(laptop.start(), phone.start())  # both send at once
    bob = d.bob

    shown = await all_alike([laptop, phone, bob], chat)
    [text] = [row[2] for row in shown if row[0] == seq]
    history = await laptop.history(chat, None, 50)
    edits = [m for m in history.messages if m.seq == seq]
    assert edits and edits[0].text == text
    page = await laptop.conn.request(History(channel=chat))
    [copy] = [e for e in page.events if e.seq == seq]
    [last] = [e for e in page.events if e.seq == copy.edited]
    assert text == last.text  # the edit with the higher seq, on every device


async def test_changes_before_their_message_arrive_through_pages(
    make_profile, engines, clients: ClientFactory
):
    """A device new to the account starts from each chat's newest page; changes there
    target messages older than the page, which come later, when a hole is filled."""
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await clients.register("bob")
    chat = (await alice.open_direct("bob")).id
    first = await bob.request(Send(channel=chat, client_id=new_id(), text="old news"))
    alice.send(chat, "mine, old")
    mine = await seq_of(alice, chat, "mine, old")
    for i in range(60):
        await bob.request(Send(channel=chat, client_id=new_id(), text=f"filler {i}"))
    await bob.request(React(channel=chat, seq=first.seq, client_id=new_id(), emoji="👀"))
    await seq_of(alice, chat, "filler 59")
    alice.edit(chat, mine, "mine, edited")
    alice.react(chat, first.seq, "👍")
    await until(lambda: settled(alice))

    phone = engines(await make_profile("alice", "phone"))
    phone.fill_in_background = False
    await started(phone)
    assert phone.cache.message(chat, first.seq) is None  # only the newest page is here
    assert phone.cache.message(chat, mine) is None
    await phone.fill(chat, 1, mine)
    shown = {row[0]: row[2:] for row in summary(phone, chat)}
    assert shown[first.seq] == (
        "old news", False, False, None, None, {"👀": ("bob",), "👍": ("alice",)}, []
    )  # fmt: skip
    assert shown[mine][:2] == ("mine, edited", True)
    last = phone.cache.seq_bounds(chat)[1]
    await phone.fill(chat, 1, last)
    assert summary(phone, chat) == summary(alice, chat)


SECRET = "qwzxsecretplan"


def file_bytes(path: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


async def test_a_deleted_message_leaves_every_device_files_and_index(make_profile, engines):
    d = await group_of_alice_and_bob(make_profile, engines)
    laptop, phone, bob, chat = d.laptop, d.phone, d.bob, d.chat
    bob.send(chat, f"the {SECRET} is on")
    seq = await seq_everywhere([laptop, phone, bob], chat, f"the {SECRET} is on")
    bob.edit(chat, seq, f"the {SECRET} is still on")
    for engine in (laptop, phone, bob):
        await until(partial(shows, engine, chat, seq, f"the {SECRET} is still on"))
        assert [h.message.seq for h in engine.search(SECRET)] == [seq]
    assert all(SECRET.encode() in file_bytes(e.cache.path) for e in (laptop, phone, bob))

    laptop.delete(chat, seq)  # the group's owner deletes Bob's message
    tablet = await started(engines(d.profiles["tablet"]))  # it never saw the text
    await all_alike([laptop, phone, bob, tablet], chat)
    for engine in (laptop, phone, bob, tablet):
        [gone] = [m for m in engine.cache.messages(chat) if m.seq == seq]
        assert (gone.text, gone.deleted) == ("", True)
        assert engine.search(SECRET) == []
        await until(partial(keeps_no, engine, SECRET))


async def test_changes_wait_offline_and_across_a_restart(make_profile, engines):
    d = await group_of_alice_and_bob(make_profile, engines)
    laptop, bob, chat = d.laptop, d.bob, d.chat
    bob.send(chat, "hello")
    seq = await seq_of(laptop, chat, "hello")
    profile: Profile = await make_profile("alice", "desk")
    desk = await started(engines(profile))
    await seq_of(desk, chat, "hello")
    await desk.stop()

    reaction = desk.react(chat, seq, "👋")
    reply = desk.reply(chat, seq, "hi bob")
    assert (reaction.kind, reaction.target, reaction.state) == ("reaction", seq, "pending")
    [shown] = [m for m in desk.cache.messages(chat) if m.seq == seq]
    assert [(c.kind, c.state) for c in shown.changes] == [("reaction", "pending")]
    assert shown.reactions[0].emoji == "👋"  # shown as done while it waits
    desk.cache.close()

    again = await started(engines(profile))  # the outbox survived the restart
    await all_alike([again, laptop, bob], chat)
    [kept] = [m for m in laptop.cache.messages(chat) if m.seq == seq]
    assert {r.emoji: r.users for r in kept.reactions} == {"👋": ("alice",)}
    assert reply.client_id is not None
    [answer] = [m for m in bob.cache.messages(chat) if m.text == "hi bob"]
    assert answer.reply_to == seq and answer.quote is not None and answer.quote.text == "hello"


async def test_refused_changes_fail_and_can_be_retried_or_discarded(
    make_profile, engines, clients: ClientFactory
):
    profile = await make_profile("alice", "laptop", create=True)
    alice = await started(engines(profile))
    bob = await clients.register("bob")
    chat = (await alice.open_direct("bob")).id
    said = await bob.request(Send(channel=chat, client_id=new_id(), text="react to me"))
    await seq_of(alice, chat, "react to me")
    emoji = ["😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰",
             "😍", "🤩", "😘", "😗", "😚", "😙"]  # fmt: skip
    await alice.stop()
    change = alice.react(chat, said.seq, "👍")  # validated against what was known then
    for one in emoji:
        await bob.request(React(channel=chat, seq=said.seq, client_id=new_id(), emoji=one))
    changed: list[MessageChanged] = []
    alice = engines(profile)
    alice.subscribe(lambda e: changed.append(e) if isinstance(e, MessageChanged) else None)
    await alice.start()

    assert change.client_id is not None
    await until(lambda: alice.cache.outbox()[0].state == "failed")
    [failed] = alice.cache.outbox()
    assert failed.error is not None and "20" in failed.error
    [message] = [m for m in alice.cache.messages(chat) if m.seq == said.seq]
    assert "👍" not in {r.emoji for r in message.reactions} and len(message.reactions) == 20
    assert message.changes == (failed,)
    assert changed and changed[-1].message.seq == said.seq

    with pytest.raises(ChangeRefused, match="20 different emoji"):
        alice.react(chat, said.seq, "🙈")  # known now: refused before queueing
    alice.retry(change.client_id)
    await until(lambda: alice.cache.outbox()[0].state == "failed")
    alice.discard(change.client_id)
    assert alice.cache.outbox() == []
    [message] = [m for m in alice.cache.messages(chat) if m.seq == said.seq]
    assert message.changes == ()


def deleted(engine: SyncEngine, chat: int, seq: int) -> bool:
    message = engine.cache.message(chat, seq)
    return message is not None and message.deleted


async def test_mistakes_are_refused_before_queueing(make_profile, engines):
    d = await group_of_alice_and_bob(make_profile, engines)
    laptop, bob, chat = d.laptop, d.bob, d.chat
    bob.send(chat, "bob's")
    theirs = await seq_everywhere([laptop, bob], chat, "bob's")
    carol = await started(engines(await make_profile("carol", "laptop", create=True)))
    await laptop.add_members(chat, ["carol"])
    await until(lambda: carol.cache.channel(chat) is not None)
    await carol.fill(chat, 1, theirs)
    with pytest.raises(ChangeRefused, match="you can edit only yours"):
        laptop.edit(chat, theirs, "mine now")
    with pytest.raises(ChangeRefused, match="you can delete only yours, or any in a group"):
        carol.delete(chat, theirs)
    with pytest.raises(ChangeRefused, match="'x' is not one emoji"):
        laptop.react(chat, theirs, "x")
    with pytest.raises(ChangeRefused, match=r"not a message of this chat: it is the chat.s start"):
        laptop.react(chat, 1, "👍")  # the group's creation
    with pytest.raises(ChangeRefused, match="there is no message 99"):
        laptop.reply(chat, 99, "hm")
    with pytest.raises(ValueError, match="needs some visible text"):
        laptop.reply(chat, theirs, "   ")
    bob.delete(chat, theirs)
    await until(lambda: deleted(laptop, chat, theirs))
    with pytest.raises(ChangeRefused, match="was deleted"):
        laptop.reply(chat, theirs, "too late")
    assert laptop.cache.outbox() == []


def unread_mentions(engine: SyncEngine, chat: int) -> int | None:
    channel = engine.cache.channel(chat)
    return channel.unread_mentions if channel is not None else None


async def test_an_unread_mention_counts_until_read_on_any_device(make_profile, engines):
    d = await group_of_alice_and_bob(make_profile, engines)
    told: list[UnreadChanged] = []
    d.phone.subscribe(lambda e: told.append(e) if isinstance(e, UnreadChanged) else None)
    d.bob.send(d.chat, "@alice, look")
    d.bob.send(d.chat, "and @bob too")
    for engine in (d.laptop, d.phone):
        await until(partial(lambda e: unread_mentions(e, d.chat) == 1, engine))
    assert any(e.unread_mentions == 1 for e in told)
    [message] = [m for m in d.phone.cache.messages(d.chat) if m.text == "@alice, look"]
    assert message.mentions_me and message.mentions[0].user == "alice"
    d.laptop.mark_read(d.chat)
    await until(lambda: unread_mentions(d.phone, d.chat) == 0)
    assert any(e.read_elsewhere and e.unread_mentions == 0 for e in told)
    assert told[-1].unread_mentions == 0
